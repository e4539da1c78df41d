"""Bridge from a catalogue procedure and the counter's hours to the deadline engine's appointment."""

from __future__ import annotations

from datetime import datetime, time

from counter_app.services.counter_setup import CounterIdentity
from counter_app.storage.models import Procedure


def compute_appointment_for(
    procedure_row: Procedure, received_local: datetime, identity: CounterIdentity
) -> datetime:
    """The appointment (naive local time) of a dossier of `procedure_row` received at `received_local`.

    Uses the deadline engine (`counter_app.deadlines.compute_appointment`) with the shipped working
    calendar and the counter's working hours. Raises NotImplementedError if the engine is not
    available in this build, and the engine's DeadlineError (user-facing) for a bad catalogue rule.
    """
    try:
        from counter_app.deadlines import (
            DeadlineRule,
            PauseRule,
            Unit,
            WorkingHours,
            compute_appointment,
            default_calendar,
        )
    except ImportError as exc:  # pragma: no cover - only while the engine is missing from a build
        raise NotImplementedError(
            "The deadline engine (counter_app.deadlines.compute_appointment) is not available; "
            "the appointment cannot be computed."
        ) from exc
    unit = Unit(procedure_row.deadline_unit)
    rule = DeadlineRule(
        unit,
        # A same-day procedure has no amount; catalogues sometimes write 0 or 1 there.
        0 if unit is Unit.SAME_DAY else procedure_row.deadline_amount,
        cutoff=time.fromisoformat(procedure_row.cutoff) if procedure_row.cutoff else None,
        pause_rule=PauseRule(procedure_row.pause_rule),
    )
    hours = WorkingHours.parse(identity.working_hours, identity.saturday_hours or None)
    appointment = compute_appointment(received_local, rule, calendar=default_calendar(), hours=hours)
    if appointment.due is None:  # only an open pause leaves it unknown, and a new dossier has none
        raise RuntimeError("a new dossier has no appointment")
    return appointment.due
