"""Helpers of the end-to-end sync tests: desks on a simulated calendar, the server's own view, invariants."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from live_server import REPO, LiveServer
from sqlalchemy import create_engine, text

from counter_app import settings
from counter_app.clock import FixedClock, SystemClock, local_to_utc
from counter_app.services import workflow
from counter_app.storage.database import Database
from counter_app.sync.client import SyncClient
from counter_app.sync.engine import SyncEngine, SyncReport
from tests.sync.synchelp import Counter


def make_counter(
    db: Database,
    server: LiveServer,
    agency: str,
    name: str,
    *,
    start_local: datetime | None = None,
    via: str | None = None,
    read_timeout: float | None = None,
    batch_size: int | None = None,
    pull_limit: int | None = None,
    seed: int = 0,
) -> Counter:
    """An enrolled desk (synchelp.Counter). With `start_local` the desk works on a FixedClock from that
    Vietnam local time (its own dossiers and steps are dated on the simulated calendar, which must lie
    before the server's real time so that department steps stamped with the real time come after them).
    `via` routes sync through a proxy; `read_timeout` shortens the client's read timeout."""
    counter = Counter(db, server, agency, name, via=via)
    clock = FixedClock(local_to_utc(start_local)) if start_local is not None else SystemClock()
    counter.clock = clock
    counter.desk.clock = clock  # type: ignore[assignment]

    def client(enrolment: Any) -> SyncClient:
        if read_timeout is None:
            return SyncClient(enrolment.server_url, token=enrolment.token)
        return SyncClient(
            enrolment.server_url, token=enrolment.token, connect_timeout=2.0, read_timeout=read_timeout
        )

    counter.engine = SyncEngine(db, clock, client, rng=random.Random(seed))
    with db.write() as session:
        if batch_size is not None:
            settings.put(session, clock, settings.SYNC_BATCH_SIZE, batch_size, None)
        if pull_limit is not None:
            settings.put(session, clock, settings.SYNC_PULL_LIMIT, pull_limit, None)
    return counter


def advance(counter: Counter, delta: timedelta) -> None:
    """Move a desk's FixedClock forward (a desk on the real clock just lets time pass)."""
    if isinstance(counter.clock, FixedClock):
        counter.clock.advance(delta)


def receive_spaced(counter: Counter, n: int, start: int, step: timedelta = timedelta(minutes=4)) -> list[str]:
    """Receive n dossiers, the desk's clock moving `step` after each; their codes."""
    codes = []
    for i in range(n):
        codes.extend(counter.receive(1, start=start + i))
        advance(counter, step)
    return codes


def move(counter: Counter, code: str, *actions: str) -> None:
    """Local workflow steps on a dossier, a minute apart."""
    for action in actions:
        advance(counter, timedelta(minutes=1))
        with counter.db.write() as session:
            workflow.transition(session, counter.clock, code, action, counter.desk.clerk_id)


def drain(counter: Counter, max_rounds: int = 30, what: str = "") -> list[SyncReport]:
    """Run rounds (ignoring any back-off: `run_once` is the forced round) until one is ok with an empty
    outbox; fail with the last reports otherwise."""
    reports: list[SyncReport] = []
    for _ in range(max_rounds):
        report = counter.sync()
        reports.append(report)
        if report.ok and report.depth == 0:
            return reports
    tail = [(r.error_kind, r.error, r.depth, r.pushed) for r in reports[-3:]]
    raise AssertionError(f"{what}: the outbox did not drain in {max_rounds} rounds; last rounds: {tail}")


# -- the server's own view -----------------------------------------------------------------------------


def server_rows(server: LiveServer, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Rows of a query on the server's database (SQLite file or PostgreSQL), read directly."""
    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def stats(server: LiveServer) -> dict[str, Any]:
    data: dict[str, Any] = server.cli_json("stats", "--json")
    return data


def counter_id(counter: Counter) -> str:
    return counter.enrolment_row().counter_id


@dataclass(frozen=True)
class LocalView:
    """What a desk holds: dossiers (id → code, origin), its outbox ops, event ids."""

    dossiers: dict[str, tuple[str, str]]
    ops: dict[str, tuple[str, str, str]]  # op_id → (kind, entity_id, state)
    events: dict[str, str]  # event id → dossier id
    depth: int


def local_view(db: Database) -> LocalView:
    with db.read() as session:
        dossiers = {
            str(i): (str(c), str(o))
            for i, c, o in session.execute(text("SELECT id, code, origin FROM dossiers"))
        }
        ops = {
            str(o): (str(k), str(e), str(s))
            for o, k, e, s in session.execute(text("SELECT op_id, kind, entity_id, state FROM outbox"))
        }
        events = {
            str(i): str(d) for i, d in session.execute(text("SELECT id, dossier_id FROM dossier_events"))
        }
        depth = int(
            session.execute(
                text("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent', 'failed', 'held')")
            ).scalar_one()
        )
    return LocalView(dossiers, ops, events, depth)


def assert_exactly_once(
    server: LiveServer, counter: Counter, *, label: str = "", restored: bool = False
) -> LocalView:
    """The server holds each of the desk's ops once and nothing else from it; the outbox is empty; every
    dossier the desk received is on the server with its change-log entry; the desk's events are there.
    `restored`: the desk was restored from a backup, so the server also holds ops this database forgot;
    their dossiers came back by pull."""
    cid = counter_id(counter)
    view = local_view(counter.db)
    assert view.depth == 0, f"{label}: outbox not drained: {view.depth}"
    states = {s for _, _, s in view.ops.values()}
    assert states <= {"done"}, f"{label}: outbox states {states}"
    applied = server_rows(
        server, "SELECT op_id, kind FROM applied_ops WHERE counter_id = :c AND kind <> 'audit.anchor'", c=cid
    )
    applied_ids = [str(o) for o, _ in applied]
    assert len(applied_ids) == len(set(applied_ids))
    if restored:
        assert set(view.ops) <= set(applied_ids), f"{label}: local ops missing on the server"
        forgotten = set(applied_ids) - set(view.ops)
        assert len(forgotten) + len(view.ops) == len(applied_ids)
    assert restored or set(applied_ids) == set(view.ops), (
        f"{label}: server ops {len(applied_ids)} vs local ops {len(view.ops)}; "
        f"missing {len(set(view.ops) - set(applied_ids))}, extra {len(set(applied_ids) - set(view.ops))}"
    )
    received = {e for k, e, _ in view.ops.values() if k == "dossier.received"}
    own = {i for i, (_, origin) in view.dossiers.items() if origin != "pulled"}
    assert received == own, f"{label}: {len(own)} dossiers received here, {len(received)} received ops"
    own = set(own)
    on_server = server_rows(server, "SELECT id, code FROM dossiers WHERE counter_id = :c", c=cid)
    if restored:  # this desk's dossiers that the restored database had forgotten came back by pull
        own |= {str(i) for i, _ in on_server if view.dossiers.get(str(i), ("", ""))[1] == "pulled"}
    assert len(on_server) == len(own), f"{label}: server holds {len(on_server)} of {len(own)} dossiers"
    assert {str(i): str(c) for i, c in on_server} == {i: view.dossiers[i][0] for i in own}
    logged = {str(e) for (e,) in server_rows(server, "SELECT DISTINCT entity_id FROM change_log")}
    assert own <= logged, f"{label}: dossiers without a change-log entry: {sorted(own - logged)[:5]}"
    server_events = server_rows(
        server,
        "SELECT e.id, e.dossier_id FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
        "WHERE d.counter_id = :c",
        c=cid,
    )
    mine = {e: d for e, d in view.events.items() if d in own}
    assert {str(e): str(d) for e, d in server_events} == mine, f"{label}: events differ"
    return view


def assert_codes_unique(server: LiveServer) -> list[str]:
    all_codes = [str(c) for (c,) in server_rows(server, "SELECT code FROM dossiers")]
    assert len(all_codes) == len(set(all_codes))
    return all_codes


def verify_cli(db_path: Path) -> dict[str, Any]:
    """`counter-admin verify --db X --json` in a subprocess (read-only, no lock)."""
    proc = subprocess.run(
        [sys.executable, "-m", "counter_app.cli.admin", "verify", "--db", str(db_path), "--json"],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def errors_of(report: dict[str, Any]) -> list[Any]:
    return [f for c in report["checks"] for f in c.get("findings", []) if f.get("severity") == "error"]


def receive_bulk(counter: Counter, n: int, start: int = 0) -> list[str]:
    """Receive n dossiers in one write transaction (as fast as the intake service allows); their codes."""
    from sqlalchemy import select

    from counter_app.clock import utc_to_local
    from counter_app.services import intake
    from counter_app.services.validation import DocumentLine, IntakeForm
    from counter_app.storage.models import Procedure
    from tests.sync.synchelp import person

    appointment = (utc_to_local(counter.clock.now_utc()) + timedelta(days=7)).replace(second=0, microsecond=0)
    with counter.db.write() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        papers = tuple(
            DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True) for d in procedure.documents
        )
        out = []
        for i in range(n):
            form = IntakeForm(
                procedure_id=procedure.id,
                full_name=person(start + i),
                id_number="008186001234",
                gender="nu",
                phone="0912345678",
                address_street="Thôn Đồng Tâm",
                address_commune="Xã Ỷ La",
                address_province="Tỉnh Tuyên Quang",
                documents=papers,
            )
            out.append(
                intake.register_dossier(session, counter.clock, form, counter.desk.clerk_id, appointment).code
            )
    return out
