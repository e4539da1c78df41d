"""The central server answers its health probe with the protocol version."""

from __future__ import annotations

from fastapi.testclient import TestClient

from central_server.app import PROTOCOL_VERSION, create_app


def test_server_health_reports_protocol() -> None:
    client = TestClient(create_app())
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["protocol"] == PROTOCOL_VERSION
