"""counter-admin backup / restore / codes release: copies of the database, and getting one back safely."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

from counter_app.cli import common
from counter_app.clock import SystemClock, utc_to_local
from counter_app.i18n import N_, _
from counter_app.services import users
from counter_app.services.restore import release_with_last_code, restore_database
from counter_app.storage.backup import daily_backup_if_due, list_backups, rotate, take_backup

KIND_LABELS = {
    "daily": N_("tự động hằng ngày"),
    "manual": N_("thủ công"),
    "before-migration": N_("trước khi nâng cấp"),
    "before-restore": N_("trước khi khôi phục"),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup`, `restore` and `codes release`."""
    backup = sub.add_parser("backup", help=_("sao lưu cơ sở dữ liệu (chạy được khi phần mềm đang mở)"))
    common.add_db_option(backup)
    mode = backup.add_mutually_exclusive_group()
    mode.add_argument(
        "--out", type=Path, default=None, help=_("tệp sao lưu (mặc định: thư mục backups/ cạnh CSDL)")
    )
    mode.add_argument(
        "--auto",
        action="store_true",
        help=_("sao lưu hằng ngày nếu 24 giờ qua chưa có, rồi dọn bản cũ (lịch chạy)"),
    )
    mode.add_argument("--list", action="store_true", help=_("liệt kê các bản sao lưu"))
    backup.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    backup.set_defaults(func=run_backup)

    restore = sub.add_parser(
        "restore", help=_("khôi phục cơ sở dữ liệu từ bản sao lưu (phần mềm phải đang đóng)")
    )
    common.add_db_option(restore)
    restore.add_argument("--from", dest="source", type=Path, required=True, help=_("tệp sao lưu"))
    restore.set_defaults(func=run_restore)

    codes = sub.add_parser("codes", help=_("cấp mã hồ sơ sau khi khôi phục"))
    codes_sub = codes.add_subparsers(dest="codes_command", metavar=_("LỆNH"))
    codes_sub.required = True
    release = codes_sub.add_parser(
        "release", help=_("cho cấp mã trở lại trên quầy không đồng bộ được, theo mã cuối cùng đã in")
    )
    common.add_db_option(release)
    which = release.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--last-code", help=_("mã hồ sơ cuối cùng đã in trên giấy tiếp nhận (sau bản sao lưu)")
    )
    which.add_argument(
        "--none", action="store_true", help=_("xác nhận không có mã nào được cấp sau bản sao lưu")
    )
    release.add_argument("--admin", required=True, help=_("tên đăng nhập của quản trị xác nhận"))
    release.add_argument("--password-stdin", action="store_true", help=_("đọc mật khẩu quản trị từ stdin"))
    release.set_defaults(func=run_release)


def run_backup(args: argparse.Namespace) -> int:
    """A checked copy now (or the daily one if due, or the list)."""
    source = common.db_path(args)
    if args.list:
        found = list_backups(source)
        if args.json:
            common.print_json(
                [
                    {"path": str(b.path), "kind": b.kind, "taken_at": b.taken_at.isoformat(), "size": b.size}
                    for b in found
                ]
            )
            return common.EXIT_OK
        if not found:
            print(_("Chưa có bản sao lưu nào."))
        for b in found:
            print(
                f"{utc_to_local(b.taken_at):%d/%m/%Y %H:%M}  {_(KIND_LABELS[b.kind]):<22} {b.size / 1e6:7.1f} MB  {b.path}"
            )
        return common.EXIT_OK
    now = datetime.now(UTC)
    if args.auto:
        info = daily_backup_if_due(source, now)
        if info is None:
            print(_("Đã có bản sao lưu trong 24 giờ qua; không sao lưu thêm."))
            return common.EXIT_OK
    else:
        info = take_backup(source, "manual", now=now, dest=args.out)
        if args.out is None:
            rotate(source, now.date())
    if args.json:
        common.print_json({"path": str(info.path), "kind": info.kind, "size": info.size})
    else:
        print(
            _("Đã sao lưu vào {path} ({value:.1f} MB).").format(path=info.path, value=info.size / 1_000_000)
        )
    return common.EXIT_OK


def run_restore(args: argparse.Namespace) -> int:
    """Swap in the backup (the app must be closed) and put code issuing on hold until it is safe."""
    db_path = common.db_path(args)
    taken = next(
        (b.taken_at for b in list_backups(db_path) if b.path.resolve() == args.source.resolve()), None
    )
    report = restore_database(db_path, args.source, SystemClock(), taken)
    print(
        _("Đã khôi phục {db_path} từ {restored_from} ({dossiers} hồ sơ).").format(
            db_path=db_path, restored_from=report.restored_from, dossiers=report.dossiers
        )
    )
    if report.kept_previous:
        print(
            _("Cơ sở dữ liệu trước đó được giữ nguyên ở {kept_previous}.").format(
                kept_previous=report.kept_previous
            )
        )
    print(
        _(
            "Việc cấp mã hồ sơ tạm dừng cho đến khi đồng bộ xong với máy chủ trung tâm (hoặc quản trị "
            "chạy: counter-admin codes release --last-code MÃ --admin TÊN)."
        )
    )
    return common.EXIT_OK


def run_release(args: argparse.Namespace) -> int:
    """An administrator vouches for the last code printed; the sequence is raised past it."""
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if args.password_stdin
        else getpass.getpass(_("Mật khẩu quản trị: "))
    )
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            result = users.authenticate(session, SystemClock(), args.admin, password, purpose="codes_release")
        admin = result.user_or_raise()  # after the commit: a failed attempt is counted and audited
        with db.write() as session:
            message = release_with_last_code(
                session, SystemClock(), admin.id, None if args.none else args.last_code
            )
    finally:
        db.close()
    print(message)
    return common.EXIT_OK
