"""Plain SQL inside a session's transaction, storing values exactly as the ORM models would.

The hot write paths (a reception, an audit row, an outbox op) skip the ORM's unit of work and run
prepared statements on the session's own DB-API connection: same transaction (the writer's BEGIN
IMMEDIATE), same rows. The session's pending ORM changes are flushed first, so the statements run
after them and see them, exactly as an ORM flush would have ordered them.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import cast

from sqlalchemy.orm import Session


def connection(session: Session) -> sqlite3.Connection:
    """The DB-API connection of the session's transaction (begun if needed), pending changes flushed."""
    session.flush()
    return cast(sqlite3.Connection, session.connection().connection.driver_connection)


def timestamp(value: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite DATETIME stores it: `2024-06-14 02:30:00.000000` (no offset)."""
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # SQLAlchemy writes the wall-clock fields and drops the offset
    return value.isoformat(" ", "microseconds")


def day(value: date) -> str:
    """A date as SQLAlchemy's SQLite DATE stores it: `2024-06-14`."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def expire(session: Session, *classes: type) -> None:
    """Expire the session's loaded instances of `classes`, whose rows plain SQL may have changed."""
    if not session.identity_map:
        return
    for instance in list(session.identity_map.values()):
        if isinstance(instance, classes):
            session.expire(instance)
