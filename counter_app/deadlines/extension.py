"""Extensions (Mẫu 04 apology letter, hẹn lại): one allowed, a second only with a supervisor's override."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counter_app.deadlines.calendar import WorkingCalendar
from counter_app.deadlines.display import format_instant
from counter_app.deadlines.errors import ExtensionError
from counter_app.deadlines.hours import WorkingHours
from counter_app.deadlines.worktime import working_time
from counter_app.i18n import _


@dataclass(frozen=True)
class Extension:
    """One recorded new appointment: from `previous` to `new`, why, by whom, and who allowed a repeat."""

    previous: datetime
    new: datetime
    reason: str
    by: str
    override_by: str | None = None


@dataclass(frozen=True)
class DeadlineState:
    """A dossier's appointment history: the original appointment and the extensions granted since."""

    original: datetime
    extensions: tuple[Extension, ...] = ()

    @property
    def appointment(self) -> datetime:
        """The appointment in force: the latest extension's, else the original."""
        return self.extensions[-1].new if self.extensions else self.original

    @property
    def extended(self) -> bool:
        """True once the appointment has been moved at least once."""
        return bool(self.extensions)


def apply_extension(
    current: DeadlineState,
    new_appointment: datetime,
    reason: str,
    by: str,
    override_by: str | None = None,
    *,
    calendar: WorkingCalendar | None = None,
    hours: WorkingHours | None = None,
) -> DeadlineState:
    """The state after granting a new appointment; raises `ExtensionError` (Vietnamese) when not allowed.

    Rules (NĐ 61/2018 Điều 17: "chỉ được hẹn lại một lần"): a reason and the person are required; the
    new appointment must be later than the one in force and fall in working time (closing time
    included); a second or later extension needs `override_by`, the supervisor who allowed it.
    """
    reason = reason.strip()
    by = by.strip()
    override = (override_by or "").strip() or None
    if not reason:
        raise ExtensionError(_("Cần ghi lý do gia hạn (hẹn lại)."), field="reason")
    if not by:
        raise ExtensionError(_("Cần ghi người lập phiếu gia hạn."), field="by")
    if current.extensions and override is None:
        raise ExtensionError(
            _(
                "Hồ sơ đã được hẹn lại một lần (đến {format_instant}); hẹn lại lần nữa cần lãnh đạo đồng "
                "ý: ghi tên người phê duyệt."
            ).format(format_instant=format_instant(current.appointment)),
            field="override_by",
        )
    if new_appointment <= current.appointment:
        raise ExtensionError(
            _("Ngày hẹn mới phải sau ngày hẹn hiện tại ({format_instant}).").format(
                format_instant=format_instant(current.appointment)
            ),
            field="new_appointment",
        )
    wt = working_time(calendar, hours)
    if not wt.is_working_instant(new_appointment):
        if wt.is_working_day(new_appointment.date()):
            why = _("ngoài giờ làm việc ({hours})").format(hours=wt.hours)
        else:
            why = _("là ngày nghỉ: {off_reason}").format(off_reason=wt.off_reason(new_appointment.date()))
        raise ExtensionError(
            _("Ngày hẹn mới {format_instant} {why}; hãy chọn thời điểm trong giờ làm việc.").format(
                format_instant=format_instant(new_appointment), why=why
            ),
            field="new_appointment",
        )
    grant = Extension(current.appointment, new_appointment, reason, by, override)
    return DeadlineState(current.original, (*current.extensions, grant))
