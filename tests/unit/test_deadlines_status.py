"""Tests of timeliness: finished-dossier classes, live status of open dossiers, texts, recompute."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from counter_app.deadlines import (
    DayKind,
    DayOverride,
    DeadlineRule,
    Moved,
    OpenDossierInput,
    Pause,
    PauseRule,
    Timeliness,
    classify_finished,
    compute_appointment,
    default_calendar,
    format_working_duration,
    recompute,
    status_at,
)

D = datetime
DUE = D(2026, 3, 13, 9, 0)  # Friday


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (D(2026, 3, 10, 9, 0), Timeliness.TRUOC_HAN),
        (D(2026, 3, 12, 23, 59), Timeliness.TRUOC_HAN),
        (D(2026, 3, 13, 0, 0), Timeliness.DUNG_HAN),
        (D(2026, 3, 13, 9, 0), Timeliness.DUNG_HAN),
        (D(2026, 3, 13, 16, 30), Timeliness.DUNG_HAN),  # after the clock time, same day: on time
        (D(2026, 3, 14, 0, 0), Timeliness.QUA_HAN),
        (D(2026, 3, 16, 8, 0), Timeliness.QUA_HAN),
    ],
)
def test_status_finished_compares_dates(finished: datetime, expected: Timeliness) -> None:
    assert classify_finished(finished, DUE) is expected


@pytest.mark.parametrize(
    ("now", "kind", "text"),
    [
        (D(2026, 3, 10, 16, 0), Timeliness.TRONG_HAN, "Còn 2 ngày 3 giờ"),
        (D(2026, 3, 12, 8, 59), Timeliness.TRONG_HAN, "Còn 1 ngày"),  # 8 h 1 min left
        (D(2026, 3, 12, 9, 0), Timeliness.SAP_DEN_HAN, "Còn 1 ngày"),  # exactly one working day
        (D(2026, 3, 12, 18, 0), Timeliness.SAP_DEN_HAN, "Còn 2 giờ"),  # night: nothing counts
        (D(2026, 3, 13, 8, 15), Timeliness.SAP_DEN_HAN, "Còn 45 phút"),
        (D(2026, 3, 13, 8, 59, 30), Timeliness.SAP_DEN_HAN, "Còn dưới 1 phút"),
        (D(2026, 3, 13, 9, 0), Timeliness.SAP_DEN_HAN, "Đến hạn"),
        (D(2026, 3, 13, 11, 0), Timeliness.QUA_HAN, "Quá hạn 2 giờ"),
        (D(2026, 3, 16, 9, 0), Timeliness.QUA_HAN, "Quá hạn 1 ngày"),
        (D(2026, 3, 16, 10, 30), Timeliness.QUA_HAN, "Quá hạn 1 ngày 1 giờ"),
    ],
)
def test_status_open_dossier(now: datetime, kind: Timeliness, text: str) -> None:
    status = status_at(DUE, now)
    assert (status.timeliness, status.text) == (kind, text)


def test_status_overdue_outside_working_time() -> None:
    status = status_at(D(2026, 3, 13, 17, 0), D(2026, 3, 14, 10, 0))
    assert status.timeliness is Timeliness.QUA_HAN
    assert (status.seconds, status.text) == (0, "Quá hạn")


def test_status_takes_an_appointment_and_reports_pauses() -> None:
    received = D(2026, 3, 10, 9, 0)
    running = compute_appointment(received, DeadlineRule.working_days(3))
    assert status_at(running, D(2026, 3, 10, 16, 0)).text == "Còn 2 ngày 3 giờ"
    paused = compute_appointment(received, DeadlineRule.working_days(3), pauses=[Pause(D(2026, 3, 11, 9, 0))])
    status = status_at(paused, D(2026, 3, 20, 9, 0))
    assert status.timeliness is Timeliness.TAM_DUNG
    assert status.text == "Tạm dừng chờ bổ sung, còn 2 ngày"
    restart = DeadlineRule.working_days(3, pause_rule=PauseRule.RESTART)
    stopped = compute_appointment(received, restart, pauses=[Pause(D(2026, 3, 11, 9, 0))])
    assert "tính lại từ đầu" in status_at(stopped, D(2026, 3, 20, 9, 0)).text
    assert Timeliness.SAP_DEN_HAN.label == "Sắp đến hạn"


@pytest.mark.parametrize(
    ("seconds", "day_seconds", "text"),
    [
        (0, 28800, "0 phút"),
        (59, 28800, "0 phút"),
        (45 * 60, 28800, "45 phút"),
        (90 * 60, 28800, "1 giờ 30 phút"),
        (2 * 3600, 28800, "2 giờ"),
        (8 * 3600, 28800, "1 ngày"),
        (8 * 3600 + 30 * 60, 28800, "1 ngày"),
        (19 * 3600, 28800, "2 ngày 3 giờ"),
        (27000, 27000, "1 ngày"),  # a 7.5-hour day
    ],
)
def test_status_duration_text(seconds: int, day_seconds: int, text: str) -> None:
    assert format_working_duration(seconds, day_seconds) == text


# ----------------------------------------------------------------------------- recompute

OLD = default_calendar()
STORM = OLD.with_overrides(
    [DayOverride(date(2026, 3, 11), DayKind.OFF, "Nghỉ đột xuất (bão số 3)", source="admin")]
)


def test_recompute_lists_exactly_the_dossiers_that_move() -> None:
    dossiers = [
        OpenDossierInput("A", D(2026, 3, 9, 9, 0), DeadlineRule.working_days(3)),
        OpenDossierInput("B", D(2026, 3, 12, 9, 0), DeadlineRule.working_days(3)),
        OpenDossierInput("C", D(2026, 3, 11, 10, 0), DeadlineRule.same_day()),
        OpenDossierInput(
            "D", D(2026, 3, 9, 9, 0), DeadlineRule.working_days(3), (Pause(D(2026, 3, 10, 9, 0)),)
        ),
        OpenDossierInput(
            "E", D(2026, 3, 9, 10, 0), DeadlineRule.working_days(2), printed=D(2026, 3, 20, 9, 0)
        ),
        OpenDossierInput("F", D(2026, 3, 10, 16, 0), DeadlineRule.working_hours(2)),
        OpenDossierInput("G", D(2026, 3, 2, 9, 0), DeadlineRule.working_days(3)),
    ]
    moved = recompute(dossiers, OLD, STORM, None)
    assert moved == [
        Moved("A", D(2026, 3, 12, 9, 0), D(2026, 3, 12, 9, 0), D(2026, 3, 13, 9, 0)),
        Moved("C", D(2026, 3, 11, 17, 0), D(2026, 3, 11, 17, 0), D(2026, 3, 12, 17, 0)),
        Moved("E", D(2026, 3, 20, 9, 0), D(2026, 3, 11, 10, 0), D(2026, 3, 12, 10, 0)),
        Moved("F", D(2026, 3, 11, 8, 0), D(2026, 3, 11, 8, 0), D(2026, 3, 12, 8, 0)),
    ]
    assert moved[0].printed_differs and moved[2].printed_differs


def test_recompute_a_new_make_up_day_moves_appointments_earlier() -> None:
    make_up = OLD.with_overrides([DayOverride(date(2026, 3, 14), DayKind.WORK, "Làm bù")])
    dossiers = [
        OpenDossierInput(
            "X", D(2026, 3, 13, 9, 0), DeadlineRule.working_days(1), printed=D(2026, 3, 16, 9, 0)
        ),
        OpenDossierInput("Y", D(2026, 3, 16, 9, 0), DeadlineRule.working_days(1)),
    ]
    assert recompute(dossiers, OLD, make_up) == [
        Moved("X", D(2026, 3, 16, 9, 0), D(2026, 3, 16, 9, 0), D(2026, 3, 14, 9, 0))
    ]
    assert recompute(dossiers, OLD, OLD) == []
