"""The audit trail: append-only rows chained by sha256, written in the audited action's transaction.

Each row stores `prev_hash` (the previous row's hash, or 64 zeros for the first) and
`hash = sha256(prev_hash + canonical JSON of {at, user_id, action, entity_type, entity_id, detail})`.
Changing, inserting or deleting a row breaks the chain at that point; deleting the newest rows is seen
through `sqlite_sequence` (the table is AUTOINCREMENT). The database also refuses UPDATE and DELETE
on the table (triggers), so the chain only has to catch deliberate tampering outside the application.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.i18n import _
from counter_app.services import rawsql
from counter_app.services.outbox import canonical_json, sha256_hex
from counter_app.storage.models import AuditEntry

GENESIS_HASH = "0" * 64
# The chain's head is the row with the highest id (the INTEGER PRIMARY KEY: one b-tree step).
_LAST_HASH = "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
_INSERT = (
    "INSERT INTO audit_log (at, user_id, action, entity_type, entity_id, detail, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class AuditRecord:
    """One audit row, with its detail decoded."""

    id: int
    at: datetime
    user_id: str | None
    action: str
    entity_type: str
    entity_id: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain is broken and why (Vietnamese, for the supervisor's integrity report)."""

    audit_id: int
    message: str


def chain_hash(
    prev_hash: str,
    at: datetime,
    user_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: Mapping[str, Any],
) -> str:
    """The hash of one row given its predecessor's hash (the definition of the chain)."""
    body = canonical_json(
        {
            "at": at.isoformat(),
            "user_id": user_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "detail": dict(detail),
        }
    )
    return sha256_hex(prev_hash + body)


def append_audit(
    session: Session,
    clock: Clock,
    user_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: Mapping[str, Any],
) -> AuditRecord:
    """Append one row to the chain in the caller's transaction and return it.

    The previous row is read in the same transaction; the writer's BEGIN IMMEDIATE makes that read
    and this insert atomic with respect to any other writer, so the chain cannot fork.
    `user_id` is None for actions without a signed-in user (an unknown user name, the command line).
    """
    # Plain SQL on the session's connection (pending ORM changes flushed first): the row is in the
    # database at once, so the next append in this transaction chains on it.
    return append_audit_row(
        rawsql.connection(session), clock, user_id, action, entity_type, entity_id, detail
    )


def append_audit_row(
    conn: sqlite3.Connection,
    clock: Clock,
    user_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    detail: Mapping[str, Any],
) -> AuditRecord:
    """`append_audit` on the DB-API connection of the caller's writing transaction."""
    if not action:
        raise ValueError("an audit entry needs an action")
    frozen_detail: dict[str, Any] = json.loads(canonical_json(dict(detail)))
    last = conn.execute(_LAST_HASH).fetchone()
    prev_hash = (last[0] if last is not None else None) or GENESIS_HASH
    at = clock.now_utc()
    cursor = conn.execute(
        _INSERT,
        (
            rawsql.timestamp(at),
            user_id,
            action,
            entity_type,
            entity_id,
            canonical_json(frozen_detail),
            prev_hash,
            chain_hash(prev_hash, at, user_id, action, entity_type, entity_id, frozen_detail),
        ),
    )
    return AuditRecord(int(cursor.lastrowid or 0), at, user_id, action, entity_type, entity_id, frozen_detail)


def history(
    session: Session, entity_type: str | None = None, entity_id: str | None = None, *, limit: int = 1000
) -> list[AuditRecord]:
    """Audit rows, oldest first, optionally only those about one entity."""
    query = select(AuditEntry)
    if entity_type is not None:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    rows = session.scalars(query.order_by(AuditEntry.id).limit(limit))
    return [
        AuditRecord(r.id, r.at, r.user_id, r.action, r.entity_type, r.entity_id, json.loads(r.detail))
        for r in rows
    ]


def verify_chain(session: Session) -> list[ChainProblem]:
    """Check the whole chain; an empty list means intact. Each broken link is reported once."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    last_id = 0
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000))
    for row in rows:
        last_id = row.id
        if row.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    row.id,
                    _("Dòng nhật ký {id} không nối với dòng trước: có dòng đã bị xóa, chèn hoặc sửa.").format(
                        id=row.id
                    ),
                )
            )
        try:
            detail = json.loads(row.detail)
            if not isinstance(detail, dict):
                raise ValueError("detail is not an object")
        except ValueError:
            problems.append(
                ChainProblem(row.id, _("Dòng nhật ký {id} có chi tiết không đọc được.").format(id=row.id))
            )
        else:
            computed = chain_hash(
                row.prev_hash, row.at, row.user_id, row.action, row.entity_type, row.entity_id, detail
            )
            if computed != row.hash:
                problems.append(
                    ChainProblem(
                        row.id,
                        _("Dòng nhật ký {id} đã bị sửa sau khi ghi (mã băm không khớp).").format(id=row.id),
                    )
                )
        # Chain on from the stored hash so that one altered row is reported once, not for every row after.
        expected_prev = row.hash
    highest = session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'"))
    if highest is not None and int(highest) > last_id:
        missing = int(highest) - last_id
        problems.append(
            ChainProblem(
                int(highest),
                _("{missing} dòng nhật ký cuối cùng (tới số {highest}) đã bị xóa.").format(
                    missing=missing, highest=highest
                ),
            )
        )
    return problems
