"""Vietnamese display of days, instants and working durations ("T2 16/02/2026", "2 ngày 3 giờ")."""

from __future__ import annotations

from datetime import date, datetime

from counter_app.i18n import N_, _, _n

_WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
_WEEKDAY_NAMES = (
    N_("Thứ Hai"),
    N_("Thứ Ba"),
    N_("Thứ Tư"),
    N_("Thứ Năm"),
    N_("Thứ Sáu"),
    N_("Thứ Bảy"),
    N_("Chủ nhật"),
)


def weekday_short(day: date) -> str:
    """T2 … T7, CN."""
    return _WEEKDAYS[day.weekday()]


def weekday_name(day: date) -> str:
    """Thứ Hai … Chủ nhật."""
    return _(_WEEKDAY_NAMES[day.weekday()])


def format_day(day: date) -> str:
    """A day as "T2 16/02/2026" (short weekday, then the date)."""
    return f"{_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def format_instant(instant: datetime) -> str:
    """An instant as "T3 24/02/2026 07:00"."""
    return f"{format_day(instant.date())} {instant:%H:%M}"


def format_working_duration(seconds: int, day_seconds: int = 8 * 3600) -> str:
    """Working time as "2 ngày 3 giờ", "1 giờ 30 phút" or "45 phút"; 1 ngày = `day_seconds` (8 h by default).

    The two largest units are kept and the rest dropped (rounded down), as a clerk would say it.
    """
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, max(1, day_seconds // 60))
    hours, mins = divmod(rest, 60)
    if days:
        return _n("{days} ngày", days).format(days=days) + (
            _n(" {hours} giờ", hours).format(hours=hours) if hours else ""
        )
    if hours:
        return _n("{hours} giờ", hours).format(hours=hours) + (
            _n(" {mins} phút", mins).format(mins=mins) if mins else ""
        )
    return _n("{mins} phút", mins).format(mins=mins)
