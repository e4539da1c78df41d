"""Migration 0005 on a database with queued ops: wider outbox states, the payload still frozen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from counter_app.storage import migrations
from counter_app.storage.database import raw_connect


def _v4_with_ops(path: Path) -> sqlite3.Connection:
    conn = raw_connect(path)
    migrations.apply_migrations(conn, target=4)
    for i, old_state in enumerate(("pending", "acked", "failed")):
        conn.execute(
            "INSERT INTO outbox (op_id, kind, entity_id, payload, payload_hash, created_at, state) "
            "VALUES (?, 'test.op', 'e', '{}', 'h', '2026-01-05 02:32:00', ?)",
            (f"op-{i}", old_state),
        )
    return conn


def test_0005_widens_outbox_states_and_keeps_ops(tmp_path: Path) -> None:
    conn = _v4_with_ops(tmp_path / "c.db")
    try:
        assert migrations.apply_migrations(conn, target=5) == [5]
        rows = conn.execute("SELECT op_id, state, result, acked_at FROM outbox ORDER BY id").fetchall()
        assert rows == [
            ("op-0", "pending", None, None),
            ("op-1", "acked", None, None),
            ("op-2", "failed", None, None),
        ]
        for new_state in ("done", "conflict", "held", "rejected", "sent"):
            conn.execute("UPDATE outbox SET state = ? WHERE op_id = 'op-0'", (new_state,))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE outbox SET state = 'lost' WHERE op_id = 'op-0'")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE outbox SET payload = '{\"x\":1}' WHERE op_id = 'op-0'")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # A second connection (the app's reader) sees the new schema too.
        other = sqlite3.connect(tmp_path / "c.db")
        other.execute("UPDATE outbox SET state = 'held' WHERE op_id = 'op-2'")
        other.commit()
        other.close()
    finally:
        conn.close()
