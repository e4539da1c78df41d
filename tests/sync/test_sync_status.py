"""What the desk shows: each dossier's sync state and the queue, never a false green."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, OutboxEntry, SyncEnrolment
from counter_app.sync import conflicts
from counter_app.sync.status import dossier_sync_state, dossier_sync_states, queue_status
from tests.conftest import Desk
from tests.sync.synchelp import person

APPOINTMENT_DAYS = 7


def _receive(desk: Desk, n: int) -> list[str]:
    appointment = desk.clock.now_utc() + timedelta(days=APPOINTMENT_DAYS, hours=7)
    codes = [
        desk.register(person(i), appointment=appointment.replace(second=0, microsecond=0)) for i in range(n)
    ]
    with desk.db.read() as session:  # type: ignore[attr-defined]
        ids = {d.code: d.id for d in session.scalars(select(Dossier))}
    return [ids[c] for c in codes]


def _enrol_offline(db: Database, desk: Desk) -> None:
    with db.write() as session:
        session.add(
            SyncEnrolment(
                id=1,
                server_url="https://motcua.example",
                counter_id="c-1",
                token="t",
                file_key="00" * 32,
                agency_code="000.00.31.H12",
                agency_name="UBND xã Ỷ La",
                counter_name="Quầy 1",
                slot=1,
                ca_bundle="",
                enrolled_at=desk.clock.now_utc(),
            )
        )


def test_a_standalone_desk_shows_local_and_counts_its_queue(db: Database, desk: Desk) -> None:
    ids = _receive(desk, 2)
    with db.read() as session:
        assert {s.state for s in dossier_sync_states(session, ids).values()} == {"local"}
        q = queue_status(session)
    assert not q.enrolled and q.depth == 2 and not q.healthy


def test_each_dossier_shows_its_worst_state_with_the_reason(db: Database, desk: Desk) -> None:
    _enrol_offline(db, desk)
    pending, failed, sent, done, refused = _receive(desk, 5)
    with db.write() as session:
        rows = {r.entity_id: r for r in session.scalars(select(OutboxEntry))}
        rows[failed].state, rows[failed].last_error = "failed", "Không kết nối được máy chủ"
        rows[sent].state = "sent"
        rows[done].state = "done"
        rows[refused].state = "rejected"
        conflicts.record(
            session,
            desk.clock,
            kind="rejected",
            dossier_id=refused,
            code="X",
            op_id=rows[refused].op_id,
            error_code="invalid_op",
            detail="Op không hợp lệ",
            local={},
            server=None,
        )
    with db.read() as session:
        shown = dossier_sync_states(session, [pending, failed, sent, done, refused, "unknown-id"])
        q = queue_status(session)
    assert shown[pending].state == "pending"
    assert (shown[failed].state, shown[failed].reason) == ("failed", "Không kết nối được máy chủ")
    assert shown[sent].state == "sent"
    assert shown[done].state == "synced" and shown[done].label == "Đã đồng bộ"
    assert (shown[refused].state, shown[refused].reason) == ("rejected", "Op không hợp lệ")
    assert shown["unknown-id"].state == "local"
    assert q.enrolled and q.depth == 3 and q.conflicts_open == 1
    assert q.oldest_pending_at is not None
    assert not q.healthy  # never a false green: no successful sync yet, and a refusal waits

    with db.write() as session:
        (row,) = conflicts.list_conflicts(session)
        conflicts.resolve(
            session, desk.clock, row.id, None, conflicts.RETRY
        )  # the operator (a clerk may not)
    with db.read() as session:
        assert dossier_sync_state(session, refused).state == "pending"  # sent again next round


def test_a_page_of_fifty_is_answered_at_once(db: Database, desk: Desk) -> None:
    _enrol_offline(db, desk)
    ids = _receive(desk, 50)
    with db.read() as session:
        shown = dossier_sync_states(session, ids)
    assert list(shown) == ids and {s.state for s in shown.values()} == {"pending"}
