"""Append a status-less event to a dossier's history (a correction, a reprint decision), audited and queued.

The event keeps the dossier's status (status_from/to NULL, like the print events); the caller's
transaction also gets an audit row and a "dossier.event" outbox op shaped like the workflow's, so the
central system receives it with the rest of the history. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.ids import uuid7
from counter_app.services import outbox  # called as outbox.enqueue, like the other use cases
from counter_app.services.audit import append_audit
from counter_app.storage.models import Dossier, DossierEvent


def find_dossier(session: Session, code: str) -> Dossier:
    """The dossier with this code; UserFacingError (Vietnamese) if there is none."""
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip()))
    if dossier is None:
        raise UserFacingError(_("Không tìm thấy hồ sơ có mã {text}.").format(text=code.strip()), field="code")
    return dossier


def append_event(
    session: Session,
    clock: Clock,
    dossier: Dossier,
    kind: str,
    user_id: str,
    *,
    note: str,
    payload: Mapping[str, Any],
    audit_detail: Mapping[str, Any],
    new_version: bool = False,
) -> DossierEvent:
    """Add the event `kind` (next seq), an audit row named after it and the outbox op; returns the event.

    `new_version` bumps the dossier's version (the row itself changed, as in a correction).
    """
    now = clock.now_utc()
    last = session.scalar(select(func.max(DossierEvent.seq)).where(DossierEvent.dossier_id == dossier.id))
    event = DossierEvent(
        id=uuid7(),
        dossier_id=dossier.id,
        seq=int(last or 0) + 1,
        kind=kind,
        status_from=None,
        status_to=None,
        at=now,
        user_id=user_id,
        note=note,
        step_deadline=None,
        payload=outbox.canonical_json(payload),
    )
    session.add(event)
    if new_version:
        dossier.version += 1
    dossier.updated_at = now
    session.flush()
    session.expire(dossier, ["events"])  # the relationship reloads with the new event when next read
    append_audit(
        session,
        clock,
        user_id,
        kind,
        "dossier",
        dossier.id,
        {"code": dossier.code, "seq": event.seq, **audit_detail},
    )
    outbox.enqueue(
        session,
        clock,
        "dossier.event",
        dossier.id,
        {
            "dossier_id": dossier.id,
            "code": dossier.code,
            "version": dossier.version,
            "status": dossier.status,
            "appointment_at": dossier.appointment_at,
            "finished_at": dossier.finished_at,
            "returned_at": dossier.returned_at,
            "event": {
                "id": event.id,
                "seq": event.seq,
                "kind": kind,
                "status_from": None,
                "status_to": None,
                "at": now,
                "user_id": user_id,
                "note": note,
                "step_deadline": None,
                "payload": dict(payload),
            },
        },
    )
    return event
