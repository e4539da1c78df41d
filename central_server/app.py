"""The reference central server's FastAPI application (grows with the sync issue)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from counter_app import __version__

PROTOCOL_VERSION = 1


def create_app() -> FastAPI:
    """Build the application; routes live under /api/v1."""
    app = FastAPI(title="Máy chủ trung tâm — Phần mềm Một cửa", version=__version__)

    @app.get("/api/v1/health")
    def health() -> dict[str, Any]:
        """A cheap probe: the server is up and which protocol it speaks."""
        return {"status": "ok", "version": __version__, "protocol": PROTOCOL_VERSION}

    return app
