"""Shared fixtures: an isolated data directory, a pristine counter database copied per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

AGENCY = {
    "agency_code": "000.00.31.H12",
    "agency_name": "Trung tâm Phục vụ hành chính công xã Ỷ La",
    "parent_name": "UBND xã Ỷ La",
    "place_name": "Ỷ La",
}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the real data directory."""
    monkeypatch.setenv("COUNTER_APP_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def pristine_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, initialised counter database built once per test session."""
    from counter_app.clock import SystemClock
    from counter_app.services.counter_setup import initialise_counter
    from counter_app.storage.database import create_database, open_database

    path = tmp_path_factory.mktemp("pristine") / "counter.db"
    create_database(path)
    db = open_database(path)
    try:
        with db.write() as session:
            initialise_counter(session, SystemClock(), **AGENCY)
            try:
                from counter_app.catalogue.service import load_builtin_catalogue
            except ImportError:  # pragma: no cover - until the catalogue lands
                pass
            else:
                load_builtin_catalogue(session, SystemClock())
    finally:
        db.close()
    return path


@pytest.fixture
def db_path(pristine_db: Path, tmp_path: Path) -> Path:
    """A private copy of the pristine database for one test."""
    target = tmp_path / "counter.db"
    shutil.copy(pristine_db, target)
    return target


@pytest.fixture
def db(db_path: Path) -> Iterator[object]:
    """The private copy, opened."""
    from counter_app.storage.database import open_database

    database = open_database(db_path)
    yield database
    database.close()
