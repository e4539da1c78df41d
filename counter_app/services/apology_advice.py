"""When the desk should propose Mẫu 04 (apology and new appointment): at most one working day left, or late.

NĐ 61/2018 Điều 17 asks for the apology letter at the latest one working day before the
appointment (domain §4.6). The working time left is counted by the deadline engine on the
counter's own calendar and hours, the same count as the list's "Sắp đến hạn".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, WorkingCalendar, WorkingHours, format_instant, status_at
from counter_app.i18n import N_, _
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.storage.models import Dossier, DossierEvent

__all__ = ["RUNNING_STATUSES", "ApologyAdvice", "apology_advice", "dossier_apology_advice"]

RUNNING_STATUSES = (2, 4, 6)  # the clock runs; the workflow allows an extension from each of them
_PROPOSED = (Timeliness.SAP_DEN_HAN, Timeliness.QUA_HAN)
PROPOSAL = N_("đề nghị lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")
OVERRIDE_NOTE = N_("Hồ sơ đã gia hạn một lần; hẹn lại lần nữa cần lãnh đạo (giám sát) phê duyệt.")


@dataclass(frozen=True)
class ApologyAdvice:
    """A proposal to issue Mẫu 04: how the dossier stands and the sentence to show the clerk."""

    timeliness: Timeliness  # SAP_DEN_HAN or QUA_HAN
    left_text: str  # the engine's text: "Còn 4 giờ", "Quá hạn 1 ngày"
    seconds: int  # working seconds left (or overdue, for QUA_HAN)
    needs_override: bool  # already extended once: a second extension needs a supervisor
    message: str


def apology_advice(
    status: int,
    appointment: datetime | None,
    now: datetime,
    extensions: int = 0,
    *,
    calendar: WorkingCalendar | None = None,
    hours: WorkingHours | None = None,
) -> ApologyAdvice | None:
    """The proposal for a dossier in `status` due at `appointment` (local), at `now` (local); None if none.

    Proposed for a running dossier (statuses 2, 4, 6) with at most one working day left, or past
    its appointment. `extensions` is how many times it was extended already.
    """
    if status not in RUNNING_STATUSES or appointment is None:
        return None
    live = status_at(appointment, now, calendar=calendar, hours=hours)
    if live.timeliness not in _PROPOSED:
        return None
    due = format_instant(appointment)
    if live.timeliness is Timeliness.QUA_HAN:
        message = _("Hồ sơ đã {lower} (hẹn trả {due}): {PROPOSAL}.").format(
            lower=live.text.lower(), due=due, PROPOSAL=_(PROPOSAL)
        )
    else:
        message = _("Hồ sơ còn không quá 1 ngày làm việc ({lower}, hẹn trả {due}): {PROPOSAL}.").format(
            lower=live.text.lower(), due=due, PROPOSAL=_(PROPOSAL)
        )
    if extensions:
        message += f" {_(OVERRIDE_NOTE)}"
    return ApologyAdvice(live.timeliness, live.text, live.seconds, extensions > 0, message)


def dossier_apology_advice(session: Session, dossier_id: str, now_utc: datetime) -> ApologyAdvice | None:
    """`apology_advice` for a saved dossier at `now_utc`, on the counter's calendar and hours."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or dossier.status not in RUNNING_STATUSES or dossier.appointment_at is None:
        return None
    extensions = session.scalar(
        select(func.count())
        .select_from(DossierEvent)
        .where(DossierEvent.dossier_id == dossier_id, DossierEvent.kind == "extended")
    )
    return apology_advice(
        dossier.status,
        utc_to_local(dossier.appointment_at),
        utc_to_local(now_utc),
        int(extensions or 0),
        calendar=counter_calendar(session),
        hours=counter_hours(session),
    )
