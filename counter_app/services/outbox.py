"""The transactional outbox: every local change queues a frozen, hashed op in its own transaction.

An op is written by the use case that makes the change, in the same transaction, so the change and
its op exist together or not at all. Its payload is frozen as canonical JSON with a sha256 digest
(the database refuses to rewrite it: trigger `outbox_payload_frozen`); a later edit is a new op. The
sync engine (counter_app.sync) sends ops in id order and records the outcome in `state`:

  pending → sent → done (applied or duplicate)
                 → failed (no answer; sent again after a back-off)
                 → conflict | rejected (the supervisor's list; later ops of that dossier → held)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.ids import uuid7
from counter_app.services import rawsql
from counter_app.storage.models import OutboxEntry

# States in which an op still has to reach the central system (the status bar's "queue depth"); a held
# op waits behind an earlier op of the same dossier that the server refused (a conflict or rejection).
UNFINISHED_STATES = ("pending", "sent", "failed", "held")
# States the sync worker picks ops from: never sent, or failed and due for a retry.
SENDABLE_STATES = ("pending", "failed")
# What a sync round sends: also 'sent', which only a crash between sending and recording leaves
# behind (the op is simply sent again; the server answers 'duplicate' if it already has it).
RESEND_STATES = ("pending", "failed", "sent")
# The server holds the op's effect.
DONE_STATES = ("done", "acked")
_INSERT = (
    "INSERT INTO outbox (op_id, kind, entity_id, payload, payload_hash, created_at, state, attempts, "
    "next_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, NULL, '')"
)


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


# What json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
# default=_json_default) builds for every call, built once (encode keeps no state between calls).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
)


def canonical_json(value: Mapping[str, Any] | list[Any]) -> str:
    """The one canonical text of a JSON value: sorted keys, no spaces, UTF-8 kept, ISO dates, no NaN.

    Hashes (outbox payloads, the audit chain) are computed over this text, so the same data always
    hashes the same on the counter and on the server.
    """
    return _CANONICAL.encode(value)


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
    result: str | None = None
    error_code: str | None = None
    server_seq: int | None = None
    acked_at: datetime | None = None


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
        result=row.result,
        error_code=row.error_code,
        server_seq=row.server_seq,
        acked_at=row.acked_at,
    )


def enqueue(session: Session, clock: Clock, kind: str, entity_id: str, payload: Mapping[str, Any]) -> str:
    """Queue one op in the caller's transaction and return its op_id (a UUIDv7, the idempotency key).

    `kind` names the change, e.g. "dossier.received"; `entity_id` is the UUID of the record changed.
    """
    if not kind or not entity_id:
        raise ValueError("an outbox op needs a kind and an entity id")
    text = canonical_json(payload)
    op_id = uuid7()
    # Plain SQL on the session's connection (pending ORM changes flushed first), as the ORM would store it.
    rawsql.connection(session).execute(
        _INSERT, (op_id, kind, entity_id, text, sha256_hex(text), rawsql.timestamp(clock.now_utc()))
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


def claim(
    session: Session, limit: int, *, up_to_id: int | None = None, blocked: Collection[str] = ()
) -> tuple[list[OutboxOp], int]:
    """Take the next `limit` ops to send, FIFO, and mark them sent (attempts + 1) in the caller's transaction.

    Ops of an entity in `blocked` (a dossier with an open conflict or rejection) are marked 'held'
    instead and skipped, so one refused dossier never stops the others. `up_to_id` bounds a round to the
    ops that existed when it started. Returns the ops and how many were held.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    taken: list[OutboxEntry] = []
    held = 0
    after = 0
    while len(taken) < limit:
        query = select(OutboxEntry).where(OutboxEntry.state.in_(RESEND_STATES), OutboxEntry.id > after)
        if up_to_id is not None:
            query = query.where(OutboxEntry.id <= up_to_id)
        rows = list(session.scalars(query.order_by(OutboxEntry.id).limit(limit - len(taken))))
        if not rows:
            break
        for row in rows:
            after = row.id
            if row.entity_id in blocked:
                row.state = "held"
                held += 1
            else:
                taken.append(row)
    for row in taken:
        row.state = "sent"
        row.attempts += 1
    session.flush()
    return [_to_op(row) for row in taken], held


def last_id(session: Session) -> int:
    """The newest op's id (0 when the outbox is empty)."""
    return int(session.scalar(select(func.max(OutboxEntry.id))) or 0)


def release(
    session: Session, ids: Collection[int], state: str, *, error: str = "", retry_at: datetime | None = None
) -> None:
    """Put claimed ops back (to 'pending' or 'failed', with the reason and the next attempt)."""
    if state not in ("pending", "failed"):
        raise ValueError(f"cannot release ops to {state!r}")
    if ids:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(list(ids)), OutboxEntry.state == "sent")
            .values(state=state, last_error=error, next_attempt_at=retry_at)
        )


def requeue_done(session: Session) -> int:
    """Send every acknowledged op again (the server was restored and may have lost them); returns how many.

    Unsent, held, refused ops are left alone. The server answers 'duplicate' for those it still has.
    """
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.state.in_(DONE_STATES))
        .values(state="pending", result=None, server_seq=None, acked_at=None, next_attempt_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unblock(session: Session, entity_id: str) -> int:
    """Held ops of one entity go back to pending (its conflict was resolved); returns how many."""
    result = session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.entity_id == entity_id, OutboxEntry.state == "held")
        .values(state="pending", last_error="", next_attempt_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def hold_after(session: Session, entity_id: str, after_id: int) -> int:
    """Unsent ops of `entity_id` newer than op `after_id` wait ('held'): an earlier one was refused."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.entity_id == entity_id,
            OutboxEntry.id > after_id,
            OutboxEntry.state.in_(RESEND_STATES),
        )
        .values(state="held")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unfinished_entities(session: Session, entity_ids: Collection[str]) -> set[str]:
    """Which of `entity_ids` still have an op on its way (pending, sent, failed or held)."""
    found: set[str] = set()
    ids = list(entity_ids)
    for start in range(0, len(ids), 500):
        found.update(
            session.scalars(
                select(OutboxEntry.entity_id)
                .where(OutboxEntry.entity_id.in_(ids[start : start + 500]))
                .where(OutboxEntry.state.in_(UNFINISHED_STATES))
                .distinct()
            )
        )
    return found


def oldest_unsent_at(session: Session, states: Collection[str] = RESEND_STATES) -> datetime | None:
    """When the oldest op still to send was queued (None when there is none)."""
    first = session.scalar(select(func.min(OutboxEntry.id)).where(OutboxEntry.state.in_(list(states))))
    if first is None:
        return None
    return session.scalar(select(OutboxEntry.created_at).where(OutboxEntry.id == first))


def ops_in_states(session: Session, states: Collection[str], limit: int = 10_000_000) -> list[OutboxOp]:
    """Every op in the given states, FIFO."""
    rows = session.scalars(
        select(OutboxEntry).where(OutboxEntry.state.in_(list(states))).order_by(OutboxEntry.id).limit(limit)
    )
    return [_to_op(row) for row in rows]
