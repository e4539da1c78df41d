"""The return page's database work: load one dossier, apply one action; each is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, classify_finished, status_at
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services.apology_advice import ApologyAdvice
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.departments import department_choices
from counter_app.services.dossier_view import DossierView, load_dossier_view
from counter_app.services.forms import PrintedForm
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy
from counter_app.services.workflow import (
    TimelineEntry,
    TransitionResult,
    check_override,
    dossier_timeline,
    transition,
)
from counter_app.storage.models import Dossier
from ui.context import AppContext
from ui.pages.printing import FORM_NAMES, print_failure, print_form

_OPEN = (2, 4, 6)

# The paper each step produces; FORM_NAMES (re-exported) names every paper the page prints.
FORM_AFTER = {
    "processing": "control_slip",
    "supplement_requested": "supplement",
    "extended": "apology",
    "refused": "refusal",
    "stopped": "stop_notice",
    "withdrawn": "stop_notice",
}
__all__ = ["FORM_AFTER", "FORM_NAMES", "ActionOutcome", "ReturnView", "act", "load", "timeliness_label"]


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
    advice: ApologyAdvice | None = None  # propose Mẫu 04: at most one working day left, or late
    departments: tuple[str, ...] = ()  # where a transfer to processing may go, the default first

    @property
    def extensions(self) -> int:
        """How many times the appointment was extended (Mẫu 04) already."""
        return sum(1 for e in self.timeline if e.kind == "extended")

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
        return _("Tạm dừng chờ công dân bổ sung")
    if due is None:
        return "—"
    if status in _OPEN:
        return status_at(due, now, calendar=counter_calendar(session), hours=counter_hours(session)).text
    return ""


def load(ctx: AppContext, code: str) -> ReturnView:
    """The dossier `code` as the page shows it; UserFacingError when there is no such dossier."""
    with ctx.db.read() as session:
        view = load_dossier_view(session, code, ctx.clock.now_utc())
        timeline = tuple(dossier_timeline(session, view.detail.code))
        now = utc_to_local(ctx.clock.now_utc())
        d = view.detail
        left = _time_left(session, d.status, d.appointment_local, now)
        returned = next((e.payload for e in reversed(timeline) if e.kind == "returned"), None)
        if d.status == 9 and d.appointment_local is not None:
            ready = next((e.at_local for e in reversed(timeline) if e.kind == "result_ready"), now)
            verdict = classify_finished(ready, d.appointment_local).label.lower()
            left = _("Có kết quả {verdict}").format(verdict=verdict)
        if d.status == 10 and returned and returned.get("timeliness"):
            left = _("Hoàn thành {verdict}").format(verdict=timeliness_label(returned["timeliness"]).lower())
        row = session.get(Dossier, d.id)
        departments = tuple(department_choices(session, row.procedure_id)) if row is not None else ()
        return ReturnView(view, timeline, left, returned, view.advice, departments)


def act(
    ctx: AppContext,
    code: str,
    action: str,
    expected_version: int,
    fields: dict[str, Any],
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> ActionOutcome:
    """Apply `action` to the dossier as the signed-in user, refusing if it changed since it was loaded.

    An extension with `override_username` / `override_password` in `fields` is approved by that
    supervisor in the same transaction; a wrong password is still recorded (it counts toward the
    account's lock) and then reported as a UserFacingError, with nothing else changed.

    The step's paper (FORM_AFTER) is then printed in a second transaction: a failure there is
    returned as `print_error`, the action stays applied.
    """
    fields = dict(fields)
    username = fields.pop("override_username", None)
    password = fields.pop("override_password", None)
    refusal = ""
    with ctx.db.write() as session:
        if username is not None or password is not None:
            approver, refusal = check_override(
                session, ctx.clock, str(username or ""), str(password or ""), policy=policy
            )
            fields["override_by"] = approver
        if not refusal:
            result = transition(
                session,
                ctx.clock,
                code,
                action,
                ctx.user_id or "",
                expected_version=expected_version,
                **fields,
            )
    if refusal:  # after the commit: the failed password check stays on record
        raise UserFacingError(refusal, field="override_password")
    kind = FORM_AFTER.get(action)
    if kind is None:
        return ActionOutcome(result)
    try:
        return ActionOutcome(result, print_form(ctx, result.code, kind))
    except Exception as exc:  # the transition is committed: only say why the paper is missing
        return ActionOutcome(result, None, print_failure(kind, exc))


def timeliness_label(value: str | None) -> str:
    """ "Trước hạn" / "Đúng hạn" / "Quá hạn" for a stored classification ("" when none)."""
    return Timeliness(value).label if value else ""
