"""The pipelined push against the REAL central server: while the server works on one batch the desk records
the previous answer and claims the next batch, yet the server sees the ops in outbox order, a dossier's
ops are never in two unanswered batches, and a failure or a crash mid-pipeline loses and doubles nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import LiveServer

from counter_app import settings
from counter_app.crashpoints import ENV as CRASH_ENV
from counter_app.services import workflow
from counter_app.storage.database import Database, open_database
from counter_app.sync import protocol, push
from counter_app.sync.engine import SyncEngine
from tests.sync.httpfaults import Canned, Decision, HttpFaults
from tests.sync.synchelp import Counter, server_dossiers

BATCH = 3


@pytest.fixture
def behind(db: Database, central: LiveServer, agency: str, faults: HttpFaults) -> Counter:
    """Desk A, enrolled through the request-level fault proxy, pushing batches of BATCH ops."""
    counter = Counter(db, central, agency, "Quầy A", via=faults.url)
    with counter.db.write() as session:
        settings.put(session, counter.clock, settings.SYNC_BATCH_SIZE, BATCH, None)
    return counter


def _batches(faults: HttpFaults, answer: Decision = None) -> list[list[tuple[int, str]]]:
    """Let every request through (or `answer` the pushes) and note each pushed batch's (seq, dossier)."""
    sent: list[list[tuple[int, str]]] = []

    def note(method: str, path: str, body: bytes) -> Decision:
        if not path.endswith("/sync/push"):
            return None
        ops = json.loads(body)["ops"]
        if all(op["kind"] != protocol.OP_AUDIT_ANCHOR for op in ops):
            sent.append([(op["seq"], op["entity_id"]) for op in ops])
        return answer

    faults.decide = note
    return sent


def _process(counter: Counter, code: str) -> None:
    with counter.db.write() as session:
        workflow.transition(session, counter.clock, code, "processing", counter.desk.clerk_id)


def test_the_server_sees_the_outbox_in_order_and_a_dossier_in_one_unanswered_batch_at_most(
    behind: Counter, faults: HttpFaults, agency: str
) -> None:
    # The outbox: R0 R1 R2 R3 E1 R4 R5 E5 R6 (R = received, E = a later event of the same dossier).
    codes = behind.receive(4)
    _process(behind, codes[1])
    codes += behind.receive(2, start=4)
    _process(behind, codes[5])
    codes += behind.receive(1, start=6)
    by_seq = {op.id: op.entity_id for op in behind.ops()}
    dossier = [behind.dossier(code).id for code in codes]
    sent = _batches(faults)

    report = behind.sync()

    assert report.ok, report.error
    assert (report.pushed, report.applied, report.rejected, report.conflict) == (9, 9, 0, 0)
    seqs = [seq for batch in sent for seq, _ in batch]
    assert seqs == sorted(by_seq) and len(set(seqs)) == 9  # every op once, in outbox order
    # Claimed while R0 R1 R2 were on their way, the second batch stops before E1; the fourth, claimed
    # while E1 R4 R5 were, stops at once before E5, so it is claimed once their answer is recorded.
    assert [[entity for _, entity in batch] for batch in sent] == [
        dossier[0:3],
        [dossier[3]],
        [dossier[1], dossier[4], dossier[5]],
        [dossier[5], dossier[6]],
    ]
    assert behind.states() == {"done": 9}
    assert server_dossiers(behind.server, agency) == 7


def test_a_failure_of_the_second_batch_fails_it_and_puts_the_one_claimed_behind_it_back(
    behind: Counter, faults: HttpFaults, agency: str
) -> None:
    behind.receive(12)
    pushes: list[int] = []

    def busy_second(method: str, path: str, body: bytes) -> Decision:
        if path.endswith("/sync/push"):
            pushes.append(len(json.loads(body)["ops"]))
            if len(pushes) == 2:
                return Canned(503, b"busy")
        return None

    faults.decide = busy_second
    report = behind.sync()

    assert report.error_kind == "transient" and report.pushed == BATCH
    assert pushes == [BATCH, BATCH]  # the third batch was claimed meanwhile, never sent
    assert behind.states() == {"done": BATCH, "failed": BATCH, "pending": 12 - 2 * BATCH}
    assert server_dossiers(behind.server, agency) == BATCH

    faults.decide = lambda m, p, b: None
    again = behind.engine.run_once()
    assert again.ok and (again.pushed, again.applied) == (12 - BATCH, 12 - BATCH)
    assert behind.states() == {"done": 12}
    assert server_dossiers(behind.server, agency) == 12


def test_a_crash_while_the_next_batch_is_in_flight_leaves_both_sent_and_resends_them(
    behind: Counter, faults: HttpFaults, agency: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    behind.receive(9)
    sent = _batches(faults)

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("the PC lost power while recording the first answer")

    monkeypatch.setattr(push, "record_results", crash)
    with pytest.raises(SystemExit):
        behind.sync()
    monkeypatch.undo()

    assert len(sent) == 2  # the second batch went out before the first answer was being recorded
    # Both answered batches are left mid-flight, as a crash leaves them; the claim of the third batch
    # was in the transaction that died with the recording.
    assert behind.states() == {"sent": 2 * BATCH, "pending": BATCH}
    assert server_dossiers(behind.server, agency) == 2 * BATCH

    report = behind.sync()
    assert report.ok, report.error
    assert (report.pushed, report.duplicate, report.applied) == (9, 2 * BATCH, BATCH)
    assert behind.states() == {"done": 9}
    assert server_dossiers(behind.server, agency) == 9


def test_the_crash_point_after_an_answer_leaves_it_and_the_batch_claimed_behind_it_sent(
    behind: Counter, db_path: Path, agency: str, request: pytest.FixtureRequest
) -> None:
    behind.receive(9)
    behind.db.close()  # `counter-admin sync` takes the database's instance lock
    sync = "import sys; from counter_app.cli.admin import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, CRASH_ENV: "sync_after_send_before_ack"}
    done = subprocess.run(
        [sys.executable, "-c", sync, "sync", "--once", "--db", str(db_path)],
        env=env, capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 137, done.stderr.decode()  # died on the spot, as a power cut ends it
    behind.db = reopened = open_database(db_path)
    behind.engine = SyncEngine(reopened, behind.clock)
    request.addfinalizer(reopened.close)
    # The first batch answered but not recorded; the second claimed with it in flight, never sent.
    assert behind.states() == {"sent": 2 * BATCH, "pending": BATCH}
    assert server_dossiers(behind.server, agency) == BATCH

    report = behind.sync()
    assert report.ok, report.error
    assert (report.pushed, report.duplicate, report.applied) == (9, BATCH, 2 * BATCH)
    assert behind.states() == {"done": 9}
    assert server_dossiers(behind.server, agency) == 9
