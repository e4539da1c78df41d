"""The set-based push and pull paths give exactly what the per-row ones gave: states, results, rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from counter_app.services import outbox, workflow
from counter_app.storage.connect import connect
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import AuditEntry, Base, Dossier, OutboxEntry, SyncConflict
from counter_app.sync import conflicts, protocol, pull, push
from tests.conftest import Desk
from tests.sync.test_pull_apply import SCOPE, _snapshot

_TABLES = ("outbox", "dossiers", "applicants", "dossier_documents", "dossier_events", "procedures")


def _copy(db_path: Path, target: Path) -> Path:
    """A page-for-page copy of an open database (SQLite's backup API: WAL content included), through
    the application's own SQLite library (another library on the same file would break its locks)."""
    src, dst = connect(db_path), connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def _rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table as SQLite stores it (text formats of times included), in rowid order."""
    conn = connect(path)
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()


@pytest.fixture
def copy_of(db_path: Path, tmp_path: Path) -> Iterator[Any]:
    """Opens copies of the test database as it is now; closes them at the end."""
    opened: list[Database] = []

    def make(name: str) -> tuple[Database, Path]:
        path = _copy(db_path, tmp_path / f"{name}.db")
        database = open_database(path)
        opened.append(database)
        return database, path

    yield make
    for database in opened:
        database.close()


def _receive(desk: Desk, n: int) -> list[str]:
    appointment = (desk.clock.now_utc() + timedelta(days=8)).replace(microsecond=0)
    return [desk.register(f"Trần Văn Bình {chr(65 + i)}", appointment=appointment) for i in range(n)]


def _dossier_id(db: Database, code: str) -> str:
    with db.read() as session:
        found = session.scalar(select(Dossier.id).where(Dossier.code == code))
    assert found is not None
    return str(found)


def test_claim_in_sql_takes_the_same_ops_and_states_as_outbox_claim(
    db: Database, db_path: Path, desk: Desk, copy_of: Any
) -> None:
    codes = _receive(desk, 4)
    ids = [_dossier_id(db, code) for code in codes]
    with db.write() as session:
        session.execute(update(OutboxEntry).where(OutboxEntry.id == 2).values(state="failed", attempts=1))
        session.execute(update(OutboxEntry).where(OutboxEntry.id == 3).values(state="sent", attempts=2))
        conflicts.record(
            session, desk.clock, kind="conflict", dossier_id=ids[3], code=codes[3], op_id=None,
            error_code="stale_status", detail="", local={}, server={},
        )  # fmt: skip
        up_to = outbox.last_id(session)
    _receive(desk, 1)  # queued after the round started: not this round's
    other, other_path = copy_of("reference")

    with db.write() as session:
        fast = push.claim(session, 4, up_to_id=up_to, blocked=conflicts.open_entities(session))
    with other.write() as session:
        slow = outbox.claim(session, 4, up_to_id=up_to, blocked=conflicts.open_entities(session))

    assert (fast.ops, fast.held) == slow
    assert [op.entity_id for op in fast.ops] == ids[:3] and fast.held == 1
    assert [(op.state, op.attempts) for op in fast[0]] == [("sent", 1), ("sent", 2), ("sent", 3)]
    for mine, theirs in zip(_rows(db_path, "outbox"), _rows(other_path, "outbox"), strict=True):
        print([(i, a, b) for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b])
    assert _rows(db_path, "outbox") == _rows(other_path, "outbox")


def test_a_claim_ahead_leaves_the_batch_in_flight_out_and_stops_before_its_dossiers(
    db: Database, desk: Desk
) -> None:
    a, b, c, d = _receive(desk, 4)
    with db.write() as session:
        workflow.transition(session, desk.clock, b, "processing", desk.clerk_id)  # B's later op: after D
    with db.write() as session:
        flying = push.claim(session, 2)  # A, B: sent, not answered yet
    with db.write() as session:
        ahead = push.claim(session, 3, in_flight=flying.ops)
    assert [op.entity_id for op in flying.ops] == [_dossier_id(db, a), _dossier_id(db, b)]
    # C and D, then B's event: stopped there (B is still in flight), so more may follow.
    assert [op.entity_id for op in ahead.ops] == [_dossier_id(db, c), _dossier_id(db, d)]
    assert ahead.more and ahead.held == 0
    answers = [protocol.OpResult(op.op_id, protocol.APPLIED, server_seq=op.id) for op in flying.ops]
    with db.write() as session:  # A, B answered: recorded, and the next batch claimed behind C, D
        push.record_results(session, desk.clock, flying.ops, answers)
        behind = push.claim(session, 3, in_flight=ahead.ops)
    assert [(op.entity_id, op.kind) for op in behind.ops] == [(_dossier_id(db, b), protocol.OP_DOSSIER_EVENT)]
    assert not behind.more


def test_a_batch_mixing_every_outcome_records_each_op_as_before(db: Database, desk: Desk) -> None:
    a, b, c, d, e, f = _receive(desk, 6)
    with db.write() as session:
        workflow.transition(session, desk.clock, b, "processing", desk.clerk_id)  # b's later op, same batch
        workflow.transition(session, desk.clock, c, "processing", desk.clerk_id)  # c's later op, left queued
        conflicts.record(
            session, desk.clock, kind="conflict", dossier_id=_dossier_id(db, f), code=f, op_id=None,
            error_code="stale_status", detail="", local={}, server={},
        )  # fmt: skip
    with db.write() as session:
        ops, held, _ = push.claim(session, 6, blocked={_dossier_id(db, f)})
    assert held == 1 and len(ops) == 6  # a..e received, b's event; f's op waits behind its conflict
    by_dossier = {op.entity_id: op for op in ops if op.kind == protocol.OP_DOSSIER_RECEIVED}
    op_a, op_b, op_c, op_d, op_e = (by_dossier[_dossier_id(db, code)] for code in (a, b, c, d, e))
    (op_b2,) = [op for op in ops if op.kind == protocol.OP_DOSSIER_EVENT]
    server_side = {"id": op_b.entity_id, "code": b, "status": 5, "version": 3}
    answers = {
        op_a.op_id: protocol.OpResult(op_a.op_id, protocol.APPLIED, server_seq=11),
        op_b.op_id: protocol.OpResult(
            op_b.op_id,
            protocol.CONFLICT,
            error=protocol.OpError("code_taken", "Mã đã dùng"),
            server=server_side,
        ),
        op_c.op_id: protocol.OpResult(
            op_c.op_id, protocol.REJECTED, error=protocol.OpError(protocol.ERR_OP_ID_REUSED, "Trùng mã op")
        ),
        op_d.op_id: protocol.OpResult(op_d.op_id, protocol.DUPLICATE, server_seq=7),
        op_e.op_id: protocol.OpResult(
            op_e.op_id, protocol.REJECTED, error=protocol.OpError(protocol.ERR_CODE_SLOT, "Ngoài slot")
        ),
        op_b2.op_id: protocol.OpResult(
            op_b2.op_id, protocol.REJECTED, error=protocol.OpError(protocol.ERR_UNKNOWN_DOSSIER, "Chưa có")
        ),
    }
    with db.write() as session:
        stats = push.record_results(session, desk.clock, ops, [answers[op.op_id] for op in ops])

    assert (stats.sent, stats.applied, stats.duplicate, stats.conflict, stats.rejected) == (6, 1, 1, 1, 2)
    assert (stats.quarantined, stats.quarantined_ops) == (1, [op_c.op_id])
    assert stats.held == 2  # b's event (same batch) and c's event (still queued)
    now = desk.clock.now_utc()
    with db.read() as session:
        rows = {row.op_id: row for row in session.scalars(select(OutboxEntry))}
        got = {
            op_id: (r.state, r.result, r.error_code, r.server_seq, r.acked_at, r.last_error)
            for op_id, r in rows.items()
        }
        assert got[op_a.op_id] == ("done", "applied", None, 11, now, "")
        assert got[op_d.op_id] == ("done", "duplicate", None, 7, now, "")
        assert got[op_b.op_id] == ("conflict", "conflict", "code_taken", None, None, "Mã đã dùng")
        assert got[op_c.op_id] == ("rejected", "rejected", "op_id_reused", None, None, "Trùng mã op")
        assert got[op_e.op_id] == ("rejected", "rejected", "code_not_in_slot", None, None, "Ngoài slot")
        assert got[op_b2.op_id] == ("held", "rejected", "unknown_dossier", None, None, "Chưa có")
        (queued_c2,) = [
            r for r in rows.values() if r.entity_id == op_c.entity_id and r.kind == protocol.OP_DOSSIER_EVENT
        ]
        assert queued_c2.state == "held"
        assert {r.state for r in rows.values() if r.entity_id == _dossier_id(db, f)} == {"held"}
        assert all(r.attempts == 1 for r in rows.values() if r.op_id in answers)
        listed = session.scalars(select(SyncConflict).where(SyncConflict.op_id.is_not(None))).all()
        assert sorted((r.kind, r.code, r.error_code) for r in listed) == sorted(
            [
                ("conflict", b, "code_taken"),
                ("quarantine", c, "op_id_reused"),
                ("rejected", e, "code_not_in_slot"),
            ]
        )
        views = {v.code: v for v in conflicts.list_conflicts(session) if v.op_id}
        assert views[b].server == server_side and views[b].local["op"]["op_id"] == op_b.op_id
        assert views[b].local["dossier"]["code"] == b
        audited = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("sync_%"))).all()
        assert sorted(audited) == ["sync_conflict", "sync_conflict", "sync_quarantine", "sync_rejected"]


def test_a_pull_page_applied_in_bulk_equals_applying_it_change_by_change(
    db: Database, desk: Desk, copy_of: Any
) -> None:
    snaps = [_snapshot(desk) for _ in range(5)]
    snaps[1]["procedure_code"] = "9.999999"  # not in this desk's catalogue: an inactive placeholder
    snaps[1]["procedure_name"] = "Thủ tục  lạ"
    snaps[2]["returned_at"] = "2026-01-09T03:00:00"
    snaps[2]["status"] = 10
    snaps[3]["intake"] = {**snaps[3]["intake"], "documents": []}
    snaps[4]["counter_id"] = SCOPE.counter_id  # this desk's own dossier, forgotten by a restored database
    snaps[4]["code"] = "000.00.31.H12-260105-1990"
    bulk, bulk_path = copy_of("bulk")
    single, single_path = copy_of("single")

    changes = [protocol.Change(i, "dossier", s["id"], s) for i, s in enumerate(snaps, start=1)]
    with bulk.write() as session:
        page = pull.apply_changes(session, desk.clock, changes, SCOPE)
    one_by_one = pull.ApplyStats()
    for change in changes:
        with single.write() as session:
            got = pull.apply_changes(session, desk.clock, [change], SCOPE)
        one_by_one.changes += got.changes
        one_by_one.inserted += got.inserted
        one_by_one.events_added += got.events_added

    assert (page.changes, page.inserted, page.events_added) == (5, 5, 5)
    assert (page.changes, page.inserted, page.events_added) == (
        one_by_one.changes,
        one_by_one.inserted,
        one_by_one.events_added,
    )
    for table in (*_TABLES, "code_sequences"):
        assert _rows(bulk_path, table) == _rows(single_path, table), table
    with bulk.read() as session:
        row = session.get(Dossier, snaps[2]["id"])
        assert row is not None and row.returned_at == datetime(2026, 1, 9, 3, 0)
        assert (row.status, row.origin, row.server_version, row.clerk_id) == (10, "pulled", 1, None)


def test_the_bulk_insert_stores_exactly_what_a_core_insert_stores(db: Database, copy_of: Any) -> None:
    """Times, dates, booleans, NULLs and omitted columns with defaults: the same text in SQLite."""
    now = datetime(2026, 1, 5, 2, 32, 7, 123456)
    applicants = [
        {"id": "app-1", "full_name": "Lò Thị Ưng", "name_fold": "lo thi ung", "birth_date": date(1990, 2, 3),
         "created_at": now},
        {"id": "app-2", "full_name": "Hà Văn Ba", "name_fold": "ha van ba", "birth_date": None,
         "created_at": now + timedelta(seconds=1)},
    ]  # fmt: skip
    fast, fast_path = copy_of("fast")
    core, core_path = copy_of("core")
    table = Base.metadata.tables["applicants"]
    with fast.write() as session:
        pull._insert_many(session, table, [dict(r) for r in applicants])
    with core.write() as session:
        session.execute(insert(table), [dict(r) for r in applicants])
    assert _rows(fast_path, "applicants") == _rows(core_path, "applicants")
    with fast.read() as session:
        stored = session.execute(
            select(table.c.birth_date, table.c.created_at, table.c.gender)
            .where(table.c.id.in_(["app-1", "app-2"]))
            .order_by(table.c.id)
        ).all()
    assert [tuple(r) for r in stored] == [
        (date(1990, 2, 3), now, ""),
        (None, now + timedelta(seconds=1), ""),
    ]
