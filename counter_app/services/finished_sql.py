"""SQL for counting finished dossiers by timeliness in one pass (trước / đúng / quá hạn, dates only)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, case, func, select, text
from sqlalchemy.orm import Session

from counter_app.services.dossier_query import local_day_number
from counter_app.services.periods import day_start_utc
from counter_app.storage.models import Dossier

# Early and on-time counts share one SUM (early + on_time × 2³²), so the class is evaluated once a row.
ON_TIME_UNIT = 1 << 32


def class_code() -> ColumnElement[Any]:
    """SQL: 1 finished on an earlier local day than the appointment's, 0 the same day, -1 a later day,
    NULL without an appointment; the rule of deadlines.classify_finished."""
    gap = local_day_number(Dossier.appointment_at) - local_day_number(Dossier.finished_at)
    return func.min(func.max(gap, -1), 1)


def packed_class() -> ColumnElement[Any]:
    """SQL: 1 for an early dossier, 2³² for an on-time one, 0 otherwise (summed, then `unpack`ed)."""
    return case({1: 1, 0: ON_TIME_UNIT}, value=class_code(), else_=0)


def finished_sums(*group: Any) -> list[Any]:
    """SQL columns: `group`…, count, count without an appointment, the packed early/on-time sum."""
    return [
        *group,
        func.count(),
        func.coalesce(func.sum(case((Dossier.appointment_at.is_(None), 1), else_=0)), 0),
        func.coalesce(func.sum(packed_class()), 0),
    ]


def unpack(count: int, unclassified: int, packed: int) -> tuple[int, int, int, int]:
    """(total, early, on_time, late) from a count, its unclassified part and the packed sum."""
    early, on_time = packed % ON_TIME_UNIT, packed // ON_TIME_UNIT
    return count, early, on_time, count - unclassified - early - on_time


_DAY_STATEMENTS: dict[tuple[str, ...], Any] = {}


def _day_statement(group: tuple[Any, ...]) -> Any:
    """The per-day statement for `group`, built once (a refresh runs it for every day of two months)."""
    key = tuple(str(column) for column in group)
    found = _DAY_STATEMENTS.get(key)
    if found is None:
        start, end = bindparam("start", type_=DateTime), bindparam("end", type_=DateTime)
        due = Dossier.appointment_at
        found = select(
            *group,
            func.count(),
            func.sum(case((due >= end, 1), else_=0)),
            func.sum(case((and_(due >= start, due < end), 1), else_=0)),
            func.sum(case((due < start, 1), else_=0)),
        ).where(Dossier.finished_at >= start, Dossier.finished_at < end)
        if group:
            found = found.group_by(*group)
        _DAY_STATEMENTS[key] = found
    return found


def day_counts(session: Session, day: date, *group: Any) -> list[tuple[Any, ...]]:
    """Dossiers whose result was ready on one local day: rows of (`group`…, total, early, on_time, late).

    Within one day the finished side of the date comparison is that day, so each class is a plain
    comparison of the appointment with the day's bounds (no date function on a million rows); a
    dossier without an appointment is in the total only.
    """
    bounds = {"start": day_start_utc(day), "end": day_start_utc(day + timedelta(days=1))}
    return [tuple(row) for row in session.execute(_day_statement(group), bounds) if row[len(group)]]


def has_index(session: Session, name: str) -> bool:
    """Whether the database has the index `name` (migration 0006's may not be applied yet)."""
    found = session.execute(
        text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = :name"), {"name": name}
    ).scalar_one()
    return bool(found)


def days_in_one_pass(
    session: Session, first: date, last: date
) -> dict[date, dict[tuple[int, str | None], tuple[int, int, int, int]]]:
    """The same figures as `day_counts` by procedure and clerk for every day of first..last, in one scan:
    the way without the finished index, where a query per day would read the whole table each time."""
    day = local_day_number(Dossier.finished_at)
    rows = session.execute(
        select(*finished_sums(day, Dossier.procedure_id, Dossier.clerk_id))
        .where(
            Dossier.finished_at >= day_start_utc(first),
            Dossier.finished_at < day_start_utc(last + timedelta(days=1)),
        )
        .group_by(day, Dossier.procedure_id, Dossier.clerk_id)
    )
    found: dict[date, dict[tuple[int, str | None], tuple[int, int, int, int]]] = {}
    epoch = date(1970, 1, 1)
    for number, procedure_id, clerk_id, count, unclassified, packed in rows:
        _total, early, on_time, late = unpack(int(count), int(unclassified), int(packed))
        found.setdefault(epoch + timedelta(days=int(number)), {})[(int(procedure_id), clerk_id)] = (
            int(count),
            early,
            on_time,
            late,
        )
    return found
