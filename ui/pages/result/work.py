"""The return page's database work: load one dossier, apply one action; each is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, classify_finished, status_at
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.dossier_view import DossierView, load_dossier_view
from counter_app.services.workflow import TimelineEntry, TransitionResult, dossier_timeline, transition
from ui.context import AppContext

_OPEN = (2, 4, 6)


@dataclass(frozen=True)
class ReturnView:
    """One loaded dossier: its detail, timeline, how it stands now, and the last hand-over if any."""

    view: DossierView
    timeline: tuple[TimelineEntry, ...]
    time_left: str
    returned: dict[str, Any] | None

    @property
    def code(self) -> str:
        return self.view.detail.code

    @property
    def status(self) -> int:
        return self.view.detail.status

    @property
    def version(self) -> int:
        return self.view.detail.version


def _time_left(session: Any, status: int, due: datetime | None, now: datetime) -> str:
    if status == 5:
        return "Tạm dừng chờ công dân bổ sung"
    if due is None:
        return "—"
    if status in _OPEN:
        return status_at(due, now, calendar=counter_calendar(session), hours=counter_hours(session)).text
    return ""


def load(ctx: AppContext, code: str) -> ReturnView:
    """The dossier `code` as the page shows it; UserFacingError when there is no such dossier."""
    with ctx.db.read() as session:
        view = load_dossier_view(session, code)
        timeline = tuple(dossier_timeline(session, view.detail.code))
        now = utc_to_local(ctx.clock.now_utc())
        d = view.detail
        left = _time_left(session, d.status, d.appointment_local, now)
        returned = next((e.payload for e in reversed(timeline) if e.kind == "returned"), None)
        if d.status == 9 and d.appointment_local is not None:
            ready = next((e.at_local for e in reversed(timeline) if e.kind == "result_ready"), now)
            left = f"Có kết quả {classify_finished(ready, d.appointment_local).label.lower()}"
        if d.status == 10 and returned and returned.get("timeliness"):
            left = f"Hoàn thành {timeliness_label(returned['timeliness']).lower()}"
        return ReturnView(view, timeline, left, returned)


def act(
    ctx: AppContext, code: str, action: str, expected_version: int, fields: dict[str, Any]
) -> TransitionResult:
    """Apply `action` to the dossier as the signed-in user, refusing if it changed since it was loaded."""
    with ctx.db.write() as session:
        return transition(
            session,
            ctx.clock,
            code,
            action,
            ctx.user_id or "",
            expected_version=expected_version,
            **fields,
        )


def timeliness_label(value: str | None) -> str:
    """ "Trước hạn" / "Đúng hạn" / "Quá hạn" for a stored classification ("" when none)."""
    return Timeliness(value).label if value else ""
