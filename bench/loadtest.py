"""Load test of the central server: N simulated counters pushing and pulling at once for S seconds.

    python -m bench.loadtest [--counters 100] [--seconds 60] [--db sqlite|URL] [--batch 5] [--json FILE]

- The real server: `python -m central_server.cli serve` on 127.0.0.1 (a child process), on a fresh
  SQLite file (`--db sqlite`) or a fresh schema of the PostgreSQL database of URL (dropped at the end;
  e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
- Enrolment: counters are registered with the code of `counter-central admin create-counter`
  (central_server.auth.create_counter, in this process, on the same database), PER_AGENCY to an
  agency (each in its own code slot), then each enrols through POST /api/v1/enrol (SyncClient.enrol).
- Each simulated counter is a thread with its own SyncClient (a requests.Session: keep-alive) that
  loops until the time is up: push a batch of `--batch` new `dossier.received` ops (built like intake
  builds them, bench.sync_baseline.make_ops, with codes in the counter's own slot), then pull one page
  of its agency's changes after its cursor.
- Reported: requests, ops pushed and pulled per second, latency (median, p95, max) of push and pull
  calls, errors (exceptions, HTTP errors, timeouts, and ops not acknowledged as applied), and the final
  check on the server's database: every pushed dossier is there exactly once.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.sync_bench import CentralServer
from counter_app.sync import protocol
from counter_app.sync.client import SyncClient

PER_AGENCY = 4  # counters per agency (a commune has one to a few)
PULL_LIMIT = 500
CHUNK = 400  # ops generated at a time per counter: one working day of codes (bench.sync_baseline.PER_DAY)
APPLICANTS = 100  # distinct applicants per generated chunk (keeps generation cheap)


def isolated_pg_url(base_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh `load_<hex>` schema in the database of `base_url` and its dropper."""
    from tests.live_server import isolated_pg_url as isolated

    return isolated(base_url, prefix="load_")


class _Server(CentralServer):
    """bench.sync_bench.CentralServer on any database URL."""

    def __init__(self, folder: Path, db_url: str) -> None:
        super().__init__(folder)
        self.db_url = db_url


@dataclasses.dataclass
class SimCounter:
    """One simulated counter: its credentials, its op generator and what it measured."""

    index: int
    agency_code: str
    enrol_code: str
    counter_id: str = ""
    token: str = ""
    slot: int = 0
    epoch: str | None = None
    since: int = 0
    push_ms: list[float] = dataclasses.field(default_factory=list)
    pull_ms: list[float] = dataclasses.field(default_factory=list)
    pushed_codes: list[str] = dataclasses.field(default_factory=list)
    pulled: int = 0
    errors: Counter[str] = dataclasses.field(default_factory=Counter)

    def ops(self, batch: int) -> Iterator[tuple[protocol.WireOp, ...]]:
        """Endless batches of fresh dossier.received ops in this counter's slot, seq increasing."""
        from bench.sync_baseline import make_ops

        seq = 0
        for day in range(10_000):
            chunk = make_ops(
                CHUNK,
                seed=self.index * 100_000 + day,
                agency_code=self.agency_code,
                slot=self.slot,
                start=date(2024, 1, 1) + timedelta(days=day),
                pool=APPLICANTS,
            )
            for k in range(0, len(chunk) - batch + 1, batch):
                out = []
                for op in chunk[k : k + batch]:
                    seq += 1
                    out.append(dataclasses.replace(op, seq=seq))
                yield tuple(out)


def _agency(k: int) -> str:
    return f"000.{k // 100:02d}.{k % 100:02d}.H12"


def _enrol(server: _Server, n: int) -> list[SimCounter]:
    from central_server import db as central_db
    from central_server.auth import create_counter
    from central_server.migrations import migrate

    engine = central_db.make_engine(server.db_url)
    migrate(engine)
    counters = []
    try:
        for i in range(n):
            agency = _agency(i // PER_AGENCY)
            _row, code = create_counter(
                engine, agency, f"Quầy tải {i + 1}", agency_name=f"UBND xã thử tải {i // PER_AGENCY + 1}"
            )
            counters.append(SimCounter(i, agency, code))
    finally:
        engine.dispose()
    for sim in counters:
        client = SyncClient(server.url)
        try:
            answer = client.enrol(
                protocol.EnrolRequest(
                    code=sim.enrol_code, counter_uuid=f"load-{sim.index}-{secrets.token_hex(4)}"
                )
            )
        finally:
            client.close()
        sim.counter_id, sim.slot, sim.epoch = answer.counter_id, answer.slot, answer.server_epoch
        sim.token = answer.token
    return counters


def _run_counter(sim: SimCounter, url: str, batch: int, start: threading.Event, stop_at: list[float]) -> None:
    client = SyncClient(url, token=sim.token)
    batches = sim.ops(batch)
    start.wait()
    try:
        n = 0
        while time.monotonic() < stop_at[0]:
            ops = next(batches)
            n += 1
            began = time.perf_counter()
            try:
                answer = client.push(protocol.PushRequest(sim.counter_id, f"load-{sim.index}-{n}", ops))
                sim.push_ms.append((time.perf_counter() - began) * 1000)
                for result in answer.results:
                    if result.result != protocol.APPLIED:
                        detail = result.error.code if result.error else ""
                        sim.errors[f"push op {result.result} {detail}".strip()] += 1
                sim.pushed_codes.extend(
                    json.loads(op.payload)["dossier"]["code"]
                    for op, result in zip(ops, answer.results, strict=True)
                    if result.result == protocol.APPLIED
                )
            except Exception as exc:  # counted, never fatal: the load goes on
                sim.push_ms.append((time.perf_counter() - began) * 1000)
                sim.errors[f"push {type(exc).__name__}: {str(exc)[:80]}"] += 1
            began = time.perf_counter()
            try:
                page = client.pull(sim.since, PULL_LIMIT, sim.epoch)
                sim.pull_ms.append((time.perf_counter() - began) * 1000)
                sim.since = page.next_since
                sim.pulled += len(page.changes)
            except Exception as exc:
                sim.pull_ms.append((time.perf_counter() - began) * 1000)
                sim.errors[f"pull {type(exc).__name__}: {str(exc)[:80]}"] += 1
    finally:
        client.close()


def _stats(samples: list[float]) -> dict[str, Any]:
    from bench.suite import percentile

    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(percentile(ordered, 0.5), 1),
        "p95_ms": round(percentile(ordered, 0.95), 1),
        "max_ms": round(ordered[-1], 1),
    }


def _final_check(db_url: str, pushed: list[str]) -> dict[str, Any]:
    """Every pushed dossier on the server exactly once (and nothing else: the server started empty)."""
    from sqlalchemy import text

    from central_server import db as central_db

    engine = central_db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT code, count(*) FROM dossiers GROUP BY code")).all()
    finally:
        engine.dispose()
    stored = {str(code): int(n) for code, n in rows}
    wanted = Counter(pushed)
    return {
        "pushed": len(pushed),
        "stored": sum(stored.values()),
        "missing": sum(1 for code in wanted if code not in stored),
        "duplicated": sum(1 for n in stored.values() if n > 1) + sum(1 for n in wanted.values() if n > 1),
        "unexpected": sum(1 for code in stored if code not in wanted),
    }


def run(counters: int, seconds: float, db: str = "sqlite", batch: int = 5) -> dict[str, Any]:
    """Run the load test; the report as a dict (see the module docstring)."""
    cleanup: Callable[[], None] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        if db == "sqlite":
            url = f"sqlite:///{folder / 'central.db'}"
        else:
            url, cleanup = isolated_pg_url(db)
        try:
            server = _Server(folder, url)
            server.start()
            try:
                began = time.perf_counter()
                sims = _enrol(server, counters)
                enrol_s = time.perf_counter() - began
                start, stop_at = threading.Event(), [0.0]
                threads = [
                    threading.Thread(
                        target=_run_counter, args=(s, server.url, batch, start, stop_at), daemon=True
                    )
                    for s in sims
                ]
                for thread in threads:
                    thread.start()
                time.sleep(0.2)  # every thread generated its first chunk and waits
                began = time.perf_counter()
                stop_at[0] = time.monotonic() + seconds
                start.set()
                for thread in threads:
                    thread.join(timeout=seconds + 180)
                elapsed = time.perf_counter() - began
            finally:
                server.stop()
            pushed = [code for s in sims for code in s.pushed_codes]
            check = _final_check(url, pushed)
        finally:
            if cleanup is not None:
                cleanup()
    errors: Counter[str] = Counter()
    for s in sims:
        errors.update(s.errors)
    push_ms = [v for s in sims for v in s.push_ms]
    pull_ms = [v for s in sims for v in s.pull_ms]
    return {
        "database": "sqlite" if db == "sqlite" else "postgresql",
        "counters": counters,
        "agencies": (counters + PER_AGENCY - 1) // PER_AGENCY,
        "batch": batch,
        "seconds": round(elapsed, 2),
        "enrol_s": round(enrol_s, 2),
        "requests": len(push_ms) + len(pull_ms),
        "requests_per_s": round((len(push_ms) + len(pull_ms)) / elapsed, 1),
        "ops_pushed": len(pushed),
        "ops_pushed_per_s": round(len(pushed) / elapsed, 1),
        "changes_pulled": sum(s.pulled for s in sims),
        "changes_pulled_per_s": round(sum(s.pulled for s in sims) / elapsed, 1),
        "push": _stats(push_ms),
        "pull": _stats(pull_ms),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
        "final_check": check,
        "ok": not errors and check["missing"] == check["duplicated"] == check["unexpected"] == 0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--counters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--db", default="sqlite", help="sqlite (a fresh file) or a PostgreSQL URL")
    parser.add_argument("--batch", type=int, default=5, help="new dossiers per push")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report = run(args.counters, args.seconds, args.db, args.batch)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
