"""Office hours of an agency: working periods on weekdays and, optionally, on Saturdays."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from itertools import pairwise

from counter_app.deadlines.errors import WorkingHoursError
from counter_app.i18n import N_, _

_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_FORMAT_HINT = N_(
    'cần dạng "HH:MM-HH:MM", nhiều khoảng cách nhau bằng dấu phẩy, ví dụ "07:00-11:30,13:30-17:00"'
)


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@dataclass(frozen=True, order=True)
class Period:
    """One stretch of working time within a day, from `start` (inclusive) to `end`."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise WorkingHoursError(
                _('Khoảng giờ "{self}": giờ kết thúc phải sau giờ bắt đầu.').format(self=self)
            )

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    @property
    def seconds(self) -> tuple[int, int]:
        """Start and end as seconds after midnight (the engine's internal unit)."""
        return _seconds(self.start), _seconds(self.end)

    @property
    def length_seconds(self) -> int:
        """How long the period lasts, in seconds."""
        start, end = self.seconds
        return end - start


def _check_periods(periods: tuple[Period, ...], label: str) -> None:
    where = f" {label}" if label else ""
    for before, after in pairwise(periods):
        if after.start < before.end:
            raise WorkingHoursError(
                _('Giờ làm việc{where}: các khoảng "{before}" và "{after}" chồng lên nhau.').format(
                    where=where, before=before, after=after
                )
            )


def parse_periods(spec: str, *, label: str = "") -> tuple[Period, ...]:
    """Parse "07:00-11:30,13:30-17:00" into sorted periods; an empty text gives no periods.

    Raises `WorkingHoursError` (Vietnamese message) for malformed, reversed or overlapping periods.
    """
    if not spec.strip():
        return ()
    periods: list[Period] = []
    for chunk in spec.split(","):
        text = chunk.strip()
        match = _PERIOD.match(text)
        if match is None:
            raise WorkingHoursError(
                _('Giờ làm việc "{strip}" không hợp lệ ở "{text}": {hint}.').format(
                    strip=spec.strip(), text=text, hint=_(_FORMAT_HINT)
                )
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise WorkingHoursError(
                _('Khoảng giờ "{text}" có giờ hoặc phút không tồn tại.').format(text=text)
            )
        periods.append(Period(time(h1, m1), time(h2, m2)))
    ordered = tuple(sorted(periods))
    _check_periods(ordered, label)
    return ordered


_DEFAULT_WEEKDAY = (Period(time(7, 0), time(11, 30)), Period(time(13, 30), time(17, 0)))


@dataclass(frozen=True)
class WorkingHours:
    """The agency's working periods (default 07:00–11:30 and 13:30–17:00, Thanh Hóa's defaults).

    `weekday` applies Monday to Friday and on make-up working days (làm bù), which replace a full
    weekday. `saturday` is empty by default (ordinary Saturdays are days off); agencies that open on
    Saturday mornings set it, e.g. ``WorkingHours.parse(saturday="07:00-11:30")``, and ordinary
    Saturdays then become working days with those hours. Holidays stay days off either way.
    """

    weekday: tuple[Period, ...] = _DEFAULT_WEEKDAY
    saturday: tuple[Period, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.weekday:
            raise WorkingHoursError(_("Giờ làm việc trong tuần phải có ít nhất một khoảng giờ."))
        # Sorting here lets callers pass periods in any order; dataclass is frozen, hence object.__setattr__.
        object.__setattr__(self, "weekday", tuple(sorted(self.weekday)))
        object.__setattr__(self, "saturday", tuple(sorted(self.saturday)))
        _check_periods(self.weekday, _("trong tuần"))
        _check_periods(self.saturday, _("thứ Bảy"))

    @classmethod
    def parse(cls, weekday: str = "07:00-11:30,13:30-17:00", saturday: str | None = None) -> WorkingHours:
        """Build from text such as "07:00-11:30,13:30-17:00"; `saturday` None or "" = closed on Saturdays."""
        return cls(
            weekday=parse_periods(weekday, label=_("trong tuần")),
            saturday=parse_periods(saturday or "", label=_("thứ Bảy")),
        )

    @property
    def opening(self) -> time:
        """Opening time on a weekday."""
        return self.weekday[0].start

    @property
    def closing(self) -> time:
        """Closing time on a weekday."""
        return self.weekday[-1].end

    @property
    def day_seconds(self) -> int:
        """Working seconds in one weekday: the size of "1 ngày làm việc" (8 h with the defaults)."""
        return sum(p.length_seconds for p in self.weekday)

    def spec(self) -> str:
        """The weekday periods written back as text, e.g. "07:00-11:30,13:30-17:00"."""
        return ",".join(str(p) for p in self.weekday)

    def __str__(self) -> str:
        text = self.spec()
        if self.saturday:
            text += _("; thứ Bảy ") + ",".join(str(p) for p in self.saturday)
        return text


DEFAULT_HOURS = WorkingHours()
"""07:00–11:30 and 13:30–17:00, closed on Saturdays."""
