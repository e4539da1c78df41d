"""The central database's own versioned migrations (table schema_version); a newer database is refused."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, inspect, select, update

from central_server import db, schema
from central_server.problems import ApiError

LATEST = 2


class SchemaError(ApiError):
    """The database cannot be used by this version of the server."""

    def __init__(self, detail: str) -> None:
        super().__init__(500, "schema", detail)


def now_iso() -> str:
    """Now, UTC, ISO 8601 with offset (server-side timestamps)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _v1(conn: Connection) -> None:
    schema.metadata.create_all(conn)
    conn.execute(
        insert(schema.server_meta).values(
            id=1,
            epoch=str(uuid.uuid4()),
            last_seq=0,
            created_at=now_iso(),
            web_secret=secrets.token_hex(32),
        )
    )


def _v2(conn: Connection) -> None:
    """The site queue (issue 8): queue_sites, queue_lines, queue_tickets, queue_events."""
    from counter_app.queue import tables as queue_tables

    queue_tables.metadata.create_all(conn)


# Version n is reached by STEPS[n - 1]. Never edit a released step: add the next one (and keep
# schema.py describing the latest version).
STEPS: tuple[Callable[[Connection], None], ...] = (_v1, _v2)


def current_version(conn: Connection) -> int:
    """The database's schema version (0: empty database)."""
    if not inspect(conn).has_table("schema_version"):
        if inspect(conn).has_table("server_meta") or inspect(conn).has_table("dossiers"):
            raise SchemaError("CSDL này không phải của máy chủ trung tâm (thiếu bảng schema_version).")
        return 0
    value = conn.execute(select(schema.schema_version.c.version)).scalar()
    return int(value or 0)


def migrate(engine: Engine) -> int:
    """Bring the database to LATEST, each step in its own transaction; return the version.

    Raises SchemaError for a database written by a newer server (never touches it).
    """
    with db.read(engine) as conn:
        version = current_version(conn)
    if version > LATEST:
        raise SchemaError(
            f"CSDL ở phiên bản lược đồ {version}, mới hơn phần mềm này (tối đa {LATEST}). "
            "Hãy cập nhật counter-central."
        )
    while version < LATEST:
        with db.write(engine) as conn:
            if current_version(conn) != version:  # another process migrated meanwhile
                version = current_version(conn)
                continue
            STEPS[version](conn)
            version += 1
            if version == 1:
                conn.execute(insert(schema.schema_version).values(version=1))
            else:
                conn.execute(update(schema.schema_version).values(version=version))
    return version
