"""Apply pushed ops in one transaction: per-op idempotency, slot and ownership rules, the state machine.

A batch is planned in memory against one load of its state (applied ops, dossiers, events: a few
queries per batch, none per op), then written with executemany. Only applied ops leave rows; a
conflict or rejection is evaluated again when the op is retried. If the bulk write fails, each op is
replayed alone in its own SAVEPOINT, so one bad op never blocks the others.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import DataError, IntegrityError

from central_server import db, schema
from central_server.migrations import now_iso
from central_server.snapshot import (
    KIND_DOSSIER,
    DossierState,
    JSONError,
    advance_seq,
    among,
    dumps,
    insert_many,
    load_dossiers,
    loads,
    lock_change_log,
    save_states,
    write_changes,
)
from counter_app.services.workflow import TRANSITIONS
from counter_app.sync import protocol as p

log = logging.getLogger(__name__)

SOURCE_COUNTER = "counter"
_TIME_KEYS = ("appointment_at", "finished_at", "returned_at")
_HASH_OK = "\x00hash_ok"  # marks a parsed payload whose hash _load already checked


@dataclass(frozen=True)
class CounterInfo:
    """What the rules need to know about the pushing counter."""

    id: str
    agency_code: str
    slot: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> CounterInfo:
        return cls(str(row["id"]), str(row["agency_code"]), int(row["slot"]))


class _Invalid(Exception):
    """The payload does not have the shape the op kind needs."""


def _str(data: Mapping[str, Any], key: str, max_len: int, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _Invalid(f"thiếu trường «{key}»")
        return None
    if not isinstance(value, str) or (required and not value) or len(value) > max_len:
        raise _Invalid(f"trường «{key}» không hợp lệ")
    return value


def _int(data: Mapping[str, Any], key: str, *, required: bool = False) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _Invalid(f"thiếu trường «{key}»")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Invalid(f"trường «{key}» phải là số nguyên")
    return value


def _dict(data: Mapping[str, Any], key: str, *, required: bool = True) -> dict[str, Any]:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _Invalid(f"trường «{key}» phải là một đối tượng")
    return value


@lru_cache(maxsize=4096)
def _code_day(yymmdd: str) -> str | None:
    if len(yymmdd) != 6 or not yymmdd.isdigit():
        return None
    try:
        return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])).isoformat()
    except ValueError:
        return None


def parse_code(code: str) -> tuple[str, str, int] | None:
    """(agency, ISO day, NNNN) of `<agency>-<yyMMdd>-<NNNN>`, or None."""
    parts = code.rsplit("-", 2)
    if len(parts) != 3 or not parts[0] or len(parts[2]) != 4 or not parts[2].isdigit():
        return None
    day = _code_day(parts[1])
    return None if day is None else (parts[0], day, int(parts[2]))


def _result(op: p.WireOp, result: str, code: str = "", detail: str = "", **kw: Any) -> p.OpResult:
    error = p.OpError(code, detail) if code else None
    return p.OpResult(op.op_id, result, error=error, **kw)


@dataclass
class _Batch:
    """The state one batch is planned against, and the rows it will write."""

    counter: CounterInfo
    seq: int
    states: dict[str, DossierState]
    by_code: dict[str, DossierState]
    event_seq: dict[str, int]
    applied: dict[str, tuple[str, str, int | None]]  # op_id -> (counter_id, sha256, server_seq)
    now: str = field(default_factory=now_iso)
    events: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    ops: list[dict[str, Any]] = field(default_factory=list)
    anchors: list[dict[str, Any]] = field(default_factory=list)

    def change(self, state: DossierState) -> int:
        self.seq += 1
        self.changes.append(
            {
                "seq": self.seq,
                "agency_code": state.row["agency_code"],
                "entity_id": state.row["id"],
                "kind": KIND_DOSSIER,
                "data": state.head_text(),
            }
        )
        return self.seq

    def add_event(self, state: DossierState, ev: Mapping[str, Any], seq: int, source: str) -> None:
        payload = ev.get("payload") if isinstance(ev.get("payload"), dict) else {}
        snap = {
            "id": ev["id"],
            "kind": ev["kind"],
            "status_from": ev.get("status_from"),
            "status_to": ev.get("status_to"),
            "at": ev.get("at"),
            "user": ev.get("user") or "",
            "note": ev.get("note") or "",
            "step_deadline": ev.get("step_deadline"),
            "payload": payload,
            "source": source,
        }
        state.events.append(snap)
        self.events.append(
            {
                **snap,
                "payload": dumps(payload) if payload else "{}",
                "dossier_id": state.row["id"],
                "position": len(state.events),
                "seq": seq,
            }
        )
        self.event_seq[str(ev["id"])] = seq


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _event_fields(ev: Mapping[str, Any], default_kind: str) -> dict[str, Any]:
    ev_id, kind, at, deadline = ev.get("id"), ev.get("kind"), ev.get("at"), ev.get("step_deadline")
    status_from, status_to, payload = ev.get("status_from"), ev.get("status_to"), ev.get("payload")
    if not (  # the common case, checked at once; anything else goes field by field for the message
        (ev_id is None or (type(ev_id) is str and len(ev_id) <= 36))
        and (kind is None or (type(kind) is str and len(kind) <= 64))
        and (at is None or (type(at) is str and len(at) <= 40))
        and (deadline is None or (type(deadline) is str and len(deadline) <= 40))
        and (status_from is None or type(status_from) is int)
        and (status_to is None or type(status_to) is int)
    ):
        kind, at = _str(ev, "kind", 64, required=False), _str(ev, "at", 40, required=False)
        deadline, ev_id = _str(ev, "step_deadline", 40, required=False), _str(ev, "id", 36, required=False)
        status_from, status_to = _int(ev, "status_from"), _int(ev, "status_to")
    user = ev.get("user_id", ev.get("user"))
    note = ev.get("note")
    return {
        "id": ev_id or str(uuid.uuid4()),
        "kind": kind or default_kind,
        "status_from": status_from,
        "status_to": status_to,
        "at": at,
        "user": str(user)[:255] if user is not None else "",
        "note": note if isinstance(note, str) else "",
        "step_deadline": deadline,
        "payload": payload if isinstance(payload, dict) else {},
    }


def _received(b: _Batch, op: p.WireOp, data: Mapping[str, Any]) -> p.OpResult:
    d = data.get("dossier")
    if type(d) is not dict:
        d = _dict(data, "dossier")
    dossier_id, code, procedure_code = d.get("id"), d.get("code"), d.get("procedure_code")
    status, received_at, appointment_at = d.get("status"), d.get("received_at"), d.get("appointment_at")
    fast = (  # the common case, checked at once; anything else goes field by field for the message
        type(dossier_id) is str
        and 0 < len(dossier_id) <= 36
        and type(code) is str
        and 0 < len(code) <= 64
        and type(procedure_code) is str
        and 0 < len(procedure_code) <= 64
        and (status is None or type(status) is int)
        and (received_at is None or (type(received_at) is str and len(received_at) <= 40))
        and (appointment_at is None or (type(appointment_at) is str and len(appointment_at) <= 40))
    )
    if not fast:
        dossier_id, code = _str(d, "id", 36), _str(d, "code", 64)
        procedure_code = _str(d, "procedure_code", 64)
    assert dossier_id is not None and code is not None and procedure_code is not None
    if dossier_id != op.entity_id:
        raise _Invalid("dossier.id khác entity_id của op")
    status = (status if fast else _int(d, "status")) or 2
    if not 1 <= status <= 10:
        raise _Invalid("trạng thái ngoài 1–10")
    if not fast:
        received_at = _str(d, "received_at", 40, required=False)
        appointment_at = _str(d, "appointment_at", 40, required=False)
    parsed = parse_code(code)
    agency = data.get("agency_code")
    if (
        parsed is None
        or parsed[0] != b.counter.agency_code
        or (agency is not None and agency != b.counter.agency_code)
        or not b.counter.slot * 1000 + 1 <= parsed[2] <= b.counter.slot * 1000 + 999
    ):
        return _result(
            op,
            p.REJECTED,
            p.ERR_CODE_SLOT,
            f"Mã hồ sơ {code} không thuộc cơ quan {b.counter.agency_code}, slot {b.counter.slot} của quầy này.",
        )
    existing = b.states.get(dossier_id)
    if existing is not None:
        if existing.row["code"] == code:  # the dossier is already here (sent again under another op id)
            return _result(op, p.DUPLICATE, server_seq=existing.row["created_seq"])
        raise _Invalid(f"mã định danh hồ sơ {dossier_id} đã dùng cho mã hồ sơ {existing.row['code']}")
    holder = b.by_code.get(code)
    if holder is not None:
        return _result(
            op,
            p.CONFLICT,
            p.ERR_CODE_TAKEN,
            f"Mã hồ sơ {code} đã thuộc một hồ sơ khác trên máy chủ.",
            server=holder.snapshot(),
        )
    ev = _event_fields(_dict(data, "event", required=False), "received")
    if ev["status_to"] is None:
        ev["status_to"] = status
    ev["at"] = ev["at"] or received_at
    if ev["id"] in b.event_seq:
        raise _Invalid(f"mã sự kiện {ev['id']} đã có trên máy chủ")
    applicant = data.get("applicant")
    name = applicant.get("full_name") if isinstance(applicant, dict) else None
    procedure_name = d.get("procedure_name", data.get("procedure_name"))
    seq = b.seq + 1
    state = DossierState(
        {
            "id": dossier_id,
            "code": code,
            "agency_code": b.counter.agency_code,
            "counter_id": b.counter.id,
            "slot": b.counter.slot,
            "code_day": parsed[1],
            "code_number": parsed[2] - b.counter.slot * 1000,
            "procedure_code": procedure_code,
            "procedure_name": procedure_name if isinstance(procedure_name, str) else "",
            "status": status,
            "version": 1,
            "received_at": received_at,
            "appointment_at": appointment_at,
            "finished_at": None,
            "returned_at": None,
            "intake": op.payload,
            "applicant_name": name if isinstance(name, str) else "",
            "created_seq": seq,
            "updated_at": b.now,
        },
        new=True,
    )
    b.add_event(state, ev, seq, SOURCE_COUNTER)
    b.states[dossier_id] = state
    b.by_code[code] = state
    return _result(op, p.APPLIED, server_seq=b.change(state))


def _event(b: _Batch, op: p.WireOp, data: Mapping[str, Any]) -> p.OpResult:
    dossier_id = _str(data, "dossier_id", 36)
    if dossier_id != op.entity_id:
        raise _Invalid("dossier_id khác entity_id của op")
    ev = _event_fields(_dict(data, "event"), "")
    if not ev["kind"] or not isinstance(_dict(data, "event").get("id"), str):
        raise _Invalid("sự kiện thiếu «id» hoặc «kind»")
    state = b.states.get(dossier_id)
    if state is None:
        return _result(
            op, p.REJECTED, p.ERR_UNKNOWN_DOSSIER, f"Máy chủ chưa có hồ sơ {data.get('code') or dossier_id}."
        )
    if state.row["agency_code"] != b.counter.agency_code:
        return _result(op, p.REJECTED, p.ERR_NOT_OWNER, f"Hồ sơ {state.row['code']} thuộc cơ quan khác.")
    if ev["id"] in b.event_seq:
        return _result(op, p.DUPLICATE, server_seq=b.event_seq[ev["id"]])
    sf, st = ev["status_from"], ev["status_to"]
    if (sf is None) != (st is None):
        raise _Invalid("sự kiện phải có cả status_from và status_to, hoặc không có cả hai")
    times = {k: _str(data, k, 40, required=False) for k in _TIME_KEYS if k in data}
    if sf is not None and st is not None:
        current = state.row["status"]
        if current != sf:
            return _result(
                op,
                p.CONFLICT,
                p.ERR_STALE,
                f"Hồ sơ {state.row['code']} trên máy chủ đang ở trạng thái {current}, không phải {sf}.",
                server=state.snapshot(),
            )
        rule = TRANSITIONS.get(ev["kind"])
        if rule is None or sf not in rule.sources or st != (rule.target if rule.target is not None else sf):
            return _result(
                op,
                p.CONFLICT,
                p.ERR_INVALID_STATUS,
                f"Thao tác «{ev['kind']}» không được phép từ trạng thái {sf} sang {st}.",
                server=state.snapshot(),
            )
        state.row["status"] = st
    state.row.update(times)
    state.row["version"] += 1
    state.row["updated_at"] = b.now
    state.dirty = True
    seq = b.seq + 1
    b.add_event(state, ev, seq, SOURCE_COUNTER)
    return _result(op, p.APPLIED, server_seq=b.change(state))


def _anchor(b: _Batch, op: p.WireOp, data: Mapping[str, Any]) -> p.OpResult:
    last_id = _int(data, "last_id", required=True)
    head_hash = _str(data, "head_hash", 64)
    b.anchors.append(
        {
            "counter_id": b.counter.id,
            "op_id": op.op_id,
            "last_id": last_id,
            "head_hash": head_hash,
            "received_at": b.now,
        }
    )
    return _result(op, p.APPLIED)


_HANDLERS = {p.OP_DOSSIER_RECEIVED: _received, p.OP_DOSSIER_EVENT: _event, p.OP_AUDIT_ANCHOR: _anchor}


def _load(conn: Connection, counter: CounterInfo, ops: Sequence[p.WireOp]) -> tuple[_Batch, list[Any]]:
    """Check hashes, parse payloads and load everything the batch refers to (a few queries)."""
    last_seq = lock_change_log(conn)  # first: nothing is read before the writers' lock is held
    a = schema.applied_ops.c
    applied = {
        r.op_id: (r.counter_id, r.payload_sha256, r.server_seq)
        for r in conn.execute(
            select(a.op_id, a.counter_id, a.payload_sha256, a.server_seq).where(
                among(conn, a.op_id, {op.op_id for op in ops})
            )
        )
    }
    parsed: list[Any] = []
    ids: set[str] = set()
    codes: set[str] = set()
    event_ids: set[str] = set()
    for op in ops:
        data: Any = None
        raw = op.payload.encode("utf-8")  # once: hashed, then parsed
        if op.op_id not in applied and hashlib.sha256(raw).hexdigest() == op.payload_sha256:
            try:
                data = loads(raw)
            except JSONError:
                data = None
            if isinstance(data, dict):
                data[_HASH_OK] = True
            if isinstance(data, dict):
                ids.add(op.entity_id)
                dossier = data.get("dossier")
                if isinstance(dossier, dict) and isinstance(dossier.get("code"), str):
                    codes.add(dossier["code"])
                event = data.get("event")
                if isinstance(event, dict) and isinstance(event.get("id"), str):
                    event_ids.add(event["id"])
        parsed.append(data)
    states = load_dossiers(conn, ids=ids, codes=codes)
    event_seq: dict[str, int] = {}
    if event_ids:
        e = schema.dossier_events.c
        event_seq = {
            r.id: r.seq for r in conn.execute(select(e.id, e.seq).where(among(conn, e.id, event_ids)))
        }
    batch = _Batch(
        counter=counter,
        seq=last_seq,
        states=states,
        by_code={s.row["code"]: s for s in states.values()},
        event_seq=event_seq,
        applied=applied,
    )
    return batch, parsed


def _plan(conn: Connection, counter: CounterInfo, ops: Sequence[p.WireOp]) -> tuple[_Batch, list[p.OpResult]]:
    b, parsed = _load(conn, counter, ops)
    start = b.seq
    results: list[p.OpResult] = []
    for op, data in zip(ops, parsed, strict=True):
        known = b.applied.get(op.op_id)
        if known is not None:
            if known[0] != counter.id or known[1] != op.payload_sha256:
                results.append(
                    _result(
                        op,
                        p.REJECTED,
                        p.ERR_OP_ID_REUSED,
                        "Mã op đã dùng cho một nội dung khác; op bị cách ly.",
                    )
                )
            else:
                results.append(_result(op, p.DUPLICATE, server_seq=known[2]))
            continue
        if (
            not (isinstance(data, dict) and data.pop(_HASH_OK, False))
            and p.sha256_text(op.payload) != op.payload_sha256
        ):
            results.append(
                _result(op, p.REJECTED, p.ERR_HASH_MISMATCH, "Nội dung op không khớp mã băm sha256.")
            )
            continue
        handler = _HANDLERS.get(op.kind)
        if handler is None or not isinstance(data, dict):
            why = (
                f"loại op «{op.kind}» không được hỗ trợ"
                if handler is None
                else "nội dung không phải đối tượng JSON"
            )
            results.append(_result(op, p.REJECTED, p.ERR_INVALID_OP, f"Op không hợp lệ: {why}."))
            continue
        try:
            result = handler(b, op, data)
        except _Invalid as exc:
            result = _result(op, p.REJECTED, p.ERR_INVALID_OP, f"Op không hợp lệ: {exc}.")
        if result.result == p.APPLIED:
            b.applied[op.op_id] = (counter.id, op.payload_sha256, result.server_seq)
            b.ops.append(
                {
                    "op_id": op.op_id,
                    "counter_id": counter.id,
                    "kind": op.kind,
                    "payload_sha256": op.payload_sha256,
                    "result_json": f'{{"result":"applied","server_seq":{_json_int(result.server_seq)}}}',
                    "server_seq": result.server_seq,
                    "created_at": b.now,
                }
            )
        results.append(result)
    if b.seq > start and advance_seq(conn, b.seq - start) != b.seq:
        raise RuntimeError("change-log sequence moved under the writers' lock")
    return b, results


def _write(conn: Connection, b: _Batch) -> None:
    save_states(conn, b.states.values(), b.events)
    write_changes(conn, b.changes)
    insert_many(conn, schema.applied_ops, b.ops)
    if b.anchors:
        insert_many(conn, schema.audit_anchors, b.anchors)
        last = b.anchors[-1]
        conn.execute(
            update(schema.counters)
            .where(schema.counters.c.id == b.counter.id)
            .values(audit_last_id=last["last_id"], audit_head_hash=last["head_hash"])
        )


# A constraint or data error from SQLAlchemy, or straight from the driver (PostgreSQL COPY bypasses
# SQLAlchemy's wrapping): the op's data cannot be stored, the others can.
_STORE_ERRORS: tuple[type[Exception], ...] = (IntegrityError, DataError, Exception)


def _is_store_error(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError | DataError):
        return True
    module = type(exc).__module__
    return module.startswith(("psycopg", "sqlite3")) and any(
        base.__name__ in ("IntegrityError", "DataError") for base in type(exc).__mro__
    )


def apply_ops(conn: Connection, counter: CounterInfo, ops: Sequence[p.WireOp]) -> list[p.OpResult]:
    """Apply ops in the caller's write transaction (which this locks); one result per op, in order."""
    if not ops:
        return []
    try:
        with conn.begin_nested():
            b, results = _plan(conn, counter, ops)
            _write(conn, b)
        return results
    except _STORE_ERRORS as exc:
        if not _is_store_error(exc):
            raise
        log.exception("bulk write of %d ops failed; applying them one by one", len(ops))
    results = []
    for op in ops:
        try:
            with conn.begin_nested():
                b, one = _plan(conn, counter, [op])
                _write(conn, b)
            results.extend(one)
        except _STORE_ERRORS as exc:
            if not _is_store_error(exc):
                raise
            log.exception("op %s could not be stored", op.op_id)
            results.append(
                _result(
                    op, p.REJECTED, p.ERR_INVALID_OP, "Máy chủ không lưu được op này (dữ liệu không hợp lệ)."
                )
            )
    return results


def push(engine: Engine, counter: CounterInfo, ops: Sequence[p.WireOp]) -> list[p.OpResult]:
    """Apply a pushed batch in one transaction and note the counter's last push."""
    with db.write(engine) as conn:
        results = apply_ops(conn, counter, ops)
        conn.execute(
            update(schema.counters).where(schema.counters.c.id == counter.id).values(last_push_at=now_iso())
        )
    return results
