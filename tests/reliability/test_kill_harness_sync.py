"""Crash safety of intake and sync together: `receive` and the sync worker SIGKILLed at random, many times.

An enrolled counter database and the real central server on 127.0.0.1. Forked children run the real
commands on the one file: `counter-admin receive` in a loop, `counter-admin sync` (the periodic worker)
or `counter-admin sync --once` in a loop, alone or a receiver and a syncer at the same time. The parent
kills each with SIGKILL after a random delay; one run in five instead receives a dossier then syncs with
a named crash point set (`sync_after_send_before_ack`: the server applied the batch, the counter has not
recorded the answer; `sync_mid_pull_page`: a pulled page applied but not committed), and must die there.

Afterwards the parent syncs to completion and checks both sides: `counter-admin verify` clean, every code
reported to the clerk stored, the outbox drained, the server holding every dossier exactly once (its own
database: one row, one `received` event and one applied op per dossier), no code twice on either side.
The number of kills is COUNTER_SYNC_KILLS (default 120).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from live_server import LiveServer, start_server
from sqlalchemy import text

from counter_app.cli.admin import main
from counter_app.crashpoints import ENV as CRASH_ENV
from counter_app.storage.database import open_database
from tests.reliability.test_kill_harness import PEOPLE, _add_procedure, _lines

KILLS = int(os.environ.get("COUNTER_SYNC_KILLS", "120"))
SYNC_CRASH_POINTS = ("sync_after_send_before_ack", "sync_mid_pull_page")
AGENCY = "000.00.91.H12"


def _quiet(args: list[str]) -> tuple[int, str]:
    """Run one counter-admin command in this process; its exit status and stdout."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
        status = main(args)
    return status, buffer.getvalue()


def _receive(db_path: Path, rng: random.Random) -> str | None:
    name, number = rng.choice(PEOPLE)
    args = ["receive", "--db", str(db_path), "--procedure", "T.KILL", "--name", name, "--id-number", number]
    status, out = _quiet([*args, "--json"])
    return str(json.loads(out)["code"]) if status == 0 else None


def _receiver(db_path: Path, out: io.TextIOWrapper, rng: random.Random) -> None:
    """Receive dossiers until killed; report each code once the command printed it."""
    while True:
        code = _receive(db_path, rng)
        if code:
            out.write(code + "\n")


def _syncer(db_path: Path, out: io.TextIOWrapper, rng: random.Random) -> None:
    """The periodic worker (half the runs) or `sync --once` rounds back to back, until killed."""
    if rng.random() < 0.5:
        _quiet(["sync", "--db", str(db_path)])
    while True:
        _quiet(["sync", "--once", "--db", str(db_path)])


def _crasher(db_path: Path, out: io.TextIOWrapper, rng: random.Random) -> None:
    """Receive one dossier, then sync: the crash point set in the environment ends the process."""
    while True:
        code = _receive(db_path, rng)
        if code:
            out.write(code + "\n")
        _quiet(["sync", "--once", "--db", str(db_path)])


Body = Callable[[Path, io.TextIOWrapper, random.Random], None]


@dataclass
class Child:
    pid: int
    fd: int
    kill_at: float  # monotonic; a crash-point child gets a long deadline and must die by itself
    codes: list[str] = field(default_factory=list)
    status: int = 0


def _spawn(db_path: Path, body: Body, seed: int, kill_at: float, crash_at: str | None = None) -> Child:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.close(read_fd)
            if crash_at:
                os.environ[CRASH_ENV] = crash_at
            with os.fdopen(write_fd, "w", buffering=1) as out:
                body(db_path, out, random.Random(seed))
        finally:
            os._exit(1)
    os.close(write_fd)
    return Child(pid, read_fd, kill_at)


def _reap(children: list[Child]) -> None:
    """Read each child's reports until its moment, then SIGKILL it (in order of the moments)."""
    for child in sorted(children, key=lambda c: c.kill_at):
        child.codes += _lines(child.fd, child.kill_at)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        _, child.status = os.waitpid(child.pid, 0)
        # Whatever the child finished writing before it died was reported to the clerk.
        child.codes += _lines(child.fd, time.monotonic() + 0.2)
        os.close(child.fd)


def _killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def _crashed(status: int) -> bool:
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 137


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = start_server(tmp_path / "central")
    yield live
    live.stop()


def _server_rows(server: LiveServer) -> tuple[list[str], int, int]:
    """From the server's own database: the agency's dossier codes, `received` events, applied intake ops."""
    path = server.db_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        codes = [r[0] for r in conn.execute("SELECT code FROM dossiers WHERE agency_code = ?", (AGENCY,))]
        events = conn.execute(
            "SELECT count(*) FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
            "WHERE d.agency_code = ? AND e.kind = 'received'",
            (AGENCY,),
        ).fetchone()[0]
        (applied,) = conn.execute(
            "SELECT count(*) FROM applied_ops WHERE kind = 'dossier.received'"
        ).fetchone()
    finally:
        conn.close()
    return codes, int(events), int(applied)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks (POSIX)")
def test_sigkill_of_receive_and_sync_loses_and_doubles_nothing(
    db_path: Path, server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_procedure(db_path)
    enrol_code = server.create_counter(AGENCY, "Quầy thử", agency_name="UBND xã Thử Nghiệm")
    assert main(["enrol", "--db", str(db_path), "--server", server.url, "--code", enrol_code]) == 0
    rng = random.Random(20261125)
    # Warm up in this process (the forked children inherit its imports): two saves and two rounds,
    # the second of each timed, so the kill windows follow this machine's speed.
    reported = [c for c in (_receive(db_path, rng), _receive(db_path, rng)) if c]
    started = time.monotonic()
    reported += [c for c in [_receive(db_path, rng)] if c]
    save_s = time.monotonic() - started
    assert _quiet(["sync", "--once", "--db", str(db_path)])[0] == 0
    started = time.monotonic()
    reported += [c for c in [_receive(db_path, rng)] if c]
    assert _quiet(["sync", "--once", "--db", str(db_path)])[0] == 0
    round_s = time.monotonic() - started - save_s
    window = 2 * max(save_s, round_s)

    deaths = {"sigkill": 0, "crash_point": 0}
    per_point = dict.fromkeys(SYNC_CRASH_POINTS, 0)
    began = time.monotonic()
    run = 0
    while deaths["sigkill"] + deaths["crash_point"] < KILLS:
        run += 1
        now = time.monotonic()
        children: list[Child] = []
        if run % 5 == 0:
            point = SYNC_CRASH_POINTS[(run // 5) % 2]
            children.append(_spawn(db_path, _crasher, rng.randrange(1 << 30), now + 15.0, point))
            per_point[point] += 1
        else:
            kind = run % 3  # receive alone, sync alone, both at once on the same file
            if kind in (0, 2):
                at = now + rng.uniform(0.0, window)
                children.append(_spawn(db_path, _receiver, rng.randrange(1 << 30), at))
            if kind in (1, 2):
                at = now + rng.uniform(0.0, window)
                children.append(_spawn(db_path, _syncer, rng.randrange(1 << 30), at))
        _reap(children)
        for child in children:
            reported += child.codes
            if run % 5 and _killed(child.status):
                deaths["sigkill"] += 1
            elif run % 5 == 0 and _crashed(child.status):
                deaths["crash_point"] += 1
            else:
                pytest.fail(f"run {run}: the child ended unexpectedly (status {child.status})")
    elapsed = time.monotonic() - began

    # Sync to completion: nothing may stay queued, refused or in conflict.
    for _ in range(5):
        status, out = _quiet(["sync", "--once", "--db", str(db_path), "--json"])
        if status == 0 and json.loads(out)["depth"] == 0:
            break
    assert status == 0, out
    capsys.readouterr()
    assert main(["verify", "--db", str(db_path), "--json"]) == 0, capsys.readouterr().out
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["warnings"] == 0, report

    database = open_database(db_path)
    try:
        with database.read() as session:
            local = [r[0] for r in session.execute(text("SELECT code FROM dossiers"))]
            queued = dict(session.execute(text("SELECT state, count(*) FROM outbox GROUP BY state")).all())
            unsynced = session.scalar(text("SELECT count(*) FROM dossiers WHERE server_version = 0"))
    finally:
        database.close()
    assert len(reported) == len(set(reported)), "a code was reported twice"
    assert len(local) == len(set(local)), "a code stored twice at the counter"
    missing = set(reported) - set(local)
    assert not missing, f"reported codes lost: {sorted(missing)[:5]}"
    assert set(queued) <= {"done"}, f"the outbox did not drain: {queued}"
    assert unsynced == 0

    on_server, received_events, applied = _server_rows(server)
    assert len(on_server) == len(set(on_server)), "a code twice on the server"
    assert sorted(on_server) == sorted(local), "the server and the counter disagree"
    assert received_events == len(local), "a dossier's intake applied twice (or not at all) on the server"
    assert applied == len(local)
    assert all(per_point.values())
    assert len(local) >= KILLS // 10  # real work happened between the kills
    print(
        f"sync harness: kills={KILLS} {deaths} crash points={per_point} runs={run} in {elapsed:.0f} s; "
        f"reported={len(reported)} stored={len(local)} on server={len(on_server)}"
    )
