"""Crash safety: the real intake path killed with SIGKILL at random points, many times, loses nothing.

A child process (forked from the test, so each start costs milliseconds, not an interpreter boot) runs
`counter-admin receive` in a loop on one database file and reports each code on a pipe once the command
has printed it. The parent kills it with SIGKILL after a random delay, again and again, with a fraction
of the runs dying at the named crash points instead (inside the save transaction, and between the commit
and the printout). Afterwards `counter-admin verify` must pass (integrity, audit chain, no code issued
twice, no unexplained gap, every dossier with its event and outbox op and the reverse) and every code
that was reported must exist. The number of kills is COUNTER_KILLS (default 200).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import select
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import add_procedure
from sqlalchemy import text

from counter_app.cli.admin import main
from counter_app.crashpoints import ENV as CRASH_ENV
from counter_app.storage.database import open_database

KILLS = int(os.environ.get("COUNTER_KILLS", "200"))
CRASH_POINTS = ("intake_before_commit", "after_commit_before_print")
PEOPLE = (
    ("Nguyễn Văn An", "001092012345"),
    ("Trần Thị Bình", "001192012346"),
    ("Lò Thị Ưng", "011192012347"),
    ("Đặng Quốc Việt", "030085001234"),
)


def _add_procedure(db_path: Path) -> None:
    add_procedure(db_path, "T.KILL", "Thủ tục thử mất điện")


def _child(db_path: Path, out_fd: int, seed: int, crash_at: str | None) -> None:
    """Receive dossiers until killed; write each code to the pipe after the command reported it."""
    if crash_at:
        os.environ[CRASH_ENV] = crash_at
    rng = random.Random(seed)
    with os.fdopen(out_fd, "w", buffering=1) as out:
        while True:
            name, number = rng.choice(PEOPLE)
            buffer = io.StringIO()
            args = ["receive", "--db", str(db_path), "--procedure", "T.KILL", "--name", name]
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
                status = main([*args, "--id-number", number, "--json"])
            if status == 0:
                out.write(json.loads(buffer.getvalue())["code"] + "\n")


def _lines(fd: int, until: float) -> Iterator[str]:
    """Complete lines from the pipe until the deadline (a half-written last line is not a report)."""
    pending = b""
    while True:
        timeout = until - time.monotonic()
        if timeout <= 0:
            return
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        pending += chunk
        *done, pending = pending.split(b"\n")
        for line in done:
            yield line.decode()


def _run_once(db_path: Path, seed: int, crash_at: str | None, delay: float) -> tuple[list[str], int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        try:
            os.close(read_fd)
            _child(db_path, write_fd, seed, crash_at)
        finally:
            os._exit(1)
    os.close(write_fd)
    reported = list(_lines(read_fd, time.monotonic() + delay))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    # Whatever the child finished writing before it died was reported to the clerk.
    reported += list(_lines(read_fd, time.monotonic() + 0.2))
    os.close(read_fd)
    return reported, status


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks (POSIX); Windows uses the CLI loop")
def test_sigkill_at_random_points_loses_nothing(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _add_procedure(db_path)
    rng = random.Random(20261123)
    # One save in this process first: the forked children inherit its imports and loaded calendars,
    # so their time goes into saving, where the kills should land, not into start-up.
    warm = ["receive", "--db", str(db_path), "--procedure", "T.KILL", "--name", PEOPLE[0][0]]
    assert main([*warm, "--id-number", PEOPLE[0][1], "--json"]) == 0
    reported: list[str] = [json.loads(capsys.readouterr().out)["code"]]
    started = time.monotonic()
    assert main([*warm, "--id-number", PEOPLE[1][1], "--json"]) == 0
    # Kill windows scale with this machine's speed (the second, warm save): about one save per child.
    window = 2 * (time.monotonic() - started)
    reported.append(json.loads(capsys.readouterr().out)["code"])
    deaths = {"sigkill": 0, "crash_point": 0}
    for kill in range(KILLS):
        crash_at = rng.choice(CRASH_POINTS) if kill % 5 == 4 else None
        # A crash-point run dies by itself at its first save; the others are shot at a random moment.
        delay = 5.0 if crash_at else rng.uniform(0.0, window)
        codes, status = _run_once(db_path, rng.randrange(1 << 30), crash_at, delay)
        reported += codes
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            deaths["sigkill"] += 1
        elif os.WIFEXITED(status) and os.WEXITSTATUS(status) == 137:
            deaths["crash_point"] += 1
        else:
            pytest.fail(f"the child ended unexpectedly: status {status}")
    assert deaths["sigkill"] + deaths["crash_point"] == KILLS
    assert deaths["crash_point"] > 0 and deaths["sigkill"] > 0

    assert len(reported) == len(set(reported)), "a code was reported twice"
    capsys.readouterr()
    assert main(["verify", "--db", str(db_path), "--json"]) == 0, capsys.readouterr().out
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["warnings"] == 0
    database = open_database(db_path)
    try:
        with database.read() as session:
            stored = {r[0] for r in session.execute(text("SELECT code FROM dossiers"))}
            ops = session.scalar(text("SELECT count(*) FROM outbox WHERE kind = 'dossier.received'"))
    finally:
        database.close()
    missing = set(reported) - stored
    assert not missing, f"reported codes lost: {sorted(missing)[:5]}"
    assert ops == len(stored)
    # Enough real work happened for the kills to land in every phase of a save.
    assert len(stored) >= KILLS // 10
    print(f"kills={KILLS} {deaths} reported={len(reported)} stored={len(stored)}")
