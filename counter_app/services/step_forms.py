"""The forms of a saved dossier's later steps, and the one way the desk prints any form of a dossier.

`forms.py` prints the receipt, the Phiếu kiểm soát and Mẫu 04. This module adds the papers of
the other steps, each read from the step's event: Mẫu 02 for a supplement asked during processing
("supplement_requested"), Mẫu 03 for a dossier refused after intake ("refused") and the Thông báo
dừng giải quyết hồ sơ ("stopped", or "withdrawn" at the applicant's request). `printable_forms`
lists which forms a dossier's history allows; `print_form` prints one of them. Like the rest of
the forms, nothing here commits and every PDF is written atomically in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from counter_app import printing  # its renderers load reportlab on first use, not at startup
from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.printing import (
    DocumentLine,
    RefusalData,
    StopNoticeData,
    SupplementData,
)
from counter_app.services import forms, intake
from counter_app.services.forms import (  # the shared helpers of the forms service
    _TITLES,
    PrintedForm,
    _find_dossier,
    _header,
    _help_text,
    _month_dir,
    _safe,
    _signer_role,
    _write_in_transaction,
)
from counter_app.services.intake import STATUS_NAMES
from counter_app.services.workflow import EXTENDED, REFUSED, TimelineEntry, dossier_timeline

__all__ = [
    "FORM_NAMES",
    "FormChoice",
    "dossier_refusal_pdf",
    "dossier_supplement_pdf",
    "print_form",
    "printable_forms",
    "stop_notice_data",
    "stop_notice_pdf",
]

FORM_NAMES = {
    "receipt": N_("Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)"),
    "control_slip": N_("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
    "supplement": N_("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"),
    "refusal": N_("Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)"),
    "apology": N_("Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)"),
    "stop_notice": N_("Thông báo dừng giải quyết hồ sơ"),
}
SUPPLEMENT_SUFFIX = "mau-02-yeu-cau-bo-sung"
REFUSAL_SUFFIX = "mau-03-tu-choi"
STOP_NOTICE_SUFFIX = "thong-bao-dung-giai-quyet"
STOP_KINDS = ("stopped", "withdrawn")
DEFAULT_SUPPLEMENT_REASON = "Hồ sơ chưa đủ thành phần theo quy định của thủ tục hành chính."  # i18n: skip


@dataclass(frozen=True)
class FormChoice:
    """A form the dossier's history allows printing: which, for which step (event seq), and its label.

    `needs_reason`: printing it again must give a reason (the receipt, once printed).
    """

    kind: str
    seq: int | None
    label: str
    needs_reason: bool = False


def _when(entry: TimelineEntry) -> str:
    return f"{entry.at_local:%H:%M %d/%m/%Y}"


def printable_forms(session: Session, code: str) -> list[FormChoice]:
    """Every form of dossier `code` in the order of its steps; UserFacingError when the code is unknown."""
    timeline = dossier_timeline(session, code)
    printed = any(e.kind == "receipt_printed" for e in timeline)
    choices: list[FormChoice] = []
    # A receipt never printed needs an appointment to promise (none while paused or after a stop).
    if printed or _find_dossier(session, code).appointment_at is not None:
        label = (
            _("In lại {form}").format(form=_(FORM_NAMES["receipt"]))
            if printed
            else _("In {form}").format(form=_(FORM_NAMES["receipt"]))
        )
        choices.append(FormChoice("receipt", None, label, needs_reason=printed))
    extensions = 0
    for entry in timeline:
        if entry.kind == "processing" and not any(c.kind == "control_slip" for c in choices):
            choices.append(
                FormChoice("control_slip", None, f"{_(FORM_NAMES['control_slip'])} — {_when(entry)}")
            )
        elif entry.kind == "supplement_requested":
            label = _("Mẫu 02, yêu cầu bổ sung lúc {when}").format(when=_when(entry))
            choices.append(FormChoice("supplement", entry.seq, label))
        elif entry.kind == EXTENDED:
            extensions += 1
            label = _("Mẫu 04, gia hạn lần {extensions} lúc {when}").format(
                extensions=extensions, when=_when(entry)
            )
            choices.append(FormChoice("apology", entry.seq, label))
        elif entry.kind == REFUSED:
            choices.append(
                FormChoice(
                    "refusal", entry.seq, _("Mẫu 03, từ chối giải quyết lúc {when}").format(when=_when(entry))
                )
            )
        elif entry.kind in STOP_KINDS:
            label = f"{_(FORM_NAMES['stop_notice'])} — {_when(entry)}"
            choices.append(FormChoice("stop_notice", entry.seq, label))
    return choices


def _step(
    session: Session, code: str, kinds: tuple[str, ...], seq: int | None, missing: str
) -> TimelineEntry:
    """The event of one of `kinds` at step `seq` (else the latest); UserFacingError saying what is missing."""
    dossier = _find_dossier(session, code)
    found = [e for e in dossier_timeline(session, dossier.code) if e.kind in kinds]
    if seq is not None:
        found = [e for e in found if e.seq == seq]
    if not found:
        raise UserFacingError(_("Hồ sơ mã {code} {missing}.").format(code=dossier.code, missing=missing))
    return found[-1]


def dossier_supplement_pdf(session: Session, code: str, seq: int | None = None) -> PrintedForm:
    """Mẫu 02 of a supplement asked during processing (the request at step `seq`, else the latest).

    The reason and every missing paper come from the "supplement_requested" event, the applicant's
    address and contacts from the dossier, the help line from the settings (the officer defaults to
    the clerk who asked). Kept as forms/YYYY/MM/<code>-mau-02-yeu-cau-bo-sung-<seq>.pdf, YYYY/MM
    being the month of the request. UserFacingError when there is no such request.
    """
    entry = _step(session, code, ("supplement_requested",), seq, _("không có lần yêu cầu bổ sung này"))
    detail = intake.get_dossier_by_code(session, code.strip())
    applicant = detail.applicant
    help_text, officer = _help_text(session, entry.user_name)
    missing = [str(item) for item in entry.payload.get("missing") or []]
    data = SupplementData(
        header=_header(detail.counter),
        number=None,
        applicant_name=applicant.full_name,
        applicant_title=_TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        procedure_name=detail.procedure_name,
        missing_documents=tuple(DocumentLine(name) for name in missing),
        reason=str(entry.payload.get("reason") or "") or DEFAULT_SUPPLEMENT_REASON,
        help_text=help_text,
        guide_officer_name=officer,
        issued_at=entry.at_local,
        code=detail.code,
    )
    path = _month_dir(entry.at_local) / f"{_safe(detail.code)}-{SUPPLEMENT_SUFFIX}-{entry.seq}.pdf"
    pdf = printing.render_supplement(data)
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "supplement", False)


def dossier_refusal_pdf(session: Session, code: str) -> PrintedForm:
    """Mẫu 03 of a dossier refused after intake ("refused", status 3), with the reason recorded then.

    Signed on the right by the clerk who refused it. Kept as forms/YYYY/MM/<code>-mau-03-tu-choi.pdf
    (month of the refusal). UserFacingError when the dossier was not refused.
    """
    entry = _step(session, code, (REFUSED,), None, _("không bị từ chối giải quyết; không có Mẫu 03 để in"))
    detail = intake.get_dossier_by_code(session, code.strip())
    applicant = detail.applicant
    help_text, _contact = _help_text(session, entry.user_name)
    data = RefusalData(
        header=_header(detail.counter),
        applicant_name=applicant.full_name,
        applicant_title=_TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        procedure_name=detail.procedure_name,
        reason=str(entry.payload.get("reason") or entry.note),
        help_text=help_text,
        clerk_name=entry.user_name,
        issued_at=entry.at_local,
        code=detail.code,
    )
    path = _month_dir(entry.at_local) / f"{_safe(detail.code)}-{REFUSAL_SUFFIX}.pdf"
    pdf = printing.render_refusal(data)
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "refusal", False)


def stop_notice_data(session: Session, code: str) -> StopNoticeData:
    """The Thông báo dừng giải quyết hồ sơ of dossier `code`, from its "stopped" or "withdrawn" event.

    The stage is the status the dossier left; the fee line shows what was collected at the counter.
    UserFacingError when processing of the dossier was never stopped.
    """
    entry = _step(session, code, STOP_KINDS, None, _("chưa dừng giải quyết; không có thông báo dừng để in"))
    detail = intake.get_dossier_by_code(session, code.strip())
    applicant = detail.applicant
    stage = STATUS_NAMES.get(entry.status_from, "") if entry.status_from is not None else ""
    return StopNoticeData(
        header=_header(detail.counter),
        number=None,
        code=detail.code,
        applicant_name=applicant.full_name,
        applicant_title=_TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        address=applicant.address,
        phone=applicant.phone,
        procedure_name=detail.procedure_name,
        received_at=detail.received_local,
        appointment_at=detail.appointment_local or detail.printed_appointment_local,
        stage=stage,
        stopped_at=entry.at_local,
        on_request=entry.kind == "withdrawn",
        reason=str(entry.payload.get("reason") or entry.note),
        fee_paid=detail.fee_collected,
        signer_role=_signer_role(detail.counter),
        signer_name="",
        issued_at=entry.at_local,
    )


def stop_notice_pdf(session: Session, code: str) -> PrintedForm:
    """The stop notice of dossier `code`, kept as forms/YYYY/MM/<code>-thong-bao-dung-giai-quyet.pdf."""
    data = stop_notice_data(session, code)
    path = _month_dir(data.issued_at) / f"{_safe(data.code)}-{STOP_NOTICE_SUFFIX}.pdf"
    pdf = printing.render_stop_notice(data)
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "stop_notice", False)


def print_form(
    session: Session,
    clock: Clock,
    user_id: str,
    code: str,
    kind: str,
    *,
    seq: int | None = None,
    reprint_reason: str | None = None,
) -> PrintedForm:
    """Print the form `kind` (a key of FORM_NAMES) of dossier `code`, for step `seq` where it matters.

    The receipt goes through `forms.print_receipt` (a reprint needs `reprint_reason` and is
    audited); the other forms only copy what the database says and are written again on demand.
    """
    if kind == "receipt":
        return forms.print_receipt(session, clock, code, user_id, reprint_reason)
    if kind == "control_slip":
        return forms.control_slip_pdf(session, code)
    if kind == "apology":
        return forms.apology_pdf(session, code, seq)
    if kind == "supplement":
        return dossier_supplement_pdf(session, code, seq)
    if kind == "refusal":
        return dossier_refusal_pdf(session, code)
    if kind == "stop_notice":
        return stop_notice_pdf(session, code)
    raise UserFacingError(
        _("Không có mẫu “{kind}”; các mẫu: {join}.").format(kind=kind, join=", ".join(FORM_NAMES))
    )
