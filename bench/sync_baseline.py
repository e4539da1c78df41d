"""Baseline for `sync_push_100k`: bare requests + a FastAPI bulk insert of the same JSON, in the same run.

The sync benchmark pushes realistic `dossier.received` ops to the real central server; this module
measures what the same bytes cost with nothing but the unavoidable work: uvicorn in a child process
(run like `counter-central serve`: uvicorn.run, log level warning, no access log), FastAPI parsing
the JSON body, and one `executemany` in one transaction into a SQLite table keyed by op id, with the
central server's pragmas (WAL, synchronous=FULL). The client is one requests.Session posting the
batches one after another. The payload generator is shared with the sync benchmark.

    python -m bench.sync_baseline [--n 100000] [--batch-size 500] [--seed 1] [--dir PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI

from counter_app.paths import project_root
from counter_app.services.outbox import canonical_json
from counter_app.sync.protocol import OP_DOSSIER_RECEIVED, PROTOCOL_VERSION, WireOp

AGENCY_CODE = "000.00.31.H12"
BATCH_SIZE = 500
PER_DAY = 400  # dossiers per working day in the generated history (codes stay within a slot's 999)
_EPOCH_LOCAL = datetime(1970, 1, 1, 7, 0)  # Unix epoch in Vietnam local time (UTC+7)

# --- the baseline server (runs in the child process) ------------------------------------------

SCHEMA = "CREATE TABLE IF NOT EXISTS ops (op_id TEXT PRIMARY KEY, payload TEXT NOT NULL)"


def connect(db_path: Path, *, schema: bool = True) -> sqlite3.Connection:
    """A connection with the central server's pragmas (central_server/db.py), in autocommit mode; with
    `schema`, the baseline's table is created if missing."""
    conn = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        conn.execute(f"PRAGMA {pragma}")
    if schema:
        conn.execute(SCHEMA)
    return conn


def create_app(db_path: Path) -> FastAPI:
    """The baseline app: POST /bulk {"ops": [...]} → {"n": inserted}; GET /health for the start-up probe."""
    app = FastAPI(title="sync baseline")
    conn = connect(db_path)
    lock = threading.Lock()  # sync endpoints run in a thread pool; one writer at a time

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/bulk")
    def bulk(body: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
        rows = [(op["op_id"], op["payload"]) for op in body["ops"]]
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT INTO ops (op_id, payload) VALUES (?, ?)", rows)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return {"n": len(rows)}

    return app


def serve(db_path: Path, port: int) -> None:
    import uvicorn

    uvicorn.run(create_app(db_path), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_baseline(ops_json_batches: list[bytes], tmp_dir: Path) -> float:
    """Start the baseline server, post every batch in order with one Session; the posting's seconds.

    Server start-up is not timed. Raises RuntimeError if the server does not start or if the table
    does not end up holding every op exactly once.
    """
    import requests

    db_path = Path(tmp_dir) / "sync_baseline.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    port = _free_port()
    cmd = [sys.executable, "-m", "bench.sync_baseline", "--serve", "--db", str(db_path), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=project_root(), stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        with requests.Session() as session:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"baseline server exited with {proc.returncode}: {err[-2000:]}")
                try:
                    if session.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("baseline server did not start within 60 s")
                time.sleep(0.05)
            headers = {"Content-Type": "application/json"}
            sent = 0
            started = time.perf_counter()
            for body in ops_json_batches:
                response = session.post(f"{url}/bulk", data=body, headers=headers, timeout=120)
                response.raise_for_status()
                sent += response.json()["n"]
            elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT count(*) FROM ops").fetchone()[0]
    if stored != sent:
        raise RuntimeError(f"baseline stored {stored} ops, the server answered {sent}")
    return elapsed


# --- realistic payloads ------------------------------------------------------------------------


def _uuid7(rng: random.Random, ms: int) -> str:
    bits = rng.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _procedures() -> list[tuple[str, list[tuple[str, int, int, int]]]]:
    """(code, document lines) of the shipped catalogue's procedures."""
    data = json.loads((project_root() / "resources" / "catalogue" / "procedures.json").read_text("utf-8"))
    return [
        (p["code"], [(d["name"], d["originals"], d["certified_copies"], d["copies"]) for d in p["documents"]])
        for p in data["procedures"]
    ]


_EXTRA_DOCS = (
    ("Căn cước công dân (xuất trình)", 0, 0, 0),
    ("Giấy ủy quyền (nếu nộp thay)", 1, 0, 0),
    ("Sổ hộ khẩu hoặc giấy xác nhận thông tin cư trú", 0, 1, 0),
    ("Giấy khai sinh (bản sao)", 0, 1, 0),
)


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
POOL = 5_000  # distinct applicants (people come back); their canonical JSON is encoded once


def _documents_json(lines: list[tuple[str, int, int, int]]) -> str:
    lines = list(lines[:5]) + list(_EXTRA_DOCS[: max(0, 3 - len(lines))])
    docs = [
        {"position": k, "name": name, "originals": o, "certified_copies": c, "copies": cp, "received": True}
        for k, (name, o, c, cp) in enumerate(lines, start=1)
    ]
    return canonical_json(docs)


def make_ops(
    n: int,
    *,
    seed: int = 1,
    agency_code: str = AGENCY_CODE,
    slot: int = 1,
    start: date = date(2025, 3, 3),
    clerk_id: str | None = None,
    pool: int = POOL,
) -> list[WireOp]:
    """`n` dossier.received ops shaped like counter_app.services.intake sends them; deterministic by seed.

    Dossiers are spread over working days, PER_DAY a day from 07:30 local, so codes are unique
    within (agency_code, slot). Each payload is the exact outbox.canonical_json text of the op's
    payload (assembled from canonical parts for speed, checked against canonical_json on a sample),
    with its sha256.
    """
    from counter_app.demo.names import HAMLETS, PROVINCES, PersonGenerator

    rng = random.Random(seed)
    people = PersonGenerator(rng, PROVINCES[0], "Xã Ỷ La")
    applicants = [canonical_json({**people.person(start), "email": ""}) for _ in range(pool)]
    submitters = [
        canonical_json(
            {
                "name": str(people.person(start)["full_name"]),
                "id_number": f"001{rng.randint(0, 999_999_999):09d}",
                "authorisation_note": f"Giấy ủy quyền số {rng.randint(1, 99)}/UQ",
            }
        )
        for _ in range(max(1, pool // 10))
    ]
    no_submitter = canonical_json({"name": "", "id_number": "", "authorisation_note": ""})
    procedures = [(_ENCODE(code), _documents_json(lines)) for code, lines in _procedures()]
    head = '{"agency_code":' + _ENCODE(agency_code) + ',"applicant":'
    code_prefix = _ENCODE(agency_code)[1:-1]
    clerk = clerk_id or _uuid7(rng, 1_700_000_000_000)
    clerk_json = _ENCODE(clerk)
    seven_hours = timedelta(hours=7)
    ops: list[WireOp] = []
    day = start
    day_start = datetime(day.year, day.month, day.day, 7, 30)
    day_code = f"{code_prefix}-{day:%y%m%d}-"
    for i in range(n):
        number = i % PER_DAY + 1
        if number == 1 and i:
            day += timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            day_start = datetime(day.year, day.month, day.day, 7, 30)
            day_code = f"{code_prefix}-{day:%y%m%d}-"
        received_local = day_start + timedelta(seconds=number * 72 + rng.randrange(60))
        ms = int((received_local - _EPOCH_LOCAL).total_seconds() * 1000)
        received_utc = (received_local - seven_hours).isoformat()
        appointment_utc = (received_local + timedelta(days=rng.choice((0, 3, 5, 10)), hours=-6)).isoformat()
        dossier_id, applicant_id, event_id = _uuid7(rng, ms), _uuid7(rng, ms), _uuid7(rng, ms)
        proc_code, documents = procedures[rng.randrange(len(procedures))]
        post = rng.random() < 0.1
        address = _ENCODE(f"{rng.randint(1, 200)} {rng.choice(HAMLETS)}, Xã Ỷ La") if post else '""'
        fee = rng.choice((0, 0, 0, 10_000, 50_000))
        submitter = submitters[rng.randrange(len(submitters))] if rng.random() < 0.2 else no_submitter
        # Keys in sorted order, values JSON-safe by construction (the sample check below proves it).
        text = (
            f'{head}{applicants[rng.randrange(pool)]},"documents":{documents},"dossier":'
            f'{{"applicant_id":"{applicant_id}","appointment_at":"{appointment_utc}","channel":1,'
            f'"clerk_id":{clerk_json},"code":"{day_code}{slot * 1000 + number:04d}",'
            f'"delivery":"{"post" if post else "counter"}","delivery_address":{address},'
            f'"fee_collected":{fee},"fee_note":"","id":"{dossier_id}","procedure_code":{proc_code},'
            f'"received_at":"{received_utc}","sets_count":1,"status":2,"version":1}},'
            f'"event":{{"at":"{received_utc}","id":"{event_id}","kind":"received","seq":1,"status_to":2,'
            f'"step_deadline":"{appointment_utc}","user_id":{clerk_json}}},"submitter":{submitter}}}'
        )
        if i % 1000 == 0 and canonical_json(json.loads(text)) != text:
            raise AssertionError("assembled payload is not canonical JSON")
        ops.append(
            WireOp(
                op_id=_uuid7(rng, ms),
                seq=i + 1,
                kind=OP_DOSSIER_RECEIVED,
                entity_id=dossier_id,
                payload=text,
                payload_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                created_at=received_utc + "+00:00",
                clerk_id=clerk,
            )
        )
    return ops


def make_batches(n: int = 100_000, batch_size: int = BATCH_SIZE, **kwargs: Any) -> list[list[WireOp]]:
    """make_ops(n, **kwargs) split into push batches of `batch_size`, in outbox order."""
    ops = make_ops(n, **kwargs)
    return [ops[i : i + batch_size] for i in range(0, len(ops), batch_size)]


def encode_batches(batches: list[list[WireOp]], counter_id: str = "bench-counter") -> list[bytes]:
    """Each batch as the UTF-8 JSON body of a PushRequest (the baseline reads only its "ops")."""
    bodies = []
    for k, ops in enumerate(batches):
        body = {
            "protocol": PROTOCOL_VERSION,
            "counter_id": counter_id,
            "batch_id": f"bench-{k:05d}",
            "ops": [op.__dict__ for op in ops],
        }
        bodies.append(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return bodies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_baseline", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="ops to push (default 100000)")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the SQLite file goes (default: a temp dir)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.db, args.port)
        return 0
    started = time.perf_counter()
    bodies = encode_batches(make_batches(args.n, args.batch_size, seed=args.seed))
    generated = time.perf_counter() - started
    size = sum(len(b) for b in bodies)
    print(f"generated {args.n} ops in {len(bodies)} batches ({size / 1e6:.1f} MB) in {generated:.2f} s")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        elapsed = run_baseline(bodies, Path(tmp))
    print(f"baseline push: {args.n} ops in {elapsed:.2f} s = {args.n / elapsed:,.0f} ops/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
