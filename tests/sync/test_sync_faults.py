"""Bad networks between the desk and the real server: nothing false is acknowledged, nothing is lost or doubled."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from live_server import LiveServer

from counter_app.clock import FixedClock, SystemClock
from counter_app.storage.database import Database
from counter_app.sync import state
from counter_app.sync.client import SyncClient
from counter_app.sync.engine import SyncEngine
from counter_app.sync.status import dossier_sync_state, queue_status
from tests.faultproxy import CaptivePortal, FaultProxy
from tests.sync.httpfaults import LOSE, Canned, HttpFaults, only_push
from tests.sync.synchelp import Counter, server_dossiers

PORTAL = Canned(200, b"<html><body>Dang nhap Wi-Fi</body></html>", (("Content-Type", "text/html"),))


@pytest.fixture
def behind(db: Database, central: LiveServer, agency: str, faults: HttpFaults) -> Counter:
    """Desk A, enrolled through the request-level fault proxy."""
    return Counter(db, central, agency, "Quầy A", via=faults.url)


def test_captive_portal_page_is_never_taken_for_an_acknowledgement(
    behind: Counter, faults: HttpFaults, agency: str
) -> None:
    (code,) = behind.receive(1)
    faults.decide = only_push(PORTAL)
    report = behind.sync()
    assert report.error_kind == "transient" and "giao thức" in report.error
    assert behind.states() == {"failed": 1}
    with behind.db.read() as session:
        shown = dossier_sync_state(session, behind.dossier(code).id)
        assert shown.state == "failed" and "Wi-Fi" in shown.reason
        assert queue_status(session).last_success_at is None
    assert server_dossiers(behind.server, agency) == 0

    faults.decide = lambda m, p, b: None
    assert behind.sync().ok
    assert behind.states() == {"done": 1}
    assert server_dossiers(behind.server, agency) == 1


def test_whole_link_behind_a_portal_counts_as_offline(db: Database, central: LiveServer, agency: str) -> None:
    counter = Counter(db, central, agency, "Quầy A")
    counter.receive(2)
    with FaultProxy("127.0.0.1", central.port) as portal:
        portal.set_mode(CaptivePortal())
        engine = SyncEngine(db, counter.clock, lambda e: SyncClient(portal.url, token=e.token))
        report = engine.run_once()
    assert not report.reached_server and report.error_kind == "transient"
    assert counter.states() == {"pending": 2}  # the probe failed first: nothing was even sent


def test_body_limit_413_halves_the_batch_until_it_fits(
    behind: Counter, faults: HttpFaults, agency: str
) -> None:
    behind.receive(60)
    limit = 20

    def nginx(method: str, path: str, body: bytes) -> Canned | None:
        return (
            Canned(413, b"<html>413 Request Entity Too Large</html>")
            if body.count(b'"op_id"') > limit
            else None
        )

    faults.decide = nginx
    report = behind.sync()
    assert report.ok, report.error
    assert (report.pushed, report.applied) == (60, 60)
    assert faults.actions("/sync/push").count("413") >= 4  # 500 → 250 → 125 → 62 → 31 → 15
    assert max(s.ops for s in faults.seen if s.action == "forward" and "push" in s.path) <= limit
    assert server_dossiers(behind.server, agency) == 60
    assert behind.states() == {"done": 60}


def test_retry_after_is_honoured_even_by_sync_now(behind: Counter, faults: HttpFaults) -> None:
    behind.receive(1)
    faults.decide = only_push(Canned(429, b"", (("Retry-After", "120"),)))
    report = behind.sync()
    assert report.error_kind == "transient" and report.retry_at is not None
    now = behind.clock.now_utc()
    assert report.retry_at >= now + timedelta(seconds=119)
    assert not behind.engine.due(now)
    assert not behind.engine.due(now, force=True)  # the server asked us to wait: "Đồng bộ ngay" waits too
    assert behind.engine.due(now + timedelta(seconds=121))
    assert behind.states() == {"failed": 1}

    faults.decide = only_push(Canned(503, b"busy"))
    behind.sync()
    with behind.db.read() as session:
        values = state.get_all(session)
    assert state.as_int(values, state.CONSECUTIVE_FAILURES) == 2


def test_response_lost_after_the_server_committed_is_resent_once(
    behind: Counter, faults: HttpFaults, agency: str
) -> None:
    behind.receive(4)
    faults.decide = only_push(LOSE)
    report = behind.sync()
    assert report.error_kind == "transient"
    assert behind.states() == {"failed": 4}
    assert server_dossiers(behind.server, agency) == 4  # the server has them; the desk does not know yet

    faults.decide = lambda m, p, b: None
    report = behind.sync()
    assert (report.pushed, report.duplicate, report.applied) == (4, 4, 0)
    assert server_dossiers(behind.server, agency) == 4


def test_timeout_halves_the_batch_and_nothing_is_doubled(
    db: Database, central: LiveServer, agency: str, faults: HttpFaults
) -> None:
    counter = Counter(db, central, agency, "Quầy A", via=faults.url)
    counter.receive(3)
    engine = SyncEngine(
        db, counter.clock, lambda e: SyncClient(e.server_url, token=e.token, read_timeout=0.5)
    )

    def slow(method: str, path: str, body: bytes) -> None:
        if path.endswith("/sync/push"):
            time.sleep(1.5)  # then forwarded: the server commits after the desk gave up

    faults.decide = slow
    report = engine.run_once()
    assert report.error_kind == "transient" and "thời gian" in report.error
    assert report.batch_size == 250
    faults.decide = lambda m, p, b: None
    report = engine.run_once()
    assert report.ok and report.pushed == 3
    assert server_dossiers(central, agency) == 3


def test_clock_skew_is_measured_and_warned(counter: Counter) -> None:
    slow_pc = FixedClock(SystemClock().now_utc() - timedelta(minutes=10))
    report = SyncEngine(counter.db, slow_pc).run_once()
    assert report.ok
    assert report.skew_seconds is not None and 590 <= report.skew_seconds <= 700
    assert report.skew_warning
    warning = SyncEngine(counter.db, slow_pc).skew_warning()
    assert warning is not None and "chậm khoảng 10 phút" in warning
    with counter.db.read() as session:
        assert queue_status(session).skew_warning == warning

    assert counter.sync().ok  # a correct clock clears it
    assert counter.engine.skew_warning() is None
