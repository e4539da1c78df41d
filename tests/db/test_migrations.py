"""Every migration applies on the previous version, is backed up first, and matches the typed models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from counter_app.storage import migrations
from counter_app.storage.database import open_database, raw_connect
from counter_app.storage.models import Base

# What each migration must create; extend this table with every new migration.
EXPECTED_TABLES: dict[int, set[str]] = {
    1: {
        "counter_config",
        "settings",
        "users",
        "procedures",
        "procedure_documents",
        "applicants",
        "dossiers",
        "dossier_documents",
        "dossier_events",
        "code_sequences",
    },
    2: {"audit_log", "outbox", "code_high_water"},
    3: {"calendar_days", "calendar_changes"},
    4: set(),
    5: {"sync_enrolment", "sync_state", "sync_conflicts"},
    6: set(),
}
# Other objects a migration must leave behind: (type, table, name) from sqlite_master, or a column.
EXPECTED_OBJECTS: dict[int, set[tuple[str, str, str]]] = {
    1: set(),
    2: {
        ("trigger", "audit_log", "audit_log_no_update"),
        ("trigger", "audit_log", "audit_log_no_delete"),
        ("trigger", "outbox", "outbox_payload_frozen"),
    },
    3: {("column", "procedures", "unconfirmed")},
    4: {
        ("index", "dossiers", "ix_dossiers_received_id"),
        ("index", "dossiers", "ix_dossiers_appointment_id"),
        ("index", "dossiers", "ix_dossiers_name_received"),
        ("index", "dossiers", "ix_dossiers_clerk"),
    },
    5: {
        ("column", "outbox", "result"),
        ("column", "outbox", "error_code"),
        ("column", "outbox", "server_seq"),
        ("column", "outbox", "acked_at"),
        ("column", "dossiers", "server_version"),
        ("column", "dossiers", "origin"),
        ("index", "sync_conflicts", "ix_sync_conflicts_open"),
    },
    6: {
        ("index", "dossiers", "ix_dossiers_finished"),
        ("index", "dossiers", "ix_dossiers_report"),
        ("index", "dossiers", "ix_dossiers_remote"),
    },
}


def _objects(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    found = {
        (str(t), str(tbl), str(n))
        for t, tbl, n in conn.execute("SELECT type, tbl_name, name FROM sqlite_master")
    }
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        found |= {("column", table, r[1]) for r in conn.execute(f'PRAGMA table_info("{table}")')}
    return found


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_migrations_are_numbered_without_gaps() -> None:
    found = migrations.load_migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    # Every migration says what it creates, so none goes untested.
    assert set(EXPECTED_TABLES) == set(EXPECTED_OBJECTS) == {m.version for m in found}


@pytest.mark.parametrize("version", [m.version for m in migrations.load_migrations()])
def test_migration_applies_on_previous_version(tmp_path: Path, version: int) -> None:
    conn = raw_connect(tmp_path / "c.db")
    try:
        migrations.apply_migrations(conn, target=version - 1)
        before, objects_before = _tables(conn), _objects(conn)
        assert migrations.apply_migrations(conn, target=version) == [version]
        assert migrations.current_version(conn) == version
        created = _tables(conn) - before
        assert EXPECTED_TABLES[version] <= created
        assert EXPECTED_OBJECTS[version] <= _objects(conn) - objects_before
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_migration_failure_leaves_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = migrations.load_migrations()
    broken = [*real, migrations.Migration(len(real) + 1, "broken", "CREATE TABLE x (a); SELECT nope FROM;")]
    monkeypatch.setattr(migrations, "load_migrations", lambda folder=None: broken)
    conn = raw_connect(tmp_path / "c.db")
    try:
        with pytest.raises(sqlite3.OperationalError):
            migrations.apply_migrations(conn)
        assert migrations.current_version(conn) == len(real)
        assert "x" not in _tables(conn)
    finally:
        conn.close()


def test_migration_of_old_database_takes_backup_first(tmp_path: Path) -> None:
    latest = migrations.latest_version()
    if latest < 2:
        pytest.skip("only one schema version so far")
    path = tmp_path / "old.db"
    conn = raw_connect(path)
    migrations.apply_migrations(conn, target=1)
    conn.close()
    db = open_database(path)
    try:
        assert db.schema_version() == latest
    finally:
        db.close()
    backups = list((tmp_path / "backups").glob("old-before-migration-v1-*.db"))
    assert len(backups) == 1
    check = sqlite3.connect(backups[0])
    assert check.execute("PRAGMA user_version").fetchone()[0] == 1
    check.close()


def test_models_match_migrated_schema(tmp_path: Path) -> None:
    conn = raw_connect(tmp_path / "c.db")
    migrations.apply_migrations(conn)
    try:
        for table in Base.metadata.sorted_tables:
            columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{table.name}")')}
            assert columns == {c.name for c in table.columns}, table.name
    finally:
        conn.close()
