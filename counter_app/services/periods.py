"""Local-time periods of the supervisor's figures: today, this week, this month, this year, any days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from counter_app.clock import local_to_utc, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _

PeriodKind = Literal["today", "week", "month", "year"]
PERIOD_LABELS: dict[PeriodKind, str] = {
    "today": N_("Hôm nay"),
    "week": N_("Tuần này"),
    "month": N_("Tháng này"),
    "year": N_("Năm nay"),
}


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included; `start_utc`/`end_utc` bound them as instants."""

    first: date
    last: date
    label: str = ""

    @property
    def start_utc(self) -> datetime:
        """00:00 (Vietnam time) of the first day, as naive UTC."""
        return day_start_utc(self.first)

    @property
    def end_utc(self) -> datetime:
        """00:00 (Vietnam time) of the day after the last, as naive UTC (exclusive end)."""
        return day_start_utc(self.last + timedelta(days=1))

    def text(self) -> str:
        """ "ngày 05/01/2026" or "từ 01/01/2026 đến 31/01/2026"."""
        if self.first == self.last:
            return _("ngày {first:%d/%m/%Y}").format(first=self.first)
        return _("từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}").format(first=self.first, last=self.last)


def day_start_utc(day: date) -> datetime:
    """00:00 of a local day, as naive UTC."""
    return local_to_utc(datetime.combine(day, time()))


def local_today(now_utc: datetime) -> date:
    """The local (Vietnam) date at `now_utc`."""
    return utc_to_local(now_utc).date()


def current_period(kind: PeriodKind, now_utc: datetime) -> Period:
    """Today, this week (from Monday), this month or this year, up to and including today."""
    today = local_today(now_utc)
    if kind == "today":
        first = today
    elif kind == "week":
        first = today - timedelta(days=today.weekday())
    elif kind == "month":
        first = today.replace(day=1)
    else:
        first = date(today.year, 1, 1)
    return Period(first, today, _(PERIOD_LABELS[kind]))


def checked_period(first: date, last: date, label: str = "") -> Period:
    """A period of any days; UserFacingError (Vietnamese) when it ends before it starts."""
    if first > last:
        raise UserFacingError(
            _(
                "Khoảng ngày không hợp lệ: ngày bắt đầu {first:%d/%m/%Y} ở sau ngày kết thúc {last:%d/%m/%Y}."
            ).format(first=first, last=last),
            field="period",
        )
    return Period(first, last, label)


def week_start(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())
