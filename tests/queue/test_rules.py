"""The queue's rules in single-PC mode (a local SQLite file, a fixed clock)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter_app.clock import FixedClock
from counter_app.queue.errors import QueueError
from counter_app.queue.local import LocalQueue
from counter_app.queue.service import DeskRequest

# 09:00 local on a Monday (02:00 UTC)
MORNING = datetime(2026, 11, 23, 2, 0, 0)


@pytest.fixture
def queue(tmp_path: Path) -> LocalQueue:
    q = LocalQueue(tmp_path / "queue.db", FixedClock(MORNING))
    yield q
    q.close()


def _clock(q: LocalQueue) -> FixedClock:
    assert isinstance(q.clock, FixedClock)
    return q.clock


def test_queue_numbers_per_queue_and_reset_daily(queue: LocalQueue) -> None:
    assert [queue.issue("A").ticket.label for _ in range(3)] == ["A001", "A002", "A003"]
    assert queue.issue("B").ticket.label == "B001"
    second = queue.issue("A")
    assert second.ticket.label == "A004" and second.ahead == 3
    _clock(queue).advance(timedelta(days=1))
    fresh = queue.issue("A")
    assert fresh.ticket.label == "A001" and fresh.ahead == 0  # yesterday's tickets expired


def test_queue_refuses_after_closing_and_before_opening(queue: LocalQueue) -> None:
    queue.configure(opens="07:30", closes="17:00")
    _clock(queue).advance(timedelta(hours=8))  # 17:00 local
    with pytest.raises(QueueError) as err:
        queue.issue("A")
    assert err.value.code == "closed" and "hết giờ cấp số" in err.value.message
    _clock(queue).advance(timedelta(hours=14, minutes=10))  # 07:10 the next day
    with pytest.raises(QueueError, match="Chưa đến giờ"):
        queue.issue("A")


def test_queue_priority_interleaved_by_ratio(queue: LocalQueue) -> None:
    for _ in range(5):
        queue.issue("A")
    queue.issue("A", priority="elderly", reason="78 tuổi", issued_by="Lan")
    queue.issue("A", priority="pregnant", reason="mang thai", issued_by="Lan")
    called = []
    for _ in range(7):
        view = queue.act(DeskRequest("next", 1, "Lan"))
        assert view.current is not None
        called.append(view.current.label)
    # a priority ticket first (owed at the start of the day), then 3 normal, then the next priority
    assert called == ["A006", "A001", "A002", "A003", "A007", "A004", "A005"]
    assert queue.act(DeskRequest("next", 1)).message == "Không còn ai đang chờ."


def test_queue_priority_needs_reason_and_staff(queue: LocalQueue) -> None:
    with pytest.raises(QueueError, match="lý do"):
        queue.issue("A", priority="elderly")


def test_queue_no_show_moves_to_the_end(queue: LocalQueue) -> None:
    for _ in range(3):
        queue.issue("A")
    assert queue.act(DeskRequest("next", 1)).current.label == "A001"  # type: ignore[union-attr]
    view = queue.act(DeskRequest("skip", 1))
    assert "lần 1" in view.message and view.current is None
    order = [queue.act(DeskRequest("next", 1)).current.label for _ in range(3)]  # type: ignore[union-attr]
    assert order == ["A002", "A003", "A001"]


def test_queue_no_show_dropped_after_three_misses(queue: LocalQueue) -> None:
    queue.issue("A")
    for _ in range(2):
        assert queue.act(DeskRequest("next", 1)).current.label == "A001"  # type: ignore[union-attr]
        queue.act(DeskRequest("skip", 1))
    queue.act(DeskRequest("next", 1))
    view = queue.act(DeskRequest("skip", 1))
    assert "đã huỷ" in view.message and view.current is None
    assert queue.stats().no_shows == 1
    assert queue.act(DeskRequest("next", 1)).current is None


def test_queue_out_of_turn_only_for_supervisors(queue: LocalQueue) -> None:
    queue.issue("A")
    late = queue.issue("A").ticket
    with pytest.raises(QueueError) as err:
        queue.act(DeskRequest("call", 1, "Lan", "clerk", ticket_id=late.id))
    assert err.value.status == 403
    view = queue.act(DeskRequest("call", 1, "Hùng", "supervisor", ticket_id=late.id))
    assert view.current is not None and view.current.label == "A002"
    assert queue.display().calls[0].action == "call_out_of_turn"
