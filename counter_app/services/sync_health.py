"""The counter's sync health as the supervisor sees it: queue depth, last successful sync, open conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.deadlines import format_instant
from counter_app.i18n import _
from counter_app.sync.status import queue_status


@dataclass(frozen=True)
class SyncHealth:
    """`standalone`: the counter is not enrolled with a central server (nothing to sync with)."""

    standalone: bool
    queue_depth: int
    last_success_utc: datetime | None
    open_conflicts: int
    last_error: str = ""
    oldest_unsent_utc: datetime | None = None

    @property
    def last_success_text(self) -> str:
        """ "T2 23/11/2026 09:00", or "chưa lần nào"."""
        if self.last_success_utc is None:
            return _("chưa lần nào")
        return format_instant(utc_to_local(self.last_success_utc))

    def summary(self) -> str:
        """One Vietnamese line for the dashboard and the day close."""
        if self.standalone:
            return _(
                "Quầy chạy độc lập (chưa đăng ký máy chủ trung tâm); {queue_depth} thay đổi chờ gửi."
            ).format(queue_depth=self.queue_depth)
        return _(
            "{queue_depth} thay đổi chờ gửi; đồng bộ thành công gần nhất: {last_success_text}; "
            "{open_conflicts} xung đột chờ xử lý."
        ).format(
            queue_depth=self.queue_depth,
            last_success_text=self.last_success_text,
            open_conflicts=self.open_conflicts,
        )


def sync_health(session: Session) -> SyncHealth:
    """The figures of the sync layer's queue status (counter_app.sync.status.queue_status)."""
    found = queue_status(session)
    return SyncHealth(
        standalone=not found.enrolled,
        queue_depth=found.depth,
        last_success_utc=found.last_success_at,
        open_conflicts=found.conflicts_open,
        last_error=found.last_error,
        oldest_unsent_utc=found.oldest_pending_at,
    )
