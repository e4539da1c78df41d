"""Server test fixtures: a database URL per backend (SQLite; PostgreSQL when COUNTER_TEST_PG_URL is set),
a migrated in-process app, enrolled counters and signed-in department users."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from live_server import isolated_pg_url

PG_ENV = "COUNTER_TEST_PG_URL"
AGENCY = "000.00.31.H12"
OTHER_AGENCY = "000.00.32.H12"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or its own schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    url, cleanup = isolated_pg_url(base)
    try:
        yield url
    finally:
        cleanup()


@dataclass
class Api:
    """An in-process app (httpx TestClient) over a migrated database, with helpers."""

    client: Any
    engine: Any
    db_url: str

    def counter(self, agency: str = AGENCY, name: str = "Quầy 1", **kw: Any) -> dict[str, Any]:
        """Create and enrol a counter; returns the enrolment response plus auth headers."""
        from central_server.auth import create_counter

        _, code = create_counter(self.engine, agency, name, agency_name=f"UBND {agency}", **kw)
        resp = self.client.post("/api/v1/enrol", json={"code": code, "counter_uuid": "u-" + name})
        assert resp.status_code == 200, resp.text
        data: dict[str, Any] = resp.json()
        data["headers"] = {"Authorization": f"Bearer {data['token']}"}
        return data

    def user(
        self, username: str, role: str, agency: str = AGENCY, password: str = "mật khẩu 123"
    ) -> dict[str, str]:
        """Create a department user; returns its Basic auth headers."""
        from central_server.auth import add_user

        add_user(self.engine, username, role, agency, f"Người {username}", password)
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


@pytest.fixture
def api(server_db_url: str) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from central_server.app import create_app

    app = create_app(server_db_url)
    with TestClient(app) as client:
        yield Api(client, app.state.engine, server_db_url)
    app.state.engine.dispose()
