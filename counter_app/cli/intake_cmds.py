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
from counter_app.services import appointment, users
from counter_app.services.cccd import split_address
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.models import Procedure

CLI_USERNAME = "cli"
CLI_FULL_NAME = "Dòng lệnh (counter-admin)"


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày “{text}” phải viết dạng NNNN-TT-NN, ví dụ 1990-09-05"
        ) from None


def _local_datetime_arg(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None:
        raise argparse.ArgumentTypeError(
            f"thời điểm “{text}” phải viết dạng NNNN-TT-NNTgg:pp (giờ Việt Nam), ví dụ 2024-06-15T09:30"
        )
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `receive` and `user add|list`."""
    receive = sub.add_parser(
        "receive",
        help="tiếp nhận một hồ sơ như ở quầy; dòng cuối in mã hồ sơ",
        description="Tiếp nhận hồ sơ với đủ giấy tờ theo danh mục của thủ tục; người tiếp nhận là tài khoản hệ thống “cli”.",
    )
    common.add_db_option(receive)
    receive.add_argument("--procedure", required=True, metavar="MÃ", help="mã thủ tục trong danh mục")
    receive.add_argument("--name", required=True, help="họ và tên người nộp (chủ hồ sơ)")
    receive.add_argument(
        "--id-number", required=True, help="số CCCD/định danh cá nhân (12 số) hoặc CMND (9 số)"
    )
    receive.add_argument("--birth-date", type=_date_arg, default=None, metavar="NNNN-TT-NN", help="ngày sinh")
    receive.add_argument("--phone", default="", help="số điện thoại")
    receive.add_argument("--address", default="", help="địa chỉ: “số nhà/thôn, xã/phường, tỉnh/thành phố”")
    receive.add_argument(
        "--received",
        type=_local_datetime_arg,
        default=None,
        metavar="NNNN-TT-NNTgg:pp",
        help="thời điểm tiếp nhận, giờ Việt Nam (mặc định: bây giờ)",
    )
    receive.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    receive.set_defaults(func=run_receive)

    user = sub.add_parser("user", help="quản lý người dùng (thêm, liệt kê)")
    user_sub = user.add_subparsers(dest="user_command", metavar="LỆNH")
    user_sub.required = True
    add = user_sub.add_parser("add", help="thêm người dùng")
    common.add_db_option(add)
    add.add_argument("--username", required=True, help="tên đăng nhập")
    add.add_argument("--full-name", required=True, help="họ và tên")
    add.add_argument("--role", required=True, choices=users.ROLES, help="vai trò")
    add.add_argument(
        "--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của đầu vào chuẩn (không hỏi)"
    )
    add.set_defaults(func=run_user_add)
    listing = user_sub.add_parser("list", help="liệt kê người dùng")
    common.add_db_option(listing)
    listing.add_argument("--json", action="store_true", help="in dạng JSON")
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
                    f"Không có thủ tục mã {args.procedure} trong danh mục (hoặc thủ tục đã ngừng áp dụng)."
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
        print(f"Đã tiếp nhận hồ sơ: {procedure_name}")
        print(f"Tiếp nhận lúc: {result.received_local:%H:%M %d/%m/%Y}")
        print(f"Hẹn trả kết quả: {result.appointment_local:%H:%M %d/%m/%Y}")
        print(result.code)
    return common.EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise UserFacingError("Hai lần nhập mật khẩu không giống nhau.")
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
    print(f"Đã thêm người dùng {created.username} ({created.full_name}, {users.ROLE_LABELS[created.role]}).")
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
        state = "đang hoạt động" if u.active else "ngừng hoạt động"
        if u.locked_until_utc is not None and u.locked_until_utc > now:
            state += f", khóa đến {utc_to_local(u.locked_until_utc):%H:%M}"
        print(f"{u.username}\t{u.full_name}\t{users.ROLE_LABELS[u.role]}\t{state}")
    return common.EXIT_OK
