"""The periodic report on receiving and settling procedures (domain §7.1, Mẫu 06a): totals and breakdowns.

Definitions, for the local days `first`..`last` of a period; `as_of` is the end of the last day, or now
when that is still ahead. Dossiers never accepted (status 1, 3) are not counted anywhere.

* carried over (kỳ trước chuyển sang): received before the first day and still being settled at its
  start, i.e. neither finished (result ready) nor withdrawn/stopped before it;
* received online / direct / by post: received in the period, by channel;
* settled early / on time / late: result ready (finished_at) in the period, its local day compared with
  the appointment's (deadlines.classify_finished, the date-only rule of QĐ 766, also used at return);
* in progress on time / late: still being settled at `as_of`, whose appointment in force (now) is
  not / is before `as_of`; a paused dossier (no appointment) is on time;
* returned (trả lại: processing stopped, status 8) and withdrawn (status 7): closed in the period, at
  the time of their closing event.

So carried + received = settled + in progress + returned + withdrawn, for every line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services.dossier_query import CLOSED_STATUSES, DossierFilter, closed_at
from counter_app.services.finished_sql import packed_class, unpack
from counter_app.services.periods import Period, checked_period, local_today
from counter_app.storage.models import Dossier, Procedure, User

__all__ = [
    "COLUMNS",
    "TITLE",
    "PeriodReport",
    "ReportLine",
    "cell_filter",
    "period_report",
    "report_json",
]

TITLE = "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"  # i18n: skip
SETTLING_STATUSES = (2, 4, 5, 6, 9, 10)  # accepted, and not closed without a result
RECEIVED_STATUSES = (2, 4, 5, 6, 7, 8, 9, 10)
WITHDRAWN, STOPPED = 7, 8
# (attribute of ReportLine, group, column): the report's columns in order, Mẫu 06a's grouping.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("total", "Số hồ sơ nhận giải quyết", "Tổng số"),  # i18n: skip
    ("carried", "Số hồ sơ nhận giải quyết", "Kỳ trước chuyển sang"),  # i18n: skip
    ("received_online", "Số hồ sơ nhận giải quyết", "Trực tuyến"),  # i18n: skip
    ("received_direct", "Số hồ sơ nhận giải quyết", "Trực tiếp"),  # i18n: skip
    ("received_post", "Số hồ sơ nhận giải quyết", "Qua bưu chính"),  # i18n: skip
    ("settled", "Số hồ sơ đã giải quyết", "Tổng số"),  # i18n: skip
    ("settled_early", "Số hồ sơ đã giải quyết", "Trước hạn"),  # i18n: skip
    ("settled_on_time", "Số hồ sơ đã giải quyết", "Đúng hạn"),  # i18n: skip
    ("settled_late", "Số hồ sơ đã giải quyết", "Quá hạn"),  # i18n: skip
    ("in_progress", "Số hồ sơ đang giải quyết", "Tổng số"),  # i18n: skip
    ("in_progress_on_time", "Số hồ sơ đang giải quyết", "Trong hạn"),  # i18n: skip
    ("in_progress_late", "Số hồ sơ đang giải quyết", "Quá hạn"),  # i18n: skip
    ("returned", "Trả lại, rút hồ sơ", "Trả lại (dừng xử lý)"),  # i18n: skip
    ("withdrawn", "Trả lại, rút hồ sơ", "Công dân rút"),  # i18n: skip
)


@dataclass(frozen=True)
class ReportLine:
    """One line of the report: the whole counter, a procedure, a field or a clerk."""

    key: str
    name: str
    carried: int = 0
    received_online: int = 0
    received_direct: int = 0
    received_post: int = 0
    settled_early: int = 0
    settled_on_time: int = 0
    settled_late: int = 0
    settled_unclassified: int = 0  # finished without an appointment (none in practice)
    in_progress_on_time: int = 0
    in_progress_late: int = 0
    returned: int = 0
    withdrawn: int = 0

    @property
    def received(self) -> int:
        """Received in the period, all channels."""
        return self.received_online + self.received_direct + self.received_post

    @property
    def total(self) -> int:
        """Carried over + received: every dossier the period had to settle."""
        return self.carried + self.received

    @property
    def settled(self) -> int:
        """Finished in the period."""
        return self.settled_early + self.settled_on_time + self.settled_late + self.settled_unclassified

    @property
    def in_progress(self) -> int:
        """Still being settled at the end of the period."""
        return self.in_progress_on_time + self.in_progress_late

    @property
    def on_time_rate(self) -> float | None:
        """(early + on time) / classified settled dossiers, or None."""
        classified = self.settled_early + self.settled_on_time + self.settled_late
        return (self.settled_early + self.settled_on_time) / classified if classified else None

    def value(self, column: str) -> int:
        """The figure of a column named in COLUMNS."""
        return int(getattr(self, column))

    def plus(self, other: ReportLine) -> ReportLine:
        """The sum of two lines (keeping this line's key and name)."""
        counts = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)[2:]}
        return ReportLine(self.key, self.name, **counts)


@dataclass(frozen=True)
class PeriodReport:
    """The report of a period: the counter's line and the breakdowns by procedure, field and clerk."""

    period: Period
    as_of_utc: datetime
    total: ReportLine
    by_procedure: list[ReportLine]
    by_field: list[ReportLine]
    by_clerk: list[ReportLine]

    @property
    def as_of_local(self) -> datetime:
        """The end of the report, Vietnam time."""
        return utc_to_local(self.as_of_utc)


_COUNTS = tuple(f.name for f in fields(ReportLine)[2:])


def _line(key: str, name: str, counts: dict[str, int]) -> ReportLine:
    return ReportLine(key, name, **{k: counts.get(k, 0) for k in _COUNTS})


def _received_field(channel: int) -> str:
    return {1: "received_direct", 2: "received_online", 3: "received_post"}.get(channel, "received_direct")


def _settling(
    session: Session, start: datetime, as_of: datetime
) -> Iterable[tuple[int, str | None, dict[str, int]]]:
    """Accepted dossiers not closed without a result: one pass over the report index (migration 0006)."""
    in_period = Dossier.finished_at < as_of
    still_open = (Dossier.finished_at.is_(None)) | (Dossier.finished_at >= as_of)
    stmt = (
        select(
            Dossier.procedure_id,
            Dossier.clerk_id,
            Dossier.channel,
            func.count(),
            func.sum(case((Dossier.received_at < start, 1), else_=0)),
            func.sum(case((in_period, 1), else_=0)),
            func.sum(case((in_period & Dossier.appointment_at.is_(None), 1), else_=0)),
            func.sum(case((in_period, packed_class()), else_=0)),
            func.sum(case((still_open & (Dossier.appointment_at < as_of), 1), else_=0)),
        )
        .where(
            Dossier.received_at < as_of,
            Dossier.status.in_(SETTLING_STATUSES),
            (Dossier.finished_at.is_(None)) | (Dossier.finished_at >= start),
        )
        .group_by(Dossier.procedure_id, Dossier.clerk_id, Dossier.channel)
    )
    for (
        procedure_id,
        clerk_id,
        channel,
        n,
        before,
        done,
        done_unclassified,
        packed_sum,
        late,
    ) in session.execute(stmt):
        n, before, done = int(n), int(before or 0), int(done or 0)
        _total, early, on_time, settled_late = unpack(done, int(done_unclassified or 0), int(packed_sum or 0))
        open_late = int(late or 0)
        yield (
            int(procedure_id),
            clerk_id,
            {
                "carried": before,
                _received_field(int(channel)): n - before,
                "settled_early": early,
                "settled_on_time": on_time,
                "settled_late": settled_late,
                "settled_unclassified": int(done_unclassified or 0),
                "in_progress_late": open_late,
                "in_progress_on_time": n - done - open_late,
            },
        )


def _closed(
    session: Session, start: datetime, as_of: datetime
) -> Iterable[tuple[int, str | None, dict[str, int]]]:
    """Withdrawn and stopped dossiers (few, on the status index), placed by the time they were closed."""
    received = literal_column("+dossiers.received_at", Dossier.received_at.type)  # keep the status index
    stmt = select(
        Dossier.procedure_id,
        Dossier.clerk_id,
        Dossier.channel,
        Dossier.status,
        Dossier.received_at,
        Dossier.appointment_at,
        Dossier.updated_at,
        closed_at(),
    ).where(Dossier.status.in_(CLOSED_STATUSES), received < as_of)
    for procedure_id, clerk_id, channel, status, received_at, appointment, updated, closed in session.execute(
        stmt
    ):
        when = closed or updated  # a closing event always exists when the workflow closed the dossier
        if when < start:
            continue
        counts = {"carried" if received_at < start else _received_field(int(channel)): 1}
        if when < as_of:
            counts["withdrawn" if status == WITHDRAWN else "returned"] = 1
        elif appointment is not None and appointment < as_of:
            counts["in_progress_late"] = 1
        else:
            counts["in_progress_on_time"] = 1
        yield int(procedure_id), clerk_id, counts


def period_report(session: Session, period: Period, now_utc: datetime) -> PeriodReport:
    """The report of `period` as of `now_utc` (UserFacingError for a period starting after today)."""
    checked_period(period.first, period.last)
    if period.first > local_today(now_utc):
        raise UserFacingError(
            _("Kỳ báo cáo bắt đầu ngày {first:%d/%m/%Y}, sau hôm nay; hãy chọn kỳ đã bắt đầu.").format(
                first=period.first
            ),
            field="period",
        )
    start, as_of = period.start_utc, min(period.end_utc, now_utc)
    groups: dict[tuple[int, str | None], dict[str, int]] = {}
    for source in (_settling(session, start, as_of), _closed(session, start, as_of)):
        for procedure_id, clerk_id, counts in source:
            into = groups.setdefault((procedure_id, clerk_id), {})
            for key, n in counts.items():
                into[key] = into.get(key, 0) + n
    procedures = {
        int(p.id): (p.code, p.name, p.field_code, p.field_name)
        for p in session.execute(
            select(Procedure.id, Procedure.code, Procedure.name, Procedure.field_code, Procedure.field_name)
        )
    }
    clerks = dict(session.execute(select(User.id, User.full_name)).all())
    total = ReportLine("", "Tổng cộng")  # i18n: skip
    by_procedure: dict[int, ReportLine] = {}
    by_field: dict[str, ReportLine] = {}
    by_clerk: dict[str, ReportLine] = {}
    for (procedure_id, clerk_id), counts in groups.items():
        line = _line("", "", counts)
        total = total.plus(line)
        _code, name, field_code, field_name = procedures.get(procedure_id, ("", str(procedure_id), "", ""))
        _merge(by_procedure, procedure_id, line, str(procedure_id), name)
        _merge(by_field, field_code, line, field_code, field_name or "(chưa ghi lĩnh vực)")  # i18n: skip
        _merge(
            by_clerk,
            clerk_id or "",
            line,
            clerk_id or "",
            clerks.get(clerk_id, "") if clerk_id else "(không rõ cán bộ)",  # i18n: skip
        )
    return PeriodReport(
        period=period,
        as_of_utc=as_of,
        total=total,
        by_procedure=sorted(by_procedure.values(), key=lambda r: (-r.total, r.name)),
        by_field=sorted(by_field.values(), key=lambda r: (-r.total, r.name)),
        by_clerk=sorted(by_clerk.values(), key=lambda r: r.name),
    )


def _merge(into: dict[Any, ReportLine], key: Any, line: ReportLine, line_key: str, name: str) -> None:
    found = into.get(key)
    into[key] = replace(line, key=line_key, name=name) if found is None else found.plus(line)


def cell_filter(report: PeriodReport, line: ReportLine, kind: str, column: str) -> DossierFilter | None:
    """The list filter of exactly the dossiers of one cell; None for the sums (total, received…).

    `kind` is "total", "procedure", "field" or "clerk" (which breakdown `line` belongs to).
    """
    base = _scope(kind, line)
    if base is None:
        return None
    period, start, as_of = report.period, report.period.start_utc, report.as_of_utc
    received = replace(base, received_from=period.first, received_to=period.last, statuses=RECEIVED_STATUSES)
    finished = replace(base, finished_from=period.first, finished_to=period.last)
    found: dict[str, DossierFilter] = {
        "carried": replace(base, open_at=start),
        "received_direct": replace(received, channel=1),
        "received_online": replace(received, channel=2),
        "received_post": replace(received, channel=3),
        "settled": finished,
        "settled_early": replace(finished, finished_timeliness="truoc_han"),
        "settled_on_time": replace(finished, finished_timeliness="dung_han"),
        "settled_late": replace(finished, finished_timeliness="qua_han"),
        "in_progress": replace(base, open_at=as_of),
        "in_progress_on_time": replace(base, open_at=as_of, open_late=False),
        "in_progress_late": replace(base, open_at=as_of, open_late=True),
        "returned": replace(base, statuses=(STOPPED,), closed_from=period.first, closed_to=period.last),
        "withdrawn": replace(base, statuses=(WITHDRAWN,), closed_from=period.first, closed_to=period.last),
    }
    return found.get(column)


def _scope(kind: str, line: ReportLine) -> DossierFilter | None:
    if kind == "total":
        return DossierFilter()
    if kind == "procedure" and line.key:
        return DossierFilter(procedure_id=int(line.key))
    if kind == "field" and line.key:
        return DossierFilter(field_code=line.key)
    if kind == "clerk" and line.key:
        return DossierFilter(clerk_id=line.key)
    return None  # no procedure, field or clerk recorded: the list cannot filter on "none"


def _line_json(line: ReportLine) -> dict[str, Any]:
    data: dict[str, Any] = {"key": line.key, "name": line.name}
    data.update({column: line.value(column) for column, _g, _t in COLUMNS})
    data["on_time_rate"] = round(line.on_time_rate, 4) if line.on_time_rate is not None else None
    return data


def report_json(report: PeriodReport) -> dict[str, Any]:
    """The report as plain JSON data (the CLI's --json): the same figures as the XLSX and PDF."""
    return {
        "title": TITLE,
        "from": report.period.first.isoformat(),
        "to": report.period.last.isoformat(),
        "as_of": report.as_of_local.isoformat(timespec="minutes"),
        "columns": [{"key": c, "group": g, "title": t} for c, g, t in COLUMNS],
        "total": _line_json(report.total),
        "by_procedure": [_line_json(line) for line in report.by_procedure],
        "by_field": [_line_json(line) for line in report.by_field],
        "by_clerk": [_line_json(line) for line in report.by_clerk],
    }
