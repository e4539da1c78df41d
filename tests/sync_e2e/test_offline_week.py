"""Two desks of one agency work offline for a simulated week, then sync with the real server (SQLite and
PostgreSQL): every dossier on the server exactly once, every code unique, nothing lost, both desks hold
the whole agency afterwards, both outboxes empty, `counter-admin verify` clean on both databases."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from live_server import LiveServer

from counter_app.clock import SystemClock, utc_to_local
from counter_app.storage.database import Database
from tests.faultproxy import FaultProxy, Reset
from tests.sync.synchelp import Counter
from tests.sync_e2e.conftest import AGENCY
from tests.sync_e2e.e2ehelp import (
    advance,
    assert_codes_unique,
    assert_exactly_once,
    errors_of,
    local_view,
    make_counter,
    move,
    receive_spaced,
    server_rows,
    stats,
    verify_cli,
)

DAYS = 6


def _week_start() -> datetime:
    # Ten days before the server's real date, 07:30 Vietnam time: the whole simulated week lies in the
    # past of the server's clock, so any department step stamped with the real time comes after it.
    today = utc_to_local(SystemClock().now_utc()).replace(hour=7, minute=30, second=0, microsecond=0)
    return today - timedelta(days=10)


def _work_a_day(counter: Counter, rng: random.Random, serial: int, earlier: list[str]) -> list[str]:
    """Receive 5–9 dossiers; send some of today's to processing, finish some processed earlier."""
    codes = receive_spaced(counter, rng.randint(5, 9), serial)
    for code in rng.sample(codes, k=len(codes) // 3):
        move(counter, code, "processing")
    ready = [c for c in earlier if counter.dossier(c).status == 4]
    for code in rng.sample(ready, k=len(ready) // 2):
        move(counter, code, "result_ready")
    return codes


def _week(server: LiveServer, desk_db: Callable[[str], Database]) -> None:
    rng = random.Random(20260105)
    start = _week_start()
    with FaultProxy("127.0.0.1", server.port) as link:
        desks = [
            make_counter(
                desk_db(name),
                server,
                AGENCY,
                f"Quầy {name}",
                start_local=start + timedelta(minutes=15 * i),
                via=link.url,
                batch_size=16,
                pull_limit=25,
                seed=i,
            )
            for i, name in enumerate("AB")
        ]
        link.set_mode(Reset())  # the commune's link is down all week
        received: dict[int, list[str]] = {0: [], 1: []}
        for _day in range(DAYS):
            for i, desk in enumerate(desks):
                received[i] += _work_a_day(desk, rng, 1000 * i + len(received[i]), received[i])
                offline = desk.sync()  # the evening's automatic round: the link is down
                assert offline.error_kind == "transient" and not offline.reached_server
                advance(desk, timedelta(days=1) - timedelta(hours=1))
        for i, desk in enumerate(desks):
            assert 30 <= len(received[i]) <= 54
            assert local_view(desk.db).depth > len(received[i])  # receipts and steps, all unsent

        link.heal()  # the link is back: both desks sync, rounds interleaved, small batches and pages
        done = [False, False]
        for _ in range(40):
            for i, desk in enumerate(desks):
                if not done[i]:
                    report = desk.sync()
                    assert report.reached_server, report.error
                    done[i] = report.ok and report.depth == 0
            if all(done):
                break
        assert all(done), f"the outboxes did not drain: {[local_view(d.db).depth for d in desks]}"
        finals = [desk.sync() for desk in desks]  # a last pull: each desk catches the other's last pushes
        assert all(r.ok and r.pushed == 0 for r in finals), [r.error for r in finals]

    total = len(received[0]) + len(received[1])
    data = stats(server)
    assert data["dossiers"] == total
    assert sorted(c["dossiers"] for c in data["per_counter"]) == sorted(len(v) for v in received.values())
    all_codes = assert_codes_unique(server)
    assert set(all_codes) == set(received[0]) | set(received[1])
    views = [assert_exactly_once(server, desk, label=f"desk {i}") for i, desk in enumerate(desks)]
    for i, (desk, view) in enumerate(zip(desks, views, strict=True)):
        codes_here = {code for code, _ in view.dossiers.values()}
        assert set(received[i]) <= codes_here
        assert codes_here == set(all_codes), f"desk {i} lacks {len(set(all_codes) - codes_here)} dossiers"
        other = set(received[1 - i])
        assert {o for c, o in view.dossiers.values() if c in other} == {"pulled"}
        # Every local status agrees with the server's.
        for code in rng.sample(received[1 - i], k=5) + rng.sample(received[i], k=5):
            assert desk.dossier(code).status == _server_status(server, code), code
        report = verify_cli(desk.db.path)
        assert report["ok"], errors_of(report)


def _server_status(server: LiveServer, code: str) -> int:
    ((status,),) = server_rows(server, "SELECT status FROM dossiers WHERE code = :c", c=code)
    return int(status)


def test_two_desks_offline_for_a_week_then_sync_exactly_once(
    server: LiveServer, desk_db: Callable[[str], Database]
) -> None:
    _week(server, desk_db)


@pytest.mark.postgres
def test_two_desks_offline_for_a_week_against_postgresql(
    pg_server: LiveServer, desk_db: Callable[[str], Database]
) -> None:
    _week(pg_server, desk_db)
