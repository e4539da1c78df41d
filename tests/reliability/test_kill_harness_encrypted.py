"""Crash safety on an encrypted database: a shorter run of the SIGKILL harness (COUNTER_KILLS_ENCRYPTED, default 40).

The forked children inherit the test's in-memory credential store, so they open the file with its key
exactly as the app does; afterwards the file must verify and hold every reported code.
"""

from __future__ import annotations

import json
import os
import random
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.cli.admin import main
from counter_app.storage import encryption
from counter_app.storage.database import open_database
from counter_app.storage.fileinfo import FileKind, inspect_file
from tests.memkeyring import MemoryKeyring, memory_keyring
from tests.reliability.test_kill_harness import CRASH_POINTS, PEOPLE, _add_procedure, _run_once

KILLS = int(os.environ.get("COUNTER_KILLS_ENCRYPTED", "40"))


@pytest.fixture
def store() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks (POSIX)")
def test_sigkill_on_an_encrypted_database_loses_nothing(
    store: MemoryKeyring, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_procedure(db_path)
    encryption.enable(db_path)
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED
    rng = random.Random(20261124)
    warm = ["receive", "--db", str(db_path), "--procedure", "T.KILL", "--name", PEOPLE[0][0]]
    assert main([*warm, "--id-number", PEOPLE[0][1], "--json"]) == 0
    reported: list[str] = [json.loads(capsys.readouterr().out)["code"]]
    deaths = 0
    for kill in range(KILLS):
        crash_at = rng.choice(CRASH_POINTS) if kill % 5 == 4 else None
        codes, status = _run_once(
            db_path, rng.randrange(1 << 30), crash_at, 5.0 if crash_at else rng.uniform(0, 0.3)
        )
        reported += codes
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        deaths += killed or (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 137)
    assert deaths == KILLS
    assert len(reported) == len(set(reported)), "a code was reported twice"
    capsys.readouterr()
    assert main(["verify", "--db", str(db_path), "--json"]) == 0, capsys.readouterr().out
    assert json.loads(capsys.readouterr().out)["ok"]
    database = open_database(db_path)
    try:
        with database.read() as session:
            stored = {r[0] for r in session.execute(text("SELECT code FROM dossiers"))}
    finally:
        database.close()
    assert not set(reported) - stored
    assert len(stored) >= KILLS // 10  # the kills landed during real saves
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED
    print(f"encrypted: kills={KILLS} reported={len(reported)} stored={len(stored)}")
