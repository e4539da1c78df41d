"""Recompute open dossiers after a calendar change and list those whose legal appointment moves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from counter_app.deadlines.calendar import WorkingCalendar
from counter_app.deadlines.engine import compute_appointment
from counter_app.deadlines.hours import WorkingHours
from counter_app.deadlines.rules import DeadlineRule, Pause


@dataclass(frozen=True)
class OpenDossierInput:
    """What recomputing needs of one open dossier; `printed` is the appointment on its receipt (or the
    one in force after an extension), None if not known."""

    dossier_id: str
    received: datetime
    rule: DeadlineRule
    pauses: tuple[Pause, ...] = ()
    printed: datetime | None = None


@dataclass(frozen=True)
class Moved:
    """A dossier whose legal appointment changes: `old` and `new` legal appointments, and the printed one.

    `new` is None when the clock is stopped by an open pause (then `old` was None too, and such a
    dossier is never listed). `printed_differs` tells the counter to call the applicant or reprint.
    """

    dossier_id: str
    printed: datetime | None
    old: datetime | None
    new: datetime | None

    @property
    def printed_differs(self) -> bool:
        """True when the printed appointment is not the new legal one."""
        return self.printed != self.new


def recompute(
    dossiers: Iterable[OpenDossierInput],
    old_cal: WorkingCalendar,
    new_cal: WorkingCalendar,
    hours: WorkingHours | None = None,
) -> list[Moved]:
    """The open dossiers whose legal appointment differs between `old_cal` and `new_cal`, in input order.

    Dossiers stopped by an open pause have no appointment under either calendar and are not listed;
    their date is computed when the pause ends, with whichever calendar is then in force.
    """
    moved: list[Moved] = []
    for dossier in dossiers:
        old = compute_appointment(
            dossier.received, dossier.rule, calendar=old_cal, hours=hours, pauses=dossier.pauses
        ).due
        new = compute_appointment(
            dossier.received, dossier.rule, calendar=new_cal, hours=hours, pauses=dossier.pauses
        ).due
        if old != new:
            moved.append(
                Moved(dossier.dossier_id, dossier.printed if dossier.printed is not None else old, old, new)
            )
    return moved
