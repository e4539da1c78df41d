"""Consistent online backups of the counter database with VACUUM INTO."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from counter_app.paths import backups_dir


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent, compacted copy of the open database to `dest` (which must not exist)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    conn.execute("VACUUM INTO ?", (str(dest),))
    return dest


def backup_before_migration(conn: sqlite3.Connection, db_path: Path, from_version: int) -> Path:
    """The safety copy taken before any migration of an existing database."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dest = backups_dir(db_path) / f"{db_path.stem}-before-migration-v{from_version}-{stamp}.db"
    return backup_to(conn, dest)
