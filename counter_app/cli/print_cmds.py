"""counter-admin print receipt|supplement|refusal|control-slip|apology: the printed forms as PDF files."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.cli import common
from counter_app.cli.intake_cmds import CLI_FULL_NAME, CLI_USERNAME
from counter_app.clock import SystemClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import forms, intake, users
from counter_app.storage.models import Procedure


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `print receipt`, `supplement`, `refusal`, `control-slip` and `apology`."""
    printing = sub.add_parser(
        "print",
        help="in giấy tiếp nhận (Mẫu 01), phiếu bổ sung (Mẫu 02), từ chối (Mẫu 03), "
        "phiếu kiểm soát, phiếu xin lỗi (Mẫu 04)",
    )
    forms_sub = printing.add_subparsers(dest="print_command", metavar="MẪU")
    forms_sub.required = True

    receipt = forms_sub.add_parser(
        "receipt",
        help="in Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01) của một hồ sơ đã tiếp nhận",
        description="Lần in đầu được ghi nhận; mỗi lần in lại phải có lý do (--reason) và được ghi nhật ký.",
    )
    receipt.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ, ví dụ 000.00.31.H12-240614-1001")
    _add_common(receipt)
    receipt.add_argument("--reason", default=None, help="lý do in lại (bắt buộc từ lần in thứ hai)")
    receipt.set_defaults(func=run_receipt)

    supplement = forms_sub.add_parser(
        "supplement",
        help="lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02) ngay tại quầy",
        description="Không tạo hồ sơ, không cấp mã: ghi nhật ký và in phiếu liệt kê mọi giấy tờ còn thiếu.",
    )
    _add_notice_args(supplement)
    supplement.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar="GIẤY_TỜ",
        help="một giấy tờ cần bổ sung (lặp lại cho từng giấy tờ)",
    )
    supplement.add_argument("--note", default="", help="lý do yêu cầu bổ sung (tùy chọn)")
    supplement.set_defaults(func=run_supplement)

    refusal = forms_sub.add_parser(
        "refusal",
        help="lập Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03) ngay tại quầy",
        description="Không tạo hồ sơ, không cấp mã: ghi nhật ký và in phiếu với lý do từ chối.",
    )
    _add_notice_args(refusal)
    refusal.add_argument("--reason", required=True, help="lý do không tiếp nhận")
    refusal.set_defaults(func=run_refusal)

    slip = forms_sub.add_parser(
        "control-slip",
        help="in Phiếu kiểm soát quá trình giải quyết hồ sơ của một hồ sơ",
        description="Dòng giao nhận đầu tiên lấy từ lần chuyển xử lý; in lại chỉ ghi đè bản lưu.",
    )
    slip.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    _add_common(slip)
    slip.set_defaults(func=run_control_slip)

    apology = forms_sub.add_parser(
        "apology",
        help="in Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) của lần gia hạn gần nhất",
        description="Chỉ in được khi hồ sơ đã được gia hạn (dossier transition --to extended).",
    )
    apology.add_argument("code", metavar="MÃ_HỒ_SƠ", help="mã hồ sơ")
    _add_common(apology)
    apology.set_defaults(func=run_apology)


def _add_common(parser: argparse.ArgumentParser) -> None:
    common.add_db_option(parser)
    parser.add_argument("--out", type=Path, required=True, metavar="TỆP.pdf", help="nơi ghi bản PDF")


def _add_notice_args(parser: argparse.ArgumentParser) -> None:
    _add_common(parser)
    parser.add_argument("--procedure", required=True, metavar="MÃ", help="mã thủ tục trong danh mục")
    parser.add_argument("--name", required=True, help="họ và tên người nộp hồ sơ")
    parser.add_argument("--id-number", default="", help="số CCCD/định danh cá nhân (tùy chọn)")
    parser.add_argument("--address", default="", help="địa chỉ in trên phiếu")
    parser.add_argument("--phone", default="", help="số điện thoại in trên phiếu")
    parser.add_argument("--email", default="", help="thư điện tử in trên phiếu")


def run_receipt(args: argparse.Namespace) -> int:
    """Print (or reprint, with --reason) the receipt of a saved dossier; the PDF goes to --out."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
            try:
                printed = forms.print_receipt(session, clock, args.code, clerk.id, args.reason)
            except FieldErrors as exc:
                if "reprint_reason" not in exc.errors:
                    raise
                raise UserFacingError(
                    f"Giấy tiếp nhận của hồ sơ {args.code.strip()} đã được in; muốn in lại hãy ghi lý do "
                    'bằng --reason "…" (ví dụ: công dân làm mất giấy hẹn).'
                ) from None
    finally:
        db.close()
    # After the commit: the print is on record and kept under forms/, whatever happens to --out.
    _save_copy(args.out, printed)
    what = f"Đã in lại lần {_reprint_number(printed)}" if printed.reprint else "Đã in"
    print(f"{what} giấy tiếp nhận hồ sơ {args.code.strip()} (2 liên): {args.out}")
    return common.EXIT_OK


def run_supplement(args: argparse.Namespace) -> int:
    """Record a supplement request at the counter and write its Mẫu 02 to --out."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
            notice = intake.request_supplement_at_intake(
                session,
                clock,
                clerk_id=clerk.id,
                procedure_id=_procedure_id(session, args.procedure),
                applicant_name=args.name,
                applicant_id_number=args.id_number,
                missing=args.missing,
                note=args.note,
            )
            printed = forms.supplement_pdf(
                session, notice, address=args.address, phone=args.phone, email=args.email
            )
    finally:
        db.close()
    _save_copy(args.out, printed)
    print(
        f"Đã lập phiếu yêu cầu bổ sung ({len(notice.missing)} giấy tờ) cho {notice.applicant_name}: {args.out}"
    )
    return common.EXIT_OK


def run_refusal(args: argparse.Namespace) -> int:
    """Record a refusal at the counter and write its Mẫu 03 to --out."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
            notice = intake.refuse_intake(
                session,
                clock,
                clerk_id=clerk.id,
                procedure_id=_procedure_id(session, args.procedure),
                applicant_name=args.name,
                applicant_id_number=args.id_number,
                reason=args.reason,
            )
            printed = forms.refusal_pdf(
                session, notice, address=args.address, phone=args.phone, email=args.email
            )
    finally:
        db.close()
    _save_copy(args.out, printed)
    print(f"Đã lập phiếu từ chối tiếp nhận hồ sơ của {notice.applicant_name}: {args.out}")
    return common.EXIT_OK


def run_control_slip(args: argparse.Namespace) -> int:
    """Write the Phiếu kiểm soát of a dossier to --out (kept under forms/ as well)."""
    printed = _print_dossier_form(args, forms.control_slip_pdf)
    _save_copy(args.out, printed)
    print(f"Đã in phiếu kiểm soát hồ sơ {args.code.strip()}: {args.out}")
    return common.EXIT_OK


def run_apology(args: argparse.Namespace) -> int:
    """Write Mẫu 04 of the dossier's latest extension to --out; refused when it was never extended."""
    printed = _print_dossier_form(args, forms.apology_pdf)
    _save_copy(args.out, printed)
    print(f"Đã in phiếu xin lỗi và hẹn lại ngày trả (Mẫu 04) hồ sơ {args.code.strip()}: {args.out}")
    return common.EXIT_OK


def _print_dossier_form(
    args: argparse.Namespace, make: Callable[[Session, str], forms.PrintedForm]
) -> forms.PrintedForm:
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            return make(session, args.code.strip())
    finally:
        db.close()


def _procedure_id(session: Session, code: str) -> int:
    procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == code.strip()))
    if procedure_id is None:
        raise UserFacingError(f"Không có thủ tục mã {code.strip()} trong danh mục.")
    return int(procedure_id)


def _reprint_number(printed: forms.PrintedForm) -> str:
    return printed.path.stem.rsplit("-", 1)[-1]


def _save_copy(out: Path, printed: forms.PrintedForm) -> None:
    """Write the PDF to --out; if that fails, say where the kept copy is."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        forms.write_atomically(out, printed.pdf)
    except OSError as exc:
        raise UserFacingError(
            f"Đã ghi nhận lần in nhưng không ghi được {out} ({exc.strerror or exc}); bản lưu ở {printed.path}."
        ) from None
