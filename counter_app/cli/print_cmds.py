"""counter-admin print receipt|supplement|refusal|control-slip|apology|stop-notice: the forms as PDF files."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.cli import common
from counter_app.cli.intake_cmds import CLI_FULL_NAME, CLI_USERNAME
from counter_app.clock import SystemClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _
from counter_app.services import forms, intake, reprints, step_forms, users
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.storage.database import Database
from counter_app.storage.models import Procedure


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `print receipt`, `supplement`, `refusal`, `control-slip`, `apology` and `stop-notice`."""
    printing = sub.add_parser(
        "print",
        help=_(
            "in giấy tiếp nhận (Mẫu 01), phiếu bổ sung (Mẫu 02), từ chối (Mẫu 03), phiếu kiểm soát, phiếu "
            "xin lỗi (Mẫu 04), thông báo dừng giải quyết"
        ),
    )
    forms_sub = printing.add_subparsers(dest="print_command", metavar=_("MẪU"))
    forms_sub.required = True

    receipt = forms_sub.add_parser(
        "receipt",
        help=_("in Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01) của một hồ sơ đã tiếp nhận"),
        description=_(
            "Lần in đầu được ghi nhận; mỗi lần in lại phải có lý do (--reason) và được ghi nhật ký."
        ),
    )
    receipt.add_argument("code", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ, ví dụ 000.00.31.H12-240614-1001"))
    _add_common(receipt)
    receipt.add_argument("--reason", default=None, help=_("lý do in lại (bắt buộc từ lần in thứ hai)"))
    receipt.add_argument(
        "--approved-by",
        default=None,
        metavar=_("TÊN_ĐĂNG_NHẬP"),
        help=_("lãnh đạo duyệt in lại (mật khẩu được hỏi): bắt buộc khi in lại giấy đã giao cho công dân"),
    )
    receipt.add_argument(
        "--password-stdin", action="store_true", help=_("đọc mật khẩu lãnh đạo từ dòng đầu của đầu vào chuẩn")
    )
    receipt.set_defaults(func=run_receipt)

    supplement = forms_sub.add_parser(
        "supplement",
        help=_(
            "in Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): của hồ sơ đang xử lý, hoặc lập tại quầy"
        ),
        description=(
            _(
                "Với MÃ_HỒ_SƠ: in Mẫu 02 của lần yêu cầu bổ sung gần nhất trong quá trình xử lý (dossier "
                "transition --to supplement_requested). Không có mã: lập phiếu ngay tại quầy với "
                "--procedure, --name, --missing; không tạo hồ sơ, không cấp mã, chỉ ghi nhật ký."
            )
        ),
    )
    supplement.add_argument(
        "code", nargs="?", default="", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ (tùy chọn)")
    )
    _add_notice_args(supplement)
    supplement.add_argument(
        "--missing",
        action="append",
        default=[],
        metavar=_("GIẤY_TỜ"),
        help=_("một giấy tờ cần bổ sung (lặp lại cho từng giấy tờ)"),
    )
    supplement.add_argument("--note", default="", help=_("lý do yêu cầu bổ sung (tùy chọn)"))
    supplement.set_defaults(func=run_supplement)

    refusal = forms_sub.add_parser(
        "refusal",
        help=_(
            "in Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03): của hồ sơ bị từ chối, hoặc lập tại quầy"
        ),
        description=(
            _(
                "Với MÃ_HỒ_SƠ: in Mẫu 03 của hồ sơ đã bị từ chối giải quyết (dossier transition --to "
                "refused). Không có mã: lập phiếu ngay tại quầy với --procedure, --name, --reason; không "
                "tạo hồ sơ."
            )
        ),
    )
    refusal.add_argument("code", nargs="?", default="", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ (tùy chọn)"))
    _add_notice_args(refusal)
    refusal.add_argument("--reason", default="", help=_("lý do không tiếp nhận (khi lập tại quầy)"))
    refusal.set_defaults(func=run_refusal)

    slip = forms_sub.add_parser(
        "control-slip",
        help=_("in Phiếu kiểm soát quá trình giải quyết hồ sơ của một hồ sơ"),
        description=_("Dòng giao nhận đầu tiên lấy từ lần chuyển xử lý; in lại chỉ ghi đè bản lưu."),
    )
    slip.add_argument("code", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ"))
    _add_common(slip)
    slip.set_defaults(func=run_control_slip)

    apology = forms_sub.add_parser(
        "apology",
        help=_("in Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04) của lần gia hạn gần nhất"),
        description=_("Chỉ in được khi hồ sơ đã được gia hạn (dossier transition --to extended)."),
    )
    apology.add_argument("code", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ"))
    _add_common(apology)
    apology.set_defaults(func=run_apology)

    stop = forms_sub.add_parser(
        "stop-notice",
        help=_("in Thông báo dừng giải quyết hồ sơ của hồ sơ đã dừng xử lý hoặc rút"),
        description=_(
            "Chỉ in được khi hồ sơ đã dừng (dossier transition --to stopped) hoặc công dân đã rút."
        ),
    )
    stop.add_argument("code", metavar=_("MÃ_HỒ_SƠ"), help=_("mã hồ sơ"))
    _add_common(stop)
    stop.set_defaults(func=run_stop_notice)


def _add_common(parser: argparse.ArgumentParser) -> None:
    common.add_db_option(parser)
    parser.add_argument("--out", type=Path, required=True, metavar=_("TỆP.pdf"), help=_("nơi ghi bản PDF"))


def _add_notice_args(parser: argparse.ArgumentParser) -> None:
    _add_common(parser)
    parser.add_argument("--procedure", default="", metavar=_("MÃ"), help=_("mã thủ tục (khi lập tại quầy)"))
    parser.add_argument("--name", default="", help=_("họ và tên người nộp hồ sơ (khi lập tại quầy)"))
    parser.add_argument("--id-number", default="", help=_("số CCCD/định danh cá nhân (tùy chọn)"))
    parser.add_argument("--address", default="", help=_("địa chỉ in trên phiếu"))
    parser.add_argument("--phone", default="", help=_("số điện thoại in trên phiếu"))
    parser.add_argument("--email", default="", help=_("thư điện tử in trên phiếu"))


def run_receipt(args: argparse.Namespace) -> int:
    """Print (or reprint, with --reason) the receipt of a saved dossier; the PDF goes to --out."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        make = _approved_reprint if args.approved_by else _print_receipt
        printed = make(args, db, clock)
    finally:
        db.close()
    # After the commit: the print is on record and kept under forms/, whatever happens to --out.
    _save_copy(args.out, printed)
    what = (
        _("Đã in lại lần {reprint_number}").format(reprint_number=_reprint_number(printed))
        if printed.reprint
        else _("Đã in")
    )
    print(
        _("{what} giấy tiếp nhận hồ sơ {text} (2 liên): {out}").format(
            what=what, text=args.code.strip(), out=args.out
        )
    )
    return common.EXIT_OK


def _approved_reprint(args: argparse.Namespace, db: Database, clock: SystemClock) -> forms.PrintedForm:
    """A reprint approved by the supervisor named in --approved-by, whose password is checked first."""
    if not (args.reason or "").strip():
        raise UserFacingError(_('In lại cần lý do: thêm --reason "…" (ví dụ: công dân làm mất giấy hẹn).'))
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if args.password_stdin
        else getpass.getpass(_("Mật khẩu lãnh đạo: "))
    )
    with db.write() as session:  # committed first: a wrong password counts toward the account's lock
        checked = users.authenticate(session, clock, args.approved_by, password, purpose="reprint_approval")
    supervisor = checked.user_or_raise()
    with db.write() as session:
        clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
        return reprints.reprint_with_approval(session, clock, args.code, clerk.id, supervisor.id, args.reason)


def _print_receipt(args: argparse.Namespace, db: Database, clock: SystemClock) -> forms.PrintedForm:
    """The first print, or a reprint the command-line account may make alone (right after a jam)."""
    with db.write() as session:
        clerk = users.ensure_system_user(session, clock, CLI_USERNAME, CLI_FULL_NAME)
        try:
            return forms.print_receipt(session, clock, args.code, clerk.id, args.reason)
        except ReprintNeedsApproval:
            raise UserFacingError(
                _(
                    "In lại giấy tiếp nhận của hồ sơ {text} cần lãnh đạo duyệt: thêm --approved-by "
                    "TÊN_ĐĂNG_NHẬP_LÃNH_ĐẠO (mật khẩu lãnh đạo sẽ được hỏi)."
                ).format(text=args.code.strip())
            ) from None
        except FieldErrors as exc:
            if "reprint_reason" not in exc.errors:
                raise
            raise UserFacingError(
                _(
                    'Giấy tiếp nhận của hồ sơ {text} đã được in; muốn in lại hãy ghi lý do bằng --reason "…" (ví dụ: công dân làm mất giấy hẹn).'
                ).format(text=args.code.strip())
            ) from None


_COUNTER_ONLY = ("procedure", "name", "id_number", "address", "phone", "email", "missing", "note", "reason")


def _dossier_mode(args: argparse.Namespace, needed: tuple[str, ...]) -> bool:
    """True for the form of a saved dossier (a code given), False for a notice made at the counter.

    A code with counter-only options, or neither a code nor the options `needed`, is a Vietnamese error.
    """
    if args.code.strip():
        given = [f"--{n.replace('_', '-')}" for n in _COUNTER_ONLY if getattr(args, n, None)]
        if given:
            raise UserFacingError(
                _("Phiếu của hồ sơ {text} lấy dữ liệu từ hồ sơ; hãy bỏ {join}.").format(
                    text=args.code.strip(), join=", ".join(given)
                )
            )
        return True
    missing = [f"--{n}" for n in needed if not str(getattr(args, n, "")).strip()]
    if missing:
        raise UserFacingError(
            _(
                "Hãy ghi mã hồ sơ (phiếu của hồ sơ đã tiếp nhận), hoặc lập phiếu tại quầy với {join} (còn "
                "thiếu {join2})."
            ).format(join=", ".join(f"--{n}" for n in needed), join2=", ".join(missing))
        )
    return False


def run_supplement(args: argparse.Namespace) -> int:
    """Write Mẫu 02 to --out: a dossier's latest supplement request, or one recorded now at the counter."""
    if _dossier_mode(args, ("procedure", "name")):
        printed = _print_dossier_form(args, step_forms.dossier_supplement_pdf)
        _save_copy(args.out, printed)
        print(
            _("Đã in phiếu yêu cầu bổ sung (Mẫu 02) hồ sơ {text}: {out}").format(
                text=args.code.strip(), out=args.out
            )
        )
        return common.EXIT_OK
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
        _("Đã lập phiếu yêu cầu bổ sung ({count} giấy tờ) cho {applicant_name}: {out}").format(
            count=len(notice.missing), applicant_name=notice.applicant_name, out=args.out
        )
    )
    return common.EXIT_OK


def run_refusal(args: argparse.Namespace) -> int:
    """Write Mẫu 03 to --out: of a dossier refused after intake, or of a refusal recorded now at the counter."""
    if _dossier_mode(args, ("procedure", "name", "reason")):
        printed = _print_dossier_form(args, step_forms.dossier_refusal_pdf)
        _save_copy(args.out, printed)
        print(
            _("Đã in phiếu từ chối giải quyết (Mẫu 03) hồ sơ {text}: {out}").format(
                text=args.code.strip(), out=args.out
            )
        )
        return common.EXIT_OK
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
    print(
        _("Đã lập phiếu từ chối tiếp nhận hồ sơ của {applicant_name}: {out}").format(
            applicant_name=notice.applicant_name, out=args.out
        )
    )
    return common.EXIT_OK


def run_control_slip(args: argparse.Namespace) -> int:
    """Write the Phiếu kiểm soát of a dossier to --out (kept under forms/ as well)."""
    printed = _print_dossier_form(args, forms.control_slip_pdf)
    _save_copy(args.out, printed)
    print(_("Đã in phiếu kiểm soát hồ sơ {text}: {out}").format(text=args.code.strip(), out=args.out))
    return common.EXIT_OK


def run_apology(args: argparse.Namespace) -> int:
    """Write Mẫu 04 of the dossier's latest extension to --out; refused when it was never extended."""
    printed = _print_dossier_form(args, forms.apology_pdf)
    _save_copy(args.out, printed)
    print(
        _("Đã in phiếu xin lỗi và hẹn lại ngày trả (Mẫu 04) hồ sơ {text}: {out}").format(
            text=args.code.strip(), out=args.out
        )
    )
    return common.EXIT_OK


def run_stop_notice(args: argparse.Namespace) -> int:
    """Write the Thông báo dừng giải quyết hồ sơ of a stopped or withdrawn dossier to --out."""
    printed = _print_dossier_form(args, step_forms.stop_notice_pdf)
    _save_copy(args.out, printed)
    print(
        _("Đã in thông báo dừng giải quyết hồ sơ {text}: {out}").format(text=args.code.strip(), out=args.out)
    )
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
        raise UserFacingError(_("Không có thủ tục mã {text} trong danh mục.").format(text=code.strip()))
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
            _("Đã ghi nhận lần in nhưng không ghi được {out} ({error}); bản lưu ở {path}.").format(
                out=out, error=exc.strerror or exc, path=printed.path
            )
        ) from None
