"""Reception (tiếp nhận): register a dossier, read it back for the receipt, record its prints.

`register_dossier` writes the applicant, the dossier (status 2 "Được tiếp nhận"), its papers, the
"received" event, an audit row and an outbox op in the caller's ONE transaction, after validating
everything first. The appointment is computed by the caller (the deadline engine) and passed in.
Nothing here commits; print only after the caller's commit returns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, local_to_utc, utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _
from counter_app.ids import uuid7
from counter_app.services import (
    intake_write,
    outbox,  # called as outbox.enqueue: tests inject failures there
    rawsql,
    reprint_gate,
)
from counter_app.services.audit import append_audit, append_audit_row
from counter_app.services.codes import take_dossier_code
from counter_app.services.counter_setup import CounterIdentity, load_identity
from counter_app.services.intake_notices import IntakeNotice, refuse_intake, request_supplement_at_intake
from counter_app.services.users import require_role
from counter_app.services.validation import (
    DocumentLine,
    IntakeForm,
    normalise_id_number,
    normalise_phone,
    validate_intake,
)
from counter_app.storage.models import (
    Applicant,
    CodeHighWater,
    CodeSequence,
    Dossier,
    DossierEvent,
    User,
)
from counter_app.text import fold, nfc

__all__ = [
    "ApplicantInfo",
    "DocumentLine",
    "DossierDetail",
    "IntakeForm",
    "IntakeNotice",
    "PrintRecord",
    "RegisteredDossier",
    "find_applicant",
    "get_dossier_by_code",
    "record_print",
    "refuse_intake",
    "register_dossier",
    "request_supplement_at_intake",
]

STATUS_RECEIVED = 2
# Status names of the national system (domain §5.1).
STATUS_NAMES = {
    1: N_("Mới đăng ký"),
    2: N_("Được tiếp nhận"),
    3: N_("Không được tiếp nhận"),
    4: N_("Đang xử lý"),
    5: N_("Yêu cầu bổ sung giấy tờ"),
    6: N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    7: N_("Công dân yêu cầu rút hồ sơ"),
    8: N_("Dừng xử lý"),
    9: N_("Đã xử lý xong"),
    10: N_("Đã trả kết quả"),
}
STAFF_ROLES = ("clerk", "supervisor", "admin")
_PRINT_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RegisteredDossier:
    """What the desk needs right after registering: the code to print and the times."""

    id: str
    code: str
    received_at_utc: datetime
    appointment_local: datetime
    applicant_id: str
    event_id: str
    op_id: str

    @property
    def received_local(self) -> datetime:
        """The reception time in Vietnam time."""
        return utc_to_local(self.received_at_utc)


@dataclass(frozen=True)
class ApplicantInfo:
    """The applicant (chủ hồ sơ) as received."""

    full_name: str
    birth_date: date | None
    gender: str
    id_number: str
    phone: str
    email: str
    address_street: str
    address_commune: str
    address_province: str

    @property
    def address(self) -> str:
        """The address on one line, as printed."""
        return ", ".join(p for p in (self.address_street, self.address_commune, self.address_province) if p)


@dataclass(frozen=True)
class DossierDetail:
    """Everything printed on the receipt (Mẫu 01) and shown by a look-up by code."""

    id: str
    code: str
    status: int
    status_name: str
    channel: int
    procedure_code: str
    procedure_name: str
    field_name: str
    catalogue_fee: int
    applicant: ApplicantInfo
    submitter_name: str
    submitter_id_number: str
    authorisation_note: str
    documents: tuple[DocumentLine, ...]
    sets_count: int
    delivery: str
    delivery_address: str
    fee_collected: int
    fee_note: str
    clerk_id: str | None
    clerk_name: str
    received_at_utc: datetime
    received_local: datetime
    appointment_local: datetime | None
    printed_appointment_local: datetime | None
    receipt_prints: int
    version: int
    counter: CounterIdentity


@dataclass(frozen=True)
class PrintRecord:
    """The event written for one print of a form."""

    event_id: str
    seq: int
    kind: str  # e.g. "receipt_printed" or "receipt_reprinted"
    reprint: bool


def _applicant_snapshot(form: IntakeForm, id_number: str, phone: str) -> dict[str, Any]:
    return {
        "full_name": nfc(form.full_name),
        "birth_date": form.birth_date.isoformat() if form.birth_date else None,
        "gender": form.gender,
        "id_number": id_number,
        "phone": phone,
        "email": form.email.strip(),
        "address_street": nfc(form.address_street),
        "address_commune": nfc(form.address_commune),
        "address_province": nfc(form.address_province),
    }


def _missing_required(procedure: intake_write.CatalogueEntry, form: IntakeForm) -> list[str]:
    received = {nfc(line.name) for line in form.documents if line.received}
    return [doc.name for doc in procedure.documents if doc.required and nfc(doc.name) not in received]


def register_dossier(
    session: Session,
    clock: Clock,
    form: IntakeForm,
    clerk_id: str,
    appointment_local: datetime,
    *,
    received_local: datetime | None = None,
) -> RegisteredDossier:
    """Accept a dossier at the counter, in the caller's transaction.

    Validates everything first and raises FieldErrors naming every problem before writing anything.
    `received_local` defaults to now (by `clock`); `appointment_local` comes from the deadline engine.
    Reads and writes go through prepared SQL on the session's connection (services.intake_write):
    the rows are those the ORM models would store, without the ORM's per-object cost.
    """
    now = clock.now_utc()
    received_local = received_local or utc_to_local(now)
    conn = rawsql.connection(session)  # the writer's transaction; the session's pending changes flushed
    procedure = intake_write.catalogue_entry(conn, form.procedure_id) if form.procedure_id > 0 else None
    errors = validate_intake(
        form,
        today=received_local.date(),
        catalogue_fee=procedure.fee_amount if procedure is not None else None,
    )
    if procedure is None or not procedure.active:
        errors.setdefault(
            "procedure_id", _("Thủ tục này không có hoặc đã ngừng áp dụng; hãy chọn thủ tục khác")
        )
    elif "documents" not in errors:
        missing = _missing_required(procedure, form)
        if missing:
            errors["documents"] = _(
                "Thiếu giấy tờ bắt buộc: {missing}. Nếu công dân chưa đủ giấy tờ, "
                "hãy lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"
            ).format(missing="; ".join(missing))
    if errors:
        raise FieldErrors(errors)
    assert procedure is not None
    desk = intake_write.desk(conn, clerk_id)
    if desk.clerk_role not in STAFF_ROLES:
        require_role(session, clerk_id, *STAFF_ROLES)  # refuses, with the message for this user
        raise AssertionError(f"user {clerk_id} is not staff")
    if received_local > utc_to_local(now):
        raise UserFacingError(_("Thời điểm tiếp nhận không được ở sau thời điểm hiện tại."))
    if appointment_local < received_local:
        raise ValueError(f"appointment {appointment_local} is before reception {received_local}")

    if desk.agency_code is None or desk.code_slot is None:
        load_identity(session)  # refuses: the counter was never initialised
        raise AssertionError("counter_config has no row 1")
    agency_code = desk.agency_code
    id_number = normalise_id_number(form.id_number)
    phone = normalise_phone(form.phone) if form.phone.strip() else ""
    applicant_data = _applicant_snapshot(form, id_number, phone)
    # The code first: if the clock guard or the daily limit refuses, nothing else has been touched.
    code = take_dossier_code(conn, clock, agency_code, desk.code_slot, received_local.date())
    applicant_id = intake_write.save_applicant(conn, clock, applicant_data)

    received_utc = local_to_utc(received_local)
    appointment_utc = local_to_utc(appointment_local)
    lines = [*form.documents, *form.extras]
    documents = [
        {
            "position": position,
            "name": nfc(line.name),
            "originals": line.originals,
            "certified_copies": line.certified_copies,
            "copies": line.copies,
            "received": line.received,
        }
        for position, line in enumerate(lines, start=1)
    ]
    dossier_id = uuid7()
    dossier: dict[str, Any] = {
        "id": dossier_id,
        "code": code,
        "procedure_id": procedure.id,
        "applicant_id": applicant_id,
        "status": STATUS_RECEIVED,
        "channel": form.channel,
        "received_at": received_utc,
        "appointment_at": appointment_utc,
        "printed_appointment_at": None,
        "sets_count": form.sets_count,
        "delivery": form.delivery,
        "delivery_address": nfc(form.delivery_address),
        "fee_collected": procedure.fee_amount if form.fee_collected is None else form.fee_collected,
        "fee_note": nfc(form.fee_reason),
        "submitter_name": nfc(form.submitter_name),
        "submitter_id_number": normalise_id_number(form.submitter_id_number),
        "authorisation_note": nfc(form.authorisation_note),
        "name_fold": fold(applicant_data["full_name"]),
        "id_number": id_number,
        "phone": phone,
        "clerk_id": clerk_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "server_version": 0,
        "origin": "local",
    }
    intake_record = {
        "applicant": applicant_data,
        "submitter": {
            "name": dossier["submitter_name"],
            "id_number": dossier["submitter_id_number"],
            "authorisation_note": dossier["authorisation_note"],
        },
        "documents": documents,
    }
    event_id = uuid7()
    event: dict[str, Any] = {
        "id": event_id,
        "seq": 1,
        "kind": "received",
        "status_from": None,
        "status_to": STATUS_RECEIVED,
        "at": received_utc,
        "user_id": clerk_id,
        "note": "",
        "step_deadline": appointment_utc,
        "payload": outbox.canonical_json(intake_record),
    }
    intake_write.insert_dossier(conn, dossier, documents, event)

    append_audit_row(
        conn,
        clock,
        clerk_id,
        "dossier_received",
        "dossier",
        dossier_id,
        {"code": code, "procedure": procedure.code},
    )
    op_id = outbox.enqueue(
        session,
        clock,
        "dossier.received",
        dossier_id,
        {
            "dossier": {
                "id": dossier_id,
                "code": code,
                "procedure_code": procedure.code,
                "applicant_id": applicant_id,
                "status": STATUS_RECEIVED,
                "channel": dossier["channel"],
                "received_at": received_utc,
                "appointment_at": appointment_utc,
                "sets_count": dossier["sets_count"],
                "delivery": dossier["delivery"],
                "delivery_address": dossier["delivery_address"],
                "fee_collected": dossier["fee_collected"],
                "fee_note": dossier["fee_note"],
                "clerk_id": clerk_id,
                "version": 1,
            },
            **intake_record,
            "event": {
                "id": event_id,
                "seq": 1,
                "kind": "received",
                "status_to": STATUS_RECEIVED,
                "at": received_utc,
                "step_deadline": appointment_utc,
                "user_id": clerk_id,
            },
            "agency_code": agency_code,
        },
    )
    # Rows written without the ORM: instances this session already holds must be read again.
    rawsql.expire(session, Applicant, CodeHighWater, CodeSequence)
    return RegisteredDossier(dossier_id, code, received_utc, appointment_local, applicant_id, event_id, op_id)


def _applicant_from_event(dossier: Dossier) -> ApplicantInfo:
    received = next((e for e in dossier.events if e.kind == "received"), None)
    data: dict[str, Any] = {}
    if received is not None:
        data = json.loads(received.payload).get("applicant", {})
    # A supervisor's corrections (services.corrections) apply on top of the data as received.
    for event in dossier.events:
        if event.kind == "corrected":
            data = {**data, **json.loads(event.payload).get("after", {}).get("applicant", {})}
    a = dossier.applicant
    birth = (
        data["birth_date"] if "birth_date" in data else (a.birth_date.isoformat() if a.birth_date else None)
    )
    return ApplicantInfo(
        full_name=data.get("full_name", a.full_name),
        birth_date=date.fromisoformat(birth) if birth else None,
        gender=data.get("gender", a.gender),
        id_number=data.get("id_number", a.id_number),
        phone=data.get("phone", a.phone),
        email=data.get("email", a.email),
        address_street=data.get("address_street", a.address_street),
        address_commune=data.get("address_commune", a.address_commune),
        address_province=data.get("address_province", a.address_province),
    )


def get_dossier_by_code(session: Session, code: str) -> DossierDetail:
    """All data of one dossier for printing its receipt; UserFacingError if there is no such code.

    The applicant is shown as received (from the "received" event), so a reprint matches the
    original even if the person's phone or address changed since.
    """
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip()))
    if dossier is None:
        raise UserFacingError(_("Không tìm thấy hồ sơ có mã {code}.").format(code=code.strip()))
    clerk = session.get(User, dossier.clerk_id) if dossier.clerk_id else None
    procedure = dossier.procedure
    return DossierDetail(
        id=dossier.id,
        code=dossier.code,
        status=dossier.status,
        status_name=_(STATUS_NAMES.get(dossier.status, str(dossier.status))),
        channel=dossier.channel,
        procedure_code=procedure.code,
        procedure_name=procedure.name,
        field_name=procedure.field_name,
        catalogue_fee=procedure.fee_amount,
        applicant=_applicant_from_event(dossier),
        submitter_name=dossier.submitter_name,
        submitter_id_number=dossier.submitter_id_number,
        authorisation_note=dossier.authorisation_note,
        documents=tuple(
            DocumentLine(d.name, d.originals, d.certified_copies, d.copies, d.received)
            for d in dossier.documents
        ),
        sets_count=dossier.sets_count,
        delivery=dossier.delivery,
        delivery_address=dossier.delivery_address,
        fee_collected=dossier.fee_collected,
        fee_note=dossier.fee_note,
        clerk_id=dossier.clerk_id,
        clerk_name=clerk.full_name if clerk is not None else "",
        received_at_utc=dossier.received_at,
        received_local=utc_to_local(dossier.received_at),
        appointment_local=utc_to_local(dossier.appointment_at) if dossier.appointment_at else None,
        printed_appointment_local=(
            utc_to_local(dossier.printed_appointment_at) if dossier.printed_appointment_at else None
        ),
        receipt_prints=sum(1 for e in dossier.events if e.kind in ("receipt_printed", "receipt_reprinted")),
        version=dossier.version,
        counter=load_identity(session),
    )


def record_print(
    session: Session,
    clock: Clock,
    dossier_id: str,
    user_id: str,
    kind: str,
    reprint_reason: str | None = None,
) -> PrintRecord:
    """Record that a form (`kind`, e.g. "receipt") of a dossier was printed, in the caller's transaction.

    The first print is the event "<kind>_printed" (for the receipt it also fixes the appointment
    as printed). Every later print is a reprint: it needs a reason (FieldErrors otherwise), is the
    event "<kind>_reprinted" and is audited.
    """
    if not _PRINT_KIND.match(kind):
        raise ValueError(f"bad print kind {kind!r}")
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise UserFacingError(_("Không tìm thấy hồ sơ cần in."))
    user = require_role(session, user_id, *STAFF_ROLES)
    first_kind, again_kind = f"{kind}_printed", f"{kind}_reprinted"
    printed_before = session.scalar(
        select(func.count())
        .select_from(DossierEvent)
        .where(DossierEvent.dossier_id == dossier.id, DossierEvent.kind == first_kind)
    )
    reprint = bool(printed_before)
    reason = nfc(reprint_reason or "")
    if reprint and not reason:
        raise FieldErrors({"reprint_reason": _("Hãy ghi lý do in lại (ví dụ: công dân làm mất giấy hẹn)")})
    if reprint and kind == "receipt":
        reprint_gate.check_receipt_reprint(session, clock, dossier, user)
    now = clock.now_utc()
    last_seq = session.scalar(select(func.max(DossierEvent.seq)).where(DossierEvent.dossier_id == dossier.id))
    event = DossierEvent(
        id=uuid7(),
        dossier_id=dossier.id,
        seq=int(last_seq or 0) + 1,
        kind=again_kind if reprint else first_kind,
        status_from=None,
        status_to=None,
        at=now,
        user_id=user.id,
        note=reason,
        step_deadline=None,
        payload="{}",
    )
    session.add(event)
    if kind == "receipt" and not reprint:
        dossier.printed_appointment_at = dossier.appointment_at
    dossier.updated_at = now
    session.flush()
    if reprint:
        append_audit(
            session,
            clock,
            user.id,
            again_kind,
            "dossier",
            dossier.id,
            {"code": dossier.code, "reason": reason, "seq": event.seq},
        )
    outbox.enqueue(
        session,
        clock,
        "dossier.event",
        dossier.id,
        {
            "dossier_id": dossier.id,
            "code": dossier.code,
            "event": {
                "id": event.id,
                "seq": event.seq,
                "kind": event.kind,
                "at": now,
                "user_id": user.id,
                "note": reason,
            },
        },
    )
    return PrintRecord(event.id, event.seq, event.kind, reprint)


def find_applicant(session: Session, id_number: str) -> ApplicantInfo | None:
    """The latest known data of an applicant by ID number (to pre-fill the form), or None."""
    number = normalise_id_number(id_number)
    if not number:
        return None
    a = session.scalar(
        select(Applicant).where(Applicant.id_number == number).order_by(Applicant.created_at.desc()).limit(1)
    )
    if a is None:
        return None
    return ApplicantInfo(
        a.full_name,
        a.birth_date,
        a.gender,
        a.id_number,
        a.phone,
        a.email,
        a.address_street,
        a.address_commune,
        a.address_province,
    )
