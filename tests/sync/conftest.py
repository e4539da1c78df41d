"""Sync test fixtures: the real central server on 127.0.0.1, enrolled counters on real SQLite files."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, start_server
from sqlalchemy import text

from counter_app.ids import uuid7
from counter_app.storage.database import Database, open_database
from tests.sync.httpfaults import HttpFaults
from tests.sync.synchelp import Counter

_agencies = itertools.count(1)


@pytest.fixture(scope="session")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the tests that only add data (each test uses its own agency)."""
    server = start_server(tmp_path_factory.mktemp("central"))
    yield server
    server.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server of this test alone (it will be killed, restarted or given a new epoch)."""
    server = start_server(tmp_path / "central")
    yield server
    server.stop()


@pytest.fixture
def agency() -> str:
    """An agency code no other test uses on the shared server."""
    return f"000.00.{next(_agencies):02d}.H12"


@pytest.fixture
def faults(central: LiveServer) -> Iterator[HttpFaults]:
    """The request-level fault proxy in front of the shared server (tests/sync/httpfaults.py)."""
    proxy = HttpFaults(central.url)
    yield proxy
    proxy.close()


@pytest.fixture
def counter(db: Database, central: LiveServer, agency: str) -> Counter:
    """Desk A, enrolled with the shared server."""
    return Counter(db, central, agency, "Quầy A")


@pytest.fixture
def second_db(pristine_db: Path, tmp_path: Path) -> Iterator[Database]:
    """Another desk's database (its own counter_uuid)."""
    path = tmp_path / "desk-b.db"
    shutil.copy(pristine_db, path)
    database = open_database(path)
    with database.write() as session:
        session.execute(text("UPDATE counter_config SET counter_uuid = :u"), {"u": uuid7()})
    yield database
    database.close()
