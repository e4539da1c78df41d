"""Benchmark: push N dossiers and pull N events through the real counter sync engine and central server.

On loopback, in one run:
- the real central server (`python -m central_server.cli serve`, SQLite file) in a child process;
- counter A (`counter-admin init`, enrolled with a one-time code from `admin create-counter`) whose
  outbox holds N `dossier.received` ops (bench.sync_baseline.make_ops, written straight into the
  outbox table as intake would have queued them); `SyncEngine.run_once` pushes them all (timed from
  the start of the round to the end of its push phase: probe, claim, POST, record each batch). The
  round's pull that follows is cut off: counter A's database holds only the outbox rows, not the
  dossiers, so that pull would re-insert its own 100,000 dossiers as a restored counter does, which
  is not what a counter that pushed its own work pays;
- the baseline right after: the same ops as the same JSON bodies, posted with bare requests to a
  FastAPI bulk insert (bench.sync_baseline.run_baseline);
- counter B of the same agency, enrolled afresh, pulls the N changes (timed).

Goals at N = 100,000: push ≤ 60 s and ≤ 2 × the baseline; pull ≤ 60 s.

    python -m bench.sync_bench [--n 100000] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.sync_baseline import AGENCY_CODE, _free_port, encode_batches, make_ops, run_baseline
from bench.sync_baseline import connect as connect_baseline_db
from counter_app.clock import SystemClock
from counter_app.paths import project_root
from counter_app.services import outbox
from counter_app.storage.database import open_database
from counter_app.sync import enrol as enrolment
from counter_app.sync.client import SyncClient
from counter_app.sync.engine import SyncEngine
from counter_app.sync.state import Enrolment

PUSH_GOAL_S = 60.0  # for 100,000 ops
PULL_GOAL_S = 60.0
GOAL_RATIO = 2.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(project_root())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


class CentralServer:
    """`python -m central_server.cli serve` on 127.0.0.1 with a SQLite file, and its admin CLI."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db_url = f"sqlite:///{folder / 'central.db'}"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "central_server.cli", *args, "--db", self.db_url],
            cwd=self.folder, env=_env(), capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"counter-central {' '.join(args)} exited {done.returncode}: {done.stderr}")
        return json.loads(done.stdout)

    def start(self) -> None:
        log = (self.folder / "server.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "central_server.cli", "serve", "--db", self.db_url,
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.folder, env=_env(), stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"central server exited {self.proc.returncode}: see {self.folder}/server.log"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/sync/head", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("central server did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def _counter(folder: Path, name: str, server: CentralServer) -> Path:
    """A fresh counter database of the agency, enrolled with the server; returns its path."""
    path = folder / f"{name}.db"
    admin = str(Path(sys.executable).parent / "counter-admin")
    subprocess.run(
        [admin, "init", "--db", str(path), "--agency-code", AGENCY_CODE,
         "--agency-name", "Trung tâm Phục vụ hành chính công xã Ỷ La", "--parent-name", "UBND xã Ỷ La",
         "--place", "Ỷ La"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    code = server.cli("admin", "create-counter", "--agency-code", AGENCY_CODE, "--name", name, "--json")
    db = open_database(path)
    try:
        enrolment.enrol(db, SystemClock(), server.url, str(code["enrol_code"]))
    finally:
        db.close()
    return path


def _slot(path: Path) -> int:
    db = open_database(path)
    try:
        with db.read() as session:
            from counter_app.sync import state

            found = state.load_enrolment(session)
            assert found is not None
            return int(found.slot)
    finally:
        db.close()


def _queue(path: Path, ops: list[Any]) -> None:
    """The ops into the counter's outbox as pending rows, in order (as intake queues them)."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO outbox (op_id, kind, entity_id, payload, payload_hash, created_at, state, "
                "attempts, last_error) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, '')",
                [
                    (
                        op.op_id,
                        op.kind,
                        op.entity_id,
                        op.payload,
                        op.payload_sha256,
                        datetime.fromisoformat(op.created_at)
                        .replace(tzinfo=None)
                        .isoformat(" ", "microseconds"),
                    )
                    for op in ops
                ],
            )
    finally:
        conn.close()


class _PushPhaseOver(Exception):
    """Raised by the pushing counter's client when its round turns to pulling (see bench_sync)."""


class _TimedClient(SyncClient):
    """The real HTTP client, recording each push/pull call's wall time."""

    calls: dict[str, list[float]]
    stop_at_pull = False

    def push(self, request: Any) -> Any:
        began = time.perf_counter()
        try:
            return super().push(request)
        finally:
            self.calls["push"].append((time.perf_counter() - began) * 1000)

    def pull(self, since: int, limit: int, epoch: str | None) -> Any:
        if self.stop_at_pull:
            raise _PushPhaseOver
        began = time.perf_counter()
        try:
            return super().pull(since, limit, epoch)
        finally:
            self.calls["pull"].append((time.perf_counter() - began) * 1000)


def _engine(path: Path, calls: dict[str, list[float]], push_only: bool = False) -> tuple[Any, SyncEngine]:
    def factory(enrolled: Enrolment) -> SyncClient:
        client = _TimedClient(enrolled.server_url, token=enrolled.token, ca_bundle=enrolled.ca_bundle or None)
        client.calls = calls
        client.stop_at_pull = push_only
        return client

    db = open_database(path)
    return db, SyncEngine(db, SystemClock(), factory)


def _rounds(engine: SyncEngine, field: str, want: int) -> tuple[float, int, int]:
    """Rounds until `want` ops went through (or a round makes no progress); (seconds, total, rounds)."""
    total, rounds = 0, 0
    began = time.perf_counter()
    while total < want:
        try:
            report = engine.run_once()
        except _PushPhaseOver:  # the push phase is over; its results are recorded
            elapsed = time.perf_counter() - began
            with engine.db.read() as session:
                return elapsed, want - outbox.depth(session), rounds + 1
        rounds += 1
        if report.error:
            raise RuntimeError(f"sync round failed: {report.error_kind} {report.error_code} {report.error}")
        got = int(getattr(report, field))
        if got == 0:
            break
        total += got
    return time.perf_counter() - began, total, rounds


# What a push of `dossier.received` ops stores on the central server, one row per op in each table,
# in the order the server wrote them.
_STORED = (
    ("dossiers", "created_seq"),
    ("dossier_events", "seq"),
    ("change_log", "seq"),
    ("applied_ops", "server_seq"),
)


def _replay_seconds(source: Path, tables: tuple[tuple[str, str], ...], batch: int) -> float:
    """Seconds for bare sqlite3 to store `source`'s rows of `tables` again, `batch` rows of each table per
    transaction (BEGIN IMMEDIATE … executemany … COMMIT), in an empty copy of their schema with the
    server's pragmas: the storage work alone, without HTTP, JSON or any Python planning."""
    src = sqlite3.connect(source)
    try:
        schema = [
            sql
            for (sql,) in src.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN "
                f"({', '.join('?' for _ in tables)}) ORDER BY type DESC",  # tables before their indexes
                [name for name, _ in tables],
            )
        ]
        rows = {
            name: src.execute(f"SELECT * FROM {name} ORDER BY {order}").fetchall() for name, order in tables
        }
    finally:
        src.close()
    target = source.with_name(f"{source.stem}-replay.db")
    conn = connect_baseline_db(target, schema=False)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")  # the rows are copied table by table
        for sql in schema:
            conn.execute(sql)
        total = max(len(r) for r in rows.values())
        inserts = {
            name: f"INSERT INTO {name} VALUES ({', '.join('?' for _ in r[0])})"
            for name, r in rows.items()
            if r
        }
        started = time.perf_counter()
        for start in range(0, total, batch):
            conn.execute("BEGIN IMMEDIATE")
            for name, sql in inserts.items():
                conn.executemany(sql, rows[name][start : start + batch])
            conn.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        conn.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_sync(n: int = 100_000, folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """{"sync_push_100k": {...}, "sync_pull_100k": {...}} for `n` dossiers (goals scaled to n)."""
    scale = n / 100_000
    with tempfile.TemporaryDirectory(prefix="sync-bench-", dir=folder) as tmp:
        base = Path(tmp)
        server = CentralServer(base)
        server.start()
        try:
            pusher = _counter(base, "quay-a", server)
            ops = make_ops(n, slot=_slot(pusher))
            _queue(pusher, ops)
            calls: dict[str, list[float]] = {"push": [], "pull": []}
            db, engine = _engine(pusher, calls, push_only=True)
            try:
                push_s, pushed, push_rounds = _rounds(engine, "pushed", n)
                with db.read() as session:
                    left = outbox.depth(session)
            finally:
                db.close()
            push_calls = list(calls["push"])
            stats = server.cli("stats", "--json")
            # The baseline: the same ops as the same JSON, adjacent to the figure.
            batch = engine.batch_size or 500
            bodies = encode_batches([ops[i : i + batch] for i in range(0, len(ops), batch)])
            baseline_s = run_baseline(bodies, base)
            # The floor: the baseline's HTTP + JSON share (its run minus its own storage) plus the bare
            # storage of the rows our server must write. No server design that keeps those rows, with
            # its Python cost at zero, could push faster than that.
            stored_s = _replay_seconds(base / "central.db", _STORED, batch)
            baseline_stored_s = _replay_seconds(base / "sync_baseline.db", (("ops", "rowid"),), batch)
            puller = _counter(base, "quay-b", server)
            calls = {"push": [], "pull": []}
            db, engine = _engine(puller, calls)
            try:
                pull_s, pulled, pull_rounds = _rounds(engine, "pulled", n)
            finally:
                db.close()
        finally:
            server.stop()
    push = {
        "n": n,
        "pushed": pushed,
        "rounds": push_rounds,
        "batches": len(push_calls),
        "median_ms": round(_percentile(push_calls, 0.5), 2),  # one batch's HTTP call, engine-side
        "p95_ms": round(_percentile(push_calls, 0.95), 2),
        "total_ms": round(push_s * 1000, 1),
        "per_s": round(pushed / push_s, 1) if push_s else None,
        "baseline_ms": round(baseline_s * 1000, 1),
        "ratio": round(push_s / baseline_s, 2) if baseline_s else None,
        "goal_total_ms": round(PUSH_GOAL_S * scale * 1000),
        "goal_ratio": GOAL_RATIO,
        "storage_ms": round(stored_s * 1000, 1),
        "baseline_storage_ms": round(baseline_stored_s * 1000, 1),
        "floor_ratio": round((baseline_s - baseline_stored_s + stored_s) / baseline_s, 2)
        if baseline_s
        else None,
        "left_in_outbox": left,
        "server_stats": stats,
    }
    pull = {
        "n": n,
        "pulled": pulled,
        "rounds": pull_rounds,
        "pages": len(calls["pull"]),
        "median_ms": round(_percentile(calls["pull"], 0.5), 2),  # one page's HTTP call
        "p95_ms": round(_percentile(calls["pull"], 0.95), 2),
        "total_ms": round(pull_s * 1000, 1),
        "per_s": round(pulled / pull_s, 1) if pull_s else None,
        "goal_total_ms": round(PULL_GOAL_S * scale * 1000),
    }
    return {"sync_push_100k": push, "sync_pull_100k": pull}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    result = bench_sync(args.n, args.dir)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    push, pull = result["sync_push_100k"], result["sync_pull_100k"]
    ok = (
        push["pushed"] == args.n
        and pull["pulled"] >= args.n
        and push["total_ms"] <= push["goal_total_ms"]
        and (push["ratio"] or 0) <= GOAL_RATIO
        and pull["total_ms"] <= pull["goal_total_ms"]
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
