"""counter-admin encryption … and forms purge: at-rest encryption of the database and the PDF spool."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from counter_app import settings
from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.services.audit import append_audit
from counter_app.services.forms import forms_dir
from counter_app.services.spool import purge_forms
from counter_app.settings import FORMS_KEEP_DAYS
from counter_app.storage import encryption, keyfile, keystore
from counter_app.storage.connect import key_for
from counter_app.storage.database import open_database
from counter_app.storage.fileinfo import FileKind, inspect_file

KEY_ADVICE = N_(
    "Hãy xuất tệp khoá ngay (counter-admin encryption export-key TỆP) và cất ở nơi an toàn, tách khỏi máy: "
    "nếu Windows của máy này được cài lại hoặc tài khoản bị xoá, chỉ tệp khoá mở lại được dữ liệu."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `encryption status|enable|disable|export-key|import-key` and `forms purge`."""
    group = sub.add_parser("encryption", help=_("mã hoá cơ sở dữ liệu khi lưu trên đĩa (SQLCipher)"))
    commands = group.add_subparsers(dest="encryption_command", metavar=_("LỆNH"))
    commands.required = True
    status = commands.add_parser("status", help=_("CSDL có được mã hoá không, máy này có khoá không"))
    status.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    status.set_defaults(func=run_status)
    enable = commands.add_parser("enable", help=_("mã hoá CSDL đang dùng (phần mềm phải đang đóng)"))
    enable.add_argument(
        "--keep-plain",
        action="store_true",
        help=_("giữ bản chưa mã hoá trong backups/ (chứa dữ liệu cá nhân; mặc định: ghi đè rồi xoá)"),
    )
    enable.set_defaults(func=run_enable)
    disable = commands.add_parser("disable", help=_("bỏ mã hoá (chỉ dùng khi hỗ trợ kỹ thuật)"))
    disable.set_defaults(func=run_disable)
    export = commands.add_parser("export-key", help=_("xuất khoá ra tệp, bảo vệ bằng mật khẩu"))
    export.add_argument("file", type=Path, help=_("tệp khoá sẽ tạo"))
    imported = commands.add_parser("import-key", help=_("nhập khoá từ tệp vào kho khoá của máy này"))
    imported.add_argument("file", type=Path, help=_("tệp khoá đã xuất"))
    for command in (export, imported):
        command.add_argument(
            "--passphrase-stdin", action="store_true", help=_("đọc mật khẩu tệp khoá từ stdin")
        )
    export.set_defaults(func=run_export_key)
    imported.set_defaults(func=run_import_key)
    for command in (status, enable, disable, export, imported):
        common.add_db_option(command)

    forms = sub.add_parser("forms", help=_("tệp PDF biểu mẫu đã in"))
    forms_commands = forms.add_subparsers(dest="forms_command", metavar=_("LỆNH"))
    forms_commands.required = True
    purge = forms_commands.add_parser("purge", help=_("xoá tệp PDF đã in cũ hơn số ngày cài đặt"))
    common.add_db_option(purge)
    purge.add_argument(
        "--days", type=int, default=None, help=_("giữ bao nhiêu ngày (mặc định: cài đặt forms.keep_days)")
    )
    purge.set_defaults(func=run_purge)


def _audit(path: Path, action: str, detail: dict[str, Any]) -> None:
    """Record the operation in the database's own audit trail (by the administrator at the console)."""
    db = open_database(path)
    try:
        with db.write() as session:
            append_audit(session, SystemClock(), None, action, "database", path.name, detail)
    finally:
        db.close()


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    if args.passphrase_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("Mật khẩu bảo vệ tệp khoá: "))
    if confirm:
        keyfile.check_passphrase(first)
        if getpass.getpass(_("Nhập lại mật khẩu: ")) != first:
            raise UserFacingError(_("Hai lần nhập mật khẩu không giống nhau."))
    return first


def run_status(args: argparse.Namespace) -> int:
    """Print whether the database is encrypted and whether this PC can open it."""
    state = encryption.status(common.db_path(args))
    if args.json:
        common.print_json(
            {
                "path": str(state.path),
                "encrypted": state.encrypted,
                "key_id": state.key_id,
                "key_available": state.key_available,
                "plain_backups": [str(p) for p in state.plain_backups],
                "leftover": str(state.leftover) if state.leftover else None,
            }
        )
        return common.EXIT_OK
    if not state.encrypted:
        print(_("{path}: CHƯA mã hoá.").format(path=state.path))
    else:
        where = (
            _("có trong kho khoá của máy này")
            if state.key_available
            else _("KHÔNG có trong kho khoá của máy này")
        )
        print(
            _("{path}: đã mã hoá (SQLCipher), mã khoá {key_id}, khoá {where}.").format(
                path=state.path, key_id=state.key_id, where=where
            )
        )
    if state.plain_backups:
        print(
            _("{count} bản sao lưu chưa mã hoá trong backups/ (chứa dữ liệu cá nhân).").format(
                count=len(state.plain_backups)
            )
        )
    if state.leftover:
        print(
            _("Còn tệp cũ của lần chuyển đổi bị gián đoạn: {leftover} (chạy lại lệnh để dọn).").format(
                leftover=state.leftover
            )
        )
    return common.EXIT_OK


def run_enable(args: argparse.Namespace) -> int:
    """Encrypt the database in place; the app must be closed."""
    path = common.db_path(args)
    report = encryption.enable(path, keep_plain=args.keep_plain)
    _audit(path, "database_encryption_enabled", {"key_id": report.key_id, "kept_plain": args.keep_plain})
    print(
        _("Đã mã hoá {path} (mã khoá {key_id}); đã kiểm tra {sum} dòng dữ liệu.").format(
            path=path, key_id=report.key_id, sum=sum(report.rows.values())
        )
    )
    if report.kept_copy:
        print(
            _("Bản CHƯA mã hoá được giữ ở {kept_copy}: hãy xoá khi không cần nữa.").format(
                kept_copy=report.kept_copy
            )
        )
    else:
        print(_("Tệp chưa mã hoá đã được ghi đè và xoá."))
    if report.converted_backups:
        print(
            _("Đã mã hoá {count} bản sao lưu cũ bằng cùng khoá.").format(count=len(report.converted_backups))
        )
    print(_(KEY_ADVICE))
    return common.EXIT_OK


def run_disable(args: argparse.Namespace) -> int:
    """Decrypt the database in place (support); the key stays for the encrypted backups."""
    path = common.db_path(args)
    report = encryption.disable(path)
    _audit(path, "database_encryption_disabled", {"key_id": report.key_id})
    print(
        _("Đã bỏ mã hoá {path}; đã kiểm tra {sum} dòng dữ liệu.").format(
            path=path, sum=sum(report.rows.values())
        )
    )
    print(
        _("Khoá {key_id} vẫn ở kho khoá: các bản sao lưu đã mã hoá cần nó để mở.").format(
            key_id=report.key_id
        )
    )
    return common.EXIT_OK


def run_export_key(args: argparse.Namespace) -> int:
    """Write the database's key to a passphrase-protected file."""
    path = common.db_path(args)
    key = key_for(path)
    if key is None:
        return common.fail(_("{path} chưa được mã hoá; không có khoá để xuất.").format(path=path))
    passphrase = _passphrase(args, confirm=True)
    keyfile.export_key(key, args.file, passphrase, label=path.name, now=datetime.now(UTC))
    _audit(path, "encryption_key_exported", {"key_id": key.id_hex, "file": args.file.name})
    print(
        _("Đã xuất khoá {id_hex} ra {file}. Cất tệp và mật khẩu ở hai nơi khác nhau.").format(
            id_hex=key.id_hex, file=args.file
        )
    )
    return common.EXIT_OK


def run_import_key(args: argparse.Namespace) -> int:
    """Put a key file's key into this PC's credential store (checked against the database if it exists)."""
    path = common.db_path(args)
    key = keyfile.import_key(args.file, _passphrase(args, confirm=False))
    info = inspect_file(path)
    if info.kind is FileKind.ENCRYPTED and info.key_id != key.key_id:
        assert info.key_id is not None
        return common.fail(
            _("tệp khoá là khoá {id_hex}, còn {path} cần khoá {hex}.").format(
                id_hex=key.id_hex, path=path, hex=info.key_id.hex()
            )
        )
    keystore.save_key(key)
    print(_("Đã nhập khoá {id_hex} vào kho khoá của máy này.").format(id_hex=key.id_hex))
    if info.kind is FileKind.ENCRYPTED:
        _audit(path, "encryption_key_imported", {"key_id": key.id_hex})
        print(_("{path} mở được trên máy này.").format(path=path))
    return common.EXIT_OK


def run_purge(args: argparse.Namespace) -> int:
    """Delete printed PDFs older than --days (or the counter's setting)."""
    days: int | None = args.days
    if days is not None:
        problem = FORMS_KEEP_DAYS.check(days) if FORMS_KEEP_DAYS.check else None
        if problem:
            return common.fail(f"--days: {problem}", common.EXIT_USAGE)
    else:
        db = common.open_for(args, write=False)
        try:
            with db.read() as session:
                days = settings.get(session, FORMS_KEEP_DAYS)
        finally:
            db.close()
    removed = purge_forms(forms_dir(), datetime.now(UTC), days)
    print(
        _("Đã xoá {removed} tệp PDF đã in cũ hơn {days} ngày trong {forms_dir}.").format(
            removed=removed, days=days, forms_dir=forms_dir()
        )
    )
    return common.EXIT_OK
