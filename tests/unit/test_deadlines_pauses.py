"""Tests of supplement pauses (pause, restart, none) and of extensions (Mẫu 04, hẹn lại)."""

from __future__ import annotations

from datetime import datetime

import pytest

from counter_app.deadlines import (
    DeadlineError,
    DeadlineRule,
    DeadlineState,
    ExtensionError,
    Pause,
    PauseRule,
    WorkingHours,
    apply_extension,
    compute_appointment,
    explain,
    working_time,
)

D = datetime
RECEIVED = D(2026, 3, 10, 9, 0)  # Tuesday
THREE_DAYS = DeadlineRule.working_days(3)  # → Friday 13/03 09:00 without pauses


def due_with(
    *pauses: Pause, rule: DeadlineRule = THREE_DAYS, received: datetime = RECEIVED
) -> datetime | None:
    return compute_appointment(received, rule, pauses=pauses).due


def test_pause_none_gives_the_plain_appointment() -> None:
    assert due_with() == D(2026, 3, 13, 9, 0)


@pytest.mark.parametrize(
    ("pauses", "expected"),
    [
        ([Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 11, 11, 0))], D(2026, 3, 13, 11, 0)),
        # Thu 16:00 → Mon 08:00: 1 h + Friday's 8 h + 1 h = 10 working hours.
        ([Pause(D(2026, 3, 12, 16, 0), D(2026, 3, 16, 8, 0))], D(2026, 3, 16, 11, 0)),
        # Two pauses add up: 2 h + 1 h 30.
        (
            [
                Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 11, 11, 0)),
                Pause(D(2026, 3, 12, 14, 0), D(2026, 3, 12, 15, 30)),
            ],
            D(2026, 3, 13, 14, 30),
        ),
        # Overlapping pauses count their union once: Wed 09:00–14:00 = 3 working hours.
        (
            [
                Pause(D(2026, 3, 11, 10, 0), D(2026, 3, 11, 14, 0)),
                Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 11, 11, 0)),
            ],
            D(2026, 3, 13, 14, 0),
        ),
        ([Pause(D(2026, 3, 11, 12, 0), D(2026, 3, 11, 13, 0))], D(2026, 3, 13, 9, 0)),  # during lunch
        ([Pause(D(2026, 3, 13, 10, 0), D(2026, 3, 16, 10, 0))], D(2026, 3, 13, 9, 0)),  # after the deadline
        ([Pause(D(2026, 3, 10, 8, 0), D(2026, 3, 10, 10, 0))], D(2026, 3, 13, 10, 0)),  # clipped to receipt
    ],
)
def test_pause_moves_the_appointment_by_working_time(pauses: list[Pause], expected: datetime) -> None:
    assert due_with(*pauses) == expected


def test_pause_zero_length_changes_nothing() -> None:
    instant = D(2026, 3, 11, 10, 0)
    result = compute_appointment(RECEIVED, THREE_DAYS, pauses=[Pause(instant, instant)])
    assert result.due == D(2026, 3, 13, 9, 0)
    assert result.paused_seconds == 0


def test_pause_over_tet_counts_only_working_time() -> None:
    received = D(2026, 2, 12, 9, 0)  # Thursday; 2 working days → Mon 23/02 09:00
    pause = Pause(D(2026, 2, 13, 10, 0), D(2026, 2, 23, 10, 0))  # 5 h on Friday + 3 h on Monday
    result = compute_appointment(received, DeadlineRule.working_days(2), pauses=[pause])
    assert result.paused_seconds == 8 * 3600
    assert result.due == D(2026, 2, 24, 9, 0)


def test_pause_open_means_no_appointment_yet() -> None:
    result = compute_appointment(RECEIVED, THREE_DAYS, pauses=[Pause(D(2026, 3, 11, 9, 0))])
    assert result.is_paused and result.due is None
    assert result.paused_since == D(2026, 3, 11, 9, 0)
    assert result.remaining_at_pause == 16 * 3600
    # When the papers arrive, the clock resumes with the time that was left.
    resumed = due_with(Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 16, 9, 0)))
    assert resumed == D(2026, 3, 18, 9, 0)
    assert resumed == working_time().add_working_seconds(D(2026, 3, 16, 9, 0), 16 * 3600)


def test_pause_same_day_procedure() -> None:
    pause = Pause(D(2026, 3, 10, 10, 0), D(2026, 3, 10, 11, 0))
    assert due_with(pause, rule=DeadlineRule.same_day()) == D(2026, 3, 11, 8, 0)


def test_pause_restart_counts_again_from_resume() -> None:
    rule = DeadlineRule.working_days(3, pause_rule=PauseRule.RESTART)
    assert due_with(Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 12, 10, 0)), rule=rule) == D(2026, 3, 17, 10, 0)
    # Papers brought after hours: counting restarts at the next opening.
    assert due_with(Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 12, 18, 0)), rule=rule) == D(2026, 3, 18, 7, 0)
    # A second supplement restarts again from its own resume time.
    twice = [
        Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 12, 10, 0)),
        Pause(D(2026, 3, 13, 9, 0), D(2026, 3, 16, 9, 0)),
    ]
    assert due_with(*twice, rule=rule) == D(2026, 3, 19, 9, 0)
    assert due_with(Pause(D(2026, 3, 16, 9, 0), D(2026, 3, 17, 9, 0)), rule=rule) == D(2026, 3, 13, 9, 0)
    open_result = compute_appointment(RECEIVED, rule, pauses=[Pause(D(2026, 3, 11, 9, 0))])
    assert open_result.due is None and open_result.remaining_at_pause is None


def test_pause_rule_none_ignores_pauses() -> None:
    rule = DeadlineRule.working_days(3, pause_rule=PauseRule.NONE)
    assert due_with(Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 12, 9, 0)), rule=rule) == D(2026, 3, 13, 9, 0)
    assert due_with(Pause(D(2026, 3, 11, 9, 0)), rule=rule) == D(2026, 3, 13, 9, 0)


def test_pause_invalid_input() -> None:
    with pytest.raises(DeadlineError, match="sau thời điểm tạm dừng"):
        Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 11, 8, 0))
    with pytest.raises(DeadlineError, match="cuối cùng"):
        due_with(Pause(D(2026, 3, 11, 9, 0)), Pause(D(2026, 3, 12, 9, 0), D(2026, 3, 12, 10, 0)))


def test_pause_explained() -> None:
    pause = Pause(D(2026, 3, 11, 9, 0), D(2026, 3, 11, 11, 0), "Thiếu giấy xác nhận")
    text = explain(RECEIVED, THREE_DAYS, pauses=[pause]).explanation()
    assert "Tạm dừng T4 11/03/2026 09:00 → T4 11/03/2026 11:00: lùi hẹn 2 giờ làm việc" in text
    assert text.endswith("Hẹn trả: T6 13/03/2026 11:00.")
    text = explain(RECEIVED, THREE_DAYS, pauses=[Pause(D(2026, 3, 11, 9, 0))]).explanation()
    assert "còn 2 ngày làm việc khi tiếp tục" in text
    assert text.endswith("chưa xác định (đang tạm dừng chờ bổ sung).")


# ----------------------------------------------------------------------------- extensions

STATE = DeadlineState(D(2026, 3, 13, 9, 0))


def test_extension_first_is_allowed() -> None:
    after = apply_extension(STATE, D(2026, 3, 17, 9, 0), "Chờ kết quả xác minh", "Nguyễn Văn A")
    assert after.appointment == D(2026, 3, 17, 9, 0)
    assert after.extended and not STATE.extended
    [grant] = after.extensions
    assert (grant.previous, grant.by, grant.override_by) == (D(2026, 3, 13, 9, 0), "Nguyễn Văn A", None)
    assert after.original == STATE.original


def test_extension_second_needs_a_supervisor_override() -> None:
    once = apply_extension(STATE, D(2026, 3, 17, 9, 0), "Chờ xác minh", "Nguyễn Văn A")
    for missing in (None, "  "):
        with pytest.raises(ExtensionError) as caught:
            apply_extension(once, D(2026, 3, 19, 9, 0), "Vẫn chờ", "Nguyễn Văn A", missing)
        assert caught.value.field == "override_by"
        assert "đã được hẹn lại một lần" in caught.value.message
    twice = apply_extension(once, D(2026, 3, 19, 9, 0), "Vẫn chờ", "Nguyễn Văn A", override_by="Trần Thị B")
    assert twice.appointment == D(2026, 3, 19, 9, 0)
    assert twice.extensions[-1].override_by == "Trần Thị B"
    assert twice.extensions[-1].previous == D(2026, 3, 17, 9, 0)


@pytest.mark.parametrize(
    ("new", "field", "fragment"),
    [
        (D(2026, 3, 13, 9, 0), "new_appointment", "phải sau ngày hẹn hiện tại"),
        (D(2026, 3, 12, 9, 0), "new_appointment", "phải sau ngày hẹn hiện tại"),
        (D(2026, 4, 27, 9, 0), "new_appointment", "Nghỉ bù Giỗ Tổ Hùng Vương"),
        (D(2026, 3, 14, 9, 0), "new_appointment", "nghỉ cuối tuần (Thứ Bảy)"),
        (D(2026, 3, 17, 12, 0), "new_appointment", "ngoài giờ làm việc"),
        (D(2026, 3, 17, 17, 1), "new_appointment", "ngoài giờ làm việc"),
    ],
)
def test_extension_rejects_bad_dates(new: datetime, field: str, fragment: str) -> None:
    with pytest.raises(ExtensionError) as caught:
        apply_extension(STATE, new, "Lý do", "Nguyễn Văn A")
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_extension_accepts_closing_time_and_saturday_hours() -> None:
    assert apply_extension(STATE, D(2026, 3, 17, 17, 0), "Lý do", "A").appointment == D(2026, 3, 17, 17, 0)
    saturdays = WorkingHours.parse(saturday="07:00-11:30")
    after = apply_extension(STATE, D(2026, 3, 14, 10, 0), "Lý do", "A", hours=saturdays)
    assert after.appointment == D(2026, 3, 14, 10, 0)


@pytest.mark.parametrize(("reason", "by", "field"), [("  ", "A", "reason"), ("Lý do", "", "by")])
def test_extension_needs_reason_and_author(reason: str, by: str, field: str) -> None:
    with pytest.raises(ExtensionError) as caught:
        apply_extension(STATE, D(2026, 3, 17, 9, 0), reason, by)
    assert caught.value.field == field
