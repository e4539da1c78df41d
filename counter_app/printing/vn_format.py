"""Vietnamese administrative formatting: dates as NĐ 30/2020 writes them, times, money."""

from __future__ import annotations

from datetime import date, datetime


def _month(month: int) -> str:
    # NĐ 30/2020 pads months 1 and 2 only ("tháng 02" but "tháng 3"): a bare "1" could be
    # altered by hand into "11" or "12", later months cannot.
    return f"{month:02d}" if month <= 2 else str(month)


def format_official_date(d: date) -> str:
    """ "ngày 05 tháng 02 năm 2026"; "ngày 27 tháng 10 năm 2023"."""
    return f"ngày {d.day:02d} tháng {_month(d.month)} năm {d.year}"


def format_time_date(dt: datetime) -> str:
    """ "09 giờ 32 phút, ngày 27 tháng 10 năm 2023"."""
    return f"{dt.hour:02d} giờ {dt.minute:02d} phút, {format_official_date(dt.date())}"


def format_money(amount: int) -> str:
    """Whole đồng with dots between thousands: 12345678 → "12.345.678 đ"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} đ".replace(",", ".")


def place_date_line(place: str, d: date) -> str:
    """The line under the national motto: "Ỷ La, ngày 05 tháng 02 năm 2026"."""
    place = place.strip()
    return f"{place}, {format_official_date(d)}" if place else format_official_date(d).capitalize()


def two_digits(n: int) -> str:
    """Counts on forms are written with two digits: 1 → "01" (Số lượng hồ sơ: 01 bộ)."""
    return f"{n:02d}"
