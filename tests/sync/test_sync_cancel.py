"""A manual sync round cancelled between two batches or pages, against the REAL central server: nothing
is left half-sent (no op stays 'sent'), the cursor is at the last applied page, the next round finishes."""

from __future__ import annotations

from live_server import LiveServer

from counter_app import settings
from counter_app.jobs import JobControl
from counter_app.storage.database import Database
from counter_app.sync import state
from tests.sync.synchelp import Counter, server_dossiers

DOSSIERS = 12
BATCH = 3


def _set(counter: Counter, **values: int) -> None:
    with counter.db.write() as session:
        for spec, value in (
            (settings.SYNC_BATCH_SIZE, values.get("batch")),
            (settings.SYNC_PULL_LIMIT, values.get("page")),
        ):
            if value is not None:
                settings.put(session, counter.clock, spec, value, None)


def test_sync_cancel_between_batches_leaves_the_outbox_consistent(
    counter: Counter, central: LiveServer, agency: str
) -> None:
    _set(counter, batch=BATCH)
    counter.receive(DOSSIERS)
    waiting = counter.states()["pending"]
    assert waiting > 3 * BATCH  # several batches
    seen: list[tuple[int, int]] = []
    labels: list[str] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 2 * BATCH:
            control.cancel()  # as "Huỷ" does, from the GUI thread

    control = JobControl(progress, label=labels.append)
    report = counter.engine.run_once(control)
    assert report.cancelled and not report.ok and not report.error
    assert seen[0] == (0, waiting) and seen[-1] == (2 * BATCH, waiting)
    assert labels[-1] == f"Đang gửi lên máy chủ: {2 * BATCH}/{waiting} thao tác"
    states = counter.states()
    assert states == {"done": 2 * BATCH, "pending": waiting - 2 * BATCH}  # nothing left 'sent'
    assert report.depth == waiting - 2 * BATCH
    assert server_dossiers(central, agency) == 2 * BATCH  # the batch claimed behind them was never sent
    assert counter.engine.due(counter.clock.now_utc())  # no back-off after a cancel

    finished = counter.engine.run_once(JobControl())
    assert finished.ok and finished.pushed == waiting - 2 * BATCH
    assert counter.states() == {"done": waiting}
    assert server_dossiers(central, agency) == DOSSIERS


def test_sync_cancel_between_pages_keeps_the_cursor_of_the_last_page(
    counter: Counter, second_db: Database, central: LiveServer, agency: str
) -> None:
    other = Counter(second_db, central, agency, "Quầy B")
    other.receive(DOSSIERS)
    assert other.sync().ok
    _set(counter, page=2)
    pages: list[int] = []

    def progress(done: int, total: int) -> None:
        if total == 0 and done:  # receiving: pages so far (nothing to send here)
            pages.append(done)
            if done == 2:
                control.cancel()

    control = JobControl(progress)
    report = counter.engine.run_once(control)
    assert report.cancelled and pages == [1, 2] and report.pulled == 4
    with counter.db.read() as session:
        cursor = state.as_int(state.get_all(session), state.PULL_CURSOR)
    assert cursor == report.cursor > 0
    rest = counter.engine.run_once()
    assert rest.ok and rest.pulled + report.pulled >= DOSSIERS
    assert rest.inserted + report.inserted == DOSSIERS  # each dossier once: no page applied twice
