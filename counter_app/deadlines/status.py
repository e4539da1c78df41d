"""Timeliness: finished dossiers (trước/đúng/quá hạn) and open ones (trong hạn, sắp đến hạn, quá hạn)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from counter_app.deadlines.calendar import WorkingCalendar
from counter_app.deadlines.display import format_working_duration
from counter_app.deadlines.engine import Appointment
from counter_app.deadlines.hours import WorkingHours
from counter_app.deadlines.rules import PauseRule
from counter_app.deadlines.worktime import working_time
from counter_app.i18n import N_, _


class Timeliness(StrEnum):
    """Where a dossier stands against its appointment; the values are stable for storage and reports."""

    TRUOC_HAN = "truoc_han"  # finished on a day before the appointment's day
    DUNG_HAN = "dung_han"  # finished on the appointment's day, whatever the hour
    QUA_HAN = "qua_han"  # finished after the appointment's day, or still open past the appointment
    TRONG_HAN = "trong_han"  # open, more than one working day left
    SAP_DEN_HAN = "sap_den_han"  # open, at most one working day left
    TAM_DUNG = "tam_dung"  # open, clock stopped while waiting for a supplement

    @property
    def label(self) -> str:
        """Label in the interface language, e.g. "Sắp đến hạn" / "Due soon"."""
        return _(_LABELS[self])

    @property
    def vi_label(self) -> str:
        """Vietnamese label whatever the interface language (official registers and reports)."""
        return _LABELS[self]


_LABELS = {
    Timeliness.TRUOC_HAN: N_("Trước hạn"),
    Timeliness.DUNG_HAN: N_("Đúng hạn"),
    Timeliness.QUA_HAN: N_("Quá hạn"),
    Timeliness.TRONG_HAN: N_("Trong hạn"),
    Timeliness.SAP_DEN_HAN: N_("Sắp đến hạn"),
    Timeliness.TAM_DUNG: N_("Tạm dừng"),
}


def classify_finished(finished: datetime, appointment: datetime) -> Timeliness:
    """Classify a finished dossier by comparing DATES only (the QĐ 766 convention).

    Finishing any time on the appointment's day is đúng hạn, even after the appointment's clock time;
    an earlier day is trước hạn; a later day is quá hạn.
    """
    finished_day, due_day = finished.date(), appointment.date()
    if finished_day < due_day:
        return Timeliness.TRUOC_HAN
    if finished_day == due_day:
        return Timeliness.DUNG_HAN
    return Timeliness.QUA_HAN


@dataclass(frozen=True)
class LiveStatus:
    """An open dossier's standing at one instant: `seconds` is working time left (or overdue for QUA_HAN)."""

    timeliness: Timeliness
    seconds: int
    text: str


def status_at(
    appointment: Appointment | datetime,
    now: datetime,
    *,
    calendar: WorkingCalendar | None = None,
    hours: WorkingHours | None = None,
) -> LiveStatus:
    """Where an open dossier stands at `now` (naive local time), with a Vietnamese text.

    Past the appointment instant → QUA_HAN with the overdue working time ("Quá hạn 2 giờ"); at most one
    working day (the weekday's working hours) left → SAP_DEN_HAN; otherwise TRONG_HAN ("Còn 2 ngày 3
    giờ"). An `Appointment` stopped by an open pause → TAM_DUNG with the time left when it stopped.
    """
    wt = working_time(calendar, hours)
    day = wt.day_seconds
    if isinstance(appointment, Appointment):
        if appointment.due is None:
            if appointment.rule.pause_rule is PauseRule.RESTART or appointment.remaining_at_pause is None:
                return LiveStatus(
                    Timeliness.TAM_DUNG, 0, _("Tạm dừng chờ bổ sung (tính lại từ đầu khi nhận đủ)")
                )
            left = appointment.remaining_at_pause
            return LiveStatus(
                Timeliness.TAM_DUNG,
                left,
                _("Tạm dừng chờ bổ sung, còn {duration}").format(duration=format_working_duration(left, day)),
            )
        due = appointment.due
    else:
        due = appointment
    if now > due:
        late = max(0, wt.working_seconds_between(due, now))
        text = (
            _("Quá hạn {duration}").format(duration=format_working_duration(late, day))
            if late >= 60
            else _("Quá hạn")
        )
        return LiveStatus(Timeliness.QUA_HAN, late, text)
    left = max(0, wt.working_seconds_between(now, due))
    if left >= 60:
        text = _("Còn {format_working_duration}").format(
            format_working_duration=format_working_duration(left, day)
        )
    else:
        text = _("Đến hạn") if left == 0 else _("Còn dưới 1 phút")
    kind = Timeliness.SAP_DEN_HAN if left <= day else Timeliness.TRONG_HAN
    return LiveStatus(kind, left, text)
