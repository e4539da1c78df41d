"""The audit trail's hash chain (verifies; detects edits, deletions and truncation) and migration 0002."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Table

from counter_app.clock import FixedClock
from counter_app.services import audit
from counter_app.services.outbox import canonical_json, sha256_hex
from counter_app.storage import migrations
from counter_app.storage.database import Database, create_database, open_database, raw_connect
from counter_app.storage.models import AuditEntry, CodeHighWater, OutboxEntry


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 14, 2, 0))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "counter.db"
    create_database(path)
    database = open_database(path)
    yield database
    database.close()


def _fill(db: Database, clock: FixedClock, count: int = 5) -> None:
    for i in range(1, count + 1):
        with db.write() as session:
            audit.append_audit(
                session, clock, None, "test_action", "dossier", f"d{i}", {"n": i, "tên": "Nguyễn Văn An"}
            )
        clock.advance(timedelta(seconds=1, microseconds=123))


def _problems(db: Database) -> list[audit.ChainProblem]:
    with db.read() as session:
        return audit.verify_chain(session)


def _tamper(db: Database, *statements: str) -> None:
    conn = raw_connect(db.path)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def test_chain_verifies(db: Database, clock: FixedClock) -> None:
    with db.read() as session:
        assert audit.verify_chain(session) == []  # empty is intact
    _fill(db, clock)
    assert _problems(db) == []
    with db.read() as session:
        rows = audit.history(session)
    assert [r.detail["n"] for r in rows] == [1, 2, 3, 4, 5]


def test_chain_links_and_hash_definition(db: Database, clock: FixedClock) -> None:
    _fill(db, clock, 2)
    with db.read() as session:
        first, second = session.query(AuditEntry).order_by(AuditEntry.id).all()
        links = (first.prev_hash, first.hash, second.prev_hash, first.at)
    first_prev, first_hash, second_prev, first_at = links
    assert first_prev == audit.GENESIS_HASH
    assert second_prev == first_hash
    body = canonical_json(
        {
            "at": first_at.isoformat(),
            "user_id": None,
            "action": "test_action",
            "entity_type": "dossier",
            "entity_id": "d1",
            "detail": {"n": 1, "tên": "Nguyễn Văn An"},
        }
    )
    assert first_hash == sha256_hex(audit.GENESIS_HASH + body)


def test_several_entries_in_one_transaction_chain_correctly(db: Database, clock: FixedClock) -> None:
    with db.write() as session, session.no_autoflush:
        for i in range(3):
            audit.append_audit(session, clock, None, "bulk", "x", str(i), {"i": i})
    assert _problems(db) == []


def test_database_refuses_to_rewrite_the_trail(db: Database, clock: FixedClock) -> None:
    _fill(db, clock, 2)
    conn = raw_connect(db.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET detail = '{}' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log WHERE id = 1")
    finally:
        conn.close()


def test_edited_detail_is_detected_once(db: Database, clock: FixedClock) -> None:
    _fill(db, clock)
    forged = json.dumps({"n": 3, "tên": "Người Khác"}, ensure_ascii=False)
    _tamper(db, f"UPDATE audit_log SET detail = '{forged}' WHERE id = 3")
    problems = _problems(db)
    assert [p.audit_id for p in problems] == [3]
    assert "đã bị sửa" in problems[0].message


def test_edited_action_or_time_is_detected(db: Database, clock: FixedClock) -> None:
    _fill(db, clock)
    _tamper(
        db,
        "UPDATE audit_log SET action = 'other' WHERE id = 2",
        "UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE id = 4",
    )
    assert [p.audit_id for p in _problems(db)] == [2, 4]


def test_rehashed_forgery_breaks_the_next_link(db: Database, clock: FixedClock) -> None:
    _fill(db, clock)
    with db.read() as session:
        row = session.get(AuditEntry, 3)
        assert row is not None
        forged_hash = audit.chain_hash(row.prev_hash, row.at, None, "test_action", "dossier", "d3", {"n": 99})
    _tamper(db, f"UPDATE audit_log SET detail = '{{\"n\":99}}', hash = '{forged_hash}' WHERE id = 3")
    problems = _problems(db)
    assert [p.audit_id for p in problems] == [4]
    assert "không nối" in problems[0].message


def test_deleted_row_in_the_middle_is_detected(db: Database, clock: FixedClock) -> None:
    _fill(db, clock)
    _tamper(db, "DELETE FROM audit_log WHERE id = 2")
    assert [p.audit_id for p in _problems(db)] == [3]


def test_deleted_newest_rows_are_detected(db: Database, clock: FixedClock) -> None:
    _fill(db, clock)
    _tamper(db, "DELETE FROM audit_log WHERE id >= 4")
    problems = _problems(db)
    assert len(problems) == 1 and "2 dòng nhật ký cuối" in problems[0].message


def test_unreadable_detail_is_reported(db: Database, clock: FixedClock) -> None:
    _fill(db, clock, 2)
    _tamper(db, "UPDATE audit_log SET detail = 'not json' WHERE id = 2")
    problems = _problems(db)
    assert [p.audit_id for p in problems] == [2] and "không đọc được" in problems[0].message


def test_detail_with_dates_is_frozen_as_text(db: Database, clock: FixedClock) -> None:
    with db.write() as session:
        record = audit.append_audit(session, clock, None, "x", "", "", {"until": datetime(2024, 6, 14, 2, 5)})
    assert record.detail == {"until": "2024-06-14T02:05:00"}
    assert _problems(db) == []


# ----------------------------------------------------------------------------- migration 0002


def test_migration_0002_upgrades_a_version_1_database(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "v1.db"
    conn = raw_connect(path)
    try:
        assert migrations.apply_migrations(conn, target=1) == [1]
        conn.execute(
            "INSERT INTO users (id, username, full_name, role, password_hash, created_at) "
            "VALUES ('u1', 'an', 'Nguyễn An', 'clerk', '!', '2024-01-01 00:00:00')"
        )
    finally:
        conn.close()
    database = open_database(path)
    try:
        assert database.schema_version() >= 2
        with database.write() as session:
            audit.append_audit(session, clock, "u1", "after_upgrade", "", "", {})
        with database.read() as session:
            assert audit.verify_chain(session) == []
            assert [r.user_id for r in audit.history(session)] == ["u1"]
    finally:
        database.close()


@pytest.mark.parametrize("model", [AuditEntry, OutboxEntry, CodeHighWater])
def test_models_match_the_migrated_tables(
    db: Database, model: type[AuditEntry | OutboxEntry | CodeHighWater]
) -> None:
    table = model.__table__
    assert isinstance(table, Table)
    conn = raw_connect(db.path)
    try:
        info = {
            row[1]: (bool(row[3]) or bool(row[5])) for row in conn.execute(f"PRAGMA table_info({table.name})")
        }
    finally:
        conn.close()
    expected = {column.name: (not column.nullable) or column.primary_key for column in table.columns}
    assert info == expected
