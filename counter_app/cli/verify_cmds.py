"""counter-admin verify: check the database (file, audit chain, codes, events, outbox); non-zero on any error."""

from __future__ import annotations

import argparse
import sys

from counter_app.cli import common
from counter_app.i18n import _
from counter_app.services.verify import verify
from counter_app.storage.connect import is_encrypted, sqlite_library, sqlite_warning
from counter_app.storage.database import open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `verify`."""
    parser = sub.add_parser(
        "verify",
        help=_("kiểm tra toàn vẹn: tệp, chuỗi nhật ký kiểm toán, mã hồ sơ, sự kiện, hàng đợi đồng bộ"),
    )
    common.add_db_option(parser)
    parser.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    parser.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Read-only (no instance lock: the app may be running); exit 1 when any check finds an error."""
    db = open_database(common.db_path(args), lock=False, migrate=False, check=False)
    try:
        with db.read() as session:
            report = verify(session)
    finally:
        db.close()
    encrypted = is_encrypted(common.db_path(args))
    warning = sqlite_warning(encrypted=encrypted)
    if args.json:
        version, safe = sqlite_library(encrypted=encrypted)
        common.print_json({**report.to_json(), "sqlite": {"version": version, "safe": safe}})
    else:
        if warning:
            print(warning, file=sys.stderr)
        for check in report.checks:
            mark = _("ĐẠT ") if check.errors == 0 else _("LỖI ")
            print(
                _("[{mark}] {title} ({examined} mục)").format(
                    mark=mark, title=check.title, examined=check.examined
                )
            )
            for finding in check.findings:
                label = _("lỗi") if finding.severity == "error" else _("lưu ý")
                print(f"    - {label}: {finding.message}")
                if finding.rows:
                    print(f"      ({', '.join(finding.rows[:10])}{' …' if len(finding.rows) > 10 else ''})")
        print(
            _("Kết quả: không phát hiện lỗi.")
            if report.ok
            else _("Kết quả: CÓ LỖI — xem các dòng LỖI ở trên.")
        )
    return common.EXIT_OK if report.ok else common.EXIT_ERROR
