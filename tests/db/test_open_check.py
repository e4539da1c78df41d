"""The full quick_check on open: skipped only after a clean close of an unchanged file, less than a day ago."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from counter_app.errors import DatabaseOpenError
from counter_app.storage import open_check
from counter_app.storage.database import open_database


def _smash_second_page(path: Path) -> str:
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size : page_size * 2] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_clean_close_leaves_a_marker_that_the_next_open_takes(db_path: Path) -> None:
    db = open_database(db_path)
    assert db.full_check_at is not None  # no marker yet: the full check ran
    assert not open_check.marker_path(db_path).exists()
    db.close()
    assert open_check.marker_path(db_path).exists()
    again = open_database(db_path)
    try:
        assert again.full_check_at == db.full_check_at  # skipped: the check of the first open stands
        assert not open_check.marker_path(db_path).exists()  # a crash now leaves no marker
    finally:
        again.close()


def test_a_cleanly_closed_file_corrupted_afterwards_is_refused_untouched(db_path: Path) -> None:
    open_database(db_path).close()
    assert open_check.marker_path(db_path).exists()
    before = _smash_second_page(db_path)
    with pytest.raises(DatabaseOpenError, match="hỏng"):
        open_database(db_path)
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


def test_the_full_check_runs_again_after_a_day(db_path: Path) -> None:
    open_database(db_path).close()
    marker = open_check.marker_path(db_path)
    data = json.loads(marker.read_text(encoding="utf-8"))
    stale = datetime.now(UTC) - open_check.FULL_CHECK_EVERY - timedelta(minutes=1)
    data["full_check_at"] = stale.isoformat()
    marker.write_text(json.dumps(data), encoding="utf-8")
    db = open_database(db_path)
    try:
        assert db.full_check_at is not None and db.full_check_at > stale + timedelta(minutes=1)
    finally:
        db.close()


def test_a_reader_without_the_lock_neither_takes_nor_writes_the_marker(db_path: Path) -> None:
    open_database(db_path).close()
    marker = open_check.marker_path(db_path)
    before = marker.read_text(encoding="utf-8")
    reader = open_database(db_path, lock=False)
    reader.close()
    assert marker.read_text(encoding="utf-8") == before
