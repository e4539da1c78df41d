"""Fill a counter database with a year of realistic demo dossiers, fast (one bulk transaction)."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from counter_app.demo.names import PROVINCES, PersonGenerator
from counter_app.text import fold

# Share of each deadline unit in a commune's daily intake: certification and civil-status extracts
# (same day) dominate, as the counters' statistics show.
UNIT_WEIGHT = {"same_day": 6.0, "working_hours": 1.0, "working_days": 1.5, "calendar_days": 0.3}
BATCH = 20_000


@dataclass(frozen=True)
class DemoProcedure:
    """What the seeder needs to know about a catalogue procedure."""

    id: int
    unit: str
    amount: float
    cutoff: str | None
    documents: tuple[tuple[str, int, int, int], ...]


AppointmentFn = Callable[[DemoProcedure, datetime], datetime]


@dataclass(frozen=True)
class SeedReport:
    """What seed_demo wrote and how long it took."""

    dossiers: int
    applicants: int
    events: int
    documents: int
    seconds: float


def _stamp(local: datetime) -> str:
    """Naive local time → the naive-UTC text SQLAlchemy's DateTime stores on SQLite."""
    return (local - timedelta(hours=7)).isoformat(sep=" ", timespec="microseconds")


def _uuid7(rng: random.Random, local: datetime) -> str:
    ms = _ms(local)
    bits = rng.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_EPOCH_LOCAL = datetime(1970, 1, 1, 7, 0)


def _ms(local: datetime) -> int:
    return int((local - _EPOCH_LOCAL).total_seconds() * 1000)


def _periods(hours: str) -> list[tuple[int, int]]:
    """ "07:00-11:30,13:30-17:00" → [(420, 690), (810, 1020)] in minutes of the day."""
    out = []
    for part in hours.split(","):
        start, end = part.strip().split("-")
        h1, m1 = start.split(":")
        h2, m2 = end.split(":")
        out.append((int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)))
    return out


def load_procedures(conn: sqlite3.Connection) -> list[DemoProcedure]:
    """Active catalogue procedures with their document checklists."""
    docs: dict[int, list[tuple[str, int, int, int]]] = {}
    for pid, name, o, c, k in conn.execute(
        "SELECT procedure_id, name, originals, certified_copies, copies FROM procedure_documents "
        "ORDER BY procedure_id, position"
    ):
        docs.setdefault(pid, []).append((name, o, c, k))
    rows = conn.execute(
        "SELECT id, deadline_unit, deadline_amount, cutoff FROM procedures WHERE active = 1 ORDER BY id"
    ).fetchall()
    return [DemoProcedure(r[0], r[1], float(r[2]), r[3], tuple(docs.get(r[0], ()))) for r in rows]


def seed_demo(
    conn: sqlite3.Connection,
    *,
    count: int,
    seed: int,
    now_local: datetime,
    agency_code: str,
    commune: str,
    working_hours: str,
    is_working_day: Callable[[date], bool],
    appointment: AppointmentFn,
    clerk_ids: list[str],
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Insert `count` dossiers received over the past year, in ONE transaction (all or nothing).

    `conn` is a raw sqlite3 connection in autocommit mode holding the instance lock. Indexes are
    dropped and rebuilt inside the same transaction, which is several times faster than
    maintaining them row by row and still atomic.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    procedures = load_procedures(conn)
    if not procedures:
        raise ValueError("the catalogue is empty: load it before seeding")
    periods = _periods(working_hours)
    first_day = now_local.date() - timedelta(days=365)
    days = [first_day + timedelta(days=i) for i in range(366)]
    days = [d for d in days if is_working_day(d) and d <= now_local.date()]

    received = sorted(_random_receipt(rng, days, periods, now_local) for _ in range(count))
    # Code numbers are decided here, in receipt order, so batches can be built in any process.
    # A second seeding (or real dossiers) already used some numbers: continue after them.
    sequence = _used_numbers(conn, agency_code)
    numbers: list[int] = []
    for moment in received:
        index = sequence.get(moment.date(), 0)
        sequence[moment.date()] = index + 1
        numbers.append((1 + index // 999) * 1000 + 1 + index % 999)
    if max(sequence.values(), default=0) > 9 * 999:
        raise ValueError("too many dossiers per day for the code space (9 counters × 999)")

    job = _Job(
        seed=seed,
        procedures=procedures,
        weights=[UNIT_WEIGHT.get(p.unit, 1.0) for p in procedures],
        now=now_local,
        agency=agency_code,
        commune=commune,
        appointment=appointment,
        clerks=clerk_ids,
    )
    chunks = [(i, received[i : i + BATCH], numbers[i : i + BATCH]) for i in range(0, count, BATCH)]

    conn.execute("PRAGMA cache_size = -262144")
    # Every reference is made here, consistent by construction (tests run foreign_key_check on the
    # result); checking ~9 million references one by one would cost about a third of the insert time.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN IMMEDIATE")
    try:
        index_sql = _drop_indexes(conn)
        totals = [0, 0]
        done = 0
        # Building rows is pure Python and the slow part: other processes build the next batches
        # while this one inserts. The inserts stay in this one transaction (all or nothing).
        for rows in _build_all(job, chunks):
            conn.executemany(_APPLICANT_SQL, rows[0])
            conn.executemany(_DOSSIER_SQL, rows[1])
            conn.executemany(_DOCUMENT_SQL, rows[2])
            conn.executemany(_EVENT_SQL, rows[3])
            totals[0] += len(rows[3])
            totals[1] += len(rows[2])
            done += len(rows[1])
            if progress:
                progress(done)
        _write_sequences(conn, agency_code, sequence)
        for sql in index_sql:
            conn.execute(sql)
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES ('demo.data', 'true', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_stamp(now_local),),
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("ANALYZE")
    return SeedReport(count, count, totals[0], totals[1], time.perf_counter() - started)


@dataclass(frozen=True)
class _Job:
    """What every batch builder shares (inherited by forked workers, never pickled per batch)."""

    seed: int
    procedures: list[DemoProcedure]
    weights: list[float]
    now: datetime
    agency: str
    commune: str
    appointment: AppointmentFn
    clerks: list[str]


Rows = tuple[
    list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]
]
Chunk = tuple[int, list[datetime], list[int]]
_CURRENT: _Job | None = None


def _build_chunk(chunk: Chunk) -> Rows:
    """Rows of one batch; its own random stream, so the result does not depend on the process."""
    assert _CURRENT is not None
    job = _CURRENT
    offset, received, numbers = chunk
    rng = random.Random(job.seed * 1_000_003 + offset)
    people = PersonGenerator(rng, PROVINCES[1], job.commune)
    return _build_batch(received, numbers, rng, people, job)


def _build_all(job: _Job, chunks: list[Chunk]) -> Iterator[Rows]:
    """Batches in order; built by a pool of forked processes where the platform has fork."""
    global _CURRENT
    _CURRENT = job
    workers = min(os.cpu_count() or 1, len(chunks))
    try:
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            yield from map(_build_chunk, chunks)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_build_chunk, chunks)
    finally:
        _CURRENT = None


def _random_receipt(
    rng: random.Random, days: list[date], periods: list[tuple[int, int]], now_local: datetime
) -> datetime:
    while True:
        day = rng.choice(days)
        start, end = periods[0] if rng.random() < 0.62 else periods[-1]
        minute = rng.randint(start, end - 1)
        moment = datetime(day.year, day.month, day.day) + timedelta(
            minutes=minute, seconds=rng.randint(0, 59)
        )
        if moment < now_local:
            return moment


def _drop_indexes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('applicants', 'dossiers', 'dossier_events', 'dossier_documents')"
    ).fetchall()
    for name, _sql in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in rows]


def _used_numbers(conn: sqlite3.Connection, agency: str) -> dict[date, int]:
    used: dict[date, int] = {}
    for day, slot, last in conn.execute(
        "SELECT day, slot, last_number FROM code_sequences WHERE agency_code = ?", (agency,)
    ):
        # Intake keys the sequences by ISO day; databases seeded before that fix used yyMMdd.
        when = date.fromisoformat(day) if "-" in day else datetime.strptime(day, "%y%m%d").date()
        used[when] = max(used.get(when, 0), (slot - 1) * 999 + last)
    return used


def _write_sequences(conn: sqlite3.Connection, agency: str, sequence: dict[date, int]) -> None:
    rows = []
    for day, used in sequence.items():
        for slot in range(1, math.ceil(used / 999) + 1):
            rows.append((agency, day.isoformat(), slot, min(999, used - (slot - 1) * 999)))
    conn.executemany(
        "INSERT INTO code_sequences (agency_code, day, slot, last_number) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(agency_code, day, slot) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
        rows,
    )


_APPLICANT_SQL = (
    "INSERT INTO applicants (id, full_name, name_fold, birth_date, gender, id_number, phone, email, "
    "address_province, address_commune, address_street, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
_DOSSIER_SQL = (
    "INSERT INTO dossiers (id, code, procedure_id, applicant_id, status, channel, received_at, appointment_at, "
    "printed_appointment_at, finished_at, returned_at, sets_count, delivery, delivery_address, fee_collected, "
    "fee_note, submitter_name, submitter_id_number, authorisation_note, name_fold, id_number, phone, clerk_id, "
    "version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
_DOCUMENT_SQL = (
    "INSERT INTO dossier_documents (dossier_id, position, name, originals, certified_copies, copies, received) "
    "VALUES (?,?,?,?,?,?,1)"
)
_EVENT_SQL = (
    "INSERT INTO dossier_events (id, dossier_id, seq, kind, status_from, status_to, at, user_id, note, "
    "step_deadline, payload) VALUES (?,?,?,?,?,?,?,?,?,?,'{}')"
)


def _build_batch(
    chunk: list[datetime], numbers: list[int], rng: random.Random, people: PersonGenerator, job: _Job
) -> Rows:
    applicants: list[tuple[object, ...]] = []
    dossiers: list[tuple[object, ...]] = []
    documents: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    chosen = rng.choices(job.procedures, job.weights, k=len(chunk))
    now, agency, appointment, clerks = job.now, job.agency, job.appointment, job.clerks
    today = now.date()
    for received, number, proc in zip(chunk, numbers, chosen, strict=True):
        person = people.person(today)
        applicant_id = _uuid7(rng, received)
        dossier_id = _uuid7(rng, received)
        name = str(person["full_name"])
        name_fold = fold(name)
        applicants.append(
            (
                applicant_id,
                name,
                name_fold,
                person["birth_date"],
                person["gender"],
                person["id_number"],
                person["phone"],
                "",
                person["address_province"],
                person["address_commune"],
                person["address_street"],
                _stamp(received),
            )
        )
        code = f"{agency}-{received.strftime('%y%m%d')}-{number:04d}"
        due = appointment(proc, received)
        clerk = rng.choice(clerks)
        status, history = _life(rng, received, due, now)
        finished = next((at for kind, _f, _t, at in history if kind == "result_ready"), None)
        returned = next((at for kind, _f, _t, at in history if kind == "returned"), None)
        last = history[-1][3]
        dossiers.append(
            (
                dossier_id,
                code,
                proc.id,
                applicant_id,
                status,
                1,
                _stamp(received),
                _stamp(due),
                _stamp(due),
                _stamp(finished) if finished else None,
                _stamp(returned) if returned else None,
                1,
                "counter",
                "",
                0,
                "",
                "",
                "",
                "",
                name_fold,
                person["id_number"],
                person["phone"],
                clerk,
                len(history),
                _stamp(received),
                _stamp(last),
            )
        )
        for position, (doc_name, originals, certified, copies) in enumerate(proc.documents, start=1):
            documents.append((dossier_id, position, doc_name, originals, certified, copies))
        for seq, (kind, status_from, status_to, at) in enumerate(history, start=1):
            events.append(
                (
                    _uuid7(rng, received),  # time-ordered like the dossiers: appends, not random inserts
                    dossier_id,
                    seq,
                    kind,
                    status_from,
                    status_to,
                    _stamp(at),
                    clerk,
                    "",
                    _stamp(due) if seq == 1 else None,
                )
            )
    return applicants, dossiers, documents, events


Event = tuple[str, int | None, int, datetime]


def _life(rng: random.Random, received: datetime, due: datetime, now: datetime) -> tuple[int, list[Event]]:
    """A plausible history with the workflow's event kinds: received → processing → (supplement) →
    result_ready → returned, or withdrawn / stopped."""
    history: list[Event] = [("received", None, 2, received)]
    span = max(due - received, timedelta(hours=1))
    transfer = received + timedelta(minutes=rng.randint(5, 90))
    if transfer > now:
        return 2, history
    history.append(("processing", 2, 4, transfer))
    roll = rng.random()
    if roll < 0.01:
        withdrawn = _office_time(transfer + span * rng.random() * 0.5)
        if withdrawn > now:
            return 4, history
        history.append(("withdrawn", 4, 7, withdrawn))
        return 7, history
    if roll < 0.015:
        stopped = _office_time(transfer + span * rng.random())
        if stopped > now:
            return 4, history
        history.append(("stopped", 4, 8, stopped))
        return 8, history
    # Most finish ahead of the appointment; about one in twelve is late.
    finish = _office_time(received + span * rng.uniform(0.35, 1.12))
    if finish > now:
        if rng.random() < 0.07:
            history.append(("supplement_requested", 4, 5, transfer + (now - transfer) * rng.random()))
            return 5, history
        return 4, history
    history.append(("result_ready", 4, 9, finish))
    returned = _office_time(finish + timedelta(hours=rng.choice((0.5, 2, 20, 26, 50, 74))))
    if returned > now or rng.random() < 0.04:
        return 9, history
    history.append(("returned", 9, 10, returned))
    return 10, history


def _office_time(moment: datetime) -> datetime:
    """Keep demo events in office hours: an evening or night time moves to the next morning."""
    if moment.hour >= 17:
        moment = moment.replace(hour=8) + timedelta(days=1)
    elif moment.hour < 7:
        moment = moment.replace(hour=8)
    if moment.weekday() >= 5:
        moment += timedelta(days=7 - moment.weekday())
    return moment


def payload_note(report: SeedReport) -> str:
    """One-line JSON summary for the CLI."""
    return json.dumps(report.__dict__, ensure_ascii=False)
