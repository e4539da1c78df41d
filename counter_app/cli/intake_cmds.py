"""counter-admin receive and user: register a dossier as the desk would, and manage the counter's users."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, datetime

from sqlalchemy import select

from counter_app.cli import common
from counter_app.clock import SystemClock, utc_to_local
from counter_app.crashpoints import crash_point
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import appointment, users
from counter_app.services.cccd import split_address
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.models import Procedure

CLI_USERNAME = "cli"
CLI_FULL_NAME = "Dòng lệnh (counter-admin)"  # i18n: skip


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("ngày “{text}” phải viết dạng NNNN-TT-NN, ví dụ 1990-09-05").format(text=text)
        ) from None


def _local_datetime_arg(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None:
        raise argparse.ArgumentTypeError(
            _(
                "thời điểm “{text}” phải viết dạng NNNN-TT-NNTgg:pp (giờ Việt Nam), ví dụ 2024-06-15T09:30"
            ).format(text=text)
        )
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `receive` and `user add|list`."""
    receive = sub.add_parser(
        "receive",
        help=_("tiếp nhận một hồ sơ như ở quầy; dòng cuối in mã hồ sơ"),
        description=_(
            "Tiếp nhận hồ sơ với đủ giấy tờ theo danh mục của thủ tục; người tiếp nhận là tài khoản hệ "
            "thống “cli”."
        ),
    )
    common.add_db_option(receive)
    receive.add_argument("--procedure", required=True, metavar=_("MÃ"), help=_("mã thủ tục trong danh mục"))
    receive.add_argument("--name", required=True, help=_("họ và tên người nộp (chủ hồ sơ)"))
    receive.add_argument(
        "--id-number", required=True, help=_("số CCCD/định danh cá nhân (12 số) hoặc CMND (9 số)")
    )
    receive.add_argument(
        "--birth-date", type=_date_arg, default=None, metavar="NNNN-TT-NN", help=_("ngày sinh")
    )
    receive.add_argument("--phone", default="", help=_("số điện thoại"))
    receive.add_argument("--address", default="", help=_("địa chỉ: “số nhà/thôn, xã/phường, tỉnh/thành phố”"))
    receive.add_argument(
        "--received",
        type=_local_datetime_arg,
        default=None,
        metavar="NNNN-TT-NNTgg:pp",
        help=_("thời điểm tiếp nhận, giờ Việt Nam (mặc định: bây giờ)"),
    )
    receive.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    receive.set_defaults(func=run_receive)

    user = sub.add_parser("user", help=_("quản lý người dùng (thêm, liệt kê)"))
    user_sub = user.add_subparsers(dest="user_command", metavar=_("LỆNH"))
    user_sub.required = True
    add = user_sub.add_parser("add", help=_("thêm người dùng"))
    common.add_db_option(add)
    add.add_argument("--username", required=True, help=_("tên đăng nhập"))
    add.add_argument("--full-name", required=True, help=_("họ và tên"))
    add.add_argument("--role", required=True, choices=users.ROLES, help=_("vai trò"))
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help=_("đọc mật khẩu từ dòng đầu của đầu vào chuẩn (không hỏi)"),
    )
    add.set_defaults(func=run_user_add)
    listing = user_sub.add_parser("list", help=_("liệt kê người dùng"))
    common.add_db_option(listing)
    listing.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    listing.set_defaults(func=run_user_list)


def run_receive(args: argparse.Namespace) -> int:
    """Register one dossier with the procedure's whole checklist received; the code is the last line."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            procedure = session.scalar(select(Procedure).where(Procedure.code == args.procedure))
            if procedure is None or not procedure.active:
                raise UserFacingError(
                    _(
                        "Không có thủ tục mã {procedure} trong danh mục (hoặc thủ tục đã ngừng áp dụng)."
                    ).format(procedure=args.procedure)
                )
            clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
            received_local: datetime = args.received or utc_to_local(clock.now_utc())
            address = split_address(args.address)
            form = IntakeForm(
                procedure_id=procedure.id,
                full_name=args.name,
                id_number=args.id_number,
                birth_date=args.birth_date,
                phone=args.phone,
                address_street=address.street,
                address_commune=address.commune,
                address_province=address.province,
                documents=tuple(
                    DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                    for d in procedure.documents
                ),
            )
            result = appointment.receive_dossier(session, clock, form, clerk.id, received_local)
            procedure_name = procedure.name
    finally:
        db.close()
    # Committed but not yet reported: a crash here must neither lose the dossier nor reuse its code.
    crash_point("after_commit_before_print")
    if args.json:
        common.print_json(
            {
                "id": result.id,
                "code": result.code,
                "procedure_code": args.procedure,
                "procedure_name": procedure_name,
                "received_local": result.received_local.isoformat(timespec="minutes"),
                "received_at_utc": result.received_at_utc.isoformat(),
                "appointment_local": result.appointment_local.isoformat(timespec="minutes"),
            }
        )
    else:
        print(_("Đã tiếp nhận hồ sơ: {procedure_name}").format(procedure_name=procedure_name))
        print(
            _("Tiếp nhận lúc: {received_local:%H:%M %d/%m/%Y}").format(received_local=result.received_local)
        )
        print(
            _("Hẹn trả kết quả: {appointment_local:%H:%M %d/%m/%Y}").format(
                appointment_local=result.appointment_local
            )
        )
        print(result.code)
    return common.EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_("Mật khẩu: "))
    if getpass.getpass(_("Nhập lại mật khẩu: ")) != first:
        raise UserFacingError(_("Hai lần nhập mật khẩu không giống nhau."))
    return first


def run_user_add(args: argparse.Namespace) -> int:
    """Create a user; the password never appears on the command line."""
    password = _read_password(args.password_stdin)
    problem = users.check_password_rule(password)
    if problem:
        return common.fail(problem + ".")
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            created = users.create_user(
                session, SystemClock(), args.username, args.full_name, args.role, password
            )
    finally:
        db.close()
    print(
        _("Đã thêm người dùng {username} ({full_name}, {role}).").format(
            username=created.username,
            full_name=created.full_name,
            role=_(users.ROLE_LABELS[created.role]),
        )
    )
    return common.EXIT_OK


def run_user_list(args: argparse.Namespace) -> int:
    """List users with role and state; never shows password hashes."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            found = users.list_users(session)
    finally:
        db.close()
    now = SystemClock().now_utc()
    if args.json:
        common.print_json(
            [
                {
                    "id": u.id,
                    "username": u.username,
                    "full_name": u.full_name,
                    "role": u.role,
                    "active": u.active,
                    "locked_until_utc": u.locked_until_utc.isoformat() if u.locked_until_utc else None,
                }
                for u in found
            ]
        )
        return common.EXIT_OK
    for u in found:
        state = _("đang hoạt động") if u.active else _("ngừng hoạt động")
        if u.locked_until_utc is not None and u.locked_until_utc > now:
            state += _(", khóa đến {utc_to_local:%H:%M}").format(
                utc_to_local=utc_to_local(u.locked_until_utc)
            )
        print(f"{u.username}\t{u.full_name}\t{_(users.ROLE_LABELS[u.role])}\t{state}")
    return common.EXIT_OK
