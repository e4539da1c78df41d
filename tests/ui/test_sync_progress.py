""" "Đồng bộ ngay" shows its progress and "Huỷ" stops the round between two batches, against the REAL
central server: nothing stays half-sent, the status bar says "Đã huỷ.", the next round sends the rest."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from live_server import LiveServer, start_server
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from counter_app import settings
from counter_app.clock import SystemClock, utc_to_local
from counter_app.services import users
from counter_app.storage.database import Database
from counter_app.sync.enrol import enrol
from tests.conftest import Desk
from tests.sync.synchelp import person, server_dossiers
from ui.app import build_window
from ui.progress import ProgressJob, job_hub

WAIT_MS = 20_000
AGENCY = "000.00.91.H12"
DOSSIERS = 12
BATCH = 3
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("central-progress"))
    yield server
    server.stop()


def _states(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            str(s): int(n)
            for s, n in session.execute(text("SELECT state, count(*) FROM outbox GROUP BY state"))
        }


def test_sync_now_huy_stops_between_batches(qtbot: QtBot, db: Database, central: LiveServer) -> None:
    clock = SystemClock()
    enrol(db, clock, central.url, central.create_counter(AGENCY, "Quầy 1"))
    with db.write() as session:
        settings.put(session, clock, settings.SYNC_BATCH_SIZE, BATCH, None)
        settings.put(session, clock, settings.SYNC_INTERVAL_SECONDS, 3600, None)  # no round but ours
        clerk = users.create_user(session, clock, "tam", "Vũ Thị Tâm", "clerk", "mat-khau-123", policy=FAST)
    window = build_window(db, synchronous=False, user=clerk)  # the real DB worker and sync threads
    qtbot.addWidget(window)
    window.show()
    bar = window.status_sync
    first = window.sync  # its first round (nothing to send yet) is over before the desk receives
    qtbot.waitUntil(
        lambda: first.snapshot.worker is not None and first.snapshot.worker.phase == "idle", timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: bar.sync_button.isEnabled(), timeout=WAIT_MS)

    desk = Desk(db)
    desk.clock = clock  # type: ignore[assignment]  # the server stamps with the real time
    appointment = (utc_to_local(clock.now_utc()) + timedelta(days=7)).replace(second=0, microsecond=0)
    for i in range(DOSSIERS):
        desk.register(person(i), appointment=appointment)
    waiting = _states(db)["pending"]
    assert waiting > 3 * BATCH

    reached, resume = threading.Event(), threading.Event()
    jobs: list[ProgressJob] = []

    def watch(job: ProgressJob) -> None:
        jobs.append(job)

        def pause_after_two_batches(done: int, total: int) -> None:  # on the sync thread
            if done >= 2 * BATCH and total and not reached.is_set():
                reached.set()
                resume.wait(WAIT_MS / 1000)

        job.sig_progress.connect(pause_after_two_batches, Qt.ConnectionType.DirectConnection)

    job_hub().sig_started.connect(watch)
    try:
        qtbot.mouseClick(bar.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(reached.is_set, timeout=WAIT_MS)
        (job,) = jobs
        qtbot.waitUntil(lambda: job.dialog.labelText().startswith("Đang gửi lên máy chủ: "), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: job.dialog.value() == 2 * BATCH, timeout=WAIT_MS)
        assert job.dialog.maximum() == waiting and job.dialog.windowTitle() == "Đồng bộ ngay"
        huy = job.dialog.findChild(QPushButton)
        assert huy is not None and huy.text() == "Huỷ"
        huy.click()  # the clerk, while the round is between two batches
        resume.set()
        qtbot.waitUntil(lambda: job.outcome == "cancelled", timeout=WAIT_MS)
    finally:
        resume.set()
        job_hub().sig_started.disconnect(watch)
    assert window.statusBar().currentMessage() == "Đã huỷ."
    assert job.dialog.isHidden()
    assert _states(db) == {"done": 2 * BATCH, "pending": waiting - 2 * BATCH}  # nothing left half-sent
    assert 0 < server_dossiers(central, AGENCY) < DOSSIERS
    qtbot.waitUntil(lambda: bar.sync_button.isEnabled(), timeout=WAIT_MS)
    assert bar.sync_button.text() == "Đồng bộ ngay"

    # Without "Huỷ" the next round sends the rest (each op once: the server keeps no duplicate).
    qtbot.mouseClick(bar.sync_button, Qt.MouseButton.LeftButton)
    assert bar.sync_job is not None and bar.sync_job is not job
    qtbot.waitUntil(lambda: bar.sync_job is not None and bar.sync_job.outcome == "done", timeout=WAIT_MS)
    assert _states(db) == {"done": waiting}
    assert server_dossiers(central, AGENCY) == DOSSIERS
    assert window.statusBar().currentMessage().startswith(f"Đã đồng bộ: gửi {waiting - 2 * BATCH}")
    qtbot.waitUntil(lambda: bar.state_label.text() == "Đã đồng bộ", timeout=WAIT_MS)
    window.close()
