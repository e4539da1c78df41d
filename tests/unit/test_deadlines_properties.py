"""Property tests of the deadline engine (hypothesis): working-time results, monotonicity, pauses."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from counter_app.deadlines import (
    DeadlineRule,
    Pause,
    WorkingHours,
    compute_appointment,
    default_calendar,
    working_time,
)

SETTINGS = settings(max_examples=150, deadline=None, database=None)
SATURDAY_MORNINGS = WorkingHours.parse(saturday="07:00-11:30")
MAKE_UP_SATURDAYS = [date(2025, 4, 26), date(2026, 8, 22)]

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31, 23, 59)).map(
    lambda d: d.replace(microsecond=0)
)
hours_choice = st.sampled_from([WorkingHours(), SATURDAY_MORNINGS])
cutoffs = st.sampled_from([None, time(15, 0), time(16, 30)])
whole_days = st.integers(min_value=0, max_value=40)
fraction_days = st.integers(min_value=0, max_value=80).map(lambda q: q / 4)
hour_amounts = st.integers(min_value=0, max_value=200).map(lambda q: q / 4)


@st.composite
def rules(draw: st.DrawFn) -> DeadlineRule:
    cutoff = draw(cutoffs)
    kind = draw(st.sampled_from(["days", "fraction", "hours", "calendar", "same"]))
    if kind == "days":
        return DeadlineRule.working_days(draw(whole_days), cutoff=cutoff)
    if kind == "fraction":
        return DeadlineRule.working_days(draw(fraction_days), cutoff=cutoff)
    if kind == "hours":
        return DeadlineRule.working_hours(draw(hour_amounts), cutoff=cutoff)
    if kind == "calendar":
        return DeadlineRule.calendar_days(draw(st.integers(min_value=0, max_value=60)), cutoff=cutoff)
    return DeadlineRule.same_day(cutoff=cutoff)


@SETTINGS
@given(received=instants, rule=rules(), hours=hours_choice)
def test_property_appointment_is_in_working_time(
    received: datetime, rule: DeadlineRule, hours: WorkingHours
) -> None:
    result = compute_appointment(received, rule, hours=hours)
    assert result.due is not None
    assert working_time(None, hours).is_working_instant(result.due)
    assert result.due >= result.start >= received


@SETTINGS
@given(received=instants, days=whole_days)
def test_property_whole_days_keep_the_clock_time(received: datetime, days: int) -> None:
    result = compute_appointment(received, DeadlineRule.working_days(days))
    assert result.due is not None
    assert result.due.time() == result.start.time()


@SETTINGS
@given(first=instants, second=instants, rule=rules(), hours=hours_choice)
def test_property_later_receipt_never_gives_earlier_appointment(
    first: datetime, second: datetime, rule: DeadlineRule, hours: WorkingHours
) -> None:
    early, late = sorted((first, second))
    a = compute_appointment(early, rule, hours=hours).due
    b = compute_appointment(late, rule, hours=hours).due
    assert a is not None and b is not None and a <= b


@SETTINGS
@given(received=instants, small=fraction_days, extra=fraction_days, cutoff=cutoffs)
def test_property_more_days_never_gives_earlier_appointment(
    received: datetime, small: float, extra: float, cutoff: time | None
) -> None:
    a = compute_appointment(received, DeadlineRule.working_days(small, cutoff=cutoff)).due
    b = compute_appointment(received, DeadlineRule.working_days(small + extra, cutoff=cutoff)).due
    assert a is not None and b is not None and a <= b


@SETTINGS
@given(received=instants, small=hour_amounts, extra=hour_amounts, hours=hours_choice)
def test_property_more_hours_add_exactly_that_working_time(
    received: datetime, small: float, extra: float, hours: WorkingHours
) -> None:
    a = compute_appointment(received, DeadlineRule.working_hours(small), hours=hours)
    b = compute_appointment(received, DeadlineRule.working_hours(small + extra), hours=hours)
    assert a.due is not None and b.due is not None and a.due <= b.due
    assert working_time(None, hours).working_seconds_between(b.start, b.due) == round((small + extra) * 3600)


@SETTINGS
@given(received=instants, rule=rules(), offset=st.integers(min_value=-2000, max_value=20000))
def test_property_zero_length_pause_changes_nothing(
    received: datetime, rule: DeadlineRule, offset: int
) -> None:
    instant = received + timedelta(minutes=offset)
    plain = compute_appointment(received, rule)
    paused = compute_appointment(received, rule, pauses=[Pause(instant, instant)])
    assert paused.due == plain.due


@SETTINGS
@given(
    received=instants,
    rule=rules(),
    offset=st.integers(min_value=0, max_value=10000),
    length=st.integers(min_value=0, max_value=10000),
)
def test_property_pause_never_brings_the_appointment_forward(
    received: datetime, rule: DeadlineRule, offset: int, length: int
) -> None:
    begin = received + timedelta(minutes=offset)
    plain = compute_appointment(received, rule)
    paused = compute_appointment(received, rule, pauses=[Pause(begin, begin + timedelta(minutes=length))])
    assert plain.due is not None and paused.due is not None and paused.due >= plain.due
    if paused.paused_seconds:
        assert paused.due == working_time().add_working_seconds(plain.due, paused.paused_seconds)
    else:
        assert paused.due == plain.due


@SETTINGS
@given(
    saturday=st.sampled_from(MAKE_UP_SATURDAYS),
    minutes=st.integers(min_value=0, max_value=479),
    hours=hours_choice,
)
def test_property_make_up_saturday_counts_as_a_working_day(
    saturday: date, minutes: int, hours: WorkingHours
) -> None:
    assert default_calendar().is_working_day(saturday)
    assert working_time(None, hours).is_working_day(saturday)
    friday = saturday - timedelta(days=1)
    # Any working instant on the Friday before: one working day later is that Saturday, same clock time.
    received = working_time(None, hours).add_working_seconds(datetime.combine(friday, time(7)), minutes * 60)
    result = compute_appointment(received, DeadlineRule.working_days(1), hours=hours)
    assert result.due == datetime.combine(saturday, result.start.time())
