"""End-to-end sync fixtures: a real central server process of the test's own, desks on real SQLite files."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, isolated_pg_url, start_server
from sqlalchemy import text

from counter_app.ids import uuid7
from counter_app.storage.database import Database, open_database

PG_ENV = "COUNTER_TEST_PG_URL"
AGENCY = "000.00.77.H12"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server (SQLite file) of this test alone: it may be killed and restarted."""
    live = start_server(tmp_path / "central")
    yield live
    live.stop()


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on PostgreSQL (a fresh schema), or a skip when COUNTER_TEST_PG_URL is not set."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    url, cleanup = isolated_pg_url(base)
    try:
        live = start_server(tmp_path / "central", url)  # `serve` migrates the fresh schema itself
        yield live
        live.stop()
    finally:
        cleanup()


@pytest.fixture
def desk_db(pristine_db: Path, tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """Opens another desk database (a copy of the pristine one with its own counter_uuid) per name."""
    opened: list[Database] = []

    def make(name: str) -> Database:
        path = tmp_path / f"desk-{name}.db"
        shutil.copy(pristine_db, path)
        database = open_database(path)
        with database.write() as session:
            session.execute(text("UPDATE counter_config SET counter_uuid = :u"), {"u": uuid7()})
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()
