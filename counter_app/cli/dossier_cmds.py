"""counter-admin dossier show|transition: read a dossier with its history, move it through the workflow."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from sqlalchemy import select

from counter_app.cli import common
from counter_app.cli.intake_cmds import CLI_FULL_NAME, CLI_USERNAME, _local_datetime_arg
from counter_app.clock import SystemClock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import intake, users, workflow
from counter_app.storage.models import User


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value is not None else None


def _shown(value: datetime | None) -> str:
    return f"{value:%H:%M %d/%m/%Y}" if value is not None else "—"


def _fee_arg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            _("số tiền “{text}” phải là số nguyên không âm (đồng)").format(text=text)
        )
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `dossier show` and `dossier transition`."""
    dossier = sub.add_parser("dossier", help=_("xem hồ sơ và chuyển trạng thái xử lý"))
    dossier_sub = dossier.add_subparsers(dest="dossier_command", metavar=_("LỆNH"))
    dossier_sub.required = True

    show = dossier_sub.add_parser("show", help=_("xem thông tin, ngày hẹn và quá trình xử lý của hồ sơ"))
    common.add_db_option(show)
    show.add_argument("code", metavar=_("MÃ_HỒ_SƠ"))
    show.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    show.set_defaults(func=run_show)

    move = dossier_sub.add_parser(
        "transition",
        help=_("chuyển trạng thái hồ sơ"),
        description=_("Chuyển hồ sơ sang bước tiếp theo; người thực hiện là tài khoản hệ thống “cli”."),
    )
    common.add_db_option(move)
    move.add_argument("code", metavar=_("MÃ_HỒ_SƠ"))
    move.add_argument("--to", required=True, choices=list(workflow.TRANSITIONS), metavar=_("THAO_TÁC"))
    move.add_argument(
        "--reason", default="", help=_("lý do (bắt buộc khi bổ sung, rút, dừng, từ chối, gia hạn)")
    )
    move.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar=_("GIẤY_TỜ"),
        help=_("giấy tờ cần bổ sung (lặp lại)"),
    )
    move.add_argument(
        "--at",
        type=_local_datetime_arg,
        default=None,
        metavar="NNNN-TT-NNTgg:pp",
        help=_("thời điểm (mặc định: bây giờ)"),
    )
    move.add_argument(
        "--new-appointment",
        type=_local_datetime_arg,
        default=None,
        metavar="NNNN-TT-NNTgg:pp",
        help=_("ngày hẹn trả mới khi gia hạn (Mẫu 04)"),
    )
    move.add_argument("--collector", default="", help=_("người nhận kết quả (mặc định: chủ hồ sơ)"))
    move.add_argument("--collector-id", default="", help=_("số giấy tờ của người nhận kết quả"))
    move.add_argument(
        "--fee", type=_fee_arg, default=0, metavar="N", help=_("phí, lệ phí thu khi trả (đồng)")
    )
    move.add_argument(
        "--override-by",
        default=None,
        metavar=_("TÊN_ĐĂNG_NHẬP"),
        help=_("lãnh đạo đồng ý gia hạn lần thứ hai"),
    )
    move.add_argument(
        "--department",
        default="",
        metavar=_("BỘ_PHẬN"),
        help=_("nơi nhận hồ sơ khi chuyển xử lý (mặc định: nơi đã chuyển lần trước, hoặc theo danh mục)"),
    )
    move.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    move.set_defaults(func=run_transition)


def run_show(args: argparse.Namespace) -> int:
    """Print the dossier's data, status, appointments and timeline."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            detail = intake.get_dossier_by_code(session, args.code)
            timeline = workflow.dossier_timeline(session, args.code)
    finally:
        db.close()
    if args.json:
        data: dict[str, Any] = {
            "id": detail.id,
            "code": detail.code,
            "status": detail.status,
            "status_name": detail.status_name,
            "procedure_code": detail.procedure_code,
            "procedure_name": detail.procedure_name,
            "applicant_name": detail.applicant.full_name,
            "applicant_id_number": detail.applicant.id_number,
            "received_local": _iso(detail.received_local),
            "appointment_local": _iso(detail.appointment_local),
            "printed_appointment_local": _iso(detail.printed_appointment_local),
            "version": detail.version,
            "timeline": [
                {
                    "seq": t.seq,
                    "kind": t.kind,
                    "label": t.label,
                    "status_from": t.status_from,
                    "status_to": t.status_to,
                    "status_to_name": t.status_to_name,
                    "at_local": _iso(t.at_local),
                    "user_name": t.user_name,
                    "note": t.note,
                    "step_deadline_local": _iso(t.step_deadline_local),
                }
                for t in timeline
            ],
        }
        common.print_json(data)
        return common.EXIT_OK
    print(_("Mã hồ sơ: {code}").format(code=detail.code))
    print(
        _("Thủ tục: {procedure_name} ({procedure_code})").format(
            procedure_name=detail.procedure_name, procedure_code=detail.procedure_code
        )
    )
    print(_("Chủ hồ sơ: {full_name}").format(full_name=detail.applicant.full_name))
    print(_("Trạng thái: {status_name}").format(status_name=detail.status_name))
    print(_("Tiếp nhận: {shown}").format(shown=_shown(detail.received_local)))
    appointment = _shown(detail.appointment_local) if detail.appointment_local else _("tạm dừng / chưa có")
    print(_("Hẹn trả: {appointment}").format(appointment=appointment))
    print(_("Hẹn trả đã in: {shown}").format(shown=_shown(detail.printed_appointment_local)))
    print(_("Quá trình xử lý:"))
    for t in timeline:
        line = f"  {t.seq}. {_shown(t.at_local)}  {t.label}"
        if t.status_to is not None and t.status_to != t.status_from:
            line += f" → {t.status_to_name}"
        if t.user_name:
            line += f" ({t.user_name})"
        if t.note:
            line += f": {t.note}"
        print(line)
    return common.EXIT_OK


def run_transition(args: argparse.Namespace) -> int:
    """Apply one workflow action as the system user "cli"; one line says what changed."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            actor = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
            override: str | None = None
            if args.override_by:
                found = session.scalar(
                    select(User).where(User.username == users.normalise_username(args.override_by))
                )
                if found is None:
                    raise UserFacingError(
                        _("Không có người dùng “{override_by}”.").format(override_by=args.override_by)
                    )
                override = found.id
            result = workflow.transition(
                session,
                clock,
                args.code,
                args.to,
                actor.id,
                at_local=args.at,
                reason=args.reason,
                missing=args.missing,
                new_appointment_local=args.new_appointment,
                collector_name=args.collector,
                collector_id_number=args.collector_id,
                fee_collected=args.fee,
                override_by=override,
                department=args.department,
            )
    finally:
        db.close()
    if args.json:
        common.print_json(
            {
                "code": result.code,
                "action": result.action,
                "status_from": result.status_from,
                "status_to": result.status_to,
                "status_name": intake.STATUS_NAMES[result.status_to],
                "appointment_local": _iso(result.appointment_local),
                "timeliness": result.timeliness.value if result.timeliness else None,
                "seq": result.seq,
                "version": result.version,
            }
        )
        return common.EXIT_OK
    text = f"{result.code}: {_(workflow.ACTION_LABELS[result.action])} → {_(intake.STATUS_NAMES[result.status_to])}"
    text += (
        _("; hẹn trả {shown}").format(shown=_shown(result.appointment_local))
        if result.appointment_local
        else ""
    )
    text += f"; {result.timeliness.label}" if result.timeliness else ""
    print(text + ".")
    return common.EXIT_OK
