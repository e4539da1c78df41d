"""Acceptance (issue 8): a kiosk, two desks and a display against one queue host — the real
`counter-central` process — over real HTTP on 127.0.0.1.

The server uses the real clock: waits are asserted as relations, not exact durations; daily
numbering with a fixed clock is in test_rules.py (the same rules, in single-PC mode)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from live_server import LiveServer, start_server

from counter_app.queue.client import QueueClient
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.service import DeskRequest

AGENCY = "000.00.31.H12"


def _enrol(server: LiveServer, name: str) -> str:
    code = server.create_counter(AGENCY, name, agency_name="UBND xã Ỷ La")
    resp = requests.post(
        f"{server.url}/api/v1/enrol", json={"code": code, "counter_uuid": f"u-{name}"}, timeout=10
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["token"])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[LiveServer, str, str, str]]:
    server = start_server(tmp_path)
    try:
        setup = server.cli_json(
            "queue", "setup", "--agency-code", AGENCY, "--opens", "00:00", "--closes", "23:59",
            "--priority-every", "3", "--new-key", "--json",
        )  # fmt: skip
        yield server, setup["site_key"], _enrol(server, "Quầy 1"), _enrol(server, "Quầy 2")
    finally:
        server.stop()


def _label(view: object) -> str:
    current = getattr(view, "current", None)
    assert current is not None, view
    return str(current.label)


def test_queue_kiosk_two_desks_display_over_http(site: tuple[LiveServer, str, str, str]) -> None:
    server, key, token1, token2 = site
    kiosk = QueueClient(server.url, site_key=key)
    display = QueueClient(server.url, site_key=key)
    desk1 = QueueClient(server.url, token=token1)
    desk2 = QueueClient(server.url, token=token2)

    # -- the kiosk issues tickets; per-queue numbers; people ahead
    assert [line.prefix for line in kiosk.lines()] == ["A", "B", "C", "D"]
    issued = [kiosk.issue("A") for _ in range(5)]
    assert [i.ticket.label for i in issued] == ["A001", "A002", "A003", "A004", "A005"]
    assert [i.ahead for i in issued] == [0, 1, 2, 3, 4]
    assert kiosk.issue("B").ticket.label == "B001"
    with pytest.raises(QueueError) as refused:  # the kiosk cannot issue priority tickets
        kiosk.issue("A", priority="elderly", reason="x", issued_by="x")
    assert refused.value.status == 403
    # priority tickets come from staff at a desk, with a reason; same series
    p1 = desk1.issue("A", priority="elderly", reason="Người cao tuổi, 82 tuổi", issued_by="Lan")
    p2 = desk1.issue("A", priority="pregnant", reason="Mang thai", issued_by="Lan")
    assert (p1.ticket.label, p2.ticket.label, p1.ticket.priority) == ("A006", "A007", "elderly")
    with pytest.raises(QueueError) as no_reason:
        desk1.issue("A", priority="disabled", issued_by="Lan")
    assert no_reason.value.status == 400
    assert {line.prefix: line.waiting for line in display.display().lines}["A"] == 7

    # -- calling: one priority ticket per three normal ones, across both desks, not always first
    time.sleep(1.1)  # so that waits are > 0 s
    calls = []
    for n in range(8):
        desk, number = (desk1, 1) if n % 2 == 0 else (desk2, 2)
        calls.append(_label(desk.act(DeskRequest("next", number, f"Cán bộ {number}"))))
    assert calls == ["A006", "A001", "A002", "A003", "A007", "A004", "A005", "B001"]

    # -- the display shows each desk's number and the last calls, newest first
    state = display.display()
    assert {(s.desk, s.label) for s in state.serving} == {(1, "A005"), (2, "B001")}
    assert [c.label for c in state.calls[:3]] == ["B001", "A005", "A004"]
    assert [c.desk for c in state.calls[:3]] == [2, 1, 2]
    assert all(line.waiting == 0 for line in state.lines)

    # -- transfer: desk 2 sends B001 to desk 1, which calls it before anyone else
    for _ in range(3):
        kiosk.issue("A")  # A008, A009, A010
    view = desk2.act(DeskRequest("transfer", 2, "Cán bộ 2", to_desk=1))
    assert view.current is None and "quầy 1" in view.message
    assert desk1.desk(1).waiting_here == 1
    assert _label(desk1.act(DeskRequest("next", 1, "Cán bộ 1"))) == "B001"
    # transfer to another queue: B001 goes to queue C, keeping its place; a desk serving C calls it
    desk1.act(DeskRequest("transfer", 1, "Cán bộ 1", to_line="C"))
    assert _label(desk2.act(DeskRequest("next", 2, "Cán bộ 2", lines=("C",)))) == "B001"

    # -- park a citizen who must fill in a form, call others, then recall them
    assert _label(desk1.act(DeskRequest("next", 1, "Cán bộ 1"))) == "A008"
    parked = desk1.act(DeskRequest("park", 1, "Cán bộ 1"))
    assert parked.current is None and [t.label for t in parked.parked] == ["A008"]
    assert _label(desk1.act(DeskRequest("next", 1, "Cán bộ 1"))) == "A009"
    back = desk1.act(DeskRequest("unpark", 1, "Cán bộ 1", ticket_id=parked.parked[0].id))
    assert _label(back) == "A008" and back.parked == ()
    assert display.display().calls[0].label == "A008"  # announced again
    recalled = desk1.act(DeskRequest("recall", 1, "Cán bộ 1"))
    assert _label(recalled) == "A008" and display.display().calls[0].action == "recall"
    started = desk1.act(DeskRequest("start", 1, "Cán bộ 1"))
    assert started.current is not None and started.current.state == "serving"

    # -- out of turn: refused for a clerk, allowed (and audited on the feed) for a supervisor
    a011 = kiosk.issue("A").ticket
    with pytest.raises(QueueError) as forbidden:
        desk2.act(DeskRequest("call", 2, "Cán bộ 2", "clerk", ticket_id=a011.id))
    assert forbidden.value.status == 403 and "lãnh đạo" in forbidden.value.message
    view = desk2.act(DeskRequest("call", 2, "Trưởng bộ phận", "supervisor", ticket_id=a011.id))
    assert _label(view) == "A011" and display.display().calls[0].action == "call_out_of_turn"

    # -- no-show three times: dropped
    for _ in range(3):
        assert _label(desk2.act(DeskRequest("next", 2, "Cán bộ 2"))) == "A010"
        desk2.act(DeskRequest("skip", 2, "Cán bộ 2"))
    assert desk2.desk(2).current is None
    desk1.act(DeskRequest("finish", 1, "Cán bộ 1"))

    # -- the display: nobody called now, queues empty
    final = display.display()
    assert final.serving == () and all(line.waiting == 0 for line in final.lines)

    # -- statistics: counts exact, waits as relations (real clock)
    with pytest.raises(QueueError):
        display.stats()  # the site key cannot read statistics
    stats = desk1.stats()
    assert (stats.issued, stats.waiting, stats.no_shows) == (12, 0, 1)
    assert stats.served == 11
    # desk 1: A006 A002 A007 A005 A009 A008; desk 2: A001 A003 A004 B001, A011 (supervisor's call)
    assert stats.served_per_desk == {"1": 6, "2": 5}
    assert stats.served_per_clerk == {"Cán bộ 1": 6, "Cán bộ 2": 4, "Trưởng bộ phận": 1}
    assert 1 <= stats.average_wait_s <= stats.longest_wait_s < 600
    by_line = {line.prefix: line for line in stats.lines}
    assert (by_line["A"].issued, by_line["A"].no_shows, by_line["C"].served) == (11, 1, 1)  # B001 now in C

    # -- the ticket's QR code: the citizen follows it without signing in
    follow = requests.get(desk1.follow_url(a011.follow_token), timeout=5)
    assert follow.status_code == 200 and follow.json()["label"] == "A011"
    page = requests.get(desk1.follow_url(a011.follow_token), headers={"Accept": "text/html"}, timeout=5)
    assert "A011" in page.text and "Số này đã được phục vụ" in page.text  # a phone's browser

    # -- after closing time: refused with a Vietnamese message
    local = datetime.now(UTC) + timedelta(hours=7)
    if local.strftime("%H:%M") > "00:00":
        server.cli_json(
            "queue", "setup", "--agency-code", AGENCY, "--closes", local.strftime("%H:%M"), "--json"
        )
        with pytest.raises(QueueError) as closed:
            kiosk.issue("A")
        assert closed.value.code == "closed" and "hết giờ cấp số" in closed.value.message

    # -- the queue host stops: the desks get QueueUnreachable quickly, not a hang
    server.stop()
    started_at = time.monotonic()
    with pytest.raises(QueueUnreachable):
        desk1.desk(1)
    assert time.monotonic() - started_at < 5


def test_queue_api_refuses_without_credentials(site: tuple[LiveServer, str, str, str]) -> None:
    server = site[0]
    resp = requests.get(f"{server.url}/api/v1/queue/display", timeout=5)
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    wrong = requests.get(f"{server.url}/api/v1/queue/display", headers={"X-Queue-Key": "nope"}, timeout=5)
    assert wrong.status_code == 401
    with pytest.raises(QueueError) as err:
        QueueClient(server.url, site_key=site[1]).act(DeskRequest("next", 1))
    assert err.value.status == 403
