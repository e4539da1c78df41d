"""Push against the real server: every dossier exactly once, refusals held per dossier, both sides kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from counter_app.services import intake, outbox, workflow
from counter_app.storage.models import CounterConfig, OutboxEntry, SyncConflict
from counter_app.sync import conflicts, push
from counter_app.sync.status import dossier_sync_state
from tests.sync.synchelp import Counter, dept, server_dossiers


def test_push_delivers_every_dossier_exactly_once(counter: Counter, agency: str) -> None:
    codes = counter.receive(5)
    report = counter.sync()
    assert report.ok, report.error
    assert (report.pushed, report.applied, report.duplicate) == (5, 5, 0)
    assert report.depth == 0
    assert counter.states() == {"done": 5}
    assert server_dossiers(counter.server, agency) == 5
    with counter.db.read() as session:
        assert {dossier_sync_state(session, counter.dossier(c).id).state for c in codes} == {"synced"}

    # Nothing left: a second round sends nothing and changes nothing.
    again = counter.sync()
    assert again.ok and again.pushed == 0
    # Sent twice anyway (as after a server restore): answered duplicate, nothing doubled.
    with counter.db.write() as session:
        assert outbox.requeue_done(session) == 5
    twice = counter.sync()
    assert (twice.pushed, twice.applied, twice.duplicate) == (5, 0, 5)
    assert server_dossiers(counter.server, agency) == 5
    assert counter.states() == {"done": 5}


def test_crash_between_send_and_result_resends_and_the_server_keeps_one_copy(
    counter: Counter, agency: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter.receive(3)

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("the PC lost power after the server committed")

    monkeypatch.setattr(push, "record_results", crash)
    with pytest.raises(SystemExit):
        counter.sync()
    monkeypatch.undo()
    assert counter.states() == {"sent": 3}  # left mid-flight, exactly as a crash leaves them
    assert server_dossiers(counter.server, agency) == 3

    report = counter.sync()
    assert report.ok
    assert (report.pushed, report.duplicate) == (3, 3)
    assert counter.states() == {"done": 3}
    assert server_dossiers(counter.server, agency) == 3


def test_rejected_op_holds_later_ops_of_that_dossier_while_others_flow(counter: Counter, agency: str) -> None:
    (good,) = counter.receive(1)
    # A code outside the slot the server gave this counter: the server rejects the dossier.
    with counter.db.write() as session:
        config = session.get(CounterConfig, 1)
        assert config is not None
        config.code_slot = 7
    (bad,) = counter.receive(1, start=1)
    with counter.db.write() as session:
        config = session.get(CounterConfig, 1)
        assert config is not None
        config.code_slot = 1
    (later,) = counter.receive(1, start=2)
    with counter.db.write() as session:  # a later op of the refused dossier
        workflow.transition(session, counter.clock, bad, "processing", counter.desk.clerk_id)

    report = counter.sync()
    assert (report.applied, report.rejected) == (2, 1)
    assert report.held == 1
    bad_id = counter.dossier(bad).id
    with counter.db.read() as session:
        states = {op.kind: op.state for op in outbox.ops_for(session, bad_id)}
        assert states == {"dossier.received": "rejected", "dossier.event": "held"}
        (row,) = session.scalars(select(SyncConflict))
        assert (row.kind, row.error_code, row.code) == ("rejected", "code_not_in_slot", bad)
        shown = dossier_sync_state(session, bad_id)
        assert shown.state == "rejected" and bad in shown.reason
        assert dossier_sync_state(session, counter.dossier(later).id).state == "synced"
    assert server_dossiers(counter.server, agency) == 2

    # The next change of that dossier waits too; other dossiers still flow.
    (newer,) = counter.receive(1, start=3)
    with counter.db.write() as session:
        workflow.transition(
            session,
            counter.clock,
            bad,
            "supplement_requested",
            counter.desk.clerk_id,
            reason="Thiếu giấy",
            missing=("Tờ khai",),
        )
    report = counter.sync()
    assert report.applied == 1 and report.rejected == 0
    assert counter.states()["held"] == 2
    assert {good, later, newer} and server_dossiers(counter.server, agency) == 3


def test_conflict_keeps_both_sides_and_the_supervisor_takes_the_server_side(counter: Counter) -> None:
    first, second = counter.receive(2)
    for code in (first, second):
        with counter.db.write() as session:
            workflow.transition(session, counter.clock, code, "processing", counter.desk.clerk_id)
    assert counter.sync().ok
    dept(counter.server, first, 5)  # the department asks for a missing paper on the server
    for code in (first, second):  # meanwhile the desk records the results as ready
        with counter.db.write() as session:
            workflow.transition(session, counter.clock, code, "result_ready", counter.desk.clerk_id)

    report = counter.sync()
    assert (report.conflict, report.applied) == (1, 1)
    with counter.db.read() as session:
        (row,) = conflicts.list_conflicts(session)
        assert (row.kind, row.code, row.error_code) == ("conflict", first, "stale_status")
        assert row.local["dossier"]["status"] == 9 and row.server["status"] == 5
        assert row.local["op"]["payload"]["event"]["kind"] == "result_ready"
        assert dossier_sync_state(session, counter.dossier(first).id).state == "conflict"
    # The pull did not overwrite the desk's state while the conflict is open.
    assert counter.dossier(first).status == 9
    assert counter.dossier(second).status == 9

    # A later change of that dossier waits behind the conflict; the other dossier is done.
    with counter.db.write() as session:
        intake.record_print(
            session, counter.clock, counter.dossier(first).id, counter.desk.clerk_id, "receipt"
        )
    report = counter.sync()
    assert (report.pushed, report.held) == (0, 1)
    assert counter.states() == {"done": 5, "conflict": 1, "held": 1}

    with counter.db.write() as session:
        conflicts.resolve(session, counter.clock, row.id, None, conflicts.ACCEPT_SERVER, "Phòng ban đã xử lý")
    assert counter.dossier(first).status == 5
    assert counter.states()["pending"] == 1  # the print, released
    report = counter.sync()
    assert report.ok and report.applied == 1
    with counter.db.read() as session:
        assert conflicts.list_conflicts(session) == []
        assert dossier_sync_state(session, counter.dossier(first).id).state == "synced"


def test_op_id_reused_with_other_content_is_quarantined_loudly(
    counter: Counter, caplog: pytest.LogCaptureFixture
) -> None:
    (code,) = counter.receive(1)
    assert counter.sync().ok
    # Tampering (or a bug): the same op id with different content, sent again.
    with counter.db.write() as session:
        session.execute(text("DROP TRIGGER outbox_payload_frozen"))
        op = session.scalar(select(OutboxEntry))
        assert op is not None
        op.payload = op.payload.replace('"fee_collected":', '"fee_collected_x":')
        op.payload_hash = outbox.sha256_hex(op.payload)
        op.state = "pending"
    report = counter.sync()
    assert (report.quarantined, report.rejected) == (1, 1)
    assert report.quarantined_ops == [op.op_id]
    assert "QUARANTINE" in caplog.text
    with counter.db.read() as session:
        (row,) = conflicts.list_conflicts(session)
        assert (row.kind, row.error_code, row.code) == ("quarantine", "op_id_reused", code)
    with counter.db.write() as session, pytest.raises(Exception, match="cách ly"):
        conflicts.resolve(session, counter.clock, row.id, None, conflicts.RETRY)
