"""The supervisor's dashboard on seeded data: every number equals independent SQL and lists exactly its dossiers."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from counter_app.deadlines import Timeliness, classify_finished, status_at
from counter_app.services import dossier_query
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.dashboard import Dashboard, Figure, FinishedFigures, load_dashboard
from counter_app.services.dossier_query import DossierFilter
from counter_app.services.periods import Period
from counter_app.storage.database import Database, open_database
from tests.db.supervisor_data import (
    NOW_LOCAL,
    NOW_UTC,
    SOON_CUTOFF_LOCAL,
    local,
    one,
    receive_cases,
    seed,
    sql,
    stamp,
)

TODAY = NOW_LOCAL.date()
MONTH = Period(date(2026, 3, 1), TODAY, "Tháng này")
CLASSES = {Timeliness.TRUOC_HAN: "early", Timeliness.DUNG_HAN: "on_time", Timeliness.QUA_HAN: "late"}


@pytest.fixture(scope="module")
def seeded(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("supervisor") / "counter.db"
    shutil.copy(pristine_db, path)
    seed(path)
    codes, _staff = receive_cases(path)
    return path, codes


@pytest.fixture(scope="module")
def board_db(seeded: tuple[Path, dict[str, str]]) -> Iterator[Database]:
    database = open_database(seeded[0])
    yield database
    database.close()


@pytest.fixture(scope="module")
def board(board_db: Database) -> Dashboard:
    with board_db.read() as session:
        return load_dashboard(session, NOW_UTC)


def _path(seeded: tuple[Path, dict[str, str]]) -> Path:
    return seeded[0]


def _listed(db: Database, flt: DossierFilter) -> set[str]:
    """Every dossier id the list shows for `flt`, page after page (what a click on the figure opens)."""
    found: set[str] = set()
    after = None
    with db.read() as session:
        while True:
            rows = dossier_query.list_page(session, flt, after, 500, now_utc=NOW_UTC)
            found.update(row.id for row in rows)
            if len(rows) < 500:
                return found
            after = dossier_query.cursor_after(rows[-1], flt.sort)


def _ids(path: Path, where: str, *args: object) -> set[str]:
    return {str(r[0]) for r in sql(path, f"SELECT id FROM dossiers WHERE {where}", *args)}


def _all_figures(board: Dashboard) -> list[Figure]:
    found = [*board.by_status.values(), board.due_today, board.due_soon, board.overdue]
    for received in board.received:
        found += [received.total, *received.by_channel.values()]

    def four(f: FinishedFigures) -> list[Figure]:
        return [f.total, f.early, f.on_time, f.late]

    found += four(board.finished)
    for line in (*board.by_procedure, *board.by_field, *board.by_clerk):
        found += four(line.figures)
    found += [bar.figure for bar in board.received_per_day]
    for week in board.rate_per_week:
        found += four(week.figures)
    return found


def test_seeded_data_has_every_kind_of_dossier(seeded: tuple[Path, dict[str, str]]) -> None:
    path = _path(seeded)
    statuses = {int(r[0]) for r in sql(path, "SELECT DISTINCT status FROM dossiers")}
    assert {2, 4, 5, 7, 8, 9, 10} <= statuses
    assert {int(r[0]) for r in sql(path, "SELECT DISTINCT channel FROM dossiers")} == {1, 2, 3}
    assert one(path, "SELECT count(*) FROM dossiers") == 2500 + 10


def test_status_figures_equal_sql(seeded: tuple[Path, dict[str, str]], board: Dashboard) -> None:
    path = _path(seeded)
    for status in range(1, 11):
        expected = one(path, "SELECT count(*) FROM dossiers WHERE status = ?", status)
        assert board.by_status[status].value == expected, status
        assert board.by_status[status].filter == DossierFilter(statuses=(status,))


def test_due_figures_equal_sql(seeded: tuple[Path, dict[str, str]], board: Dashboard) -> None:
    path = _path(seeded)
    running = "status IN (2, 4, 6) AND appointment_at IS NOT NULL"
    now = stamp(NOW_LOCAL)
    assert board.overdue.value == one(
        path, f"SELECT count(*) FROM dossiers WHERE {running} AND appointment_at < ?", now
    )
    midnight = stamp(NOW_LOCAL.replace(hour=0) + timedelta(days=1))
    assert board.due_today.value == one(
        path,
        f"SELECT count(*) FROM dossiers WHERE {running} AND appointment_at >= ? AND appointment_at < ?",
        now,
        midnight,
    )
    assert board.due_soon.value == one(
        path,
        f"SELECT count(*) FROM dossiers WHERE {running} AND appointment_at >= ? AND appointment_at <= ?",
        now,
        stamp(SOON_CUTOFF_LOCAL),
    )
    assert board.overdue.value > 0 and board.due_soon.value >= board.due_today.value > 0


def test_received_by_channel_equal_sql(seeded: tuple[Path, dict[str, str]], board: Dashboard) -> None:
    path = _path(seeded)
    windows = {"Hôm nay": TODAY, "Tuần này": date(2026, 3, 9), "Tháng này": date(2026, 3, 1)}
    for received in board.received:
        first = windows[received.period.label]
        assert (received.period.first, received.period.last) == (first, TODAY)
        rows = dict(
            sql(
                path,
                "SELECT channel, count(*) FROM dossiers WHERE date(received_at, '+7 hours') BETWEEN ? AND ? "
                "GROUP BY channel",
                first.isoformat(),
                TODAY.isoformat(),
            )
        )
        assert received.total.value == sum(rows.values())
        assert {c: f.value for c, f in received.by_channel.items()} == {c: rows.get(c, 0) for c in (1, 2, 3)}
    month = board.received[2]
    assert (month.by_channel[2].value, month.by_channel[3].value) == (4, 2)  # only the desk used them


def _finished_rows(path: Path, first: date, last: date) -> list[tuple[str, str, int, str]]:
    return [
        (str(f), str(a), int(p), str(c))
        for f, a, p, c in sql(
            path,
            "SELECT finished_at, appointment_at, procedure_id, clerk_id FROM dossiers "
            "WHERE date(finished_at, '+7 hours') BETWEEN ? AND ?",
            first.isoformat(),
            last.isoformat(),
        )
    ]


def _classes(rows: list[tuple[str, str, int, str]], key: int | None = None) -> Counter[object]:
    """Counts by (group, class) with deadlines.classify_finished on local times; group = column `key`."""
    found: Counter[object] = Counter()
    for row in rows:
        kind = CLASSES[classify_finished(local(row[0]), local(row[1]))]
        group = row[key] if key is not None else None
        found[(group, "total")] += 1
        found[(group, kind)] += 1
    return found


def _check(figures: FinishedFigures, counts: Counter[object], group: object) -> None:
    for name in ("total", "early", "on_time", "late"):
        assert getattr(figures, name).value == counts[(group, name)], (group, name)


def test_finished_figures_follow_classify_finished(
    seeded: tuple[Path, dict[str, str]], board: Dashboard
) -> None:
    path = _path(seeded)
    rows = _finished_rows(path, MONTH.first, MONTH.last)
    counts = _classes(rows)
    _check(board.finished, counts, None)
    assert board.finished.early.value and board.finished.on_time.value and board.finished.late.value
    # The same figures with SQL date comparisons written here (QĐ 766: dates only, local time).
    day = "date(finished_at, '+7 hours') BETWEEN '2026-03-01' AND '2026-03-11'"
    for op, name in (("<", "early"), ("=", "on_time"), (">", "late")):
        expected = one(
            path,
            f"SELECT count(*) FROM dossiers WHERE {day} AND date(finished_at, '+7 hours') {op} "
            "date(appointment_at, '+7 hours')",
        )
        assert getattr(board.finished, name).value == expected
    rate = (counts[(None, "early")] + counts[(None, "on_time")]) / counts[(None, "total")]
    assert board.finished.on_time_rate == pytest.approx(rate)


def test_breakdowns_by_procedure_field_and_clerk_equal_sql(
    seeded: tuple[Path, dict[str, str]], board: Dashboard
) -> None:
    path = _path(seeded)
    rows = _finished_rows(path, MONTH.first, MONTH.last)
    by_procedure = _classes(rows, 2)
    for line in board.by_procedure:
        _check(line.figures, by_procedure, int(line.key))
    assert sum(line.figures.total.value for line in board.by_procedure) == len(rows)
    by_clerk = _classes(rows, 3)
    names = dict(sql(path, "SELECT id, full_name FROM users"))
    for line in board.by_clerk:
        _check(line.figures, by_clerk, line.key)
        assert line.name == names[line.key]
    fields = dict(sql(path, "SELECT id, field_code FROM procedures"))
    by_field = _classes([(f, a, fields[p], c) for f, a, p, c in rows], 2)  # type: ignore[misc]
    for line in board.by_field:
        _check(line.figures, by_field, line.key)
    assert {line.key for line in board.by_field} == {fields[p] for _f, _a, p, _c in rows}


def test_returned_results_agree_with_the_timeliness_the_workflow_stored(
    seeded: tuple[Path, dict[str, str]], board_db: Database
) -> None:
    path = _path(seeded)
    stored = sql(
        path,
        "SELECT d.finished_at, d.appointment_at, e.payload FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id "
        "WHERE e.kind = 'returned' AND e.payload <> '{}'",
    )
    assert len(stored) == 2  # the desk's two returns (seeded events carry no payload)
    for finished, appointment, payload in stored:
        assert (
            classify_finished(local(finished), local(appointment)).value == json.loads(payload)["timeliness"]
        )
        with board_db.read() as session:
            day = local(finished).date()
            week = load_dashboard(session, NOW_UTC, Period(day, day))
            kind = json.loads(payload)["timeliness"]
            figure = {"truoc_han": week.finished.early, "dung_han": week.finished.on_time}.get(
                kind, week.finished.late
            )
            assert figure.value >= 1


def test_charts_equal_sql(seeded: tuple[Path, dict[str, str]], board: Dashboard) -> None:
    path = _path(seeded)
    first = TODAY - timedelta(days=29)
    per_day = dict(
        sql(
            path,
            "SELECT date(received_at, '+7 hours'), count(*) FROM dossiers WHERE date(received_at, '+7 hours') >= ? "
            "GROUP BY 1",
            first.isoformat(),
        )
    )
    assert [b.day for b in board.received_per_day] == [first + timedelta(days=i) for i in range(30)]
    assert [b.figure.value for b in board.received_per_day] == [
        per_day.get(b.day.isoformat(), 0) for b in board.received_per_day
    ]
    assert len(board.rate_per_week) == 8 and board.rate_per_week[-1].first == date(2026, 3, 9)
    for week in board.rate_per_week:
        rows = _finished_rows(path, week.first, week.first + timedelta(days=6))
        _check(week.figures, _classes(rows), None)


def test_every_figure_counts_exactly_the_dossiers_of_its_list(board_db: Database, board: Dashboard) -> None:
    figures = _all_figures(board)
    assert len(figures) > 150
    with board_db.read() as session:
        for figure in figures:
            assert figure.filter is not None, figure.title
            assert dossier_query.count(session, figure.filter, now_utc=NOW_UTC) == figure.value, figure.title


def test_a_click_lists_exactly_those_dossiers(
    seeded: tuple[Path, dict[str, str]], board_db: Database, board: Dashboard
) -> None:
    path = _path(seeded)
    month = "date(finished_at, '+7 hours') BETWEEN '2026-03-01' AND '2026-03-11'"
    late = f"{month} AND date(finished_at, '+7 hours') > date(appointment_at, '+7 hours')"
    assert _listed(board_db, board.finished.late.filter or DossierFilter()) == _ids(path, late)
    online = "channel = 2 AND date(received_at, '+7 hours') BETWEEN '2026-03-01' AND '2026-03-11'"
    assert _listed(board_db, board.received[2].by_channel[2].filter or DossierFilter()) == _ids(path, online)
    overdue = "status IN (2, 4, 6) AND appointment_at < ?"
    assert _listed(board_db, board.overdue.filter or DossierFilter()) == _ids(path, overdue, stamp(NOW_LOCAL))
    week = board.rate_per_week[-2]
    days = f"date(finished_at, '+7 hours') BETWEEN '{week.first}' AND '{week.first + timedelta(days=6)}'"
    assert _listed(board_db, week.figures.total.filter or DossierFilter()) == _ids(path, days)
    clerk = board.by_clerk[0]
    expected = _ids(
        path,
        f"{month} AND clerk_id = ? AND date(finished_at, '+7 hours') < date(appointment_at, '+7 hours')",
        clerk.key,
    )
    assert _listed(board_db, clerk.figures.early.filter or DossierFilter()) == expected


def test_overdue_list_is_the_most_late_first_with_clerk_and_department(
    seeded: tuple[Path, dict[str, str]], board_db: Database, board: Dashboard
) -> None:
    path = _path(seeded)
    expected = sql(
        path,
        "SELECT d.code, u.full_name, d.appointment_at FROM dossiers d LEFT JOIN users u ON u.id = d.clerk_id "
        "WHERE d.status IN (2, 4, 6) AND d.appointment_at < ? ORDER BY d.appointment_at, d.id LIMIT 100",
        stamp(NOW_LOCAL),
    )
    lines = board.overdue_lines
    assert [(line.code, line.clerk_name) for line in lines] == [(str(c), str(n)) for c, n, _a in expected]
    with board_db.read() as session:
        calendar, hours = counter_calendar(session), counter_hours(session)
    for line, (_c, _n, due) in zip(lines, expected, strict=True):
        live = status_at(local(due), NOW_LOCAL, calendar=calendar, hours=hours)
        assert line.appointment_local == local(due) and line.late_seconds == live.seconds
        assert line.department  # the catalogue's body in charge when none was chosen at transfer
    assert any(line.code.endswith(tuple("0123456789")) for line in lines)


def test_sync_health_of_a_standalone_counter(seeded: tuple[Path, dict[str, str]], board: Dashboard) -> None:
    path = _path(seeded)
    depth = one(path, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent', 'failed', 'held')")
    assert board.sync.standalone and board.sync.queue_depth == depth > 0
    assert board.sync.open_conflicts == 0 and board.sync.last_success_utc is None
    assert "độc lập" in board.sync.summary()
