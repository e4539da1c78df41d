"""Tests of working hours: parsing, validation messages, Saturday hours."""

from __future__ import annotations

from datetime import time

import pytest

from counter_app.deadlines import DEFAULT_HOURS, Period, WorkingHours, WorkingHoursError


def test_hours_default_is_thanh_hoa_schedule() -> None:
    assert WorkingHours() == DEFAULT_HOURS
    assert DEFAULT_HOURS.spec() == "07:00-11:30,13:30-17:00"
    assert DEFAULT_HOURS.day_seconds == 8 * 3600
    assert (DEFAULT_HOURS.opening, DEFAULT_HOURS.closing) == (time(7), time(17))
    assert DEFAULT_HOURS.saturday == ()


def test_hours_parse_sorts_and_reads_saturday() -> None:
    hours = WorkingHours.parse(" 13:30-17:00 , 7:30-11:30", saturday="07:00-11:30")
    assert hours.weekday == (Period(time(7, 30), time(11, 30)), Period(time(13, 30), time(17)))
    assert hours.saturday == (Period(time(7), time(11, 30)),)
    assert hours.day_seconds == 7 * 3600 + 30 * 60
    assert str(hours) == "07:30-11:30,13:30-17:00; thứ Bảy 07:00-11:30"
    assert WorkingHours.parse(saturday="") == DEFAULT_HOURS


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("7h-11h30", "không hợp lệ"),
        ("07:00-11:30;13:30-17:00", "không hợp lệ"),
        ("07:00-11:30,", "không hợp lệ"),
        ("11:30-07:00", "giờ kết thúc phải sau giờ bắt đầu"),
        ("07:00-07:00", "giờ kết thúc phải sau giờ bắt đầu"),
        ("07:00-12:00,11:30-17:00", "chồng lên nhau"),
        ("07:00-25:00", "không tồn tại"),
        ("07:61-11:00", "không tồn tại"),
        ("", "ít nhất một khoảng"),
    ],
)
def test_hours_bad_text_gives_vietnamese_reason(spec: str, fragment: str) -> None:
    with pytest.raises(WorkingHoursError) as caught:
        WorkingHours.parse(spec)
    assert fragment in caught.value.message
    assert isinstance(caught.value, ValueError)


def test_hours_overlapping_saturday_is_rejected() -> None:
    with pytest.raises(WorkingHoursError, match="thứ Bảy"):
        WorkingHours.parse(saturday="07:00-10:00,09:00-11:00")


def test_hours_touching_periods_are_allowed() -> None:
    hours = WorkingHours.parse("07:00-11:30,11:30-16:00")
    assert hours.day_seconds == 9 * 3600
