"""What the desk shows about sync: each dossier's state, and the queue for the status bar. Never a false green.

A dossier's state comes from its outbox ops and the conflict list:
  local     the counter is not enrolled (standalone): nothing is meant to leave this PC
  conflict  the server refused an op as a conflict (the supervisor decides; later ops wait)
  rejected  the server rejected an op (or quarantined it); later ops wait
  failed    an op could not be delivered yet (reason: the last error); it will be retried
  sent      an op is on its way (sent, no answer recorded yet)
  pending   an op is queued, not sent yet
  synced    every op is acknowledged (or the dossier came from the server and nothing local is queued)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import settings
from counter_app.i18n import N_, _
from counter_app.services import outbox
from counter_app.storage.models import Dossier, OutboxEntry, SyncConflict
from counter_app.sync import conflicts, state
from counter_app.sync.engine import skew_message

LABELS: Final = {
    "local": N_("Chưa đồng bộ (quầy độc lập)"),
    "pending": N_("Chờ gửi"),
    "sent": N_("Đang gửi"),
    "synced": N_("Đã đồng bộ"),
    "failed": N_("Gửi chưa được"),
    "conflict": N_("Xung đột — chờ xử lý"),
    "rejected": N_("Bị từ chối — chờ xử lý"),
}
# The worst state wins: what needs a person first, then what is not on the server yet.
_RANK: Final = {"conflict": 0, "rejected": 1, "failed": 2, "sent": 3, "pending": 4, "synced": 5}
_OP_STATE: Final = {
    "pending": "pending",
    "held": "pending",
    "sent": "sent",
    "failed": "failed",
    "done": "synced",
    "acked": "synced",
}


@dataclass(frozen=True)
class DossierSyncState:
    """One dossier's sync state, its Vietnamese label and (failed, conflict, rejected) the reason."""

    state: str
    label: str
    reason: str = ""


def _make(name: str, reason: str = "") -> DossierSyncState:
    return DossierSyncState(name, _(LABELS[name]), reason)


def enrolled(session: Session) -> bool:
    """Is this counter enrolled with a central server?"""
    return state.load_enrolment(session) is not None


def dossier_sync_state(session: Session, dossier_id: str) -> DossierSyncState:
    """The sync state of one dossier."""
    return dossier_sync_states(session, [dossier_id])[dossier_id]


def dossier_sync_states(session: Session, dossier_ids: Collection[str]) -> dict[str, DossierSyncState]:
    """The sync states of a page of dossiers, in three indexed queries (outbox by entity, conflicts by
    dossier, dossiers by id): cheap for a 50-row page of a million-dossier database."""
    ids = list(dict.fromkeys(dossier_ids))
    if not ids:
        return {}
    if not enrolled(session):
        return {i: _make("local") for i in ids}
    worst: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        ops = session.execute(
            select(OutboxEntry.entity_id, OutboxEntry.state, OutboxEntry.last_error).where(
                OutboxEntry.entity_id.in_(chunk)
            )
        )
        for entity_id, op_state, error in ops:
            # A refused op counts through its conflict row: once a person has decided, it is settled.
            if op_state not in ("conflict", "rejected"):
                _keep_worst(worst, entity_id, _OP_STATE.get(op_state, "pending"), error or "")
        for dossier_id, kind, detail in session.execute(
            select(SyncConflict.dossier_id, SyncConflict.kind, SyncConflict.detail).where(
                SyncConflict.dossier_id.in_(chunk), SyncConflict.resolved_at.is_(None)
            )
        ):
            reason = detail or _(conflicts.KIND_LABELS.get(kind, kind))
            _keep_worst(
                worst, dossier_id, "conflict" if kind in ("conflict", "code_clash") else "rejected", reason
            )
    missing = [i for i in ids if i not in worst]
    seen: set[str] = set()
    for start in range(0, len(missing), 500):
        seen.update(
            session.scalars(
                select(Dossier.id).where(
                    Dossier.id.in_(missing[start : start + 500]), Dossier.server_version > 0
                )
            )
        )
    result: dict[str, DossierSyncState] = {}
    for i in ids:
        if i in worst:
            name, reason = worst[i]
            result[i] = _make(name, reason if name in ("failed", "conflict", "rejected") else "")
        else:
            # No op at all: known to the server if it has a server version; otherwise not queued (older data).
            result[i] = _make("synced") if i in seen else _make("local")
    return result


def _keep_worst(worst: dict[str, tuple[str, str]], key: str, name: str, reason: str) -> None:
    current = worst.get(key)
    if current is None or _RANK[name] < _RANK[current[0]]:
        worst[key] = (name, reason)


@dataclass(frozen=True)
class QueueStatus:
    """The status bar's sync section."""

    enrolled: bool
    server_url: str
    counter_name: str
    depth: int  # ops not yet on the server (pending, sent, failed, held)
    oldest_pending_at: datetime | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str
    last_error_kind: str  # "transient" | "fatal" | ""
    next_attempt_at: datetime | None
    consecutive_failures: int
    skew_seconds: float | None
    skew_warning: str | None
    conflicts_open: int
    pull_cursor: int

    @property
    def healthy(self) -> bool:
        """Green only if the last round succeeded and nothing waits for a person."""
        return (
            self.enrolled
            and not self.last_error
            and self.conflicts_open == 0
            and self.last_success_at is not None
        )


def queue_status(session: Session) -> QueueStatus:
    """The sync summary for the status bar and `counter-admin sync status`."""
    enrolment = state.load_enrolment(session)
    values = state.get_all(session)
    skew = state.as_float(values, state.CLOCK_SKEW_SECONDS)
    times = [state.as_time(values, k) for k in (state.NEXT_ATTEMPT_AT, state.RETRY_AFTER_UNTIL)]
    return QueueStatus(
        enrolled=enrolment is not None,
        server_url=enrolment.server_url if enrolment else "",
        counter_name=enrolment.counter_name if enrolment else "",
        depth=outbox.depth(session),
        oldest_pending_at=outbox.oldest_unsent_at(session, outbox.UNFINISHED_STATES),
        last_success_at=state.as_time(values, state.LAST_SUCCESS_AT),
        last_attempt_at=state.as_time(values, state.LAST_ATTEMPT_AT),
        last_error=values.get(state.LAST_ERROR, ""),
        last_error_kind=values.get(state.LAST_ERROR_KIND, ""),
        next_attempt_at=max((t for t in times if t), default=None),
        consecutive_failures=state.as_int(values, state.CONSECUTIVE_FAILURES),
        skew_seconds=skew,
        skew_warning=skew_message(skew, settings.get(session, settings.SKEW_WARNING_SECONDS)),
        conflicts_open=sum(conflicts.count_open(session).values()),
        pull_cursor=state.as_int(values, state.PULL_CURSOR),
    )
