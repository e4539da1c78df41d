"""counter-admin verify: check the database (file, audit chain, codes, events, outbox); non-zero on any error."""

from __future__ import annotations

import argparse

from counter_app.cli import common
from counter_app.services.verify import verify
from counter_app.storage.database import open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `verify`."""
    parser = sub.add_parser(
        "verify",
        help="kiểm tra toàn vẹn: tệp, chuỗi nhật ký kiểm toán, mã hồ sơ, sự kiện, hàng đợi đồng bộ",
    )
    common.add_db_option(parser)
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    parser.set_defaults(func=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Read-only (no instance lock: the app may be running); exit 1 when any check finds an error."""
    db = open_database(common.db_path(args), lock=False, migrate=False, check=False)
    try:
        with db.read() as session:
            report = verify(session)
    finally:
        db.close()
    if args.json:
        common.print_json(report.to_json())
    else:
        for check in report.checks:
            mark = "ĐẠT " if check.errors == 0 else "LỖI "
            print(f"[{mark}] {check.title} ({check.examined} mục)")
            for finding in check.findings:
                label = "lỗi" if finding.severity == "error" else "lưu ý"
                print(f"    - {label}: {finding.message}")
                if finding.rows:
                    print(f"      ({', '.join(finding.rows[:10])}{' …' if len(finding.rows) > 10 else ''})")
        print("Kết quả: không phát hiện lỗi." if report.ok else "Kết quả: CÓ LỖI — xem các dòng LỖI ở trên.")
    return common.EXIT_OK if report.ok else common.EXIT_ERROR
