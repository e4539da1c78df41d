"""Benchmark: the cost of one reception (register_dossier + commit) against a bare SQLite INSERT + COMMIT.

Both sides run on the same disk in the same run with the same pragmas (WAL, synchronous=FULL), so the
ratio shows what the application adds on top of the unavoidable fsync. Goal: ratio ≤ 3.

With --encrypted both files are SQLCipher databases (the key in an in-memory credential store, never
the machine's), so the two runs side by side show what at-rest encryption costs a save.

    python -m bench.intake_bench [--rounds 200] [--dir PATH] [--encrypted] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from counter_app.clock import FixedClock, utc_to_local
from counter_app.services import intake, users
from counter_app.services.counter_setup import initialise_counter
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage import encryption
from counter_app.storage.cipher import DatabaseKey, new_key
from counter_app.storage.database import create_database, open_database, raw_connect
from counter_app.storage.models import Procedure, ProcedureDocument

GOAL_RATIO = 3.0


def machine_line(folder: Path | None) -> str:
    """Where and when: host, CPU, cores, load, Python, SQLite, the measured file system, local date."""

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    where = folder or Path(tempfile.gettempdir())
    return (
        f"{datetime.now():%Y-%m-%d %H:%M} | {platform.node()} | {cpu}, {os.cpu_count()} cores, load {load} | "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version} | disk: {where}"
    )


_DOCS = ("Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _baseline(path: Path, rounds: int, key: DatabaseKey | None = None) -> list[float]:
    """Bare sqlite3: one small row per transaction, BEGIN IMMEDIATE … COMMIT, the application's pragmas."""
    conn = raw_connect(path, key=key)  # WAL, synchronous=FULL, foreign_keys, busy_timeout; autocommit mode
    try:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL, payload TEXT NOT NULL)")
        timings: list[float] = []
        for i in range(rounds):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (code, payload) VALUES (?, ?)", (f"code-{i}", "x" * 200))
            conn.execute("COMMIT")
            timings.append((time.perf_counter() - started) * 1000)
        return timings
    finally:
        conn.close()


def _prepare(path: Path, clock: FixedClock) -> str:
    create_database(path)
    db = open_database(path)
    try:
        with db.write() as session:
            initialise_counter(
                session,
                clock,
                agency_code="000.00.31.H12",
                agency_name="UBND xã Ỷ La",
                parent_name="UBND TỈNH TUYÊN QUANG",
                place_name="Ỷ La",
            )
            procedure = Procedure(
                id=1,
                code="1.001",
                name="Đăng ký khai sinh",
                name_fold="dang ky khai sinh",
                field_name="Hộ tịch",
                deadline_amount=3,
                deadline_unit="working_days",
                fee_amount=0,
                updated_at=clock.now_utc(),
            )
            procedure.documents = [
                ProcedureDocument(position=i, name=name, originals=1) for i, name in enumerate(_DOCS, start=1)
            ]
            session.add(procedure)
            fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
            clerk = users.create_user(
                session, clock, "an", "Cán Bộ Một Cửa", "clerk", "mat-khau-123", policy=fast
            )
        return clerk.id
    finally:
        db.close()


def _intake(
    path: Path, rounds: int, clock: FixedClock, clerk_id: str, meter: _SqliteMeter | None = None
) -> list[float]:
    """Each round's wall time (ms); with a `meter`, each round's time inside SQLite goes to meter.rounds."""
    db = open_database(path)
    timings: list[float] = []
    try:
        for i in range(rounds):
            form = IntakeForm(
                procedure_id=1,
                full_name="Nguyễn Văn An",
                id_number=f"001092{i % 1_000_000:06d}",
                birth_date=date(1992, 6, 15),
                gender="nam",
                phone="0912345678",
                address_street="Số 5 ngõ 12",
                address_commune="Phường Ỷ La",
                address_province="Tỉnh Tuyên Quang",
                documents=tuple(DocumentLine(name, 1) for name in _DOCS),
            )
            appointment = utc_to_local(clock.now_utc()) + timedelta(days=3)
            inside = meter.seconds if meter else 0.0
            started = time.perf_counter()
            with db.write() as session:  # one user action = one transaction, committed here
                intake.register_dossier(session, clock, form, clerk_id, appointment)
            timings.append((time.perf_counter() - started) * 1000)
            if meter:
                meter.rounds.append((meter.seconds - inside) * 1000)
            clock.advance(timedelta(minutes=5))  # < 999 dossiers per day, codes move across days
        return timings
    finally:
        db.close()


class _SqliteMeter:
    """Seconds spent inside SQLite (statements and COMMIT) by the connections opened while installed.

    The floor of a save: what SQLite itself takes to store the rows the save must write (its indexes,
    the WAL pages, the fsync), with no Python around it. Installed by replacing `sqlite3.connect` for
    the measured run only: every sqlite3 connection then has timed `execute`/`executemany`/`commit`.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.rounds: list[float] = []
        self._connect = sqlite3.connect

    def __enter__(self) -> _SqliteMeter:
        meter = self

        def timed(method: Any) -> Any:
            def call(self: Any, *args: Any) -> Any:
                began = time.perf_counter()
                try:
                    return method(self, *args)
                finally:
                    meter.seconds += time.perf_counter() - began

            return call

        class Cursor(sqlite3.Cursor):
            execute = timed(sqlite3.Cursor.execute)
            executemany = timed(sqlite3.Cursor.executemany)

        class Connection(sqlite3.Connection):
            execute = timed(sqlite3.Connection.execute)
            executemany = timed(sqlite3.Connection.executemany)
            commit = timed(sqlite3.Connection.commit)

            def cursor(self, factory: Any = Cursor) -> Any:
                return super().cursor(factory)

        def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            kwargs.setdefault("factory", Connection)
            conn: sqlite3.Connection = self._connect(*args, **kwargs)
            return conn

        sqlite3.connect = connect  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        sqlite3.connect = self._connect


def _memory_keyring() -> None:
    """Keys for the benchmark's throw-away files live in this process only."""
    import keyring
    from keyring.backend import KeyringBackend

    class _Memory(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            self.entries: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.entries.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.entries[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.entries.pop((service, username), None)

    keyring.set_keyring(_Memory())


def bench_intake_commit(
    rounds: int = 200, folder: Path | None = None, encrypted: bool = False
) -> dict[str, Any]:
    """Median and p95 of one committed reception, the bare INSERT+COMMIT baseline, and their ratio."""
    if encrypted:
        _memory_keyring()
    with tempfile.TemporaryDirectory(prefix="intake-bench-", dir=folder) as tmp:
        base = Path(tmp)
        baseline = _baseline(base / "baseline.db", rounds, new_key() if encrypted else None)
        clock = FixedClock(datetime(2024, 6, 14, 0, 0))
        clerk_id = _prepare(base / "counter.db", clock)
        if encrypted:
            encryption.enable(base / "counter.db")
        measured = _intake(base / "counter.db", rounds, clock, clerk_id)
        sqlite_ms: list[float] = []
        if not encrypted:  # the same saves again, timing what SQLite itself takes of each
            with _SqliteMeter() as meter:
                _intake(base / "counter.db", rounds, clock, clerk_id, meter)
            sqlite_ms = meter.rounds
    median = statistics.median(measured)
    baseline_ms = statistics.median(baseline)
    floor = statistics.median(sqlite_ms) if sqlite_ms else None
    return {
        "rounds": rounds,
        "encrypted": encrypted,
        "median_ms": round(median, 3),
        "p95_ms": round(_percentile(measured, 0.95), 3),
        "baseline_ms": round(baseline_ms, 3),
        "baseline_p95_ms": round(_percentile(baseline, 0.95), 3),
        "ratio": round(median / baseline_ms, 2) if baseline_ms > 0 else float("inf"),
        # What the application adds to the unavoidable commit: the ratio meets the goal on any disk
        # whose bare commit takes at least overhead / (goal - 1).
        "overhead_ms": round(median - baseline_ms, 3),
        # The save's floor: the median time inside SQLite alone (statements + COMMIT of the rows and
        # indexes a save must write), and that floor against the baseline. A floor ratio above the goal
        # means no Python-side work can meet it; only fewer pages per commit can.
        "sqlite_ms": round(floor, 3) if floor is not None else None,
        "sqlite_floor_ratio": round(floor / baseline_ms, 2)
        if floor is not None and baseline_ms > 0
        else None,
        "goal_ratio": GOAL_RATIO,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the numbers; exit 1 if the ratio misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument(
        "--dir", type=Path, default=None, help="folder on the disk to measure (default: temp)"
    )
    parser.add_argument("--encrypted", action="store_true", help="SQLCipher files (at-rest encryption)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = bench_intake_commit(args.rounds, args.dir, args.encrypted)
    passed = result["ratio"] <= GOAL_RATIO
    result["machine"] = machine_line(args.dir)
    result["passed"] = passed
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["machine"])
        print(
            f"register_dossier + commit: median {result['median_ms']} ms, p95 {result['p95_ms']} ms; "
            f"bare INSERT + COMMIT: median {result['baseline_ms']} ms (p95 {result['baseline_p95_ms']} ms); "
            f"ratio {result['ratio']} (goal ≤ {GOAL_RATIO}): {'PASS' if passed else 'FAIL'}; "
            f"added by the application {result['overhead_ms']} ms"
        )
        if result["sqlite_ms"] is not None:
            print(
                f"inside SQLite (statements + COMMIT): median {result['sqlite_ms']} ms = "
                f"{result['sqlite_floor_ratio']} x the bare INSERT + COMMIT (the floor of the ratio)"
            )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
