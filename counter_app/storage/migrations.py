"""Versioned schema migrations: SQL files in db/migrations, applied in order under PRAGMA user_version."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from counter_app.paths import migrations_dir
from counter_app.storage.fileinfo import APPLICATION_ID

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema step: its target version, name and SQL text."""

    version: int
    name: str
    sql: str


def load_migrations(folder: Path | None = None) -> list[Migration]:
    """All migrations in version order; the versions must be 1..N without gaps."""
    folder = folder or migrations_dir()
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"badly named migration file: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise RuntimeError(f"migration {expected} is missing (found {migration.version})")
    return found


def latest_version() -> int:
    """The schema version this build of the application creates and understands."""
    return len(load_migrations())


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection, target: int | None = None) -> list[int]:
    """Apply every pending migration, each in its own IMMEDIATE transaction; returns the versions applied.

    `conn` must be in autocommit mode (isolation_level=None) so that the transaction is ours.
    """
    applied: list[int] = []
    for migration in load_migrations():
        if migration.version <= current_version(conn):
            continue
        if target is not None and migration.version > target:
            break
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n"
            f"PRAGMA application_id = {APPLICATION_ID};\n"
            f"PRAGMA user_version = {migration.version};\n"
            "COMMIT;\n"
        )
        try:
            conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
