"""Saved dossiers and counter notices → printed forms (Mẫu 01–05) as PDF files kept under forms/."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from counter_app import printing, settings  # printing's renderers load reportlab on first use
from counter_app.catalogue.schema import ProcedureSpec, format_deadline, format_fee
from counter_app.clock import Clock, local_to_utc, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.paths import data_dir
from counter_app.printing import (
    AgencyHeader,
    ApologyData,
    ControlSlipData,
    DocumentLine,
    HandoverRow,
    ReceiptData,
    RefusalData,
    SupplementData,
)
from counter_app.services import intake
from counter_app.services.counter_setup import CounterIdentity
from counter_app.services.departments import department_of
from counter_app.services.intake import DossierDetail, IntakeNotice
from counter_app.services.workflow import EXTENDED, dossier_timeline
from counter_app.storage.models import Dossier, DossierEvent, Procedure

__all__ = [
    "PrintedForm",
    "apology_data",
    "apology_pdf",
    "control_slip_data",
    "control_slip_pdf",
    "forms_dir",
    "print_receipt",
    "receipt_data",
    "refusal_pdf",
    "supplement_pdf",
    "write_atomically",
]

RECEIPT_SUFFIX = "giay-tiep-nhan"
REPRINT_SUFFIX = "in-lai"
SUPPLEMENT_PREFIX = "mau-02-yeu-cau-bo-sung"
REFUSAL_PREFIX = "mau-03-tu-choi"
LOOKUP_SITE = "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)"  # i18n: skip
_TITLES = {"nam": "Ông", "nu": "Bà"}  # i18n: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_PENDING_KEY = "counter_app.forms.pending"


@dataclass(frozen=True)
class PrintedForm:
    """A form written to disk: where it is kept, its bytes, which form, and whether it is a reprint."""

    path: Path
    pdf: bytes
    kind: str  # "receipt", "supplement", "refusal", "control_slip" or "apology"
    reprint: bool


def forms_dir() -> Path:
    """Where every printed PDF is kept: <data directory>/forms, by year and month below it."""
    path = data_dir() / "forms"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _header(identity: CounterIdentity) -> AgencyHeader:
    return AgencyHeader(
        parent_name=identity.parent_name, agency_name=identity.agency_name, place_name=identity.place_name
    )


def _statutory_time(procedure: Procedure) -> str:
    spec = ProcedureSpec(
        code=procedure.code,
        name=procedure.name,
        field_code=procedure.field_code,
        field_name=procedure.field_name,
        deadline_amount=float(procedure.deadline_amount),
        deadline_unit=procedure.deadline_unit,
        cutoff=procedure.cutoff,
    )
    return format_deadline(spec, form=True)


def _fee_text(detail: DossierDetail) -> str:
    """What was collected at the counter; nothing at all when neither the catalogue nor the desk charged."""
    note = f" ({detail.fee_note})" if detail.fee_note else ""
    if detail.fee_collected > 0:
        return f"Đã thu {format_fee(detail.fee_collected, form=True)}{note}"  # i18n: skip
    if detail.catalogue_fee > 0:
        return f"Không thu{note}"  # i18n: skip
    return ""


def _delivery_text(detail: DossierDetail, header: AgencyHeader) -> str:
    if detail.delivery == "post":
        where = detail.delivery_address or detail.applicant.address
        return f"Địa chỉ {where}, qua dịch vụ bưu chính công ích"  # i18n: skip
    return header.receiving_body


def _book_number(session: Session, dossier: Dossier) -> int:
    """The dossier's place in its year's Sổ theo dõi: registrations of that (local) year, in order.

    The schema keeps no book number, so it is derived. The order is the order of registration
    (created_at, then the time-ordered UUID), not of the reception time, so a dossier entered
    later with an earlier reception time never renumbers the ones already printed.
    """
    year = utc_to_local(dossier.received_at).year
    start, end = local_to_utc(datetime(year, 1, 1)), local_to_utc(datetime(year + 1, 1, 1))
    earlier = or_(
        Dossier.created_at < dossier.created_at,
        and_(Dossier.created_at == dossier.created_at, Dossier.id <= dossier.id),
    )
    count = session.scalar(
        select(func.count())
        .select_from(Dossier)
        .where(Dossier.received_at >= start, Dossier.received_at < end, earlier)
    )
    return int(count or 0)


def _find_dossier(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip()))
    if dossier is None:
        raise UserFacingError(_("Không tìm thấy hồ sơ mã {text}.").format(text=code.strip()))
    return dossier


def receipt_data(session: Session, code: str) -> ReceiptData:
    """Everything Mẫu 01 prints for dossier `code`, read from the database.

    The applicant is printed as received (the "received" event), the appointment as first printed
    if the receipt was printed before, else the current one. UserFacingError for an unknown code.
    """
    dossier = _find_dossier(session, code)
    detail = intake.get_dossier_by_code(session, dossier.code)
    header = _header(detail.counter)
    appointment = detail.printed_appointment_local or detail.appointment_local
    if appointment is None:
        raise UserFacingError(
            _("Hồ sơ mã {code} chưa có thời gian hẹn trả kết quả; chưa in được giấy hẹn.").format(
                code=detail.code
            )
        )
    applicant = detail.applicant
    submitter = detail.submitter_name.strip()
    base_url = settings.get(session, settings.STATUS_PAGE_URL)
    return ReceiptData(
        header=header,
        code=detail.code,
        # An authorised person hands the dossier in: they are "tiếp nhận hồ sơ của", the owner is named below.
        applicant_name=submitter or applicant.full_name,
        applicant_title="Ông/Bà" if submitter else _TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        owner_name=applicant.full_name if submitter else None,
        address=applicant.address,
        phone=applicant.phone,
        email=applicant.email,
        id_number=detail.submitter_id_number if submitter else applicant.id_number,
        procedure_name=detail.procedure_name,
        documents=tuple(
            DocumentLine(d.name, d.originals, d.certified_copies, d.copies)
            for d in detail.documents
            if d.received
        ),
        sets_count=detail.sets_count,
        statutory_time_text=_statutory_time(dossier.procedure),
        received_at=detail.received_local,
        appointment_at=appointment,
        delivery_text=_delivery_text(detail, header),
        fee_text=_fee_text(detail),
        tracking_book_volume=settings.get(session, settings.TRACKING_BOOK_VOLUME),
        tracking_book_number=_book_number(session, dossier),
        clerk_name=detail.clerk_name,
        status_url=base_url + detail.code,
        issued_at=detail.received_local,
    )


def print_receipt(
    session: Session, clock: Clock, code: str, user_id: str, reprint_reason: str | None = None
) -> PrintedForm:
    """Record a print of the receipt in the caller's transaction, render it and keep the PDF.

    Order: (1) `intake.record_print` adds the print event (FieldErrors for a reprint without a
    reason, before anything is rendered or written); (2) the PDF is rendered; (3) it is written
    atomically (temp file, fsync, os.replace, fsync of the folder) to
    forms/YYYY/MM/<code>-giay-tiep-nhan[-in-lai-N].pdf, YYYY/MM being the month of reception;
    (4) the caller commits. Writing before the commit means a committed print always has its
    file: a recorded print without a file is the one state we must never reach. The opposite risk,
    a file without a print, is handled twice: if the caller's transaction (or a savepoint around
    this call) rolls back, a session hook deletes the file; only a crash between (3) and (4)
    leaves an orphan PDF, which carries no print event and is overwritten by the next print of
    the same number.
    """
    dossier = _find_dossier(session, code)
    record = intake.record_print(session, clock, dossier.id, user_id, "receipt", reprint_reason)
    data = receipt_data(session, dossier.code)
    pdf = printing.render_receipt(data)
    name = f"{_safe(dossier.code)}-{RECEIPT_SUFFIX}"
    if record.reprint:
        reprints = session.scalar(
            select(func.count())
            .select_from(DossierEvent)
            .where(DossierEvent.dossier_id == dossier.id, DossierEvent.kind == "receipt_reprinted")
        )
        name += f"-{REPRINT_SUFFIX}-{int(reprints or 0)}"
    path = _month_dir(data.received_at) / f"{name}.pdf"
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "receipt", record.reprint)


def _help_text(session: Session, clerk_name: str) -> tuple[str, str]:
    """The help sentence of Mẫu 02/03 and the officer it names (the clerk when none is configured)."""
    officer = settings.get(session, settings.GUIDE_OFFICER) or clerk_name
    phone = settings.get(session, settings.GUIDE_PHONE)
    contact = f"công chức {officer}" if officer else "Bộ phận Một cửa"  # i18n: skip
    if phone:
        contact += f", số điện thoại {phone}"  # i18n: skip
    text = (
        "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà có thể tra cứu các quy định giải "  # i18n: skip
        f"quyết thủ tục hành chính tại {LOOKUP_SITE} hoặc liên hệ với {contact} để được hướng dẫn./."
    )
    return text, officer


def supplement_pdf(
    session: Session, notice: IntakeNotice, *, address: str = "", phone: str = "", email: str = ""
) -> PrintedForm:
    """Mẫu 02 for a supplement request made at the counter (`request_supplement_at_intake`).

    Written like the receipt (atomic, deleted again if the caller's transaction rolls back) to
    forms/YYYY/MM/mau-02-yeu-cau-bo-sung-<audit id>.pdf. The counts of each missing paper are
    left blank for the officer to fill in when they are not known.
    """
    if notice.kind != "supplement":
        raise ValueError(f"not a supplement notice: {notice.kind!r}")
    help_text, officer = _help_text(session, notice.clerk_name)
    issued = utc_to_local(notice.at_utc)
    data = SupplementData(
        header=_header(notice.counter),
        number=None,
        applicant_name=notice.applicant_name,
        applicant_title="Ông/Bà",  # i18n: skip
        address=address,
        phone=phone,
        email=email,
        procedure_name=notice.procedure_name,
        missing_documents=tuple(DocumentLine(name) for name in notice.missing),
        reason=notice.reason
        or "Hồ sơ chưa đủ thành phần theo quy định của thủ tục hành chính.",  # i18n: skip
        help_text=help_text,
        guide_officer_name=officer,
        issued_at=issued,
    )
    return _notice_form(
        session, "supplement", SUPPLEMENT_PREFIX, notice, printing.render_supplement(data), issued
    )


def refusal_pdf(
    session: Session, notice: IntakeNotice, *, address: str = "", phone: str = "", email: str = ""
) -> PrintedForm:
    """Mẫu 03 for a refusal at the counter (`refuse_intake`), kept as forms/YYYY/MM/mau-03-tu-choi-<id>.pdf."""
    if notice.kind != "refusal":
        raise ValueError(f"not a refusal notice: {notice.kind!r}")
    help_text, _contact = _help_text(session, notice.clerk_name)
    issued = utc_to_local(notice.at_utc)
    data = RefusalData(
        header=_header(notice.counter),
        applicant_name=notice.applicant_name,
        applicant_title="Ông/Bà",  # i18n: skip
        address=address,
        phone=phone,
        email=email,
        procedure_name=notice.procedure_name,
        reason=notice.reason,
        help_text=help_text,
        clerk_name=notice.clerk_name,
        issued_at=issued,
    )
    return _notice_form(session, "refusal", REFUSAL_PREFIX, notice, printing.render_refusal(data), issued)


def _notice_form(
    session: Session, kind: str, prefix: str, notice: IntakeNotice, pdf: bytes, issued: datetime
) -> PrintedForm:
    path = _month_dir(issued) / f"{prefix}-{notice.audit_id}.pdf"
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, kind, False)


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text.strip()) or "_"


def _month_dir(local: datetime) -> Path:
    folder = forms_dir() / f"{local.year:04d}" / f"{local.month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader sees the old file or the whole new one, never half.

    The temp file is fsynced before the rename and the folder after it, so once this returns the
    file survives a power cut.
    """
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder; NTFS journals the rename itself
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_in_transaction(session: Session, path: Path, pdf: bytes) -> None:
    """Write the PDF now and delete it again if the transaction it belongs to is rolled back."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    write_atomically(path, pdf)
    if transaction is None:  # no transaction: nothing to roll back
        return
    pending: list[tuple[SessionTransaction, Path]] | None = session.info.get(_PENDING_KEY)
    if pending is None:
        pending = []
        session.info[_PENDING_KEY] = pending
        event.listen(session, "after_soft_rollback", _on_rollback)
    pending.append((transaction, path))


def _on_rollback(session: Session, previous: SessionTransaction) -> None:
    """Delete the files written inside the transaction just rolled back (or inside its savepoints)."""
    pending: list[tuple[SessionTransaction, Path]] = session.info.get(_PENDING_KEY, [])
    keep: list[tuple[SessionTransaction, Path]] = []
    for transaction, path in pending:
        if _within(transaction, previous):
            path.unlink(missing_ok=True)
        else:
            keep.append((transaction, path))
    pending[:] = keep


def _within(transaction: SessionTransaction, ancestor: SessionTransaction) -> bool:
    current: SessionTransaction | None = transaction
    while current is not None:
        if current is ancestor:
            return True
        current = current.parent
    return False


CONTROL_SLIP_SUFFIX = "phieu-kiem-soat"
APOLOGY_SUFFIX = "mau-04-xin-loi"
COUNTER_BODY = "Bộ phận TN&TKQ"  # i18n: skip
CONTROL_SLIP_BLANK_ROWS = 4


def _local(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _signer_role(identity: CounterIdentity) -> str:
    """Who signs Mẫu 04: the chairman for a commune (UBND), the director of a centre or department."""
    parent = identity.parent_name.strip().casefold()
    return "Chủ tịch" if parent.startswith(("ubnd", "ủy ban", "uỷ ban")) else "Giám đốc"  # i18n: skip


def control_slip_data(session: Session, code: str) -> ControlSlipData:
    """What the Phiếu kiểm soát prints for dossier `code`; its first hand-over row comes from the timeline.

    The first row is the counter handing the dossier over to processing (the first "processing"
    event: its time, the person who did it and the department it went to, which is also the "Cơ
    quan (bộ phận) giải quyết hồ sơ" line); before that event the time is left to fill by hand and
    the department is the one the transfer would choose (`departments.department_of`).
    """
    dossier = _find_dossier(session, code)
    detail = intake.get_dossier_by_code(session, dossier.code)
    header = _header(detail.counter)
    applicant = detail.applicant
    handover = next((e for e in dossier_timeline(session, dossier.code) if e.kind == "processing"), None)
    # Where it went, as recorded at the transfer; before it, where it will go (the default choice).
    recorded = str(handover.payload.get("department") or "") if handover else ""
    department = recorded or department_of(session, dossier.procedure_id)
    first = HandoverRow(
        giver=COUNTER_BODY,
        receiver=department,
        at=handover.at_local if handover else None,
        giver_name=handover.user_name if handover else detail.clerk_name,
        note=handover.note if handover else "",
    )
    return ControlSlipData(
        header=header,
        code=detail.code,
        applicant_name=applicant.full_name,
        applicant_title=_TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        phone=applicant.phone,
        procedure_name=detail.procedure_name,
        received_at=detail.received_local,
        appointment_at=detail.printed_appointment_local or detail.appointment_local,
        processing_body=department,
        handovers=(first,),
        blank_rows=CONTROL_SLIP_BLANK_ROWS,
        issued_at=handover.at_local if handover else detail.received_local,
    )


def control_slip_pdf(session: Session, code: str) -> PrintedForm:
    """The Phiếu kiểm soát of dossier `code`, kept as forms/YYYY/MM/<code>-phieu-kiem-soat.pdf.

    YYYY/MM is the month of reception, as for the receipt. Written atomically in the caller's
    transaction (deleted again on rollback) like print_receipt; printing again overwrites the same
    file, since the slip only carries what the database already says. UserFacingError if unknown.
    """
    data = control_slip_data(session, code)
    pdf = printing.render_control_slip(data)
    path = _month_dir(data.received_at) / f"{_safe(data.code)}-{CONTROL_SLIP_SUFFIX}.pdf"
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "control_slip", False)


def apology_data(session: Session, code: str, seq: int | None = None) -> ApologyData:
    """Mẫu 04 for an extension ("extended" event) of dossier `code`: the one at step `seq`, else the latest.

    UserFacingError if the dossier is unknown, was never extended, or has no extension at `seq`.
    """
    dossier = _find_dossier(session, code)
    extensions = [e for e in dossier_timeline(session, dossier.code) if e.kind == EXTENDED]
    if seq is not None:
        extensions = [e for e in extensions if e.seq == seq]
    if not extensions:
        if seq is not None:
            raise UserFacingError(
                _("Bước {seq} của hồ sơ mã {code} không phải một lần gia hạn.").format(
                    seq=seq, code=dossier.code
                )
            )
        raise UserFacingError(
            _("Hồ sơ mã {code} chưa được gia hạn (hẹn lại ngày trả); không có Phiếu xin lỗi để in.").format(
                code=dossier.code
            )
        )
    extension = extensions[-1]
    previous = _local(extension.payload.get("previous"))
    new = _local(extension.payload.get("new"))
    if previous is None or new is None:
        raise UserFacingError(
            _("Lần gia hạn của hồ sơ mã {code} thiếu ngày hẹn cũ hoặc mới.").format(code=dossier.code)
        )
    detail = intake.get_dossier_by_code(session, dossier.code)
    applicant = detail.applicant
    return ApologyData(
        header=_header(detail.counter),
        number=None,
        code=detail.code,
        applicant_name=applicant.full_name,
        applicant_title=_TITLES.get(applicant.gender, "Ông/Bà"),  # i18n: skip
        address=applicant.address,
        phone=applicant.phone,
        procedure_name=detail.procedure_name,
        received_at=detail.received_local,
        previous_appointment=previous,
        new_appointment=new,
        reason=extension.note,
        signer_role=_signer_role(detail.counter),
        signer_name="",
        issued_at=extension.at_local,
    )


def apology_pdf(session: Session, code: str, seq: int | None = None) -> PrintedForm:
    """Mẫu 04 of dossier `code` (the extension at step `seq`, else the latest), kept as
    forms/YYYY/MM/<code>-mau-04-xin-loi-<n>.pdf.

    n is the number of the extension (the new date may be set once, an override a second time);
    YYYY/MM is the month of the extension. Written like print_receipt. UserFacingError when the
    dossier has no such extension.
    """
    data = apology_data(session, code, seq)
    dossier = _find_dossier(session, code)
    steps = [e.seq for e in dossier.events if e.kind == EXTENDED]
    number = steps.index(seq) + 1 if seq is not None else len(steps)
    pdf = printing.render_apology(data)
    path = _month_dir(data.issued_at) / f"{_safe(data.code)}-{APOLOGY_SUFFIX}-{number}.pdf"
    _write_in_transaction(session, path, pdf)
    return PrintedForm(path, pdf, "apology", False)
