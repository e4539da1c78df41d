"""Applying pulled snapshots without a server: what does not fit goes to the supervisor, nothing breaks the page."""

from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from counter_app.services import outbox
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier
from counter_app.sync import conflicts, protocol, pull, state
from counter_app.sync.engine import BACKOFF_CAP_S, SyncEngine, backoff_delay
from tests.conftest import Desk

SCOPE = pull.Scope("this-desk", "000.00.31.H12", 1)
_numbers = itertools.count(1)


def _snapshot(desk: Desk, **changes: Any) -> dict[str, Any]:
    """A snapshot as another desk's dossier would arrive, built from a real intake payload."""
    code = desk.register(
        "Trần Văn Bình", appointment=(desk.clock.now_utc() + timedelta(days=8)).replace(microsecond=0)
    )
    with desk.db.read() as session:  # type: ignore[attr-defined]
        (op,) = [o for o in outbox.ops_in_states(session, ("pending",)) if code in o.payload]
    intake = json.loads(op.payload)
    snap: dict[str, Any] = {
        "id": "other-" + code,
        "code": f"000.00.31.H12-260105-2{next(_numbers):03d}",  # desk B's slot
        "agency_code": "000.00.31.H12",
        "counter_id": "desk-b",
        "procedure_code": "1.004873",
        "procedure_name": "",
        "status": 2,
        "version": 1,
        "received_at": intake["dossier"]["received_at"],
        "appointment_at": intake["dossier"]["appointment_at"],
        "finished_at": None,
        "returned_at": None,
        "intake": intake,
        "events": [{**intake["event"], "id": "ev-" + code, "user": "b", "source": "counter", "payload": {}}],
    }
    snap.update(changes)
    return snap


def _apply(db: Database, desk: Desk, *snaps: dict[str, Any]) -> pull.ApplyStats:
    changes = [protocol.Change(i, "dossier", s["id"], s) for i, s in enumerate(snaps, start=1)]
    with db.write() as session:
        return pull.apply_changes(session, desk.clock, changes, SCOPE)


def test_a_bad_snapshot_is_listed_and_the_rest_of_the_page_applies(db: Database, desk: Desk) -> None:
    good = _snapshot(desk)
    bad = _snapshot(desk, id="bad-one", code="000.00.31.H12-260105-2999", status=42)
    stats = _apply(db, desk, bad, good)
    assert (stats.inserted, stats.refused) == (1, 1)
    with db.read() as session:
        (row,) = conflicts.list_conflicts(session)
        assert (row.kind, row.dossier_id) == ("invalid", "bad-one")
        assert session.get(Dossier, good["id"]) is not None


def test_a_code_already_used_here_by_another_dossier_is_a_clash(db: Database, desk: Desk) -> None:
    snap = _snapshot(desk)
    with db.read() as session:
        local_code = session.scalars(select(Dossier.code)).first()
    clash = dict(snap, code=local_code)
    stats = _apply(db, desk, clash)
    assert (stats.inserted, stats.refused) == (0, 1)
    with db.read() as session:
        (row,) = conflicts.list_conflicts(session)
        assert (row.kind, row.code, row.error_code) == ("code_clash", local_code, "code_taken")
        assert row.server["id"] == snap["id"]


def test_the_newest_snapshot_of_a_page_wins_and_an_old_one_changes_nothing(db: Database, desk: Desk) -> None:
    v1 = _snapshot(desk)
    v3 = dict(v1, version=3, status=4)
    assert _apply(db, desk, v1, v3).inserted == 1
    stats = _apply(db, desk, v1)  # arrives again (a refetch): not newer, skipped
    assert stats.skipped == 1 and stats.updated == 0
    with db.read() as session:
        row = session.get(Dossier, v1["id"])
        assert row is not None and (row.status, row.server_version, row.origin) == (4, 3, "pulled")


def test_backoff_is_full_jitter_capped_and_never_below_retry_after() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(n, rng) for n in range(1, 40)]
    assert all(0 <= d <= min(BACKOFF_CAP_S, 2 ** (n - 1)) for n, d in enumerate(delays, start=1))
    assert backoff_delay(1, rng, retry_after=120) >= 120


def test_stalled_when_the_server_answers_but_nothing_is_acknowledged(db: Database, desk: Desk) -> None:
    desk.register("Lê Thị Cúc", appointment=(desk.clock.now_utc() + timedelta(days=8)).replace(microsecond=0))
    engine = SyncEngine(db, desk.clock)
    now = desk.clock.now_utc()
    assert not engine.stalled(now + timedelta(hours=1))  # never reached the server: offline, not stalled
    with db.write() as session:
        values: dict[str, state.Value] = {state.LAST_ATTEMPT_AT: now, state.LAST_CONTACT_AT: now}
        state.put(session, now, **values)
    assert not engine.stalled(now + timedelta(minutes=5))
    assert engine.stalled(now + timedelta(minutes=16))  # sync.stall_minutes = 15
