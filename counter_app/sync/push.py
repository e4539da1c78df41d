"""The database side of a push: ops as wire ops, and the server's per-op results recorded in one go."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select
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
        data = json.loads(payload)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for part, key in (("dossier", "clerk_id"), ("event", "user_id")):
        inner = data.get(part)
        if isinstance(inner, dict) and isinstance(inner.get(key), str):
            return str(inner[key])
    return ""


# The columns of an outbox row, in OutboxOp's field order.
_OP_COLUMNS = tuple(OutboxEntry.__table__.c[f.name] for f in fields(OutboxOp))


def claim(
    session: Session, limit: int, *, up_to_id: int | None = None, blocked: Collection[str] = ()
) -> tuple[list[OutboxOp], int]:
    """`outbox.claim` in set-based SQL: the same ops, states and counts, without an ORM object per row.

    Takes the next `limit` ops to send, FIFO (ids ≤ `up_to_id`), and marks them sent (attempts + 1) in
    the caller's transaction; ops of an entity in `blocked` are marked 'held' instead and skipped.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    entry = OutboxEntry.__table__.c
    taken: list[OutboxOp] = []
    held: list[tuple[int]] = []
    after = 0
    while len(taken) < limit:
        query = select(*_OP_COLUMNS).where(entry.state.in_(outbox.RESEND_STATES), entry.id > after)
        if up_to_id is not None:
            query = query.where(entry.id <= up_to_id)
        rows = session.execute(query.order_by(entry.id).limit(limit - len(taken))).all()
        if not rows:
            break
        for row in rows:
            (id_, op_id, kind, entity_id, payload, payload_hash, created_at, _state, attempts, *rest) = row
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
    return taken, len(held)


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
