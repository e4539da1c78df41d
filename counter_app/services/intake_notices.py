"""Notices given at the counter instead of a dossier: refusal (Mẫu 03) and supplement request (Mẫu 02).

Neither creates a dossier or takes a code (domain §5.2): each is one audit row naming the applicant,
the procedure and the reason or the missing papers, written in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.errors import FieldErrors
from counter_app.i18n import _
from counter_app.services.audit import append_audit
from counter_app.services.counter_setup import CounterIdentity, load_identity
from counter_app.services.users import ROLES as STAFF_ROLES
from counter_app.services.users import require_role
from counter_app.services.validation import (
    check_full_name,
    check_id_number,
    check_required,
    normalise_id_number,
)
from counter_app.storage.models import Procedure
from counter_app.text import nfc

__all__ = ["IntakeNotice", "refuse_intake", "request_supplement_at_intake"]


@dataclass(frozen=True)
class IntakeNotice:
    """A refusal (Mẫu 03) or supplement request (Mẫu 02) given at the counter: no dossier, no code."""

    audit_id: int
    kind: str  # "refusal" or "supplement"
    at_utc: datetime
    procedure_code: str
    procedure_name: str
    applicant_name: str
    applicant_id_number: str
    reason: str
    missing: tuple[str, ...]
    clerk_name: str
    counter: CounterIdentity


def _notice(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    action: str,
    clerk_id: str,
    procedure_id: int,
    applicant_name: str,
    applicant_id_number: str,
    reason: str,
    missing: tuple[str, ...],
    extra_errors: dict[str, str],
) -> IntakeNotice:
    errors = dict(extra_errors)
    procedure = session.get(Procedure, procedure_id) if procedure_id > 0 else None
    if procedure is None:
        errors["procedure_id"] = _("Hãy chọn thủ tục hành chính")
    name_problem = check_full_name(applicant_name)
    if name_problem:
        errors["full_name"] = name_problem
    id_number = normalise_id_number(applicant_id_number)
    if id_number:
        id_problem = check_id_number(id_number)
        if id_problem:
            errors["id_number"] = id_problem
    if errors:
        raise FieldErrors(errors)
    assert procedure is not None
    clerk = require_role(session, clerk_id, *STAFF_ROLES)
    name = nfc(applicant_name)
    record = append_audit(
        session,
        clock,
        clerk.id,
        action,
        "procedure",
        procedure.code,
        {
            "applicant_name": name,
            "applicant_id_number": id_number,
            "reason": reason,
            "missing": list(missing),
        },
    )
    return IntakeNotice(
        record.id,
        kind,
        record.at,
        procedure.code,
        procedure.name,
        name,
        id_number,
        reason,
        missing,
        clerk.full_name,
        load_identity(session),
    )


def refuse_intake(
    session: Session,
    clock: Clock,
    *,
    clerk_id: str,
    procedure_id: int,
    applicant_name: str,
    applicant_id_number: str,
    reason: str,
) -> IntakeNotice:
    """Refuse a dossier at the counter (Mẫu 03: not within competence or not eligible).

    Per domain §5.2 a refusal at the counter creates no dossier and takes no code: only an audit row
    ("intake_refused") naming the applicant, the procedure and the reason. The returned notice holds
    what the Mẫu 03 prints. FieldErrors if the applicant's name, the procedure or the reason is missing.
    """
    reason = nfc(reason)
    problem = check_required(reason, _("lý do không tiếp nhận"))
    return _notice(
        session,
        clock,
        kind="refusal",
        action="intake_refused",
        clerk_id=clerk_id,
        procedure_id=procedure_id,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        reason=reason,
        missing=(),
        extra_errors={"reason": problem} if problem else {},
    )


def request_supplement_at_intake(
    session: Session,
    clock: Clock,
    *,
    clerk_id: str,
    procedure_id: int,
    applicant_name: str,
    applicant_id_number: str,
    missing: Sequence[str],
    note: str = "",
) -> IntakeNotice:
    """Ask for missing papers at the counter (Mẫu 02), listing everything missing at once.

    No dossier and no code (the applicant comes back with a complete set and is received then):
    only an audit row ("intake_supplement_requested") with the applicant and the list.
    """
    items = tuple(nfc(m) for m in missing if nfc(m))
    return _notice(
        session,
        clock,
        kind="supplement",
        action="intake_supplement_requested",
        clerk_id=clerk_id,
        procedure_id=procedure_id,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        reason=nfc(note),
        missing=items,
        extra_errors={} if items else {"missing": _("Hãy ghi ít nhất một giấy tờ cần bổ sung")},
    )
