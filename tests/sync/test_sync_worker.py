"""The background worker: rounds on demand, a watchdog for a wedged round, a fatal stop, back-off respected."""

from __future__ import annotations

import queue

from live_server import LiveServer

from counter_app.sync.engine import SyncEngine
from counter_app.sync.worker import SyncWorker, WorkerStatus
from tests.sync.httpfaults import Canned, HttpFaults, only_push
from tests.sync.synchelp import Counter, server_dossiers

WAIT_S = 60  # generous: the VM is slow; a test waits for a status, never for a fixed time


class Statuses:
    """Collects worker statuses; `wait_for(phase)` blocks until one arrives."""

    def __init__(self) -> None:
        self.items: queue.Queue[WorkerStatus] = queue.Queue()

    def __call__(self, status: WorkerStatus) -> None:
        self.items.put(status)

    def wait_for(self, phase: str) -> WorkerStatus:
        while True:
            status = self.items.get(timeout=WAIT_S)
            if status.phase == phase:
                return status


def _worker(counter: Counter, statuses: Statuses, **kw: float) -> SyncWorker:
    return SyncWorker(lambda: SyncEngine(counter.db, counter.clock), counter.clock, on_status=statuses, **kw)


def test_kick_runs_a_round_and_reports_it(counter: Counter, agency: str) -> None:
    statuses = Statuses()
    worker = _worker(counter, statuses, interval_s=3600)
    worker.start()
    try:
        statuses.wait_for("idle")  # the first round at start
        counter.receive(2)
        worker.kick()
        done = statuses.wait_for("idle")
        assert done.report is not None and done.report.pushed == 2
        assert "gửi 2" in done.message
    finally:
        assert worker.stop()
    assert server_dossiers(counter.server, agency) == 2


def test_watchdog_abandons_a_wedged_round_and_starts_afresh(
    db: object, central: LiveServer, agency: str, faults: HttpFaults
) -> None:
    counter = Counter(db, central, agency, "Quầy A", via=faults.url)  # type: ignore[arg-type]
    counter.receive(1)
    release = queue.Queue[bool]()

    def stuck(method: str, path: str, body: bytes) -> None:
        if path.endswith("/sync/push"):
            release.get(timeout=WAIT_S)  # a server that never finishes answering

    faults.decide = stuck
    statuses = Statuses()
    worker = _worker(counter, statuses, interval_s=3600, wedge_s=0.5)
    worker.start()
    try:
        restarted = statuses.wait_for("restarted")
        assert restarted.stalled and worker.restarts >= 1
        faults.decide = lambda m, p, b: None
        release.put(True)
        worker.kick(force=True)
        assert statuses.wait_for("idle").report is not None
    finally:
        release.put(True)
        worker.stop()
    assert server_dossiers(central, agency) == 1


def test_retry_after_keeps_even_sync_now_waiting(
    db: object, central: LiveServer, agency: str, faults: HttpFaults
) -> None:
    counter = Counter(db, central, agency, "Quầy A", via=faults.url)  # type: ignore[arg-type]
    counter.receive(1)
    faults.decide = only_push(Canned(429, b"", (("Retry-After", "600"),)))
    statuses = Statuses()
    worker = _worker(counter, statuses, interval_s=3600)
    worker.start()
    try:
        failed = statuses.wait_for("waiting")
        assert failed.report is not None and failed.next_round_at is not None
        pushes = len(faults.actions("/sync/push"))
        worker.kick(force=True)
        told = statuses.wait_for("waiting")
        assert told.report is None and "chờ" in told.message
        assert len(faults.actions("/sync/push")) == pushes  # nothing was sent
    finally:
        worker.stop()


def test_a_revoked_counter_stops_the_worker_until_forced(counter: Counter) -> None:
    counter.receive(1)
    assert counter.server.cli("admin", "revoke-counter", counter.enrolment.counter_id).returncode == 0
    statuses = Statuses()
    worker = _worker(counter, statuses, interval_s=3600)
    worker.start()
    try:
        stopped = statuses.wait_for("stopped")
        assert "thu hồi" in stopped.message
        worker.kick(force=True)  # "Đồng bộ ngay" tries again and says so again
        assert "thu hồi" in statuses.wait_for("stopped").message
    finally:
        worker.stop()
