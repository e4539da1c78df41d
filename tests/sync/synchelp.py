"""Helpers of the sync tests: an enrolled desk, server statistics, department actions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from live_server import LiveServer
from sqlalchemy import select, text

from counter_app.clock import Clock, SystemClock, utc_to_local
from counter_app.services import outbox
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, OutboxEntry
from counter_app.sync import state
from counter_app.sync.engine import SyncEngine, SyncReport
from counter_app.sync.enrol import enrol
from tests.conftest import Desk

NAMES = ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Thị Cúc", "Phạm Văn Dũng", "Hoàng Thị Én", "Vũ Văn Giang"]
ALL_STATES = ("pending", "sent", "failed", "done", "rejected", "conflict", "held")


def person(i: int) -> str:
    """A valid Vietnamese full name, different for each i (names must be letters only)."""
    letters = "ABCDEGHIKLMNOPQRSTUVXY"
    first = letters[i // len(NAMES) % len(letters)]
    second = letters[i // (len(NAMES) * len(letters)) % len(letters)].lower()
    return f"{NAMES[i % len(NAMES)]} {first}{second}"


@dataclass(frozen=True)
class Local:
    """A dossier as the desk holds it."""

    id: str
    code: str
    status: int
    version: int
    server_version: int
    origin: str
    returned_at: datetime | None


class Counter:
    """One enrolled desk: its database, a clerk with a fixed clock, and its sync engine."""

    def __init__(
        self, db: Database, server: LiveServer, agency: str, name: str, *, via: str | None = None, **kw: Any
    ) -> None:
        self.db = db
        self.server = server
        self.desk = Desk(db)
        # The real clock: the server stamps department events with its own (real) time, and the
        # workflow refuses a step dated before the dossier's last one.
        self.clock: Clock = SystemClock()
        self.desk.clock = self.clock  # type: ignore[assignment]
        code = server.create_counter(agency, name, agency_name=f"UBND xã {name}", **kw)
        self.enrolment = enrol(db, self.clock, via or server.url, code)
        self.engine = SyncEngine(db, self.clock)

    def receive(self, n: int = 1, start: int = 0) -> list[str]:
        """Receive n dossiers at the desk; their codes."""
        appointment = (utc_to_local(self.clock.now_utc()) + timedelta(days=7)).replace(
            second=0, microsecond=0
        )
        return [self.desk.register(person(start + i), appointment=appointment) for i in range(n)]

    def enrolment_row(self) -> state.Enrolment:
        """The stored enrolment (with the token)."""
        with self.db.read() as session:
            found = state.load_enrolment(session)
        assert found is not None
        return found

    def sync(self) -> SyncReport:
        """One round."""
        return self.engine.run_once()

    def dossier(self, code: str) -> Local:
        """The local row of a dossier, by code."""
        with self.db.read() as session:
            row = session.scalar(select(Dossier).where(Dossier.code == code))
            assert row is not None, code
            return Local(
                row.id, row.code, row.status, row.version, row.server_version, row.origin, row.returned_at
            )

    def states(self) -> dict[str, int]:
        """How many ops are in each outbox state."""
        with self.db.read() as session:
            rows = session.execute(text("SELECT state, count(*) FROM outbox GROUP BY state"))
            return {str(s): int(n) for s, n in rows}

    def ops(self) -> list[outbox.OutboxOp]:
        with self.db.read() as session:
            return outbox.ops_in_states(
                session, ("pending", "sent", "failed", "done", "rejected", "conflict", "held")
            )


def stats(server: LiveServer) -> dict[str, Any]:
    """The server's `stats --json`."""
    data: dict[str, Any] = server.cli_json("stats", "--json")
    return data


def server_dossiers(server: LiveServer, agency: str) -> int:
    """How many dossiers the server holds for one agency."""
    return sum(c["dossiers"] for c in stats(server)["per_counter"] if c["agency_code"] == agency)


def dept(server: LiveServer, code: str, *statuses: int) -> None:
    """The department moves a dossier through `statuses` on the server."""
    for status in statuses:
        done = server.cli("dept", "transition", code, "--to", str(status), "--reason", "Phòng ban xử lý")
        assert done.returncode == 0, done.stderr


def op_payload(op: outbox.OutboxOp) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(op.payload)
    return data


def outbox_rows(db: Database) -> list[OutboxEntry]:
    with db.read() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
