"""Reprints approved by a supervisor: a clerk's request waits, or a supervisor approves it on the spot.

A request is the event "reprint_requested" (reason, form); a supervisor's decision is
"reprint_approved" or "reprint_refused", naming the request. Approving prints the reprint at once
(forms.print_receipt, in the same transaction), so an approved request is never left unprinted. At
the clerk's desk the supervisor may instead type their own password (users.authenticate with the
purpose "reprint_approval", committed first) and `reprint_with_approval` writes request, approval and
reprint together. Every step is audited and queued for sync.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _
from counter_app.services import forms, reprint_gate
from counter_app.services.dossier_events import append_event, find_dossier
from counter_app.services.forms import PrintedForm
from counter_app.services.intake import STAFF_ROLES
from counter_app.services.users import require_role
from counter_app.storage.models import Applicant, Dossier, DossierEvent, User
from counter_app.text import nfc

__all__ = [
    "APPROVER_ROLES",
    "FORM_NAMES",
    "PENDING_DAYS",
    "ReprintRequest",
    "approve_reprint",
    "pending_requests",
    "refuse_reprint",
    "reprint_with_approval",
    "request_reprint",
]

REQUESTED, APPROVED, REFUSED = "reprint_requested", "reprint_approved", "reprint_refused"
APPROVER_ROLES = reprint_gate.APPROVER_ROLES
FORM_NAMES = {"receipt": N_("Giấy tiếp nhận và hẹn trả kết quả")}
PENDING_DAYS = 14  # an older request is stale: the applicant has long left the counter


@dataclass(frozen=True)
class ReprintRequest:
    """A clerk's request to print a form again, as the supervisor's list shows it."""

    id: str
    code: str
    applicant_name: str
    form: str
    form_name: str
    reason: str
    requested_by: str
    requested_at_local: datetime


def _reason(text: str) -> str:
    reason = nfc(text).strip()
    if not reason:
        raise FieldErrors({"reason": _("Hãy ghi lý do in lại (ví dụ: công dân làm mất giấy hẹn)")})
    return reason


def _form(form: str) -> str:
    if form not in FORM_NAMES:
        raise UserFacingError(
            _("Không có giấy tờ “{form}” để in lại; chỉ in lại: {join}.").format(
                form=form, join=", ".join(_(name) for name in FORM_NAMES.values())
            )
        )
    return form


def _decided(session: Session, dossier_ids: list[str]) -> set[str]:
    """Ids of the requests (of these dossiers) that already have a decision."""
    found: set[str] = set()
    for payload in session.scalars(
        select(DossierEvent.payload).where(
            DossierEvent.dossier_id.in_(dossier_ids), DossierEvent.kind.in_((APPROVED, REFUSED))
        )
    ):
        request = json.loads(payload or "{}").get("request_id")
        if request:
            found.add(str(request))
    return found


def _open_request(session: Session, dossier: Dossier) -> DossierEvent | None:
    asked = session.scalars(
        select(DossierEvent).where(DossierEvent.dossier_id == dossier.id, DossierEvent.kind == REQUESTED)
    ).all()
    decided = _decided(session, [dossier.id])
    return next((e for e in reversed(asked) if e.id not in decided), None)


def request_reprint(
    session: Session, clock: Clock, code: str, user_id: str, reason: str, form: str = "receipt"
) -> str:
    """A clerk asks to print `form` of the dossier again; returns the request's id (the event's).

    UserFacingError when a request of this dossier already waits for a decision.
    """
    user = require_role(session, user_id, *STAFF_ROLES)
    why, form = _reason(reason), _form(form)
    dossier = find_dossier(session, code)
    if _open_request(session, dossier) is not None:
        raise UserFacingError(
            _("Hồ sơ {code} đã có yêu cầu in lại đang chờ lãnh đạo duyệt.").format(code=dossier.code)
        )
    event = append_event(
        session,
        clock,
        dossier,
        REQUESTED,
        user.id,
        note=why,
        payload={"form": form, "reason": why},
        audit_detail={"form": form, "reason": why},
    )
    return event.id


def pending_requests(session: Session, now_utc: datetime, days: int = PENDING_DAYS) -> list[ReprintRequest]:
    """Requests of the last `days` days still waiting for a decision, oldest first."""
    since = now_utc - timedelta(days=days)
    rows = session.execute(
        select(DossierEvent, Dossier.code, Applicant.full_name, User.full_name)
        .join(Dossier, Dossier.id == DossierEvent.dossier_id)
        .join(Applicant, Applicant.id == Dossier.applicant_id)
        .outerjoin(User, User.id == DossierEvent.user_id)
        .where(DossierEvent.at >= since, DossierEvent.kind == REQUESTED)
        .order_by(DossierEvent.at)
    ).all()
    decided = _decided(session, list({event.dossier_id for event, *_rest in rows}))
    found = []
    for event, code, applicant, clerk in rows:
        if event.id in decided:
            continue
        data = json.loads(event.payload or "{}")
        form = str(data.get("form", "receipt"))
        found.append(
            ReprintRequest(
                id=event.id,
                code=code,
                applicant_name=applicant,
                form=form,
                form_name=_(FORM_NAMES.get(form, form)),
                reason=event.note,
                requested_by=clerk or "",
                requested_at_local=utc_to_local(event.at),
            )
        )
    return found


def _request(session: Session, request_id: str) -> tuple[DossierEvent, Dossier]:
    event = session.get(DossierEvent, request_id)
    if event is None or event.kind != REQUESTED:
        raise UserFacingError(_("Không tìm thấy yêu cầu in lại này; hãy tải lại danh sách."))
    if event.id in _decided(session, [event.dossier_id]):
        raise UserFacingError(_("Yêu cầu in lại này đã được quyết định; hãy tải lại danh sách."))
    dossier = session.get(Dossier, event.dossier_id)
    assert dossier is not None  # the event's foreign key
    return event, dossier


def approve_reprint(session: Session, clock: Clock, request_id: str, supervisor_id: str) -> PrintedForm:
    """Approve a waiting request and print the reprint now (its PDF is kept under forms/)."""
    supervisor = require_role(session, supervisor_id, *APPROVER_ROLES)
    event, dossier = _request(session, request_id)
    data = json.loads(event.payload or "{}")
    form = _form(str(data.get("form", "receipt")))
    append_event(
        session,
        clock,
        dossier,
        APPROVED,
        supervisor.id,
        note=event.note,
        payload={
            "request_id": event.id,
            "request_seq": event.seq,
            "requested_by": event.user_id,
            "form": form,
        },
        audit_detail={"request_id": event.id, "requested_by": event.user_id, "reason": event.note},
    )
    reason = f"{event.note} (lãnh đạo {supervisor.full_name} duyệt)"  # i18n: skip
    return forms.print_receipt(session, clock, dossier.code, supervisor.id, reprint_reason=reason)


def refuse_reprint(session: Session, clock: Clock, request_id: str, supervisor_id: str, reason: str) -> None:
    """Refuse a waiting request, with the reason told to the clerk."""
    supervisor = require_role(session, supervisor_id, *APPROVER_ROLES)
    why = nfc(reason).strip()
    if not why:
        raise FieldErrors({"reason": _("Hãy ghi lý do không duyệt in lại")})
    event, dossier = _request(session, request_id)
    append_event(
        session,
        clock,
        dossier,
        REFUSED,
        supervisor.id,
        note=why,
        payload={"request_id": event.id, "request_seq": event.seq, "requested_by": event.user_id},
        audit_detail={"request_id": event.id, "requested_by": event.user_id, "reason": why},
    )


def reprint_with_approval(
    session: Session, clock: Clock, code: str, clerk_id: str, supervisor_id: str, reason: str
) -> PrintedForm:
    """At the desk: the clerk's request and the supervisor's approval (identity already confirmed by
    password), then the reprint, in one transaction."""
    require_role(session, supervisor_id, *APPROVER_ROLES)
    request_id = request_reprint(session, clock, code, clerk_id, reason)
    return approve_reprint(session, clock, request_id, supervisor_id)
