"""Appointment computation: normalise the receipt, count the rule's time, apply pauses, explain why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from counter_app.deadlines.calendar import DayKind, WorkingCalendar
from counter_app.deadlines.display import format_day, format_instant, format_working_duration
from counter_app.deadlines.errors import DeadlineError
from counter_app.deadlines.hours import WorkingHours
from counter_app.deadlines.rules import DeadlineRule, Pause, PauseRule, Unit
from counter_app.deadlines.worktime import WorkingTime, working_time
from counter_app.i18n import _


class StepKind(StrEnum):
    """The kind of one explanation line, so a UI can style or filter them."""

    RECEIVED = "received"
    START = "start"  # receipt moved to working time
    CUTOFF = "cutoff"  # receipt after the cut-off
    COUNTED = "counted"  # a working day counted
    SKIPPED = "skipped"  # a day off skipped
    PAUSE = "pause"
    RESULT = "result"


@dataclass(frozen=True)
class Step:
    """One line of the explanation of an appointment, in the interface language."""

    kind: StepKind
    text: str
    day: date | None = None


@dataclass(frozen=True)
class Appointment:
    """The computed appointment (ngày hẹn trả) of one dossier.

    `due` is None while an open pause stops the clock (rule PAUSE or RESTART): the date is not known
    until the applicant brings the papers. `remaining_at_pause` then holds the working seconds that
    were left when the clock stopped (PAUSE only). `steps` is filled only by `explain`.
    """

    received: datetime
    start: datetime
    due: datetime | None
    rule: DeadlineRule
    paused_since: datetime | None = None
    remaining_at_pause: int | None = None
    paused_seconds: int = 0
    steps: tuple[Step, ...] = ()

    @property
    def is_paused(self) -> bool:
        """True while the clock is stopped by an open pause."""
        return self.due is None

    def explanation(self) -> str:
        """The steps as text, one per line (empty unless built by `explain`)."""
        return "\n".join(step.text for step in self.steps)


def _count(
    wt: WorkingTime, received: datetime, rule: DeadlineRule, trace: list[Step] | None
) -> tuple[datetime, datetime]:
    """(counting start, due) for a receipt, without pauses."""
    start = wt.normalise(received)
    if trace is not None and start != received:
        trace.append(
            Step(
                StepKind.START,
                _("Ngoài giờ làm việc: bắt đầu tính từ {format_instant}.").format(
                    format_instant=format_instant(start)
                ),
                start.date(),
            )
        )
    cutoff = rule.effective_cutoff
    if cutoff is not None and start.time() > cutoff:
        start = wt.opening_after(start)
        if trace is not None:
            trace.append(
                Step(
                    StepKind.CUTOFF,
                    _(
                        "Tiếp nhận sau {cutoff:%H:%M}: tính từ đầu ngày làm việc tiếp theo, {format_instant}."
                    ).format(cutoff=cutoff, format_instant=format_instant(start)),
                    start.date(),
                )
            )
    unit = rule.unit
    if unit is Unit.WORKING_DAYS:
        whole = int(rule.amount)
        extra = round((rule.amount - whole) * wt.day_seconds)
        point = start
        if extra:
            point = wt.add_working_seconds(start, extra)
            if trace is not None:
                trace.append(
                    Step(
                        StepKind.COUNTED,
                        _("Cộng phần lẻ {format_working_duration} làm việc trước: {format_instant}.").format(
                            format_working_duration=format_working_duration(extra, wt.day_seconds),
                            format_instant=format_instant(point),
                        ),
                        point.date(),
                    )
                )
        return start, wt.add_working_days(point, whole)
    if unit is Unit.WORKING_HOURS:
        return start, wt.add_working_seconds(start, round(rule.amount * 3600))
    if unit is Unit.CALENDAR_DAYS:
        target = start + timedelta(days=int(rule.amount))
        return start, wt.add_working_days(target, 0)
    closing = wt.closing_of(start.date())
    assert closing is not None  # start is a working instant, so its day has hours
    return start, closing


def _merged(pauses: Sequence[Pause], start: datetime) -> list[tuple[datetime, datetime | None]]:
    """Pauses clipped to the counting start and merged where they overlap, so no time counts twice."""
    merged: list[tuple[datetime, datetime | None]] = []
    for pause in pauses:
        begin = max(pause.start, start)
        end = pause.end
        if end is not None and end <= begin:
            continue
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None or begin <= last_end:
                new_end = None if last_end is None or end is None else max(last_end, end)
                merged[-1] = (last_begin, new_end)
                continue
        merged.append((begin, end))
    return merged


def _ordered(pauses: Iterable[Pause]) -> list[Pause]:
    ordered = sorted(pauses, key=lambda p: p.start)
    for pause in ordered[:-1]:
        if pause.end is None:
            raise DeadlineError(_("Chỉ lần tạm dừng cuối cùng được phép chưa kết thúc."), field="pauses")
    return ordered


def _note(trace: list[Step], text: str, day: date | None = None) -> None:
    # Callers test `trace` is not None first, so the text is only formatted when explaining: formatting
    # costs about as much as the arithmetic.
    trace.append(Step(StepKind.PAUSE, text, day))


def _restart(
    wt: WorkingTime, base: Appointment, pauses: list[Pause], trace: list[Step] | None
) -> Appointment:
    """RESTART: each supplement that arrives before the deadline starts the count again from zero."""
    due = base.due
    assert due is not None
    for pause in pauses:
        if pause.start >= due:
            break  # the time had already run out: nothing left to stop
        if pause.end is None:
            if trace is not None:
                _note(
                    trace,
                    _(
                        "Tạm dừng từ {format_instant}: chờ bổ sung, sẽ tính lại từ đầu khi nhận đủ hồ sơ."
                    ).format(format_instant=format_instant(pause.start)),
                    pause.start.date(),
                )
            return replace(base, due=None, paused_since=pause.start)
        _counted, due = _count(wt, pause.end, base.rule, None)
        if trace is not None:
            _note(
                trace,
                _("Nhận bổ sung {format_instant}: tính lại từ đầu → hẹn {format_instant2}.").format(
                    format_instant=format_instant(pause.end), format_instant2=format_instant(due)
                ),
                pause.end.date(),
            )
    return replace(base, due=due)


def _pause(wt: WorkingTime, base: Appointment, pauses: list[Pause], trace: list[Step] | None) -> Appointment:
    """PAUSE: the appointment moves by the working time spent paused before the time ran out."""
    due = base.due
    assert due is not None
    paused = 0
    for begin, end in _merged(pauses, base.start):
        if begin >= due:
            break  # the time had already run out: nothing left to stop
        if end is None:
            left = wt.working_seconds_between(begin, due)
            if trace is not None:
                _note(
                    trace,
                    _(
                        "Tạm dừng từ {format_instant} (chờ bổ sung): còn {format_working_duration} làm "
                        "việc khi tiếp tục."
                    ).format(
                        format_instant=format_instant(begin),
                        format_working_duration=format_working_duration(left, wt.day_seconds),
                    ),
                    begin.date(),
                )
            return replace(base, due=None, paused_since=begin, remaining_at_pause=left, paused_seconds=paused)
        spent = wt.working_seconds_between(begin, end)
        if spent:
            due = wt.add_working_seconds(due, spent)
            paused += spent
        if trace is not None:
            _note(
                trace,
                _(
                    "Tạm dừng {format_instant} → {format_instant2}: lùi hẹn {format_working_duration} làm "
                    "việc → {format_instant3}."
                ).format(
                    format_instant=format_instant(begin),
                    format_instant2=format_instant(end),
                    format_working_duration=format_working_duration(spent, wt.day_seconds),
                    format_instant3=format_instant(due),
                ),
                begin.date(),
            )
    return replace(base, due=due, paused_seconds=paused)


def _compute(
    wt: WorkingTime,
    received: datetime,
    rule: DeadlineRule,
    pauses: Iterable[Pause],
    trace: list[Step] | None,
) -> Appointment:
    start, due = _count(wt, received, rule, trace)
    base = Appointment(received, start, due, rule)
    ordered = _ordered(pauses) if pauses else []
    if not ordered:
        return base
    if rule.pause_rule is PauseRule.NONE:
        if trace is not None:
            _note(trace, _("Yêu cầu bổ sung không ảnh hưởng thời hạn của thủ tục này."))
        return base
    if rule.pause_rule is PauseRule.RESTART:
        return _restart(wt, base, ordered, trace)
    return _pause(wt, base, ordered, trace)


def compute_appointment(
    received: datetime,
    rule: DeadlineRule,
    *,
    calendar: WorkingCalendar | None = None,
    hours: WorkingHours | None = None,
    pauses: Iterable[Pause] = (),
) -> Appointment:
    """The appointment for a dossier received at `received` (naive local time, Asia/Ho_Chi_Minh).

    Defaults: the shipped calendar and 07:00–11:30, 13:30–17:00. See docs/deadlines.md for the rules.
    """
    return _compute(working_time(calendar, hours), received, rule, pauses, None)


def _skips(wt: WorkingTime, first: date, last: date, prefix: str) -> list[Step]:
    """A step for each day off in [first, last], with the reason."""
    steps: list[Step] = []
    day = first
    while day <= last:
        if not wt.is_working_day(day):
            steps.append(Step(StepKind.SKIPPED, f"{prefix} {format_day(day)}: {wt.off_reason(day)}.", day))
        day += timedelta(days=1)
    return steps


def _day_steps(wt: WorkingTime, result: Appointment, due: datetime, counting: bool) -> list[Step]:
    """Days off skipped (with the reason) and working days counted between receipt and appointment."""
    start_day = result.start.date()
    steps = _skips(wt, result.received.date(), start_day - timedelta(days=1), _("Bỏ qua"))
    if result.rule.unit is Unit.CALENDAR_DAYS:
        target = start_day + timedelta(days=int(result.rule.amount))
        steps.append(
            Step(
                StepKind.COUNTED,
                _("Cộng {amount:g} ngày theo lịch: {format_day}.").format(
                    amount=result.rule.amount, format_day=format_day(target)
                ),
                target,
            )
        )
        return steps + _skips(wt, target, due.date(), _("Ngày hẹn không được rơi vào ngày nghỉ, bỏ qua"))
    counted = 0
    day = start_day
    while day <= due.date():
        if not wt.is_working_day(day):
            steps.append(
                Step(
                    StepKind.SKIPPED,
                    _("Bỏ qua {format_day}: {off_reason}.").format(
                        format_day=format_day(day), off_reason=wt.off_reason(day)
                    ),
                    day,
                )
            )
        elif day > start_day and counting:
            counted += 1
            entry = wt.calendar.entry(day)
            note = f" ({entry.name})" if entry is not None and entry.kind is DayKind.WORK else ""
            steps.append(
                Step(
                    StepKind.COUNTED,
                    _("Ngày làm việc thứ {counted}: {format_day}{note}.").format(
                        counted=counted, format_day=format_day(day), note=note
                    ),
                    day,
                )
            )
        day += timedelta(days=1)
    return steps


def explain(
    received: datetime,
    rule: DeadlineRule,
    *,
    calendar: WorkingCalendar | None = None,
    hours: WorkingHours | None = None,
    pauses: Iterable[Pause] = (),
) -> Appointment:
    """Like `compute_appointment`, with `steps` saying why each day was counted or skipped."""
    wt = working_time(calendar, hours)
    trace = [
        Step(
            StepKind.RECEIVED,
            _("Tiếp nhận: {format_instant}; thời hạn {describe}.").format(
                format_instant=format_instant(received), describe=rule.describe()
            ),
            received.date(),
        )
    ]
    result = _compute(wt, received, rule, list(pauses), trace)
    # Order: receipt, start and cut-off, the days, then the pauses that moved the date.
    steps = [s for s in trace if s.kind is not StepKind.PAUSE]
    pause_steps = [s for s in trace if s.kind is StepKind.PAUSE]
    if result.due is None:
        steps += pause_steps
        steps.append(Step(StepKind.RESULT, _("Hẹn trả: chưa xác định (đang tạm dừng chờ bổ sung).")))
    else:
        # Listing "working day n" only makes sense when no pause moved or restarted the count.
        clock_moved = bool(pause_steps) and rule.pause_rule is not PauseRule.NONE
        whole_days = rule.unit is Unit.WORKING_DAYS and rule.amount == int(rule.amount) and not clock_moved
        steps += _day_steps(wt, result, result.due, whole_days)
        steps += pause_steps
        steps.append(
            Step(
                StepKind.RESULT,
                _("Hẹn trả: {format_instant}.").format(format_instant=format_instant(result.due)),
                result.due.date(),
            )
        )
    return replace(result, steps=tuple(steps))
