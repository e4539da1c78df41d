"""The supervisor's dashboard ("Giám sát"): every figure, each with the list filter of exactly its dossiers.

Each number is a `Figure`: its value and the `DossierFilter` whose list (and `dossier_query.count`)
gives exactly the dossiers counted. The values come from a few aggregate queries on covering indexes
(migration 0006), not from counting every filter one by one; the tests check both agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.deadlines import format_working_duration, status_at
from counter_app.i18n import N_, _
from counter_app.services import dossier_query
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.dossier_query import DIRECT_CHANNEL, DossierFilter, DueKind
from counter_app.services.finished_sql import day_counts, days_in_one_pass, has_index
from counter_app.services.periods import Period, current_period, day_start_utc, local_today, week_start
from counter_app.services.sync_health import SyncHealth, sync_health
from counter_app.storage.models import Dossier, DossierEvent, Procedure, User

__all__ = [
    "CHANNEL_NAMES",
    "Breakdown",
    "Dashboard",
    "DayBar",
    "Figure",
    "FinishedFigures",
    "OverdueLine",
    "ReceivedFigures",
    "WeekRate",
    "load_dashboard",
]

CHANNEL_NAMES = {1: N_("Trực tiếp"), 2: N_("Trực tuyến"), 3: N_("Bưu chính")}
CHART_DAYS = 30  # received per day: the last 30 calendar days
CHART_WEEKS = 8  # on-time rate per week: the last 8 weeks, this one included
OVERDUE_ROWS = 100  # the overdue list shows the most late first; the figure counts them all
FINISHED_INDEX = "ix_dossiers_finished"  # migration 0006


@dataclass(frozen=True)
class Figure:
    """One number and the filter listing exactly its dossiers (None: not a list of dossiers)."""

    value: int
    filter: DossierFilter | None
    title: str


@dataclass(frozen=True)
class FinishedFigures:
    """Dossiers finished in a period: all of them, and by the day they finished against the appointment."""

    total: Figure
    early: Figure
    on_time: Figure
    late: Figure

    @property
    def classified(self) -> int:
        """Finished dossiers that had an appointment (all of them, in practice)."""
        return self.early.value + self.on_time.value + self.late.value

    @property
    def on_time_rate(self) -> float | None:
        """(trước hạn + đúng hạn) / classified, or None when nothing finished."""
        return (self.early.value + self.on_time.value) / self.classified if self.classified else None

    def rate(self, part: Figure) -> float | None:
        """The share of `part` among the classified ones."""
        return part.value / self.classified if self.classified else None


@dataclass(frozen=True)
class Breakdown:
    """One line of a breakdown (a procedure, a field or a clerk) of the finished dossiers."""

    key: str
    name: str
    figures: FinishedFigures


@dataclass(frozen=True)
class ReceivedFigures:
    """Dossiers received in a window, in total and by channel (1 direct, 2 online, 3 post)."""

    period: Period
    total: Figure
    by_channel: dict[int, Figure]


@dataclass(frozen=True)
class OverdueLine:
    """A running dossier past its appointment: how late (working time), what, and who holds it."""

    code: str
    applicant_name: str
    procedure_name: str
    appointment_local: datetime
    late_seconds: int
    late_text: str
    clerk_name: str
    department: str


@dataclass(frozen=True)
class DayBar:
    """Dossiers received on one local day (a bar of the chart)."""

    day: date
    figure: Figure


@dataclass(frozen=True)
class WeekRate:
    """Dossiers finished in one week (Monday first) and how many of them on time or early."""

    first: date
    figures: FinishedFigures


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the supervisor's dashboard at `now_utc`."""

    now_utc: datetime
    by_status: dict[int, Figure]
    due_today: Figure
    due_soon: Figure
    overdue: Figure
    overdue_lines: list[OverdueLine]
    received: list[ReceivedFigures]
    period: Period
    finished: FinishedFigures
    by_procedure: list[Breakdown]
    by_field: list[Breakdown]
    by_clerk: list[Breakdown]
    received_per_day: list[DayBar]
    rate_per_week: list[WeekRate]
    sync: SyncHealth


# --- finished dossiers: one pass, grouped, with the date-only classification -------------------------


def _finished_in(period: Period) -> list[ColumnElement[bool]]:
    return [Dossier.finished_at >= period.start_utc, Dossier.finished_at < period.end_utc]


def _figures(counts: tuple[int, int, int, int], base: DossierFilter, what: str) -> FinishedFigures:
    total, early, on_time, late = counts
    return FinishedFigures(
        Figure(total, base, _("Đã giải quyết — {what}").format(what=what)),
        Figure(
            early,
            replace(base, finished_timeliness="truoc_han"),
            _("Giải quyết trước hạn — {what}").format(what=what),
        ),
        Figure(
            on_time,
            replace(base, finished_timeliness="dung_han"),
            _("Giải quyết đúng hạn — {what}").format(what=what),
        ),
        Figure(
            late,
            replace(base, finished_timeliness="qua_han"),
            _("Giải quyết quá hạn — {what}").format(what=what),
        ),
    )


def _add(into: dict[Any, list[int]], key: Any, counts: Iterable[int]) -> None:
    total = into.setdefault(key, [0, 0, 0, 0])
    for i, n in enumerate(counts):
        total[i] += n


def _counts(values: list[int]) -> tuple[int, int, int, int]:
    return values[0], values[1], values[2], values[3]


Daily = dict[date, dict[tuple[int, str | None], tuple[int, int, int, int]]]


def _finished_days(session: Session, period: Period, today: date, *, by_day: bool | None = None) -> Daily:
    """Finished dossiers of each local day of `period` (by procedure and clerk) and of the chart's weeks.

    A query per day on the finished index (migration 0006); without that index (`by_day` False, or
    None and the index missing), one grouped scan gives the same figures.
    """
    charted = week_start(today) - timedelta(weeks=CHART_WEEKS - 1)
    first, last = min(period.first, charted), max(period.last, today)
    if not (has_index(session, FINISHED_INDEX) if by_day is None else by_day):
        return days_in_one_pass(session, first, last)
    daily: Daily = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if period.first <= day <= period.last:
            rows = day_counts(session, day, Dossier.procedure_id, Dossier.clerk_id)
            daily[day] = {(int(p), c): (int(n), int(e), int(o), int(la)) for p, c, n, e, o, la in rows}
        else:
            daily[day] = {}
            for n, e, o, la in day_counts(session, day):  # one row (none when nothing finished)
                daily[day][(0, None)] = (int(n), int(e), int(o), int(la))
    return daily


def _finished(
    session: Session, period: Period, daily: Daily
) -> tuple[FinishedFigures, list[list[Breakdown]]]:
    rows: dict[tuple[int, str | None], list[int]] = {}
    for day in (period.first + timedelta(days=i) for i in range((period.last - period.first).days + 1)):
        for key, counts in daily.get(day, {}).items():
            _add(rows, key, counts)
    procedures = {
        int(p.id): (p.name, p.field_code, p.field_name)
        for p in session.execute(
            select(Procedure.id, Procedure.name, Procedure.field_code, Procedure.field_name)
        )
    }
    clerks = dict(session.execute(select(User.id, User.full_name)).all())
    total: dict[None, list[int]] = {}
    by_procedure: dict[int, list[int]] = {}
    by_field: dict[str, list[int]] = {}
    by_clerk: dict[str | None, list[int]] = {}
    for (procedure_id, clerk_id), found in rows.items():
        counts = _counts(found)
        _add(total, None, counts)
        _add(by_procedure, int(procedure_id), counts)
        _add(by_field, procedures.get(int(procedure_id), ("", "", ""))[1], counts)
        _add(by_clerk, clerk_id, counts)
    base = DossierFilter(finished_from=period.first, finished_to=period.last)
    what = period.label.lower() if period.label else period.text()
    overall = _figures(_counts(total.get(None, [0, 0, 0, 0])), base, what)
    field_names = {code: name for _n, code, name in procedures.values()}
    lines = [
        [
            Breakdown(
                str(pid),
                procedures[pid][0],
                _figures(_counts(c), replace(base, procedure_id=pid), f"{procedures[pid][0]}, {what}"),
            )
            for pid, c in by_procedure.items()
        ],
        [
            Breakdown(
                code,
                field_names.get(code) or _("(chưa ghi lĩnh vực)"),
                _figures(
                    _counts(c),
                    replace(base, field_code=code),
                    _("lĩnh vực {get}, {what}").format(get=field_names.get(code, ""), what=what),
                )
                if code
                else _unlinked(_counts(c), what),
            )
            for code, c in by_field.items()
        ],
        [
            Breakdown(
                clerk or "",
                clerks.get(clerk, _("(không rõ cán bộ)")) if clerk else _("(không rõ cán bộ)"),
                _figures(
                    _counts(c),
                    replace(base, clerk_id=clerk),
                    _("cán bộ {get}, {what}").format(get=clerks.get(clerk, ""), what=what),
                )
                if clerk
                else _unlinked(_counts(c), what),
            )
            for clerk, c in by_clerk.items()
        ],
    ]
    for part in lines:
        part.sort(key=lambda b: (-b.figures.total.value, b.name))
    return overall, lines


def _unlinked(counts: tuple[int, int, int, int], what: str) -> FinishedFigures:
    # Dossiers without a recorded clerk (pulled from elsewhere): the list cannot filter "no clerk".
    total, early, on_time, late = counts
    return FinishedFigures(
        Figure(total, None, what),
        Figure(early, None, what),
        Figure(on_time, None, what),
        Figure(late, None, what),
    )


def _week_rates(daily: Daily, today: date) -> list[WeekRate]:
    rates = []
    first = week_start(today) - timedelta(weeks=CHART_WEEKS - 1)
    for index in range(CHART_WEEKS):
        start = first + timedelta(weeks=index)
        week = Period(
            start,
            start + timedelta(days=6),
            _("tuần {start:%d/%m}–{value:%d/%m}").format(start=start, value=start + timedelta(days=6)),
        )
        counts: dict[None, list[int]] = {}
        for day in (start + timedelta(days=i) for i in range(7)):
            for found in daily.get(day, {}).values():
                _add(counts, None, found)
        base = DossierFilter(finished_from=week.first, finished_to=week.last)
        rates.append(WeekRate(start, _figures(_counts(counts.get(None, [0, 0, 0, 0])), base, week.label)))
    return rates


# --- received dossiers ---------------------------------------------------------------------------------


_RECEIVED_COUNT = select(func.count()).where(
    Dossier.received_at >= bindparam("start", type_=DateTime),
    Dossier.received_at < bindparam("end", type_=DateTime),
)  # built once: the chart runs it for each of 30 days


def _received_count(session: Session, first: date, last: date) -> int:
    bounds = {"start": day_start_utc(first), "end": day_start_utc(last + timedelta(days=1))}
    return int(session.execute(_RECEIVED_COUNT, bounds).scalar_one())


def _received(session: Session, period: Period) -> ReceivedFigures:
    total = _received_count(session, period.first, period.last)
    # Online and postal dossiers come from the small partial index; direct ones are the rest.
    remote = dict(
        session.execute(
            select(Dossier.channel, func.count())
            .where(
                Dossier.channel != literal_column(str(DIRECT_CHANNEL)),
                Dossier.received_at >= period.start_utc,
                Dossier.received_at < period.end_utc,
            )
            .group_by(Dossier.channel)
        ).all()
    )
    counts = {
        1: total - sum(int(n) for n in remote.values()),
        2: int(remote.get(2, 0)),
        3: int(remote.get(3, 0)),
    }
    base = DossierFilter(received_from=period.first, received_to=period.last)
    what = period.label.lower() if period.label else period.text()
    return ReceivedFigures(
        period,
        Figure(total, base, _("Tiếp nhận — {what}").format(what=what)),
        {
            channel: Figure(
                n,
                replace(base, channel=channel),
                _("Tiếp nhận {lower} — {what}").format(lower=_(CHANNEL_NAMES[channel]).lower(), what=what),
            )
            for channel, n in counts.items()
        },
    )


def _per_day(session: Session, today: date) -> list[DayBar]:
    bars = []
    for offset in range(CHART_DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        flt = DossierFilter(received_from=day, received_to=day)
        bars.append(
            DayBar(
                day,
                Figure(
                    _received_count(session, day, day),
                    flt,
                    _("Tiếp nhận ngày {day:%d/%m/%Y}").format(day=day),
                ),
            )
        )
    return bars


# --- the current queue ----------------------------------------------------------------------------------


def _by_status(session: Session) -> dict[int, Figure]:
    names = dossier_query.STATUS_NAMES
    # The small statuses are index ranges; the largest (returned) is the rest of the total.
    small = dict(
        session.execute(
            select(Dossier.status, func.count())
            .where(Dossier.status.in_(range(1, 10)))
            .group_by(Dossier.status)
        ).all()
    )
    total = int(session.execute(select(func.count()).select_from(Dossier)).scalar_one())
    values = {s: int(small.get(s, 0)) for s in range(1, 10)}
    values[10] = total - sum(values.values())
    return {
        s: Figure(n, DossierFilter(statuses=(s,)), _("Trạng thái: {names}").format(names=_(names[s])))
        for s, n in values.items()
    }


def _overdue_lines(session: Session, now_utc: datetime) -> list[OverdueLine]:
    rows = dossier_query.list_page(
        session, DossierFilter(due="overdue", sort="appointment"), None, OVERDUE_ROWS, now_utc=now_utc
    )
    if not rows:
        return []
    ids = [row.id for row in rows]
    owners = {
        str(i): (c, int(p))
        for i, c, p in session.execute(
            select(Dossier.id, Dossier.clerk_id, Dossier.procedure_id).where(Dossier.id.in_(ids))
        )
    }
    names = dict(session.execute(select(User.id, User.full_name)).all())
    in_charge = dict(session.execute(select(Procedure.id, Procedure.agency_in_charge)).all())
    departments: dict[str, str] = {}
    for dossier_id, payload in session.execute(
        select(DossierEvent.dossier_id, DossierEvent.payload)
        .where(DossierEvent.dossier_id.in_(ids), DossierEvent.kind == "processing")
        .order_by(DossierEvent.seq)
    ):
        try:
            chosen = str(json.loads(payload or "{}").get("department") or "")
        except (ValueError, AttributeError):
            chosen = ""
        if chosen:
            departments[str(dossier_id)] = chosen
    calendar, hours = counter_calendar(session), counter_hours(session)
    now = utc_to_local(now_utc)
    lines = []
    for row in rows:
        assert row.appointment_at is not None  # the overdue filter keeps dossiers with an appointment
        due = utc_to_local(row.appointment_at)
        live = status_at(due, now, calendar=calendar, hours=hours)
        clerk_id, procedure_id = owners.get(row.id, (None, 0))
        lines.append(
            OverdueLine(
                code=row.code,
                applicant_name=row.applicant_name,
                procedure_name=row.procedure_name,
                appointment_local=due,
                late_seconds=live.seconds,
                late_text=format_working_duration(live.seconds, hours.day_seconds)
                if live.seconds >= 60
                else _("dưới 1 phút"),
                clerk_name=names.get(clerk_id, "") if clerk_id else "",
                department=departments.get(row.id) or str(in_charge.get(procedure_id) or ""),
            )
        )
    return lines


def load_dashboard(session: Session, now_utc: datetime, period: Period | None = None) -> Dashboard:
    """Every figure at `now_utc`; finished dossiers over `period` (default: this month)."""
    today = local_today(now_utc)
    period = period or current_period("month", now_utc)
    daily = _finished_days(session, period, today)
    finished, (by_procedure, by_field, by_clerk) = _finished(session, period, daily)
    due_titles: dict[DueKind, str] = {
        "today": _("Đến hạn hôm nay"),
        "soon": _("Sắp đến hạn (còn ≤ 1 ngày làm việc)"),
        "overdue": _("Quá hạn"),
    }
    due = {
        kind: Figure(
            dossier_query.count(session, DossierFilter(due=kind), now_utc=now_utc),
            DossierFilter(due=kind, sort="appointment"),
            title,
        )
        for kind, title in due_titles.items()
    }
    return Dashboard(
        now_utc=now_utc,
        by_status=_by_status(session),
        due_today=due["today"],
        due_soon=due["soon"],
        overdue=due["overdue"],
        overdue_lines=_overdue_lines(session, now_utc),
        received=[_received(session, current_period(kind, now_utc)) for kind in ("today", "week", "month")],
        period=period,
        finished=finished,
        by_procedure=by_procedure,
        by_field=by_field,
        by_clerk=by_clerk,
        received_per_day=_per_day(session, today),
        rate_per_week=_week_rates(daily, today),
        sync=sync_health(session),
    )
