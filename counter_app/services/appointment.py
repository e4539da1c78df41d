"""The appointment of a new dossier (catalogue rule + the counter's calendar and hours), and receiving with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.crashpoints import crash_point
from counter_app.deadlines import compute_appointment
from counter_app.services.calendar_admin import counter_calendar, counter_hours, rule_of
from counter_app.services.intake import IntakeForm, RegisteredDossier, register_dossier
from counter_app.storage.models import Procedure


def compute_appointment_for(session: Session, procedure: Procedure, received_local: datetime) -> datetime:
    """The appointment (naive local time) of a dossier of `procedure` received at `received_local`.

    Uses the calendar in force at this counter (shipped calendar plus the admin's days) and the
    counter's working hours, so what the intake form shows is what the receipt prints. A bad
    catalogue rule raises the engine's DeadlineError (user-facing).
    """
    appointment = compute_appointment(
        received_local, rule_of(procedure), calendar=counter_calendar(session), hours=counter_hours(session)
    )
    if appointment.due is None:  # only an open pause leaves it unknown, and a new dossier has none
        raise RuntimeError("a new dossier has no appointment")
    return appointment.due


def receive_dossier(
    session: Session, clock: Clock, form: IntakeForm, clerk_id: str, received_local: datetime
) -> RegisteredDossier:
    """Register a dossier received at `received_local` with the appointment the counter's calendar gives.

    The appointment is computed in the same transaction as the save, so it is exactly what the
    receipt prints. A missing or withdrawn procedure is left to register_dossier, which refuses the
    form (FieldErrors) before it uses the appointment.
    """
    procedure = session.get(Procedure, form.procedure_id) if form.procedure_id > 0 else None
    due = (
        compute_appointment_for(session, procedure, received_local)
        if procedure is not None and procedure.active
        else received_local
    )
    registered = register_dossier(session, clock, form, clerk_id, due, received_local=received_local)
    session.flush()
    crash_point("intake_before_commit")  # everything written, nothing committed: all of it must vanish
    return registered
