"""Per-procedure deadline rules: the unit, the amount, the cut-off hour and what a pause does."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from counter_app.deadlines.errors import DeadlineError
from counter_app.i18n import N_, _

SAME_DAY_CUTOFF = time(15, 0)
"""Standard cut-off of same-day procedures: "nếu tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo"."""  # i18n: skip


class Unit(StrEnum):
    """How a statutory time is counted (LoaiThoiGianThucHien in provincial systems)."""

    WORKING_DAYS = "working_days"  # ngày làm việc
    WORKING_HOURS = "working_hours"  # giờ làm việc
    CALENDAR_DAYS = "calendar_days"  # ngày (lịch)
    SAME_DAY = "same_day"  # trong ngày

    @property
    def label(self) -> str:
        """Name of the unit in the interface language."""
        return _(_UNIT_LABELS[self])


_UNIT_LABELS = {
    Unit.WORKING_DAYS: N_("ngày làm việc"),
    Unit.WORKING_HOURS: N_("giờ làm việc"),
    Unit.CALENDAR_DAYS: N_("ngày"),
    Unit.SAME_DAY: N_("trong ngày"),
}


class PauseRule(StrEnum):
    """What a supplement request (yêu cầu bổ sung) does to the clock."""

    PAUSE = "pause"  # the clock stops, then resumes: the appointment moves by the working time paused
    RESTART = "restart"  # counting starts again from zero when the papers arrive
    NONE = "none"  # the request does not affect the appointment


@dataclass(frozen=True)
class DeadlineRule:
    """How to compute one procedure's appointment.

    `amount` is in `unit` (fractions allowed for working days and hours; calendar days are whole; the
    same-day unit ignores it). `cutoff`: a receipt after this clock time (strictly after) counts from the
    next working day's opening; for `SAME_DAY`, None means the standard 15:00.
    """

    unit: Unit
    amount: float = 0
    cutoff: time | None = None
    pause_rule: PauseRule = PauseRule.PAUSE

    def __post_init__(self) -> None:
        if not isinstance(self.unit, Unit):
            raise DeadlineError(
                _("Đơn vị thời hạn không hợp lệ: {unit!r}.").format(unit=self.unit), field="unit"
            )
        if not math.isfinite(self.amount) or self.amount < 0:
            raise DeadlineError(_("Thời hạn phải là một số không âm."), field="amount")
        if self.unit is Unit.CALENDAR_DAYS and self.amount != int(self.amount):
            raise DeadlineError(_("Thời hạn tính theo ngày (lịch) phải là số nguyên."), field="amount")
        if self.unit is Unit.SAME_DAY and self.amount:
            raise DeadlineError(_("Thủ tục trả trong ngày không có số ngày."), field="amount")

    @classmethod
    def working_days(
        cls, amount: float, *, cutoff: time | None = None, pause_rule: PauseRule = PauseRule.PAUSE
    ) -> DeadlineRule:
        """N working days (ngày làm việc)."""
        return cls(Unit.WORKING_DAYS, amount, cutoff, pause_rule)

    @classmethod
    def working_hours(
        cls, amount: float, *, cutoff: time | None = None, pause_rule: PauseRule = PauseRule.PAUSE
    ) -> DeadlineRule:
        """N working hours (giờ làm việc)."""
        return cls(Unit.WORKING_HOURS, amount, cutoff, pause_rule)

    @classmethod
    def calendar_days(
        cls, amount: int, *, cutoff: time | None = None, pause_rule: PauseRule = PauseRule.PAUSE
    ) -> DeadlineRule:
        """N calendar days (ngày); the appointment still never falls on a day off."""
        return cls(Unit.CALENDAR_DAYS, amount, cutoff, pause_rule)

    @classmethod
    def same_day(cls, *, cutoff: time | None = None, pause_rule: PauseRule = PauseRule.PAUSE) -> DeadlineRule:
        """Same day (trong ngày); after the cut-off (15:00 unless given), the next working day."""
        return cls(Unit.SAME_DAY, 0, cutoff, pause_rule)

    @property
    def effective_cutoff(self) -> time | None:
        """The cut-off actually applied: the given one, else 15:00 for same-day, else none."""
        if self.cutoff is None and self.unit is Unit.SAME_DAY:
            return SAME_DAY_CUTOFF
        return self.cutoff

    def describe(self) -> str:
        """Vietnamese summary, e.g. "5 ngày làm việc" or "trong ngày (sau 15:00 trả ngày làm việc tiếp theo)"."""
        cutoff = self.effective_cutoff
        if self.unit is Unit.SAME_DAY:
            assert cutoff is not None  # same-day always has one, see effective_cutoff
            return _("trong ngày (nhận sau {cutoff:%H:%M} trả ngày làm việc tiếp theo)").format(cutoff=cutoff)
        amount = f"{self.amount:g}".replace(".", ",")
        text = f"{amount} {self.unit.label}"
        if cutoff is not None:
            text += _(" (nhận sau {cutoff:%H:%M} tính từ ngày làm việc tiếp theo)").format(cutoff=cutoff)
        return text


@dataclass(frozen=True)
class Pause:
    """One stop of the clock for a supplement request; `end` None while the applicant has not come back."""

    start: datetime
    end: datetime | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise DeadlineError(_("Thời điểm tiếp tục phải sau thời điểm tạm dừng."), field="end")

    @property
    def is_open(self) -> bool:
        """True while the dossier still waits for the applicant."""
        return self.end is None
