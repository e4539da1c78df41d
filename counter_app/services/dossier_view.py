"""Read-only view of one dossier by code: its detail (as on the receipt) and its timeline of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services.apology_advice import ApologyAdvice, dossier_apology_advice
from counter_app.services.codes import CODE_PATTERN
from counter_app.services.intake import STATUS_NAMES, DossierDetail, get_dossier_by_code
from counter_app.services.step_forms import FormChoice, printable_forms
from counter_app.services.workflow import ACTION_LABELS
from counter_app.storage.models import Dossier, DossierEvent, User

__all__ = ["EVENT_LABELS", "DossierView", "EventLine", "dossier_events", "event_label", "load_dossier_view"]

# What each kind of event means, in the words of the counter: one list, the workflow's.
EVENT_LABELS = ACTION_LABELS


@dataclass(frozen=True)
class EventLine:
    """One line of a dossier's timeline, ready to show: who, when (Vietnam time), what, step deadline."""

    seq: int
    kind: str
    label: str
    status_from: str
    status_to: str
    at_local: datetime
    user_name: str
    note: str
    step_deadline_local: datetime | None


@dataclass(frozen=True)
class DossierView:
    """Everything the detail view shows: the dossier as received and its events, oldest first.

    `forms` are the papers its history allows printing; `advice` proposes Mẫu 04 when at most one
    working day is left (or it is late), as of the time the view was read.
    """

    detail: DossierDetail
    events: tuple[EventLine, ...]
    forms: tuple[FormChoice, ...] = ()
    advice: ApologyAdvice | None = None


def event_label(kind: str, status_to: int | None = None) -> str:
    """The Vietnamese label of an event kind; an unknown kind is named by the status it leads to."""
    if kind in EVENT_LABELS:
        return _(EVENT_LABELS[kind])
    if status_to is not None:
        return _("Chuyển trạng thái: {get}").format(get=_(STATUS_NAMES.get(status_to, str(status_to))))
    return kind


def _status(value: int | None) -> str:
    return "" if value is None else _(STATUS_NAMES.get(value, str(value)))


def dossier_events(session: Session, dossier_id: str) -> tuple[EventLine, ...]:
    """The events of a dossier in order (seq), with the full name of the user who did each."""
    rows = session.execute(
        select(DossierEvent, User.full_name)
        .outerjoin(User, User.id == DossierEvent.user_id)
        .where(DossierEvent.dossier_id == dossier_id)
        .order_by(DossierEvent.seq)
    ).all()
    return tuple(
        EventLine(
            seq=event.seq,
            kind=event.kind,
            label=event_label(event.kind, event.status_to),
            status_from=_status(event.status_from),
            status_to=_status(event.status_to),
            at_local=utc_to_local(event.at),
            user_name=full_name or "",
            note=event.note or "",
            step_deadline_local=utc_to_local(event.step_deadline) if event.step_deadline else None,
        )
        for event, full_name in rows
    )


def load_dossier_view(session: Session, code: str, now_utc: datetime | None = None) -> DossierView:
    """The detail, timeline and printable forms of the dossier `code`; UserFacingError when unknown.

    With `now_utc`, the view also says whether Mẫu 04 should be proposed at that instant.
    """
    code = code.strip()
    exists = CODE_PATTERN.match(code) and session.scalar(select(Dossier.id).where(Dossier.code == code))
    if not exists:
        raise UserFacingError(_("Không tìm thấy hồ sơ mã {code}.").format(code=code))
    detail = get_dossier_by_code(session, code)
    advice = dossier_apology_advice(session, detail.id, now_utc) if now_utc is not None else None
    forms = tuple(printable_forms(session, detail.code))
    return DossierView(detail, dossier_events(session, detail.id), forms, advice)
