"""The database side of a push: ops as wire ops, and the server's per-op results recorded in one go."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
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


def record_results(
    session: Session, clock: Clock, ops: Sequence[OutboxOp], results: Sequence[protocol.OpResult]
) -> PushStats:
    """Store every per-op result in the caller's transaction.

    applied/duplicate → done; conflict → conflict + a row with both sides; rejected → rejected + a row
    (op_id_reused: quarantined, logged as an error). After a refused op, the dossier's later ops
    (in this batch or still queued) are held; other dossiers are not affected.
    """
    stats = PushStats(sent=len(ops))
    now = clock.now_utc()
    rows = {
        r.op_id: r
        for r in session.scalars(select(OutboxEntry).where(OutboxEntry.op_id.in_([o.op_id for o in ops])))
    }
    blocked = conflicts.open_entities(session, {op.entity_id for op in ops})
    refused_at: dict[str, int] = {}
    for op, result in zip(ops, results, strict=True):
        row = rows[op.op_id]
        row.result = result.result
        row.error_code = result.error.code if result.error else None
        if result.acknowledged:
            row.state, row.server_seq, row.acked_at, row.last_error = "done", result.server_seq, now, ""
            row.next_attempt_at = None
            if result.result == protocol.APPLIED:
                stats.applied += 1
            else:
                stats.duplicate += 1
            continue
        detail = result.error.detail if result.error else ""
        row.last_error = detail or result.result
        if op.entity_id in blocked:
            # A consequence of an earlier refusal of the same dossier: wait with it, do not list it twice.
            row.state = "held"
            stats.held += 1
            continue
        _refuse(session, clock, op, row, result, stats, now)
        blocked.add(op.entity_id)
        refused_at[op.entity_id] = op.id
    for entity_id, op_id in refused_at.items():
        stats.held += outbox.hold_after(session, entity_id, op_id)
    session.flush()
    return stats


def _refuse(
    session: Session,
    clock: Clock,
    op: OutboxOp,
    row: OutboxEntry,
    result: protocol.OpResult,
    stats: PushStats,
    now: datetime,
) -> None:
    code = result.error.code if result.error else ""
    if result.result == protocol.CONFLICT:
        row.state, kind = "conflict", "conflict"
        stats.conflict += 1
    elif code == protocol.ERR_OP_ID_REUSED:
        row.state, kind = "rejected", "quarantine"
        stats.rejected += 1
        stats.quarantined += 1
        stats.quarantined_ops.append(op.op_id)
        log.error(
            "QUARANTINE: the server holds op %s with a different payload (local hash %s); never resent",
            op.op_id,
            op.payload_hash,
        )
    else:
        row.state, kind = "rejected", "rejected"
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
