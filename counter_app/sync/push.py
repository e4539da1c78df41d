"""The database side of a push: ops as wire ops, and the server's per-op results recorded in one go."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.services import outbox
from counter_app.services.outbox import OutboxOp
from counter_app.storage.models import Dossier, OutboxEntry
from counter_app.sync import conflicts, protocol

log = logging.getLogger(__name__)


@dataclass
class PushStats:
    """What the server answered for the ops of one or more batches."""

    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    quarantined: int = 0
    held: int = 0
    quarantined_ops: list[str] = field(default_factory=list)


def to_wire(op: OutboxOp) -> protocol.WireOp:
    """An outbox op as it travels: the frozen payload text exactly as hashed."""
    return protocol.WireOp(
        op_id=op.op_id,
        seq=op.id,
        kind=op.kind,
        entity_id=op.entity_id,
        payload=op.payload,
        payload_sha256=op.payload_hash,
        created_at=op.created_at.isoformat() + "+00:00",
        clerk_id=_clerk(op.payload),
    )


def _clerk(payload: str) -> str:
    """The clerk who made the change, as recorded in the payload (received: dossier.clerk_id; event: user_id)."""
    try:
        data = _loads(payload)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for part, key in (("dossier", "clerk_id"), ("event", "user_id")):
        inner = data.get(part)
        if isinstance(inner, dict) and isinstance(inner.get(key), str):
            return str(inner[key])
    return ""


try:  # orjson parses a payload in half the time of the standard library (every op of a batch)
    import orjson

    def _loads(text: str) -> Any:
        try:
            return orjson.loads(text)
        except ValueError:  # what orjson refuses and the standard library reads (NaN, huge integers)
            return json.loads(text)

except ImportError:  # pragma: no cover - a dependency; the standard library gives the same values

    def _loads(text: str) -> Any:
        return json.loads(text)


# The columns of an outbox row, in OutboxOp's field order.
_OP_COLUMNS = tuple(OutboxEntry.__table__.c[f.name] for f in fields(OutboxOp))
# The next ops to send after id :after, FIFO, at most :n, leaving out the ids in the JSON array :flying
# (a batch on its way, 'sent'): the first :n ids of each state to send, each read in order off the
# (state, id) index, merged. A plain `state IN (...) ORDER BY id` would sort every op still to send for
# each batch (100,000 entries for the first of a large backlog).
_NEXT_OPS = text(
    f"SELECT {', '.join(c.name for c in _OP_COLUMNS)} FROM outbox WHERE id IN ("
    "SELECT id FROM ("
    + " UNION ALL ".join(
        "SELECT id FROM (SELECT id FROM outbox WHERE state = '" + state + "' AND id > :after "
        "AND id <= :up_to AND id NOT IN (SELECT value FROM json_each(:flying)) ORDER BY id LIMIT :n)"
        for state in outbox.RESEND_STATES
    )
    + ") ORDER BY id LIMIT :n) ORDER BY id"
).columns(*_OP_COLUMNS)
_NO_BOUND = 2**63 - 1


class Claimed(NamedTuple):
    """A claimed batch: its ops (now 'sent'), how many ops were held, and whether more may wait."""

    ops: list[OutboxOp]
    held: int
    more: bool


def claim(
    session: Session,
    limit: int,
    *,
    up_to_id: int | None = None,
    blocked: Collection[str] = (),
    in_flight: Collection[OutboxOp] = (),
) -> Claimed:
    """`outbox.claim` in set-based SQL: the same ops, states and counts, without an ORM object per row.

    Takes the next `limit` ops to send, FIFO (ids ≤ `up_to_id`), and marks them sent (attempts + 1) in
    the caller's transaction; ops of an entity in `blocked` are marked 'held' instead and skipped. Ops
    `in_flight` (a batch sent and not answered yet) are left out, and the claim stops before the first
    op of one of their entities: the ops of one entity are never in two unanswered batches. `more`: the
    batch is full or was stopped there.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    taken: list[OutboxOp] = []
    held: list[tuple[int]] = []
    after = 0
    stopped = False
    flying = json.dumps([op.id for op in in_flight])
    stop_at = {op.entity_id for op in in_flight}
    bounds = {"up_to": _NO_BOUND if up_to_id is None else up_to_id, "flying": flying}
    while len(taken) < limit and not stopped:
        rows = session.execute(_NEXT_OPS, {**bounds, "after": after, "n": limit - len(taken)}).all()
        if not rows:
            break
        for row in rows:
            (id_, op_id, kind, entity_id, payload, payload_hash, created_at, _state, attempts, *rest) = row
            if entity_id in stop_at:
                stopped = True
                break
            after = id_
            if entity_id in blocked:
                held.append((id_,))
            else:
                # As the op is once the UPDATE below ran: sent, one more attempt.
                taken.append(
                    OutboxOp(
                        id_,
                        op_id,
                        kind,
                        entity_id,
                        payload,
                        payload_hash,
                        created_at,
                        "sent",
                        attempts + 1,
                        *rest,
                    )
                )
    _many(session, "UPDATE outbox SET state = 'held' WHERE id = ?", held)
    _many(
        session,
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1 WHERE id = ?",
        [(op.id,) for op in taken],
    )
    return Claimed(taken, len(held), stopped or len(taken) >= limit)


def _many(session: Session, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One statement for many rows (executemany straight through the driver: no per-row ORM work)."""
    if rows:
        session.connection().exec_driver_sql(sql, list(rows))


def record_results(
    session: Session, clock: Clock, ops: Sequence[OutboxOp], results: Sequence[protocol.OpResult]
) -> PushStats:
    """Store every per-op result in the caller's transaction (set-based: one UPDATE per kind of outcome).

    applied/duplicate → done; conflict → conflict + a row with both sides; rejected → rejected + a row
    (op_id_reused: quarantined, logged as an error). After a refused op, the dossier's later ops
    (in this batch or still queued) are held; other dossiers are not affected.
    """
    stats = PushStats(sent=len(ops))
    dialect = session.get_bind().dialect
    to_db = OutboxEntry.__table__.c.acked_at.type.dialect_impl(dialect).bind_processor(dialect)
    now = clock.now_utc()
    stamp = to_db(now) if to_db else now
    blocked = conflicts.open_entities(session, {op.entity_id for op in ops})
    done: list[tuple[Any, ...]] = []
    held: list[tuple[Any, ...]] = []
    refused: list[tuple[OutboxOp, protocol.OpResult, str]] = []
    refused_at: dict[str, int] = {}
    for op, result in zip(ops, results, strict=True):
        code = result.error.code if result.error else None
        if result.acknowledged:
            done.append((result.result, code, result.server_seq, stamp, op.id))
            if result.result == protocol.APPLIED:
                stats.applied += 1
            else:
                stats.duplicate += 1
            continue
        detail = result.error.detail if result.error else ""
        last_error = detail or result.result
        if op.entity_id in blocked:
            # A consequence of an earlier refusal of the same dossier: wait with it, do not list it twice.
            held.append((result.result, code, last_error, op.id))
            stats.held += 1
            continue
        refused.append((op, result, last_error))
        blocked.add(op.entity_id)
        refused_at[op.entity_id] = op.id
    _many(
        session,
        "UPDATE outbox SET result = ?, error_code = ?, state = 'done', server_seq = ?, acked_at = ?, "
        "last_error = '', next_attempt_at = NULL WHERE id = ?",
        done,
    )
    _many(
        session,
        "UPDATE outbox SET result = ?, error_code = ?, state = 'held', last_error = ? WHERE id = ?",
        held,
    )
    for op, result, last_error in refused:
        state = _refuse(session, clock, op, result, stats)
        _many(
            session,
            "UPDATE outbox SET result = ?, error_code = ?, state = ?, last_error = ? WHERE id = ?",
            [(result.result, result.error.code if result.error else None, state, last_error, op.id)],
        )
    for entity_id, op_id in refused_at.items():
        stats.held += outbox.hold_after(session, entity_id, op_id)
    session.flush()
    return stats


def _refuse(session: Session, clock: Clock, op: OutboxOp, result: protocol.OpResult, stats: PushStats) -> str:
    """List a refused op for the supervisor (both sides); returns the op's new state."""
    code = result.error.code if result.error else ""
    if result.result == protocol.CONFLICT:
        state, kind = "conflict", "conflict"
        stats.conflict += 1
    elif code == protocol.ERR_OP_ID_REUSED:
        state, kind = "rejected", "quarantine"
        stats.rejected += 1
        stats.quarantined += 1
        stats.quarantined_ops.append(op.op_id)
        log.error(
            "QUARANTINE: the server holds op %s with a different payload (local hash %s); never resent",
            op.op_id,
            op.payload_hash,
        )
    else:
        state, kind = "rejected", "rejected"
        stats.rejected += 1
    conflicts.record(
        session,
        clock,
        kind=kind,
        dossier_id=op.entity_id,
        code=_dossier_code(session, op),
        op_id=op.op_id,
        error_code=code,
        detail=result.error.detail if result.error else "",
        local={"op": _op_json(op), "dossier": _dossier_json(session, op.entity_id)},
        server=result.server,
    )
    return state


def _op_json(op: OutboxOp) -> dict[str, Any]:
    try:
        payload: Any = json.loads(op.payload)
    except ValueError:
        payload = op.payload
    return {
        "op_id": op.op_id,
        "kind": op.kind,
        "seq": op.id,
        "created_at": op.created_at.isoformat(),
        "payload": payload,
    }


def _dossier_code(session: Session, op: OutboxOp) -> str:
    code = session.scalar(select(Dossier.code).where(Dossier.id == op.entity_id))
    if code:
        return str(code)
    try:
        data = json.loads(op.payload)
    except ValueError:
        return ""
    inner = data.get("dossier") if isinstance(data, dict) else None
    return str((inner or data).get("code", "")) if isinstance(inner or data, dict) else ""


def _dossier_json(session: Session, dossier_id: str) -> dict[str, Any]:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        return {}
    return {
        "id": dossier.id,
        "code": dossier.code,
        "status": dossier.status,
        "version": dossier.version,
        "server_version": dossier.server_version,
        "origin": dossier.origin,
        "received_at": _iso(dossier.received_at),
        "appointment_at": _iso(dossier.appointment_at),
        "finished_at": _iso(dossier.finished_at),
        "returned_at": _iso(dossier.returned_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
