"""Tests of appointment computation: the domain vectors, every unit, cut-offs, Saturday hours, explain."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from counter_app.deadlines import (
    DayKind,
    DayOverride,
    DeadlineError,
    DeadlineRule,
    StepKind,
    Unit,
    WorkingCalendar,
    WorkingHours,
    compute_appointment,
    default_calendar,
    explain,
    working_time,
)

D = datetime
SATURDAY_MORNINGS = WorkingHours.parse(saturday="07:00-11:30")

# domain.md §4.3: received, working days, appointment.
VECTORS = [
    (D(2023, 10, 27, 9, 32), 5, D(2023, 11, 3, 9, 32)),
    (D(2025, 1, 20, 10, 0), 5, D(2025, 2, 3, 10, 0)),
    (D(2025, 1, 24, 16, 30), 3, D(2025, 2, 5, 16, 30)),
    (D(2025, 4, 25, 8, 15), 3, D(2025, 4, 29, 8, 15)),
    (D(2026, 4, 24, 14, 0), 3, D(2026, 5, 4, 14, 0)),
    (D(2026, 2, 13, 17, 45), 1, D(2026, 2, 24, 7, 0)),
    (D(2026, 8, 28, 10, 0), 2, D(2026, 9, 4, 10, 0)),
    (D(2026, 11, 23, 9, 0), 1, D(2026, 11, 25, 9, 0)),
]


def due(received: datetime, rule: DeadlineRule, **kwargs: object) -> datetime | None:
    return compute_appointment(received, rule, **kwargs).due  # type: ignore[arg-type]


@pytest.mark.parametrize(("received", "days", "expected"), VECTORS)
def test_engine_domain_vectors(received: datetime, days: int, expected: datetime) -> None:
    assert due(received, DeadlineRule.working_days(days)) == expected


@pytest.mark.parametrize(("received", "days", "expected"), VECTORS[1:])
def test_engine_domain_vectors_hold_with_the_shipped_files_alone(
    received: datetime, days: int, expected: datetime
) -> None:
    files_only = WorkingCalendar(use_holidays_package=False)
    assert due(received, DeadlineRule.working_days(days), calendar=files_only) == expected


@pytest.mark.parametrize(
    ("received", "start", "expected"),
    [
        (D(2026, 3, 10, 6, 30), D(2026, 3, 10, 7, 0), D(2026, 3, 11, 7, 0)),  # before opening
        (D(2026, 3, 10, 12, 0), D(2026, 3, 10, 13, 30), D(2026, 3, 11, 13, 30)),  # lunch
        (D(2026, 3, 10, 11, 30), D(2026, 3, 10, 13, 30), D(2026, 3, 11, 13, 30)),  # end of morning
        (D(2026, 3, 10, 17, 0), D(2026, 3, 11, 7, 0), D(2026, 3, 12, 7, 0)),  # closing time
        (D(2026, 3, 10, 16, 59, 59), D(2026, 3, 10, 16, 59, 59), D(2026, 3, 11, 16, 59, 59)),
        (D(2026, 3, 14, 10, 0), D(2026, 3, 16, 7, 0), D(2026, 3, 17, 7, 0)),  # Saturday
        (D(2026, 2, 17, 9, 0), D(2026, 2, 23, 7, 0), D(2026, 2, 24, 7, 0)),  # Tết
    ],
)
def test_engine_receipt_outside_working_time_is_normalised(
    received: datetime, start: datetime, expected: datetime
) -> None:
    result = compute_appointment(received, DeadlineRule.working_days(1))
    assert (result.start, result.due) == (start, expected)


@pytest.mark.parametrize(
    ("received", "cutoff", "expected"),
    [
        (D(2026, 3, 10, 9, 0), None, D(2026, 3, 10, 17, 0)),
        (D(2026, 3, 10, 14, 59), None, D(2026, 3, 10, 17, 0)),
        (D(2026, 3, 10, 15, 0), None, D(2026, 3, 10, 17, 0)),  # "sau 15 giờ" means strictly after
        (D(2026, 3, 10, 15, 0, 1), None, D(2026, 3, 11, 17, 0)),
        (D(2026, 3, 10, 15, 1), None, D(2026, 3, 11, 17, 0)),
        (D(2026, 3, 10, 12, 0), None, D(2026, 3, 10, 17, 0)),  # lunch → 13:30, before the cut-off
        (D(2026, 3, 10, 6, 0), None, D(2026, 3, 10, 17, 0)),  # before opening → 07:00 the same day
        (D(2026, 3, 10, 17, 30), None, D(2026, 3, 11, 17, 0)),
        (D(2026, 2, 13, 15, 30), None, D(2026, 2, 23, 17, 0)),  # after 15:00 on the eve of Tết
        (D(2026, 2, 16, 9, 0), None, D(2026, 2, 23, 17, 0)),  # on a holiday
        (D(2026, 3, 10, 15, 30), time(16, 0), D(2026, 3, 10, 17, 0)),  # agency's own cut-off
        (D(2026, 3, 10, 16, 30), time(16, 0), D(2026, 3, 11, 17, 0)),
    ],
)
def test_engine_same_day_and_cutoff(received: datetime, cutoff: time | None, expected: datetime) -> None:
    assert due(received, DeadlineRule.same_day(cutoff=cutoff)) == expected


@pytest.mark.parametrize(
    ("received", "hours", "expected"),
    [
        (D(2026, 3, 10, 10, 0), 4, D(2026, 3, 10, 16, 0)),  # across lunch
        (D(2026, 3, 10, 16, 0), 2, D(2026, 3, 11, 8, 0)),  # across the night
        (D(2026, 3, 13, 16, 0), 2, D(2026, 3, 16, 8, 0)),  # across the weekend
        (D(2026, 2, 13, 16, 0), 2, D(2026, 2, 23, 8, 0)),  # across Tết
        (D(2026, 3, 10, 7, 0), 4.5, D(2026, 3, 10, 11, 30)),  # lands on the end of the morning
        (D(2026, 3, 10, 7, 0), 8, D(2026, 3, 10, 17, 0)),
        (D(2026, 3, 10, 7, 0), 8.25, D(2026, 3, 11, 7, 15)),
        (D(2026, 3, 10, 12, 0), 1, D(2026, 3, 10, 14, 30)),  # received at lunch
        (D(2026, 3, 10, 12, 0), 0, D(2026, 3, 10, 13, 30)),
        (D(2025, 4, 25, 16, 0), 2, D(2025, 4, 26, 8, 0)),  # make-up Saturday
    ],
)
def test_engine_working_hours(received: datetime, hours: float, expected: datetime) -> None:
    assert due(received, DeadlineRule.working_hours(hours)) == expected


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        (D(2026, 3, 9, 9, 0), 7, D(2026, 3, 16, 9, 0)),
        (D(2026, 4, 21, 10, 0), 5, D(2026, 4, 28, 10, 0)),  # lands on Giỗ Tổ (Sun), then nghỉ bù Mon
        (D(2026, 4, 23, 9, 0), 7, D(2026, 5, 4, 9, 0)),  # lands on 30/04
        (D(2026, 3, 9, 9, 0), 5, D(2026, 3, 16, 9, 0)),  # lands on a Saturday
        (D(2026, 3, 14, 10, 0), 3, D(2026, 3, 19, 7, 0)),  # received on Saturday: counted from Monday
        (D(2026, 3, 10, 9, 0), 0, D(2026, 3, 10, 9, 0)),
    ],
)
def test_engine_calendar_days(received: datetime, days: int, expected: datetime) -> None:
    assert due(received, DeadlineRule.calendar_days(days)) == expected


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        (D(2026, 3, 10, 8, 0), 0.5, D(2026, 3, 10, 14, 0)),  # 4 working hours, across lunch
        (D(2026, 3, 10, 15, 0), 1.5, D(2026, 3, 12, 9, 0)),  # 4 h first (→ Wed 09:00), then 1 day
        (D(2026, 3, 10, 9, 0), 0.25, D(2026, 3, 10, 11, 0)),
        (D(2026, 3, 10, 9, 0), 0, D(2026, 3, 10, 9, 0)),
    ],
)
def test_engine_fractional_working_days(received: datetime, days: float, expected: datetime) -> None:
    assert due(received, DeadlineRule.working_days(days)) == expected


def test_engine_cutoff_for_other_units_starts_next_morning() -> None:
    late = D(2026, 3, 10, 15, 30)
    assert due(late, DeadlineRule.working_days(1)) == D(2026, 3, 11, 15, 30)
    assert due(late, DeadlineRule.working_days(1, cutoff=time(15))) == D(2026, 3, 12, 7, 0)
    assert due(D(2026, 3, 10, 14, 0), DeadlineRule.working_days(1, cutoff=time(15))) == D(2026, 3, 11, 14, 0)
    assert due(late, DeadlineRule.working_hours(2, cutoff=time(15))) == D(2026, 3, 11, 9, 0)
    assert due(late, DeadlineRule.calendar_days(1, cutoff=time(15))) == D(2026, 3, 12, 7, 0)


def test_engine_saturday_opening_agency() -> None:
    hours = SATURDAY_MORNINGS
    assert due(D(2026, 3, 13, 10, 0), DeadlineRule.working_days(1), hours=hours) == D(2026, 3, 14, 10, 0)
    # Saturday closes at 11:30: the same clock time does not exist, so the day's closing time is used.
    assert due(D(2026, 3, 13, 14, 0), DeadlineRule.working_days(1), hours=hours) == D(2026, 3, 14, 11, 30)
    assert due(D(2026, 3, 13, 16, 0), DeadlineRule.working_hours(2), hours=hours) == D(2026, 3, 14, 8, 0)
    assert due(D(2026, 3, 14, 9, 0), DeadlineRule.same_day(), hours=hours) == D(2026, 3, 14, 11, 30)
    assert due(D(2026, 3, 14, 12, 0), DeadlineRule.same_day(), hours=hours) == D(2026, 3, 16, 17, 0)
    # A Saturday inside the Tết block stays a day off.
    assert due(D(2025, 1, 24, 10, 0), DeadlineRule.working_days(1), hours=hours) == D(2025, 2, 3, 10, 0)


@pytest.mark.parametrize("hours", [WorkingHours(), SATURDAY_MORNINGS])
def test_engine_make_up_saturday_has_full_weekday_hours(hours: WorkingHours) -> None:
    assert due(D(2025, 4, 25, 14, 0), DeadlineRule.working_days(1), hours=hours) == D(2025, 4, 26, 14, 0)
    assert due(D(2026, 8, 21, 16, 0), DeadlineRule.same_day(), hours=hours) == D(2026, 8, 22, 17, 0)


def test_engine_custom_hours() -> None:
    hours = WorkingHours.parse("07:30-11:30,13:30-17:00")
    assert due(D(2026, 3, 10, 7, 0), DeadlineRule.working_days(1), hours=hours) == D(2026, 3, 11, 7, 30)
    # Half a 7.5-hour day is 3 h 45 min.
    assert due(D(2026, 3, 10, 7, 30), DeadlineRule.working_days(0.5), hours=hours) == D(2026, 3, 10, 11, 15)


def test_engine_far_future_grows_the_line() -> None:
    day = D(2030, 6, 3).date()
    for _ in range(400):
        day = default_calendar().next_working_day(day)
    assert due(D(2030, 6, 3, 9, 0), DeadlineRule.working_days(400)) == D.combine(day, time(9))
    assert due(D(2026, 3, 10, 9, 0), DeadlineRule.working_days(1)) == D(2026, 3, 11, 9, 0)


def test_engine_explain_says_why_each_day() -> None:
    result = explain(D(2026, 2, 13, 17, 45), DeadlineRule.working_days(1))
    text = result.explanation()
    assert "16/02/2026: Tết Nguyên Đán" in text
    assert "Ngoài giờ làm việc: bắt đầu tính từ T2 23/02/2026 07:00." in text
    assert "Ngày làm việc thứ 1: T3 24/02/2026." in text
    assert result.steps[0].kind is StepKind.RECEIVED
    assert result.steps[-1].text == "Hẹn trả: T3 24/02/2026 07:00."
    assert result.due == D(2026, 2, 24, 7, 0)
    assert compute_appointment(D(2026, 2, 13, 17, 45), DeadlineRule.working_days(1)).steps == ()


def test_engine_explain_names_make_up_days_and_cutoff() -> None:
    text = explain(D(2025, 4, 25, 8, 15), DeadlineRule.working_days(3)).explanation()
    assert "Ngày làm việc thứ 1: T7 26/04/2025 (Làm bù cho ngày 02/05/2025)." in text
    text = explain(D(2026, 3, 10, 15, 30), DeadlineRule.same_day()).explanation()
    assert "Tiếp nhận sau 15:00" in text
    assert text.endswith("Hẹn trả: T4 11/03/2026 17:00.")
    text = explain(D(2026, 3, 13, 9, 0), DeadlineRule.working_days(1)).explanation()
    assert "Bỏ qua T7 14/03/2026: nghỉ cuối tuần (Thứ Bảy)." in text


@pytest.mark.parametrize(
    "make",
    [
        lambda: DeadlineRule.working_days(-1),
        lambda: DeadlineRule.working_hours(float("nan")),
        lambda: DeadlineRule(Unit.CALENDAR_DAYS, 1.5),
        lambda: DeadlineRule(Unit.SAME_DAY, 2),
    ],
)
def test_engine_rule_validation(make: object) -> None:
    with pytest.raises(DeadlineError):
        make()  # type: ignore[operator]


def test_engine_rule_describe() -> None:
    assert DeadlineRule.working_days(5).describe() == "5 ngày làm việc"
    assert DeadlineRule.working_days(0.5).describe() == "0,5 ngày làm việc"
    assert DeadlineRule.working_hours(4, cutoff=time(15)).describe() == (
        "4 giờ làm việc (nhận sau 15:00 tính từ ngày làm việc tiếp theo)"
    )
    assert DeadlineRule.calendar_days(30).describe() == "30 ngày"
    assert DeadlineRule.same_day().describe() == "trong ngày (nhận sau 15:00 trả ngày làm việc tiếp theo)"
    assert DeadlineRule.same_day().effective_cutoff == time(15)
    assert DeadlineRule.working_days(1).effective_cutoff is None


def test_engine_benchmark_script_runs() -> None:
    path = Path(__file__).resolve().parents[2] / "bench" / "deadlines_bench.py"
    spec = importlib.util.spec_from_file_location("deadlines_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.bench_deadline_compute(2000)
    assert result["n"] == 2000 and result["per_s"] > 0


def test_engine_line_grows_both_ways_and_survives_odd_calendars() -> None:
    cal = WorkingCalendar([DayOverride(date(2030, 1, 1), DayKind.OFF, "Thử")], files=[])
    wt = working_time(cal, WorkingHours())
    later = wt.add_working_days(D(2040, 3, 5, 9, 0), 10)
    earlier = wt.add_working_days(D(1995, 3, 6, 9, 0), 10)
    assert (earlier, wt.add_working_days(D(2040, 3, 5, 9, 0), 10)) == (D(1995, 3, 20, 9, 0), later)
    # Every weekday of 2027 off, one hour on Saturdays: the line must grow past its first guess.
    off = [
        DayOverride(date(2027, 1, 1) + timedelta(days=i), DayKind.OFF, "Nghỉ")
        for i in range(365)
        if (date(2027, 1, 1) + timedelta(days=i)).weekday() < 5
    ]
    odd = working_time(WorkingCalendar(off, files=[]), WorkingHours.parse(saturday="07:00-08:00"))
    start = D(2027, 1, 2, 7, 0)
    due = odd.add_working_seconds(start, 60 * 3600)
    assert due.year == 2028
    assert odd.working_seconds_between(start, due) == 60 * 3600
