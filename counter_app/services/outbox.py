"""The transactional outbox: every local change queues a frozen, hashed op in its own transaction.

An op is written by the use case that makes the change, in the same transaction, so the change and
its op exist together or not at all. Its payload is frozen as canonical JSON with a sha256 digest
(the database refuses to rewrite it: trigger `outbox_payload_frozen`); a later edit is a new op. The
sync worker (later) sends ops in id order and records the outcome in `state`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.ids import uuid7
from counter_app.storage.models import OutboxEntry

# States in which an op still has to reach the central system (the status bar's "queue depth").
UNFINISHED_STATES = ("pending", "sent", "failed")
# States the sync worker picks ops from: never sent, or failed and due for a retry.
SENDABLE_STATES = ("pending", "failed")


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def canonical_json(value: Mapping[str, Any] | list[Any]) -> str:
    """The one canonical text of a JSON value: sorted keys, no spaces, UTF-8 kept, ISO dates, no NaN.

    Hashes (outbox payloads, the audit chain) are computed over this text, so the same data always
    hashes the same on the counter and on the server.
    """
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def sha256_hex(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, as 64 lower-case hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OutboxOp:
    """A queued op as the sync worker and the status bar see it."""

    id: int
    op_id: str
    kind: str
    entity_id: str
    payload: str
    payload_hash: str
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str


def _to_op(row: OutboxEntry) -> OutboxOp:
    return OutboxOp(
        id=row.id,
        op_id=row.op_id,
        kind=row.kind,
        entity_id=row.entity_id,
        payload=row.payload,
        payload_hash=row.payload_hash,
        created_at=row.created_at,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
    )


def enqueue(session: Session, clock: Clock, kind: str, entity_id: str, payload: Mapping[str, Any]) -> str:
    """Queue one op in the caller's transaction and return its op_id (a UUIDv7, the idempotency key).

    `kind` names the change, e.g. "dossier.received"; `entity_id` is the UUID of the record changed.
    """
    if not kind or not entity_id:
        raise ValueError("an outbox op needs a kind and an entity id")
    text = canonical_json(payload)
    op_id = uuid7()
    session.add(
        OutboxEntry(
            op_id=op_id,
            kind=kind,
            entity_id=entity_id,
            payload=text,
            payload_hash=sha256_hex(text),
            created_at=clock.now_utc(),
            state="pending",
            attempts=0,
            next_attempt_at=None,
            last_error="",
        )
    )
    return op_id


def pending(session: Session, limit: int = 100, *, now_utc: datetime | None = None) -> list[OutboxOp]:
    """The oldest ops still to send, FIFO: never sent, or failed (and, with `now_utc`, due again)."""
    query = select(OutboxEntry).where(OutboxEntry.state.in_(SENDABLE_STATES))
    if now_utc is not None:
        query = query.where(
            or_(OutboxEntry.next_attempt_at.is_(None), OutboxEntry.next_attempt_at <= now_utc)
        )
    rows = session.scalars(query.order_by(OutboxEntry.id).limit(limit))
    return [_to_op(row) for row in rows]


def depth(session: Session) -> int:
    """How many ops have not yet been acknowledged (pending, sent or failed; rejected ones excluded)."""
    count = session.scalar(
        select(func.count()).select_from(OutboxEntry).where(OutboxEntry.state.in_(UNFINISHED_STATES))
    )
    return int(count or 0)


def ops_for(session: Session, entity_id: str) -> list[OutboxOp]:
    """Every op of one record, oldest first (the dossier's sync state is the state of its ops)."""
    rows = session.scalars(
        select(OutboxEntry).where(OutboxEntry.entity_id == entity_id).order_by(OutboxEntry.id)
    )
    return [_to_op(row) for row in rows]
