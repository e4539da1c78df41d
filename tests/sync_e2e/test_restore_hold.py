"""A desk restored from an old backup holds code issuing until a sync brings its own dossiers back and
raises the code sequences past them; the engine then lifts the hold (audited) and the next code is new."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from live_server import LiveServer
from sqlalchemy import text

from counter_app.errors import UserFacingError
from counter_app.services import codes
from counter_app.services.verify import check_outbox
from counter_app.storage.backup import take_backup
from counter_app.storage.database import Database, open_database
from counter_app.sync.engine import SyncEngine
from counter_app.sync.pull import Scope, apply_changes
from tests.sync_e2e.conftest import AGENCY
from tests.sync_e2e.e2ehelp import (
    assert_codes_unique,
    assert_exactly_once,
    errors_of,
    local_view,
    make_counter,
    verify_cli,
)


def _number(code: str) -> int:
    return int(code.rsplit("-", 1)[1])


@pytest.fixture
def reopened() -> Iterator[list[Database]]:
    """Databases a test opens itself (closed at the end)."""
    opened: list[Database] = []
    yield opened
    for database in opened:
        database.close()


def test_restored_desk_holds_codes_until_a_sync_lifts_the_hold(
    server: LiveServer, desk_db: Callable[[str], Database], reopened: list[Database]
) -> None:
    from counter_app.services.restore import restore_database

    desk = make_counter(desk_db("A"), server, AGENCY, "Quầy A")
    path = desk.db.path
    before = desk.receive(4)
    assert desk.sync().ok
    backup = take_backup(path, "manual", dest=path.with_name("backup.db"))
    after = desk.receive(5, start=10)  # printed and synced after the backup: the backup forgets them
    assert desk.sync().ok and desk.sync().depth == 0
    issued = before + after

    desk.db.close()
    restore_database(path, backup.path, desk.clock, taken_at=backup.taken_at)
    db = open_database(path)
    reopened.append(db)
    desk.db = db
    desk.desk.db = db
    desk.engine = SyncEngine(db, desk.clock)
    assert {c for c, _ in local_view(db).dossiers.values()} == set(before)
    with db.read() as session:
        assert "khôi phục" in codes.code_hold(session)
    with pytest.raises(UserFacingError, match="khôi phục"):
        desk.receive(1, start=20)

    report = desk.sync()
    assert report.ok, report.error
    assert report.hold_released
    with db.read() as session:
        assert codes.code_hold(session) == ""
        (how,) = session.execute(
            text("SELECT detail FROM audit_log WHERE action = 'codes_released' ORDER BY id DESC LIMIT 1")
        ).one()
    assert json.loads(how)["how"] == "synced"
    view = local_view(db)
    assert {c: o for c, o in view.dossiers.values() if c in after} == dict.fromkeys(after, "pulled")

    (new,) = desk.receive(1, start=30)
    assert new not in issued
    assert _number(new) > max(_number(c) for c in issued)
    assert desk.sync().ok
    assert set(assert_codes_unique(server)) == {*issued, new}
    assert_exactly_once(server, desk, label="restored desk", restored=True)
    verified = verify_cli(path)
    assert verified["ok"], errors_of(verified)
    # A second round changes nothing about the hold (there is none).
    assert not desk.sync().hold_released


def test_a_failed_round_keeps_the_hold(
    server: LiveServer, desk_db: Callable[[str], Database], reopened: list[Database]
) -> None:
    desk = make_counter(desk_db("A"), server, AGENCY, "Quầy A")
    with desk.db.write() as session:
        codes.hold_codes(session, desk.clock, "Vừa khôi phục", None)
    server.stop()
    report = desk.sync()
    assert report.error_kind == "transient" and not report.hold_released
    with desk.db.read() as session:
        assert codes.code_hold(session) == "Vừa khôi phục"
    server.start()
    assert desk.sync().hold_released


def test_verify_does_not_count_pulled_own_dossiers_as_missing_their_outbox_op(
    server: LiveServer, desk_db: Callable[[str], Database]
) -> None:
    """A dossier of this desk's own slot that came back by pull (origin 'pulled') has no outbox op here,
    and that is right: verify must not report it (it did before: its code sequence exists)."""
    desk = make_counter(desk_db("A"), server, AGENCY, "Quầy A")
    (code,) = desk.receive(1)
    assert desk.sync().ok
    other = desk_db("B")
    with other.write() as session:
        enrolled = desk.enrolment_row()
        scope = Scope(enrolled.counter_id, enrolled.agency_code, enrolled.slot)
        page = desk.engine.client_factory(enrolled).pull(0, 100, None)
        stats = apply_changes(session, desk.clock, page.changes, scope)  # as a restored copy would
        assert stats.inserted == 1
        (origin,) = session.execute(text("SELECT origin FROM dossiers WHERE code = :c"), {"c": code}).one()
        assert origin == "pulled"
        # Its number is protected in this database's code sequences...
        assert session.execute(text("SELECT count(*) FROM code_sequences")).scalar_one() == 1
        # ...and verify finds nothing wrong with the missing outbox op.
        assert check_outbox(session).errors == 0
