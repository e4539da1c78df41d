"""Appointment function for bulk work (seeding, benchmarks): one engine rule per procedure, cached."""

from __future__ import annotations

from datetime import date, datetime, time

from counter_app.deadlines import (
    DeadlineRule,
    PauseRule,
    Unit,
    WorkingCalendar,
    WorkingHours,
    compute_appointment,
)
from counter_app.demo.seed import DemoProcedure


class BulkAppointments:
    """Computes appointments for many dossiers with the same calendar and hours."""

    def __init__(self, calendar: WorkingCalendar, hours: WorkingHours) -> None:
        self.calendar = calendar
        self.hours = hours
        self._rules: dict[int, DeadlineRule] = {}

    def rule(self, proc: DemoProcedure) -> DeadlineRule:
        """The engine's rule for a catalogue procedure."""
        cached = self._rules.get(proc.id)
        if cached is None:
            unit = Unit(proc.unit)
            cached = DeadlineRule(
                unit,
                0 if unit is Unit.SAME_DAY else proc.amount,
                cutoff=time.fromisoformat(proc.cutoff) if proc.cutoff else None,
                pause_rule=PauseRule.PAUSE,
            )
            self._rules[proc.id] = cached
        return cached

    def __call__(self, proc: DemoProcedure, received: datetime) -> datetime:
        due = compute_appointment(received, self.rule(proc), calendar=self.calendar, hours=self.hours).due
        assert due is not None  # no pauses here
        return due

    def is_working_day(self, day: date) -> bool:
        """Whether the counter works on `day`."""
        return self.calendar.is_working_day(day)
