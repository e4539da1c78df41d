"""Opening counter databases: pragmas, refusal of foreign/corrupt/newer files untouched, one instance."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.errors import DatabaseOpenError
from counter_app.storage.database import create_database, open_database
from counter_app.storage.fileinfo import APPLICATION_ID, FileKind, inspect_file
from counter_app.storage.migrations import latest_version


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_database_new_file_has_safe_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    create_database(path)
    db = open_database(path)
    try:
        with db.read() as session:
            assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.schema_version() == latest_version()
    finally:
        db.close()
    info = inspect_file(path)
    assert info.kind is FileKind.COUNTER and info.application_id == APPLICATION_ID


def test_database_refuses_random_bytes_untouched(tmp_path: Path) -> None:
    path = tmp_path / "random.db"
    path.write_bytes(bytes(range(256)) * 40)
    before = _digest(path)
    with pytest.raises(DatabaseOpenError, match="không phải cơ sở dữ liệu"):
        open_database(path)
    assert _digest(path) == before
    assert not path.with_name("random.db-wal").exists()


def test_database_refuses_foreign_sqlite_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.execute("INSERT INTO notes VALUES ('của phần mềm khác')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(DatabaseOpenError, match="phần mềm khác"):
        open_database(path)
    assert _digest(path) == before


def test_database_refuses_newer_schema_untouched(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    before = _digest(db_path)
    with pytest.raises(DatabaseOpenError, match="phiên bản mới hơn"):
        open_database(db_path)
    assert _digest(db_path) == before


def test_database_refuses_corrupt_counter_file_untouched(db_path: Path) -> None:
    data = bytearray(db_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    # Smash the second page (the first table's b-tree) but keep the header intact.
    data[page_size : page_size * 2] = b"\xa5" * page_size
    db_path.write_bytes(bytes(data))
    before = _digest(db_path)
    with pytest.raises(DatabaseOpenError, match="hỏng"):
        open_database(db_path)
    assert _digest(db_path) == before


def test_database_second_instance_gets_clear_message(db_path: Path) -> None:
    first = open_database(db_path)
    try:
        with pytest.raises(DatabaseOpenError, match="đang được một cửa sổ phần mềm khác sử dụng"):
            open_database(db_path)
    finally:
        first.close()
    again = open_database(db_path)
    again.close()


def test_database_write_rolls_back_whole_action_on_error(db_path: Path) -> None:
    from counter_app.storage.models import Setting

    db = open_database(db_path)
    try:
        with pytest.raises(RuntimeError), db.write() as session:
            session.add(Setting(key="a", value="1", updated_at=__import__("datetime").datetime(2026, 1, 1)))
            session.flush()
            raise RuntimeError("crash in the middle of the action")
        with db.read() as session:
            assert session.get(Setting, "a") is None
    finally:
        db.close()
