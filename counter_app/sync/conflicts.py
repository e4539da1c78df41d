"""The supervisor's list of what sync could not fit: conflicts, rejections, quarantined ops, clashes.

Each row keeps both sides (the local op and dossier, the server's dossier) so a person can decide;
nothing is dropped or overwritten silently. While a dossier has an open row, its later ops wait
('held') and pulls do not touch its server-owned fields.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.services import outbox
from counter_app.services.audit import append_audit
from counter_app.services.outbox import canonical_json
from counter_app.services.users import require_role
from counter_app.storage.models import Dossier, OutboxEntry, SyncConflict

KIND_LABELS: Final = {
    "conflict": N_("Xung đột với dữ liệu trên máy chủ"),
    "rejected": N_("Máy chủ từ chối thao tác"),
    "quarantine": N_("Thao tác bị cách ly (trùng mã thao tác, khác nội dung)"),
    "code_clash": N_("Trùng mã hồ sơ với hồ sơ khác"),
    "invalid": N_("Dữ liệu máy chủ gửi về không hợp lệ"),
}
RETRY: Final = "retry"  # send the op again (the server side was fixed)
ACCEPT_SERVER: Final = "accept_server"  # the server's state stands; local later ops are sent after it
RESOLUTIONS: Final = (RETRY, ACCEPT_SERVER)
RESOLVER_ROLES: Final = ("supervisor", "admin")  # who may resolve a conflict


@dataclass(frozen=True)
class ConflictView:
    """One row of the conflict list, decoded."""

    id: int
    kind: str
    kind_label: str
    dossier_id: str
    code: str
    op_id: str | None
    error_code: str
    detail: str
    local: dict[str, Any]
    server: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


def record(
    session: Session,
    clock: Clock,
    *,
    kind: str,
    dossier_id: str,
    code: str,
    op_id: str | None,
    error_code: str,
    detail: str,
    local: Mapping[str, Any],
    server: Mapping[str, Any] | None,
    once: bool = False,
) -> SyncConflict | None:
    """Add a row (audited) in the caller's transaction; with `once`, not if an open one of that kind exists."""
    if once:
        existing = session.scalar(
            select(SyncConflict).where(
                SyncConflict.dossier_id == dossier_id,
                SyncConflict.kind == kind,
                SyncConflict.resolved_at.is_(None),
            )
        )
        if existing is not None:
            return None
    row = SyncConflict(
        op_id=op_id,
        dossier_id=dossier_id,
        code=code,
        kind=kind,
        error_code=error_code,
        detail=detail,
        local_json=canonical_json(dict(local)),
        server_json=canonical_json(dict(server or {})),
        created_at=clock.now_utc(),
    )
    session.add(row)
    session.flush()
    append_audit(
        session,
        clock,
        None,
        f"sync_{kind}",
        "dossier",
        dossier_id,
        {"code": code, "op_id": op_id, "error_code": error_code, "detail": detail, "conflict_id": row.id},
    )
    return row


def open_entities(session: Session, among: Collection[str] | None = None) -> set[str]:
    """Dossier ids with an open row (all of them, or only those in `among`)."""
    query = select(SyncConflict.dossier_id).where(SyncConflict.resolved_at.is_(None))
    if among is not None:
        ids = list(among)
        if not ids:
            return set()
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(session.scalars(query.where(SyncConflict.dossier_id.in_(ids[start : start + 500]))))
        return found
    return set(session.scalars(query.distinct()))


def count_open(session: Session) -> dict[str, int]:
    """Open rows per kind."""
    rows = session.execute(
        select(SyncConflict.kind, func.count())
        .where(SyncConflict.resolved_at.is_(None))
        .group_by(SyncConflict.kind)
    )
    return {kind: int(n) for kind, n in rows}


def list_conflicts(
    session: Session, *, include_resolved: bool = False, limit: int = 500
) -> list[ConflictView]:
    """Rows for the supervisor, oldest first; open ones only unless `include_resolved`."""
    query = select(SyncConflict)
    if not include_resolved:
        query = query.where(SyncConflict.resolved_at.is_(None))
    return [_view(row) for row in session.scalars(query.order_by(SyncConflict.id).limit(limit))]


def _view(row: SyncConflict) -> ConflictView:
    return ConflictView(
        row.id,
        row.kind,
        _(KIND_LABELS.get(row.kind, row.kind)),
        row.dossier_id,
        row.code,
        row.op_id,
        row.error_code,
        row.detail,
        json.loads(row.local_json or "{}"),
        json.loads(row.server_json or "{}"),
        row.created_at,
        row.resolved_at,
        row.resolved_by,
        row.resolution,
    )


def resolve(
    session: Session, clock: Clock, conflict_id: int, by_user_id: str | None, resolution: str, note: str = ""
) -> ConflictView:
    """Close one row (audited) and let the dossier's held ops go.

    - `retry`: the refused op is sent again (e.g. the department has since fixed the server side);
    - `accept_server`: the server's state of the dossier is taken here (its history and status), the
      refused op stays refused, and later ops of the dossier are sent after it.
    A quarantined op (same op id, different content) cannot be retried: it is a bug or tampering.
    """
    from counter_app.sync import pull  # pull records conflicts itself; import here to avoid a cycle
    from counter_app.sync.state import load_enrolment

    if resolution not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}")
    if by_user_id is not None:  # None: the operator at the command line (counter-admin), who holds the file
        require_role(session, by_user_id, *RESOLVER_ROLES)
    row = session.get(SyncConflict, conflict_id)
    if row is None:
        raise UserFacingError(_("Không có mục xung đột số {conflict_id}.").format(conflict_id=conflict_id))
    if row.resolved_at is not None:
        raise UserFacingError(
            _(
                "Mục xung đột số {conflict_id} đã được xử lý lúc {resolved_at:%H:%M %d/%m/%Y} (giờ UTC)."
            ).format(conflict_id=conflict_id, resolved_at=row.resolved_at)
        )
    if resolution == RETRY:
        if row.kind == "quarantine":
            raise UserFacingError(
                _(
                    "Thao tác bị cách ly không gửi lại được (trùng mã thao tác, khác nội dung); hãy báo "
                    "quản trị."
                )
            )
        if row.op_id:
            op = session.scalar(select(OutboxEntry).where(OutboxEntry.op_id == row.op_id))
            if op is not None and op.state in ("conflict", "rejected"):
                op.state, op.last_error, op.next_attempt_at = "pending", "", None
    elif row.server_json and row.server_json != "{}":
        enrolment = load_enrolment(session)
        if enrolment is not None and session.get(Dossier, row.dossier_id) is not None:
            scope = pull.Scope(enrolment.counter_id, enrolment.agency_code, enrolment.slot)
            pull.apply_snapshot_now(session, clock, json.loads(row.server_json), scope)
    row.resolved_at = clock.now_utc()
    row.resolved_by = by_user_id
    row.resolution = resolution
    session.flush()
    if not open_entities(session, [row.dossier_id]):
        outbox.unblock(session, row.dossier_id)
    append_audit(
        session,
        clock,
        by_user_id,
        "sync_conflict_resolved",
        "dossier",
        row.dossier_id,
        {"conflict_id": row.id, "kind": row.kind, "resolution": resolution, "note": note},
    )
    return _view(row)
