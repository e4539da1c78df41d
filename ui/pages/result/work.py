"""The return page's database work: load one dossier, apply one action; each is one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, classify_finished, status_at
from counter_app.errors import UserFacingError
from counter_app.services import forms
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.dossier_view import DossierView, load_dossier_view
from counter_app.services.forms import PrintedForm
from counter_app.services.workflow import TimelineEntry, TransitionResult, dossier_timeline, transition
from ui.context import AppContext

_OPEN = (2, 4, 6)
_log = logging.getLogger(__name__)

# The paper each step produces, and the names the page uses for every paper it prints.
FORM_AFTER = {"processing": "control_slip", "extended": "apology"}
FORM_NAMES = {
    "control_slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)",
}


@dataclass(frozen=True)
class ActionOutcome:
    """An applied action, the paper printed after it (if any) or why that print failed ("" if not)."""

    result: TransitionResult
    form: PrintedForm | None = None
    print_error: str = ""


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
) -> ActionOutcome:
    """Apply `action` to the dossier as the signed-in user, refusing if it changed since it was loaded.

    The step's paper (Phiếu kiểm soát after "processing", Mẫu 04 after "extended") is then printed in
    a second transaction: a failure there is returned as `print_error`, the action stays applied.
    """
    with ctx.db.write() as session:
        result = transition(
            session,
            ctx.clock,
            code,
            action,
            ctx.user_id or "",
            expected_version=expected_version,
            **fields,
        )
    kind = FORM_AFTER.get(action)
    if kind is None:
        return ActionOutcome(result)
    try:
        return ActionOutcome(result, print_form(ctx, result.code, kind))
    except Exception as exc:  # the transition is committed: only say why the paper is missing
        return ActionOutcome(result, None, print_failure(kind, exc))


def print_form(ctx: AppContext, code: str, kind: str) -> PrintedForm:
    """Write the Phiếu kiểm soát ("control_slip") or Mẫu 04 ("apology") of dossier `code`."""
    with ctx.db.write() as session:
        if kind == "control_slip":
            return forms.control_slip_pdf(session, code)
        if kind == "apology":
            return forms.apology_pdf(session, code)
    raise ValueError(f"unknown form {kind!r}")


def reprint_receipt(ctx: AppContext, code: str, reason: str) -> PrintedForm:
    """Record a reprint of the receipt (Mẫu 01) with its reason and write its PDF."""
    with ctx.db.write() as session:
        return forms.print_receipt(session, ctx.clock, code, ctx.user_id or "", reprint_reason=reason)


def print_failure(kind: str, error: BaseException) -> str:
    """One Vietnamese sentence: which paper could not be printed and why."""
    if isinstance(error, UserFacingError):
        why = error.message.rstrip(".")
    elif isinstance(error, OSError):
        why = f"không ghi được tệp ({error.strerror or error})"
    else:
        _log.exception("printing %s failed", kind)
        why = "lỗi ngoài dự kiến"
    return f"Chưa in được {FORM_NAMES.get(kind, kind)}: {why}."


def timeliness_label(value: str | None) -> str:
    """ "Trước hạn" / "Đúng hạn" / "Quá hạn" for a stored classification ("" when none)."""
    return Timeliness(value).label if value else ""
