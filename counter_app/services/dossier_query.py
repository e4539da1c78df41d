"""Read side of the dossier list: keyset-paged rows over small DTOs with time left, filters done in SQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, classify_finished, format_instant, status_at
from counter_app.services.calendar_admin import OPEN_STATUSES, counter_calendar, counter_hours
from counter_app.storage.models import Applicant, Dossier, Procedure
from counter_app.text import fold, nfc

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])

STATUS_NAMES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}

PAUSED_STATUS = 5
FINISHED_STATUSES = (9, 10)


@dataclass(frozen=True)
class TimeLeft:
    """The "Thời hạn" cell: where the dossier stands against its appointment, in words."""

    timeliness: Timeliness | None
    text: str


@dataclass(frozen=True)
class DossierRow:
    """One line of the dossier list (instants naive UTC, as stored); `time_left` as of the fetch."""

    id: str
    code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime | None
    status: int
    printed_appointment_at: datetime | None = None
    finished_at: datetime | None = None
    time_left: TimeLeft | None = None

    @property
    def appointment_moved(self) -> bool:
        """True when the legal appointment differs from the one printed on the applicant's receipt."""
        return self.printed_appointment_at is not None and self.printed_appointment_at != self.appointment_at

    def printed_note(self) -> str:
        """ "Giấy hẹn đã in: T6 13/03/2026 08:00" when the appointment moved after printing, else ""."""
        if not self.appointment_moved or self.printed_appointment_at is None:
            return ""
        return f"Giấy hẹn đã in: {format_instant(utc_to_local(self.printed_appointment_at))}"


@dataclass(frozen=True)
class DossierFilter:
    """What the list shows: a free-text search (code, name without diacritics, CCCD, phone) and statuses."""

    text: str = ""
    statuses: tuple[int, ...] = ()


@dataclass(frozen=True)
class PageCursor:
    """Keyset position after the last row shown (received_at DESC, id DESC)."""

    received_at: datetime
    id: str


def _filtered(stmt: _S, flt: DossierFilter) -> _S:
    text = nfc(flt.text)
    if text:
        if text.replace(" ", "").isdigit():
            digits = text.replace(" ", "")
            stmt = stmt.where(or_(Dossier.id_number == digits, Dossier.phone == digits))
        elif "-" in text and any(ch.isdigit() for ch in text):
            stmt = stmt.where(Dossier.code == text.upper())
        else:
            prefix = fold(text)
            # A range on the folded name uses the index (LIKE would scan a million rows).
            stmt = stmt.where(and_(Dossier.name_fold >= prefix, Dossier.name_fold < prefix + "\uffff"))
    if flt.statuses:
        stmt = stmt.where(Dossier.status.in_(flt.statuses))
    return stmt


def list_page(
    session: Session,
    flt: DossierFilter,
    after: PageCursor | None,
    limit: int = 200,
    *,
    now_utc: datetime | None = None,
) -> list[DossierRow]:
    """The next `limit` rows after `after`, newest received first.

    With `now_utc`, each row of this page (only) carries its time left at that instant, computed with the
    counter's calendar and hours.
    """
    stmt = (
        select(
            Dossier.id,
            Dossier.code,
            Applicant.full_name,
            Procedure.name,
            Dossier.received_at,
            Dossier.appointment_at,
            Dossier.status,
            Dossier.printed_appointment_at,
            Dossier.finished_at,
        )
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Applicant, Applicant.id == Dossier.applicant_id)
    )
    stmt = _filtered(stmt, flt)
    if after is not None:
        stmt = stmt.where(
            or_(
                Dossier.received_at < after.received_at,
                and_(Dossier.received_at == after.received_at, Dossier.id < after.id),
            )
        )
    stmt = stmt.order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(limit)
    rows = [DossierRow(*row) for row in session.execute(stmt).all()]
    return rows if now_utc is None else with_time_left(session, rows, now_utc)


def with_time_left(session: Session, rows: list[DossierRow], now_utc: datetime) -> list[DossierRow]:
    """The same rows with `time_left` as of `now_utc` (e.g. to refresh a list as time passes)."""
    if not rows:
        return rows
    measure = time_left_at(session, now_utc)
    return [replace(row, time_left=measure(row)) for row in rows]


def time_left_at(session: Session, now_utc: datetime) -> Callable[[DossierRow], TimeLeft]:
    """A function giving a row's time left at `now_utc` under the counter's calendar and hours."""
    calendar, hours = counter_calendar(session), counter_hours(session)
    now = utc_to_local(now_utc)

    def measure(row: DossierRow) -> TimeLeft:
        if row.appointment_at is None:
            return TimeLeft(None, "")
        due = utc_to_local(row.appointment_at)
        if row.status in FINISHED_STATUSES:
            if row.finished_at is None:
                return TimeLeft(None, "")
            kind = classify_finished(utc_to_local(row.finished_at), due)
            return TimeLeft(kind, kind.label)
        if row.status == PAUSED_STATUS:
            return TimeLeft(Timeliness.TAM_DUNG, "Tạm dừng chờ bổ sung")
        if row.status not in OPEN_STATUSES:
            return TimeLeft(None, "")
        live = status_at(due, now, calendar=calendar, hours=hours)
        if live.timeliness is Timeliness.SAP_DEN_HAN and live.text.startswith("Còn"):
            return TimeLeft(live.timeliness, f"Sắp đến hạn: c{live.text[1:]}")
        return TimeLeft(live.timeliness, live.text)

    return measure


def count(session: Session, flt: DossierFilter) -> int:
    """How many dossiers match the filter."""
    stmt = select(func.count()).select_from(Dossier)
    return int(session.execute(_filtered(stmt, flt)).scalar_one())
