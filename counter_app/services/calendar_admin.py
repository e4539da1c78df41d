"""The counter's own calendar layer: days an admin adds or removes, with history and recomputation.

The calendar in force is the shipped one (holidays package + resources/calendar) with the admin's
days on top. Changing a day recomputes every open dossier: the legal appointment moves, the printed
one is kept beside it, and the change, its event per dossier and the audit entry are one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from counter_app.clock import Clock, local_to_utc, utc_to_local
from counter_app.deadlines import (
    DayKind,
    DayOverride,
    DeadlineRule,
    Moved,
    OpenDossierInput,
    Pause,
    PauseRule,
    Unit,
    WorkingCalendar,
    WorkingHours,
    default_calendar,
    recompute,
    working_time,
)
from counter_app.errors import FieldErrors
from counter_app.i18n import _
from counter_app.ids import uuid7
from counter_app.services import audit
from counter_app.services.counter_setup import load_identity
from counter_app.services.users import require_role
from counter_app.storage.models import (
    Applicant,
    CalendarChange,
    CalendarDay,
    Dossier,
    DossierEvent,
    Procedure,
)
from counter_app.text import nfc

OPEN_STATUSES = (2, 4, 5, 6)
PAUSE_START, PAUSE_END = "supplement_requested", "supplement_received"
EVENT_RECOMPUTED = "appointment_recomputed"
EXTENDED = "extended"  # the workflow's extension event (Mẫu 04); the workflow imports this module


@dataclass(frozen=True)
class MovedDossier:
    """An open dossier whose legal appointment changes (local times), for the supervisor to act on."""

    dossier_id: str
    code: str
    applicant_name: str
    procedure_name: str
    printed: datetime | None
    old: datetime | None
    new: datetime | None


@dataclass(frozen=True)
class CalendarChangeDTO:
    """One recorded change of the counter's calendar."""

    day: date
    old_kind: str | None
    new_kind: str | None
    name: str
    reason: str
    changed_by: str | None
    changed_at: datetime
    dossiers_moved: int


def admin_days(session: Session) -> list[DayOverride]:
    """The admin's calendar entries, by date."""
    rows = session.scalars(select(CalendarDay).order_by(CalendarDay.day))
    return [DayOverride(r.day, DayKind(r.kind), r.name, r.legal_ref, "admin") for r in rows]


@lru_cache(maxsize=8)
def _calendar_with(entries: tuple[DayOverride, ...]) -> WorkingCalendar:
    # Cached per set of admin days so the engine's per-calendar arrays are built once, not per dossier.
    return default_calendar().with_overrides(entries)


def counter_calendar(session: Session) -> WorkingCalendar:
    """The calendar in force at this counter: shipped calendar + the admin's days."""
    return _calendar_with(tuple(admin_days(session)))


def counter_hours(session: Session) -> WorkingHours:
    """The counter's working hours."""
    identity = load_identity(session)
    return WorkingHours.parse(identity.working_hours, identity.saturday_hours or None)


def rule_of(procedure: Procedure) -> DeadlineRule:
    """The engine's rule for a catalogue procedure."""
    unit = Unit(procedure.deadline_unit)
    return DeadlineRule(
        unit,
        0 if unit is Unit.SAME_DAY else procedure.deadline_amount,
        cutoff=time.fromisoformat(procedure.cutoff) if procedure.cutoff else None,
        pause_rule=PauseRule(procedure.pause_rule),
    )


def pauses_of(events: Sequence[DossierEvent]) -> tuple[Pause, ...]:
    """The clock pauses of a dossier from its events (supplement requested → received), in order.

    A request not yet answered gives a last pause without an end (the clock is stopped).
    """
    pauses: list[Pause] = []
    started: datetime | None = None
    for event in events:
        if event.kind == PAUSE_START:
            started = utc_to_local(event.at)
        elif event.kind == PAUSE_END and started is not None:
            pauses.append(Pause(started, utc_to_local(event.at)))
            started = None
    if started is not None:
        pauses.append(Pause(started, None))
    return tuple(pauses)


def _open_dossiers(session: Session) -> list[tuple[Dossier, Procedure, str]]:
    stmt = (
        select(Dossier, Procedure, Applicant.full_name)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Applicant, Applicant.id == Dossier.applicant_id)
        .where(Dossier.status.in_(OPEN_STATUSES))
        .options(selectinload(Dossier.events))
        .order_by(Dossier.appointment_at)
    )
    return [(d, p, str(n)) for d, p, n in session.execute(stmt).all()]


def validate_day_change(day: date | None, kind: str | None, name: str, reason: str) -> None:
    """FieldErrors (keys day, kind, name, reason) if the change cannot be recorded as given."""
    errors: dict[str, str] = {}
    if day is None:
        errors["day"] = _("Hãy chọn ngày")
    if kind is not None and kind not in (DayKind.OFF.value, DayKind.WORK.value):
        errors["kind"] = _("Loại ngày phải là 'off' (nghỉ) hoặc 'work' (làm việc)")
    if kind is not None and not nfc(name):
        errors["name"] = _("Hãy ghi tên ngày, ví dụ: Nghỉ bù theo Thông báo số …")
    if not nfc(reason):
        errors["reason"] = _("Hãy ghi căn cứ thay đổi (số thông báo, văn bản)")
    if errors:
        raise FieldErrors(errors)


def _extended(dossier: Dossier) -> bool:
    return any(event.kind == EXTENDED for event in dossier.events)


def kept_after_change(appointment: datetime, new_cal: WorkingCalendar, hours: WorkingHours) -> datetime:
    """Where an appointment set by hand (an extension, Mẫu 04) stands on the new calendar.

    The date promised on Mẫu 04 is kept. Only when the change makes it a day off (or outside the
    hours) does it move: to the same time on the next working day, or the first working instant
    after that time.
    """
    wt = working_time(new_cal, hours)
    if wt.is_working_instant(appointment):
        return appointment
    day = wt.opening_after(appointment).date()
    same_time = datetime.combine(day, appointment.time())
    return same_time if wt.is_working_instant(same_time) else wt.normalise(same_time)


def preview_day_change(session: Session, day: date, kind: str | None, name: str = "") -> list[MovedDossier]:
    """Which open dossiers' appointments move if `day` becomes `kind` (None: the admin entry removed).

    A dossier computed from its procedure's rule is recomputed from its receipt and pauses. A
    dossier whose appointment was set by an extension ("extended", Mẫu 04) is not: the rule no longer
    gives its date. It keeps the extended appointment unless the change makes that a day off
    (`kept_after_change`).
    """
    current = admin_days(session)
    old_cal = _calendar_with(tuple(current))
    new_entries = [e for e in current if e.day != day]
    if kind is not None:
        new_entries.append(DayOverride(day, DayKind(kind), nfc(name), "", "admin"))
    new_cal = _calendar_with(tuple(sorted(new_entries, key=lambda e: e.day)))
    hours = counter_hours(session)
    rows = _open_dossiers(session)
    by_id = {d.id: (d, p, n) for d, p, n in rows}
    inputs = [
        OpenDossierInput(
            d.id,
            utc_to_local(d.received_at),
            rule_of(p),
            pauses_of(d.events),
            utc_to_local(d.printed_appointment_at) if d.printed_appointment_at else None,
        )
        for d, p, _n in rows
        if not _extended(d)
    ]
    changes = recompute(inputs, old_cal, new_cal, hours)
    for dossier, _procedure, _name in rows:
        if not _extended(dossier) or dossier.appointment_at is None:
            continue  # paused after an extension: moved by the engine's calendar when it resumes
        old = utc_to_local(dossier.appointment_at)
        new = kept_after_change(old, new_cal, hours)
        if new != old:
            printed = utc_to_local(dossier.printed_appointment_at) if dossier.printed_appointment_at else old
            changes.append(Moved(dossier.id, printed, old, new))
    order = {d.id: n for n, (d, _p, _a) in enumerate(rows)}
    moved = []
    for item in sorted(changes, key=lambda m: order[m.dossier_id]):
        dossier, procedure, applicant = by_id[item.dossier_id]
        moved.append(
            MovedDossier(
                dossier.id, dossier.code, applicant, procedure.name, item.printed, item.old, item.new
            )
        )
    return moved


def apply_day_change(
    session: Session,
    clock: Clock,
    *,
    day: date,
    kind: str | None,
    name: str,
    reason: str,
    user_id: str | None,
) -> list[MovedDossier]:
    """Record the change and move the open dossiers' legal appointments, all in the caller's transaction.

    `kind` None removes the admin's entry for `day` (the shipped calendar applies again). Only a
    supervisor or an admin may do it; `user_id` None is the operator at the command line.
    """
    validate_day_change(day, kind, name, reason)
    if user_id is not None:
        require_role(session, user_id, "supervisor", "admin")
    moved = preview_day_change(session, day, kind, name)
    existing = session.get(CalendarDay, day)
    now = clock.now_utc()
    old_kind = existing.kind if existing else None
    if kind is None:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(
            CalendarDay(
                day=day, kind=kind, name=nfc(name), legal_ref=nfc(reason), changed_by=user_id, changed_at=now
            )
        )
    else:
        existing.kind, existing.name, existing.legal_ref = kind, nfc(name), nfc(reason)
        existing.changed_by, existing.changed_at = user_id, now
    session.add(
        CalendarChange(
            day=day,
            old_kind=old_kind,
            new_kind=kind,
            name=nfc(name),
            reason=nfc(reason),
            changed_by=user_id,
            changed_at=now,
            dossiers_moved=len(moved),
        )
    )
    for item in moved:
        dossier = session.get(Dossier, item.dossier_id)
        assert dossier is not None
        if dossier.printed_appointment_at is None and dossier.appointment_at is not None:
            dossier.printed_appointment_at = dossier.appointment_at  # keep the promise on paper visible
        dossier.appointment_at = local_to_utc(item.new) if item.new else None
        dossier.version += 1
        dossier.updated_at = now
        seq = len(dossier.events) + 1
        session.add(
            DossierEvent(
                id=uuid7(),
                dossier_id=dossier.id,
                seq=seq,
                kind=EVENT_RECOMPUTED,
                status_from=dossier.status,
                status_to=dossier.status,
                at=now,
                user_id=user_id,
                note=f"Lịch làm việc thay đổi ngày {day:%d/%m/%Y}: {nfc(name) or 'bỏ ngày riêng'}",  # i18n: skip
                step_deadline=dossier.appointment_at,
                payload=json.dumps(
                    {"old": _iso(item.old), "new": _iso(item.new), "reason": nfc(reason)}, ensure_ascii=False
                ),
            )
        )
    audit.append_audit(
        session,
        clock,
        user_id,
        "calendar.change",
        "calendar_day",
        day.isoformat(),
        {
            "old_kind": old_kind,
            "new_kind": kind,
            "name": nfc(name),
            "reason": nfc(reason),
            "dossiers_moved": [m.code for m in moved],
        },
    )
    return moved


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value else None


def history(session: Session) -> list[CalendarChangeDTO]:
    """Every change of the counter's calendar, newest first."""
    rows = session.scalars(select(CalendarChange).order_by(CalendarChange.id.desc()))
    return [
        CalendarChangeDTO(
            r.day, r.old_kind, r.new_kind, r.name, r.reason, r.changed_by, r.changed_at, r.dossiers_moved
        )
        for r in rows
    ]
