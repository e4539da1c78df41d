"""Working time of one calendar under one set of hours, laid out as a line of working seconds."""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from counter_app.deadlines.calendar import DayKind, WorkingCalendar, default_calendar
from counter_app.deadlines.errors import DeadlineError
from counter_app.deadlines.hours import DEFAULT_HOURS, WorkingHours
from counter_app.i18n import N_, _

Spans = tuple[tuple[int, int], ...]
"""Working periods of one day as (start, end) seconds after midnight."""

_WEEKEND_LABELS = {5: N_("nghỉ cuối tuần (Thứ Bảy)"), 6: N_("nghỉ cuối tuần (Chủ nhật)")}
_MIN_ORDINAL = date(1, 1, 1).toordinal()
_MAX_ORDINAL = date(9999, 12, 31).toordinal()


@dataclass(frozen=True)
class _Line:
    """Precomputed arrays for the ordinals lo..hi-1 (whole years); replaced, never mutated."""

    lo: int
    hi: int
    days: list[int]  # ordinals of the working days, ascending
    spans: list[Spans]  # working periods of each working day
    cum: list[int]  # cum[k] = working seconds before working day k; len(days) + 1 items
    first: list[int]  # first[o - lo] = index of the first working day on or after ordinal o


def _clamp(second: int, spans: Spans) -> int:
    """Bring a clock time into the day's working time: before opening → opening; in a break or after
    closing → the end of the period just before, so the appointment stays on that (shorter) day.
    """
    if second <= spans[0][0]:
        return spans[0][0]
    best = spans[0][1]
    for start, end in spans:
        if second < start:
            return best
        if second <= end:
            return second
        best = end
    return best


class WorkingTime:
    """Arithmetic on working time: normalising an instant, adding working days or seconds, measuring.

    A position in working time is a pair (k, s): the k-th working day of the line and a clock time s in
    seconds. Converting to "working seconds since the line's origin" makes adding hours and measuring
    pauses one subtraction and one bisect. The arrays cover whole years and grow on demand.
    Get instances through `working_time(calendar, hours)`, which caches them.
    """

    def __init__(self, calendar: WorkingCalendar, hours: WorkingHours) -> None:
        self.calendar = calendar
        self.hours = hours
        self.day_seconds = hours.day_seconds
        self._weekday: Spans = tuple(p.seconds for p in hours.weekday)
        self._saturday: Spans = tuple(p.seconds for p in hours.saturday)
        self._lock = threading.Lock()
        self._line: _Line | None = None

    # ------------------------------------------------------------------ days

    def spans(self, day: date) -> Spans:
        """The day's working periods in seconds; empty on a day off."""
        entry = self.calendar.entry(day)
        if entry is not None:
            # A make-up day replaces a full weekday, so it gets weekday hours even on a Saturday.
            return self._weekday if entry.kind is DayKind.WORK else ()
        weekday = day.weekday()
        if weekday < 5:
            return self._weekday
        return self._saturday if weekday == 5 else ()

    def is_working_day(self, day: date) -> bool:
        """True if the agency works on `day` (the calendar plus any Saturday hours)."""
        return bool(self.spans(day))

    def off_reason(self, day: date) -> str:
        """Why `day` is not worked: the calendar's name for it, or the weekend."""
        name = self.calendar.day_name(day)
        if name is not None:
            return name
        return _(_WEEKEND_LABELS.get(day.weekday(), N_("ngày nghỉ")))

    def is_working_instant(self, instant: datetime) -> bool:
        """True if `instant` lies in a working period, both ends included (17:00 sharp is in)."""
        second = instant.hour * 3600 + instant.minute * 60 + instant.second
        return any(start <= second <= end for start, end in self.spans(instant.date()))

    # ------------------------------------------------------------------ the line

    def _build(self, lo: int, hi: int) -> _Line:
        days: list[int] = []
        spans: list[Spans] = []
        cum = [0]
        first: list[int] = []
        for ordinal in range(lo, hi):
            first.append(len(days))
            day_spans = self.spans(date.fromordinal(ordinal))
            if day_spans:
                days.append(ordinal)
                spans.append(day_spans)
                cum.append(cum[-1] + sum(end - start for start, end in day_spans))
        return _Line(lo, hi, days, spans, cum, first)

    def _covering(self, lo: int, hi: int) -> _Line:
        """A line covering ordinals [lo, hi); a new end is rounded out to whole years plus one year."""
        line = self._line
        if line is not None and line.lo <= lo and hi <= line.hi:
            return line
        with self._lock:
            line = self._line
            if line is not None and line.lo <= lo:
                lo = line.lo
            else:
                lo_year = max(1, date.fromordinal(max(lo, _MIN_ORDINAL)).year - 1)
                lo = date(lo_year, 1, 1).toordinal()
            if line is not None and hi <= line.hi:
                hi = line.hi
            else:
                hi_year = min(9999, date.fromordinal(min(hi, _MAX_ORDINAL)).year + 1)
                hi = date(hi_year, 12, 31).toordinal() + 1
            line = self._build(lo, hi)
            self._line = line
            return line

    def _line_for(self, ordinal: int, index_ahead: int = 0) -> _Line:
        """A line holding `ordinal` and at least `index_ahead` working days after it."""
        span = 400 + 2 * index_ahead
        while True:
            line = self._covering(ordinal - 7, ordinal + span)
            if line.first[ordinal - line.lo] + index_ahead < len(line.days):
                return line
            if line.hi > _MAX_ORDINAL:
                raise DeadlineError(_("Thời hạn vượt quá phạm vi của lịch làm việc."))
            span *= 2

    @staticmethod
    def _start_of(line: _Line, instant: datetime) -> tuple[int, int]:
        """The first working instant at or after `instant` as (k, s); a period's end counts as outside."""
        ordinal = instant.toordinal()
        second = instant.hour * 3600 + instant.minute * 60 + instant.second
        k = line.first[ordinal - line.lo]
        if k < len(line.days) and line.days[k] == ordinal:
            for start, end in line.spans[k]:
                if second < start:
                    return k, start
                if second < end:
                    return k, second
            k += 1
        return k, line.spans[k][0][0]

    @staticmethod
    def _offset(line: _Line, k: int, second: int) -> int:
        """Working seconds from the line's origin to clock time `second` of working day k."""
        total = line.cum[k]
        for start, end in line.spans[k]:
            if second <= start:
                break
            total += min(second, end) - start
        return total

    @staticmethod
    def _position(line: _Line, offset: int) -> tuple[int, int]:
        """(k, s) for a working-seconds offset; an offset on a boundary maps to the earlier period's end."""
        k = max(0, bisect_left(line.cum, offset) - 1)
        left = offset - line.cum[k]
        spans = line.spans[k]
        for start, end in spans:
            if left <= end - start:
                return k, start + left
            left -= end - start
        return k, spans[-1][1]

    @staticmethod
    def _instant(line: _Line, k: int, second: int) -> datetime:
        return datetime.fromordinal(line.days[k]) + timedelta(seconds=second)

    # ------------------------------------------------------------------ public arithmetic

    def normalise(self, instant: datetime) -> datetime:
        """The first working instant at or after `instant` (receipt at lunch → 13:30; at night → next opening)."""
        line = self._line_for(instant.toordinal(), 1)
        return self._instant(line, *self._start_of(line, instant))

    def opening_after(self, instant: datetime) -> datetime:
        """The opening time of the first working day strictly after the day of `instant`."""
        line = self._line_for(instant.toordinal() + 1, 1)
        k = line.first[instant.toordinal() + 1 - line.lo]
        return self._instant(line, k, line.spans[k][0][0])

    def closing_of(self, day: date) -> datetime | None:
        """The closing time of `day`, or None on a day off."""
        spans = self.spans(day)
        return datetime.combine(day, time()) + timedelta(seconds=spans[-1][1]) if spans else None

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time on the `days`-th working day after `start`'s day (clamped into that day's hours).

        `start` should already be a working instant (see `normalise`).
        """
        ordinal = start.toordinal()
        line = self._line_for(ordinal, days + 1)
        k = line.first[ordinal - line.lo] + days
        second = start.hour * 3600 + start.minute * 60 + start.second
        return self._instant(line, k, _clamp(second, line.spans[k]))

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """`start` moved forward by `seconds` of working time, skipping breaks, nights and days off.

        Zero returns the normalised start; a result on a boundary is the end of the earlier period (an
        appointment at 11:30 rather than 13:30).
        """
        ordinal = start.toordinal()
        # A first guess of how many working days to have ahead: each holds at least half a weekday on
        # average (five full weekdays a week, at most one shorter Saturday); grown if a calendar beats it.
        ahead = 1 + seconds // max(1, self.day_seconds // 2)
        while True:
            line = self._line_for(ordinal, ahead)
            k, second = self._start_of(line, start)
            if seconds <= 0:
                return self._instant(line, k, second)
            target = self._offset(line, k, second) + seconds
            if target <= line.cum[-1]:
                return self._instant(line, *self._position(line, target))
            ahead *= 2

    def working_seconds_between(self, earlier: datetime, later: datetime) -> int:
        """Working seconds from `earlier` to `later`; negative when `later` comes first."""
        lo, hi = sorted((earlier.toordinal(), later.toordinal()))
        line = self._line_for(hi, 1)
        if lo < line.lo:
            # Growing keeps every day the line already had, so `hi` stays covered.
            line = self._covering(lo, line.hi)
        a = self._offset(line, *self._start_of(line, earlier))
        b = self._offset(line, *self._start_of(line, later))
        return b - a


_CACHE_LOCK = threading.Lock()


def _cached(calendar: WorkingCalendar, hours: WorkingHours) -> WorkingTime:
    # The cache hangs on the calendar (same package, hence the private access) so that a calendar made
    # by `with_overrides` and then dropped takes its arrays with it.
    per_calendar = calendar._working_times
    found = per_calendar.get(hours)
    if found is None:
        with _CACHE_LOCK:
            found = per_calendar.setdefault(hours, WorkingTime(calendar, hours))
    return found


@cache
def _default() -> WorkingTime:
    return _cached(default_calendar(), DEFAULT_HOURS)


def working_time(calendar: WorkingCalendar | None = None, hours: WorkingHours | None = None) -> WorkingTime:
    """The cached `WorkingTime` of a calendar and hours (None = the shipped calendar, default hours).

    Built once per pair; its arrays grow as further years are used.
    """
    if calendar is None and (hours is None or hours is DEFAULT_HOURS):
        return _default()  # the common case skips hashing the hours
    return _cached(
        calendar if calendar is not None else default_calendar(),
        hours if hours is not None else DEFAULT_HOURS,
    )
