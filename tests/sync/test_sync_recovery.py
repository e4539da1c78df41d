"""Recovery with a server of the test's own: crashes, restarts, a restored server, revocation, a USB stick."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from live_server import LiveServer

from counter_app.storage.database import Database, open_database
from counter_app.sync import protocol, state
from counter_app.sync.engine import SyncEngine
from counter_app.sync.status import queue_status
from counter_app.sync.usb import export_outbox
from tests.sync.synchelp import Counter, server_dossiers

AGENCY = "000.00.31.H12"


def test_unsent_work_survives_a_dead_server_and_a_restart_of_the_desk(
    db: Database, db_path: Path, own_server: LiveServer
) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    counter.receive(2)
    assert counter.sync().ok
    own_server.kill()
    counter.receive(3, start=2)
    report = counter.sync()
    assert report.error_kind == "transient" and not report.reached_server
    assert counter.states() == {"done": 2, "pending": 3}
    db.close()  # the desk PC is switched off

    reopened = open_database(db_path)
    try:
        with reopened.read() as session:
            assert queue_status(session).depth == 3
        own_server.start()
        report = SyncEngine(reopened, counter.clock).run_once()
        assert report.ok and (report.pushed, report.applied) == (3, 3)
        assert server_dossiers(own_server, AGENCY) == 5
    finally:
        reopened.close()


def test_restored_server_new_epoch_refetches_and_keeps_unsent_work(
    db: Database, own_server: LiveServer
) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    codes = counter.receive(3)
    assert counter.sync().ok
    counter.receive(1, start=3)  # not sent yet
    assert own_server.cli("admin", "new-epoch").returncode == 0

    report = counter.sync()
    assert report.ok, report.error
    assert report.refetched and report.requeued == 3
    assert (report.applied, report.duplicate) == (1, 3)
    assert server_dossiers(own_server, AGENCY) == 4
    assert counter.states() == {"done": 4}
    assert all(counter.dossier(c).server_version > 0 for c in codes)
    with db.read() as session:
        values = state.get_all(session)
    assert values[state.SERVER_EPOCH] == own_server.cli_json("stats", "--json")["server_epoch"]


def test_cursor_beyond_the_server_means_it_went_back(db: Database, own_server: LiveServer) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    counter.receive(2)
    assert counter.sync().ok
    with db.write() as session:  # as if the server had been restored from an older copy, same epoch
        state.put(session, counter.clock.now_utc(), **{state.PULL_CURSOR: 10_000})
    report = counter.sync()
    assert report.ok and report.refetched
    assert report.cursor < 10_000
    assert server_dossiers(own_server, AGENCY) == 2


def test_revoked_counter_stops_until_someone_acts(db: Database, own_server: LiveServer) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    counter.receive(1)
    assert own_server.cli("admin", "revoke-counter", counter.enrolment.counter_id).returncode == 0
    report = counter.sync()
    assert report.error_kind == "fatal"
    assert "thu hồi" in report.error, report.error
    now = counter.clock.now_utc()
    assert not counter.engine.due(now)  # no automatic retries against a revoked token
    assert counter.engine.due(now, force=True)
    assert counter.states() == {"failed": 1}  # kept, with the reason shown on the dossier
    assert "thu hồi" in counter.ops()[0].last_error


def test_usb_export_is_signed_and_the_server_import_makes_the_next_push_a_duplicate(
    db: Database, own_server: LiveServer, tmp_path: Path
) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    counter.receive(3)
    target = tmp_path / "usb" / "outbox.json"
    target.parent.mkdir()
    result = export_outbox(db, counter.clock, target)
    assert result.ops == 3
    assert counter.states() == {"pending": 3}  # writing the file changes nothing
    data = json.loads(target.read_text(encoding="utf-8"))
    counter_id, ops = protocol.read_outbox_file(data, lambda cid: counter.enrolment_row().file_key)
    assert counter_id == counter.enrolment.counter_id and len(ops) == 3
    assert [p.name for p in target.parent.iterdir()] == ["outbox.json"]  # no temp file left

    imported = own_server.cli("import", str(target))
    assert imported.returncode == 0, imported.stderr
    assert server_dossiers(own_server, AGENCY) == 3
    report = counter.sync()
    assert (report.pushed, report.duplicate) == (3, 3)
    assert server_dossiers(own_server, AGENCY) == 3


def test_a_desk_restored_from_an_old_backup_gets_its_dossiers_back_and_never_reuses_a_code(
    db: Database, db_path: Path, own_server: LiveServer, tmp_path: Path
) -> None:
    counter = Counter(db, own_server, AGENCY, "Quầy A")
    db.checkpoint()
    backup = tmp_path / "backup.db"
    shutil.copy(db_path, backup)  # last night's copy: enrolled, no dossier yet
    issued = counter.receive(2)
    assert counter.sync().ok
    db.close()

    shutil.copy(backup, db_path)  # the disk died; the backup is restored
    restored = open_database(db_path)
    try:
        report = SyncEngine(restored, counter.clock).run_once()
        assert report.ok and report.inserted == 2
        counter.db = counter.desk.db = restored
        assert {counter.dossier(c).origin for c in issued} == {"pulled"}
        (fresh,) = counter.receive(1, start=5)
        assert fresh not in issued and fresh.endswith("003")
    finally:
        restored.close()
