"""The wait estimate printed on a ticket, and single-PC mode's follow page behind the ticket's QR code."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from counter_app.clock import FixedClock, utc_to_local
from counter_app.printing.queue_ticket import TicketPrint, render_ticket
from counter_app.queue.estimate import estimate_minutes
from counter_app.queue.follow_server import stop_follow_servers
from counter_app.queue.local import LocalQueue
from counter_app.queue.service import DeskRequest

MORNING = datetime(2026, 11, 23, 2, 0, 0)  # 09:00 local, a Monday


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[LocalQueue]:
    q = LocalQueue(
        tmp_path / "queue.db", FixedClock(MORNING), follow_port=_free_port(), follow_host="127.0.0.1"
    )
    yield q
    stop_follow_servers()
    q.close()


def _advance(q: LocalQueue, minutes: int) -> None:
    assert isinstance(q.clock, FixedClock)
    q.clock.advance(timedelta(minutes=minutes))


def test_estimate_rounds_up_to_five_minutes_and_says_nothing_without_a_pace() -> None:
    assert estimate_minutes(240, 3) == 15  # 4 min a citizen, 3 ahead
    assert estimate_minutes(200, 1) == 5  # never "khoảng 3 phút": steps of five
    assert (
        estimate_minutes(240, 4) == 20 and estimate_minutes(250, 4) == 20 and estimate_minutes(260, 4) == 20
    )
    assert estimate_minutes(None, 5) is None  # no pace known: no number invented
    assert estimate_minutes(240, 0) is None  # nobody ahead: "Quý vị sắp được mời"


def test_the_estimate_follows_the_queues_pace_today(queue: LocalQueue) -> None:
    for _ in range(8):
        queue.issue("A")
    assert queue.issue("A").wait_minutes is None  # no call yet today, no history: no estimate
    for _ in range(4):  # one citizen every 6 minutes
        queue.act(DeskRequest("next", 1, "Lan"))
        _advance(queue, 6)
    issued = queue.issue("A")
    assert issued.ahead == 5  # 9 waiting before it, 4 called
    assert issued.wait_minutes == 30  # 6 min × 5 ahead
    assert queue.issue("B").wait_minutes is None  # another queue has its own pace (none yet)


def test_the_morning_uses_the_recent_days_pace(queue: LocalQueue) -> None:
    for _ in range(5):
        queue.issue("A")
    for _ in range(5):  # yesterday: one citizen every 4 minutes
        queue.act(DeskRequest("next", 1, "Lan"))
        _advance(queue, 4)
    _advance(queue, 24 * 60)  # the next morning: numbers reset, no call yet today
    for _ in range(3):
        queue.issue("A")
    issued = queue.issue("A")
    assert issued.ticket.label == "A004" and issued.ahead == 3
    assert issued.wait_minutes == 15  # 4 min × 3 ahead, rounded up to five


def _get(url: str, accept: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_single_pc_tickets_get_a_qr_code_whose_page_this_pc_serves(
    queue: LocalQueue, rasterise: Callable[..., list[Image.Image]]
) -> None:
    queue.issue("A")
    issued = queue.issue("A")
    url = queue.follow_url(issued.ticket.follow_token)
    assert url == f"http://127.0.0.1:{queue.follow_port}/follow/{issued.ticket.follow_token}"

    status, page = _get(url, "text/html")  # what a phone's browser gets after scanning
    assert status == 200
    assert "A002" in page and "Hộ tịch" in page and "Trước quý vị còn 1 người" in page
    status, body = _get(url, "application/json")
    assert status == 200 and json.loads(body)["ahead"] == 1 and json.loads(body)["state"] == "waiting"

    queue.act(DeskRequest("next", 2, "Lan"))
    queue.act(DeskRequest("next", 2, "Lan"))
    assert "Mời quý vị đến Quầy 2" in _get(url, "text/html")[1]  # the page follows the calls
    assert _get(url.replace(issued.ticket.follow_token, "khong-co-ve-nay"), "text/html")[0] == 404
    assert _get(f"http://127.0.0.1:{queue.follow_port}/admin", "text/html")[0] == 404  # nothing else served

    ticket = TicketPrint(
        "UBND xã Ỷ La", issued.ticket.label, issued.ticket.line_name, utc_to_local(MORNING), 1, "", url
    )
    (page_image,) = rasterise(render_ticket(ticket, 80), dpi=203)
    assert [r.text for r in zxingcpp.read_barcodes(page_image)] == [url]  # the printed QR opens that page


def test_no_qr_code_when_switched_off(tmp_path: Path) -> None:
    q = LocalQueue(tmp_path / "queue.db", FixedClock(MORNING), follow_port=0)
    try:
        assert q.follow_url(q.issue("A").ticket.follow_token) == ""
    finally:
        q.close()
