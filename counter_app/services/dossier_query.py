"""Read side of the dossier list: keyset-paged rows over small DTOs with time left, filters done in SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from counter_app.clock import local_to_utc, utc_to_local
from counter_app.deadlines import (
    Timeliness,
    classify_finished,
    format_instant,
    format_working_duration,
    status_at,
    working_time,
)
from counter_app.i18n import N_, _
from counter_app.services.calendar_admin import OPEN_STATUSES, counter_calendar, counter_hours
from counter_app.storage.models import Applicant, Dossier, DossierEvent, Procedure, User
from counter_app.text import fold, nfc

STATUS_NAMES: dict[int, str] = {
    1: N_("Mới đăng ký"),
    2: N_("Được tiếp nhận"),
    3: N_("Không được tiếp nhận"),
    4: N_("Đang xử lý"),
    5: N_("Yêu cầu bổ sung"),
    6: N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    7: N_("Công dân rút hồ sơ"),
    8: N_("Dừng xử lý"),
    9: N_("Đã xử lý xong"),
    10: N_("Đã trả kết quả"),
}

PAUSED_STATUS = 5
FINISHED_STATUSES = (9, 10)


@dataclass(frozen=True)
class TimeLeft:
    """The "Thời hạn" cell: where the dossier stands against its appointment, in words.

    `propose_apology`: a running dossier with at most one working day left, or late; the desk
    should issue Mẫu 04 (apology and new appointment), see `services.apology_advice`.
    """

    timeliness: Timeliness | None
    text: str
    propose_apology: bool = False


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
        return _("Giấy hẹn đã in: {when}").format(
            when=format_instant(utc_to_local(self.printed_appointment_at))
        )


DueKind = Literal["today", "soon", "overdue"]
SortKey = Literal["received", "appointment"]
# How a finished dossier did against its appointment: the date-only rule of deadlines.classify_finished.
FinishedKind = Literal["truoc_han", "dung_han", "qua_han"]
CLOSED_STATUSES = (7, 8)  # withdrawn, stopped: closed without a result
CLOSING_EVENTS = ("withdrawn", "stopped")
NOT_RECEIVED_STATUSES = (1, 3)  # registered online but not accepted, refused: never being settled
DIRECT_CHANNEL = 1
_LOCAL_OFFSET_SECONDS = 7 * 3600
# Open dossiers whose clock runs: the due filters and the alert banner count these (paused ones wait).
RUNNING_STATUSES = (2, 4, 6)
NARROW_ROWS = 50_000  # below this many rows by status, sorting them beats walking the appointment index


@dataclass(frozen=True)
class DossierFilter:
    """What the list shows and in which order; every part is applied in SQL on an index.

    `text` searches code (prefix), name without diacritics (prefix), CCCD or phone (exact). Received
    dates are local days, both ends included. `due` keeps running dossiers (RUNNING_STATUSES): "overdue"
    past their appointment, "today" due later today, "soon" due within one working day from now.
    """

    text: str = ""
    statuses: tuple[int, ...] = ()
    procedure_id: int | None = None
    field_code: str = ""
    received_from: date | None = None
    received_to: date | None = None
    clerk_id: str | None = None
    due: DueKind | None = None
    sort: SortKey = "received"
    channel: int | None = None
    finished_from: date | None = None
    finished_to: date | None = None
    finished_timeliness: FinishedKind | None = None
    open_at: datetime | None = None
    open_late: bool | None = None
    closed_from: date | None = None
    closed_to: date | None = None


@dataclass(frozen=True)
class PageCursor:
    """Keyset position after the last row shown: its sort key (received_at or appointment_at) and id."""

    key: datetime | None
    id: str


@dataclass(frozen=True)
class AlertCounts:
    """The banner's figures: running dossiers due later today, and those past their appointment."""

    due_today: int
    overdue: int


@dataclass(frozen=True)
class FilterChoices:
    """What the filter combos offer: procedures (id, name), fields (code, name), clerks (id, name)."""

    procedures: list[tuple[int, str]]
    fields: list[tuple[str, str]]
    clerks: list[tuple[str, str]]


def cursor_after(row: DossierRow, sort: SortKey = "received") -> PageCursor:
    """The cursor that continues a list sorted by `sort` after `row`."""
    return PageCursor(row.appointment_at if sort == "appointment" else row.received_at, row.id)


def soon_cutoff(session: Session, now_utc: datetime) -> datetime:
    """now + one working day (the counter's calendar and hours), naive UTC: "Sắp đến hạn" ends there.

    A cut-off on a closing time moves to the next opening, as no working time passes in between.
    """
    wt = working_time(counter_calendar(session), counter_hours(session))
    local = wt.normalise(wt.add_working_seconds(utc_to_local(now_utc), wt.day_seconds))
    return local_to_utc(local)


def _due_conditions(session: Session, due: DueKind, now_utc: datetime | None) -> list[ColumnElement[bool]]:
    if now_utc is None:
        raise ValueError("a due filter needs now_utc")
    running = Dossier.status.in_(RUNNING_STATUSES)
    if due == "overdue":
        return [running, Dossier.appointment_at < now_utc]
    if due == "today":
        tomorrow = datetime.combine(utc_to_local(now_utc).date() + timedelta(days=1), time())
        end = local_to_utc(tomorrow)
    else:
        end = soon_cutoff(session, now_utc) + timedelta(microseconds=1)
    return [running, Dossier.appointment_at >= now_utc, Dossier.appointment_at < end]


def _text_conditions(raw: str) -> list[ColumnElement[bool]]:
    text = nfc(raw).strip()
    if not text:
        return []
    if text.replace(" ", "").isdigit():
        digits = text.replace(" ", "")
        return [or_(Dossier.id_number == digits, Dossier.phone == digits)]
    if "-" in text and any(ch.isdigit() for ch in text):
        code = text.upper()  # a prefix of the code: the unique index on code serves the range
        return [Dossier.code >= code, Dossier.code < code + "\uffff"]
    prefix = fold(text)
    # A range on the folded name uses the index (LIKE would scan a million rows).
    return [Dossier.name_fold >= prefix, Dossier.name_fold < prefix + "\uffff"]


def _day_start(day: date) -> datetime:
    return local_to_utc(datetime.combine(day, time()))


def epoch_seconds(column: Any) -> ColumnElement[int]:
    """SQL: the whole seconds since 1970 of a stored naive-UTC instant (unixepoch, or strftime before 3.38)."""
    if sqlite3.sqlite_version_info >= (3, 38):
        return func.unixepoch(column, type_=Integer)
    return cast(func.strftime("%s", column), Integer)


def local_day_number(column: Any) -> ColumnElement[int]:
    """SQL: the number of the local (UTC+7) day of a stored naive-UTC instant (days since 1970-01-01).

    Integer arithmetic on the epoch seconds: exact at midnight, and several times cheaper than
    date(x, '+7 hours') over a year of dossiers.
    """
    return (epoch_seconds(column) + _LOCAL_OFFSET_SECONDS).op("/", precedence=8, return_type=Integer)(86_400)


def finished_condition(kind: FinishedKind) -> ColumnElement[bool]:
    """SQL: finished before / on / after the appointment's day (dates only, as classify_finished)."""
    done, due = local_day_number(Dossier.finished_at), local_day_number(Dossier.appointment_at)
    compare = {"truoc_han": done < due, "dung_han": done == due, "qua_han": done > due}[kind]
    return and_(Dossier.finished_at.is_not(None), Dossier.appointment_at.is_not(None), compare)


def closed_at() -> Any:
    """SQL: when a withdrawn or stopped dossier was closed (its closing event; few rows, by dossier)."""
    return (
        select(func.max(DossierEvent.at))
        .where(DossierEvent.dossier_id == Dossier.id, DossierEvent.kind.in_(CLOSING_EVENTS))
        .scalar_subquery()
    )


def open_conditions(at_utc: datetime, late: bool | None = None) -> list[ColumnElement[bool]]:
    """SQL: received before `at_utc` and still being settled then (optionally past, or not past, the
    appointment at that instant). The appointment is the one in force now."""
    found: list[ColumnElement[bool]] = [
        Dossier.received_at < at_utc,
        Dossier.status.not_in(NOT_RECEIVED_STATUSES),
        or_(Dossier.finished_at.is_(None), Dossier.finished_at >= at_utc),
        or_(Dossier.status.not_in(CLOSED_STATUSES), closed_at() >= at_utc),
    ]
    if late is True:
        found.append(Dossier.appointment_at < at_utc)
    elif late is False:
        found.append(or_(Dossier.appointment_at.is_(None), Dossier.appointment_at >= at_utc))
    return found


def _period_conditions(flt: DossierFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if flt.channel is not None:
        found.append(Dossier.channel == flt.channel)
        if flt.channel != DIRECT_CHANNEL:
            # The literal term lets SQLite use the partial index of online and postal dossiers.
            found.append(Dossier.channel != literal_column(str(DIRECT_CHANNEL)))
    if flt.finished_from is not None:
        found.append(Dossier.finished_at >= _day_start(flt.finished_from))
    if flt.finished_to is not None:
        end = _day_start(flt.finished_to + timedelta(days=1))
        # A result comes after its receipt: the bound on received_at lets the received index serve.
        found += [Dossier.finished_at < end, Dossier.received_at < end]
    if flt.finished_timeliness is not None:
        found.append(finished_condition(flt.finished_timeliness))
    if flt.open_at is not None:
        found += open_conditions(flt.open_at, flt.open_late)
    if flt.closed_from is not None or flt.closed_to is not None:
        found.append(Dossier.status.in_(CLOSED_STATUSES))
        if flt.closed_from is not None:
            found.append(closed_at() >= _day_start(flt.closed_from))
        if flt.closed_to is not None:
            end = _day_start(flt.closed_to + timedelta(days=1))
            found += [closed_at() < end, Dossier.received_at < end]
    return found


def _conditions(session: Session, flt: DossierFilter, now_utc: datetime | None) -> list[ColumnElement[bool]]:
    found = _text_conditions(flt.text)
    if flt.statuses:
        found.append(Dossier.status.in_(flt.statuses))
    if flt.procedure_id is not None:
        found.append(Dossier.procedure_id == flt.procedure_id)
    if flt.field_code:
        in_field = select(Procedure.id).where(Procedure.field_code == flt.field_code)
        found.append(Dossier.procedure_id.in_(in_field))
    if flt.received_from is not None:
        found.append(Dossier.received_at >= local_to_utc(datetime.combine(flt.received_from, time())))
    if flt.received_to is not None:
        day_after = datetime.combine(flt.received_to + timedelta(days=1), time())
        found.append(Dossier.received_at < local_to_utc(day_after))
    if flt.clerk_id is not None:
        found.append(Dossier.clerk_id == flt.clerk_id)
    if flt.due is not None:
        found.extend(_due_conditions(session, flt.due, now_utc))
    return found + _period_conditions(flt)


def _row_select(ids: Select[*tuple[Any, ...]], order: tuple[Any, ...]) -> Select[*tuple[Any, ...]]:
    """The list columns of the rows whose ids the narrow `ids` query picks (one statement, one round trip).

    The narrow query can be served from a covering index and stops at its LIMIT before any join.
    """
    return (
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
        .where(Dossier.id.in_(ids.scalar_subquery()))
        .order_by(*order)
    )


def _few_by_status(session: Session, flt: DossierFilter, now_utc: datetime | None) -> bool:
    """True when the status/due part of the filter leaves at most NARROW_ROWS dossiers.

    SQLite's statistics assume statuses evenly spread (in fact most dossiers are returned), so for "open
    and overdue, soonest first" it would walk the appointment index through a million old appointments.
    Few rows by status are better found on the (status, appointment_at) index and sorted.
    """
    if not flt.statuses and flt.due is None:
        return False
    part = DossierFilter(statuses=flt.statuses, due=flt.due)
    return count(session, part, now_utc=now_utc) <= NARROW_ROWS


def _page(
    session: Session,
    conditions: list[ColumnElement[bool]],
    sort: SortKey,
    after: PageCursor | None,
    limit: int,
    *,
    sort_found: bool = False,
) -> list[DossierRow]:
    if sort == "received":
        newest: tuple[Any, ...] = (Dossier.received_at.desc(), Dossier.id.desc())
        ids = select(Dossier.id).where(*conditions)
        if after is not None and after.key is not None:
            ids = ids.where(tuple_(Dossier.received_at, Dossier.id) < tuple_(after.key, after.id))
        stmt = _row_select(ids.order_by(*newest).limit(limit), newest)
        return [DossierRow(*r) for r in session.execute(stmt).all()]
    # Soonest appointment first; dossiers without an appointment come last, by id.
    soonest: tuple[Any, ...] = (Dossier.appointment_at, Dossier.id)
    # SQLite's unary + (a no-op on any value) keeps the appointment index out of this query's plan.
    appointment = (
        literal_column("+dossiers.appointment_at", DateTime) if sort_found else Dossier.appointment_at
    )
    rows: list[DossierRow] = []
    if after is None or after.key is not None:
        ids = select(Dossier.id).where(*conditions, appointment.is_not(None))
        if after is not None:
            ids = ids.where(tuple_(appointment, Dossier.id) > tuple_(after.key, after.id))
        stmt = _row_select(ids.order_by(appointment, Dossier.id).limit(limit), soonest)
        rows = [DossierRow(*r) for r in session.execute(stmt).all()]
    if len(rows) < limit:
        ids = select(Dossier.id).where(*conditions, Dossier.appointment_at.is_(None))
        if after is not None and after.key is None:
            ids = ids.where(Dossier.id > after.id)
        stmt = _row_select(ids.order_by(*soonest).limit(limit - len(rows)), soonest)
        rows.extend(DossierRow(*r) for r in session.execute(stmt).all())
    return rows


def list_page(
    session: Session,
    flt: DossierFilter,
    after: PageCursor | None,
    limit: int = 200,
    *,
    now_utc: datetime | None = None,
) -> list[DossierRow]:
    """The next `limit` rows after `after` in the filter's order (newest received, or soonest appointment).

    With `now_utc`, each row of this page (only) carries its time left at that instant, computed with the
    counter's calendar and hours; a due filter needs `now_utc`.
    """
    sort_found = flt.sort == "appointment" and _few_by_status(session, flt, now_utc)
    rows = _page(session, _conditions(session, flt, now_utc), flt.sort, after, limit, sort_found=sort_found)
    return rows if now_utc is None or not rows else with_time_left(session, rows, now_utc)


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
            return TimeLeft(Timeliness.TAM_DUNG, _("Tạm dừng chờ bổ sung"))
        if row.status not in OPEN_STATUSES:
            return TimeLeft(None, "")
        live = status_at(due, now, calendar=calendar, hours=hours)
        propose = live.timeliness in (Timeliness.SAP_DEN_HAN, Timeliness.QUA_HAN)
        if live.timeliness is Timeliness.SAP_DEN_HAN and live.seconds >= 60:
            left = format_working_duration(live.seconds, hours.day_seconds)
            return TimeLeft(live.timeliness, _("Sắp đến hạn: còn {duration}").format(duration=left), propose)
        if live.timeliness is Timeliness.SAP_DEN_HAN and live.seconds > 0:
            return TimeLeft(live.timeliness, _("Sắp đến hạn: còn dưới 1 phút"), propose)
        return TimeLeft(live.timeliness, live.text, propose)

    return measure


def count(session: Session, flt: DossierFilter, *, now_utc: datetime | None = None) -> int:
    """How many dossiers match the filter (a due filter needs `now_utc`)."""
    stmt = select(func.count()).select_from(Dossier).where(*_conditions(session, flt, now_utc))
    return int(session.execute(stmt).scalar_one())


def alert_counts(session: Session, now_utc: datetime) -> AlertCounts:
    """The banner's "due today" and "overdue" counts at `now_utc` (the same SQL as the filters)."""
    return AlertCounts(
        count(session, DossierFilter(due="today"), now_utc=now_utc),
        count(session, DossierFilter(due="overdue"), now_utc=now_utc),
    )


def filter_choices(session: Session) -> FilterChoices:
    """The procedures, fields and clerks the filter combos list, by name."""
    procedures = session.execute(select(Procedure.id, Procedure.name).order_by(Procedure.name)).all()
    fields = session.execute(
        select(Procedure.field_code, Procedure.field_name)
        .where(Procedure.field_code != "")
        .distinct()
        .order_by(Procedure.field_name)
    ).all()
    clerks = session.execute(select(User.id, User.full_name).order_by(User.full_name)).all()
    return FilterChoices(
        [(int(i), str(n)) for i, n in procedures],
        [(str(c), str(n)) for c, n in fields],
        [(str(i), str(n)) for i, n in clerks],
    )
