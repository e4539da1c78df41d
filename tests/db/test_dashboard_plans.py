"""Index use of the supervisor's queries: no refresh or report ever scans the dossier or event table.

Every statement `load_dashboard` and `period_report` send is captured and explained (EXPLAIN QUERY
PLAN) on a seeded database with its statistics; the indexes are those of migration 0006.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from counter_app.paths import migrations_dir
from counter_app.services import reports
from counter_app.services.dashboard import _finished, _finished_days, _week_rates, load_dashboard
from counter_app.services.finished_sql import has_index
from counter_app.services.periods import Period, current_period
from counter_app.storage.database import Database, open_database
from tests.db.supervisor_data import NOW_LOCAL, NOW_UTC, receive_cases, seed

INDEXES = ("ix_dossiers_finished", "ix_dossiers_report", "ix_dossiers_remote")


def _with_supervisor_indexes(path: Path) -> None:
    """Apply migration 0006's SQL when the schema does not have it yet (it may still be pending)."""
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        if not set(INDEXES) <= names:
            source = next(migrations_dir().glob("0006_supervisor_indexes.sql*"))
            conn.executescript(source.read_text(encoding="utf-8"))
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def planned(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("plans") / "counter.db"
    shutil.copy(pristine_db, path)
    seed(path, count=4000)
    receive_cases(path)
    _with_supervisor_indexes(path)
    database = open_database(path)
    yield database
    database.close()


def _plans(db: Database, work: Any) -> list[tuple[str, list[str]]]:
    """(statement, plan lines) of every SELECT `work(session)` sends."""
    sent: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    engine = db.reader
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.read() as session:
            work(session)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    conn = sqlite3.connect(db.path)
    try:
        return [
            (statement, [str(row[-1]) for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)])
            for statement, parameters in sent
        ]
    finally:
        conn.close()


def _full_scans(plans: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    return [
        (statement, line)
        for statement, lines in plans
        for line in lines
        if line.startswith("SCAN") and "INDEX" not in line and any(t in line for t in ("dossier", " d", " e"))
    ]


def test_the_dashboard_reads_indexes_only(planned: Database) -> None:
    plans = _plans(planned, lambda session: load_dashboard(session, NOW_UTC))
    assert len(plans) > 40
    assert _full_scans(plans) == []
    used = " ".join(line for _s, lines in plans for line in lines)
    assert "ix_dossiers_finished" in used and "ix_dossiers_remote" in used


def test_the_report_is_one_pass_over_its_index(planned: Database) -> None:
    year = Period(date(2025, 3, 12), date(2026, 3, 11))
    plans = _plans(planned, lambda session: reports.period_report(session, year, NOW_UTC))
    assert _full_scans(plans) == []
    main = next(lines for statement, lines in plans if "GROUP BY" in statement)
    assert any("COVERING INDEX ix_dossiers_report" in line for line in main)
    assert not any("TEMP B-TREE" in line for line in main)  # the index order is the breakdown's: no sort
    closed = next(lines for statement, lines in plans if "dossier_events" in statement)
    assert any("ix_dossiers_status_appointment" in line for line in closed)


def test_without_the_finished_index_one_scan_gives_the_same_figures(planned: Database) -> None:
    today = NOW_LOCAL.date()
    for period in (current_period("month", NOW_UTC), Period(date(2025, 12, 1), today), Period(today, today)):
        with planned.read() as session:
            by_day = _finished_days(session, period, today, by_day=True)
            one_pass = _finished_days(session, period, today, by_day=False)
            assert _finished(session, period, by_day) == _finished(session, period, one_pass)
            assert _finished_days(session, period, today) == by_day  # the index is there: a query per day
        assert _week_rates(by_day, today) == _week_rates(one_pass, today)
    with planned.read() as session:
        assert has_index(session, "ix_dossiers_finished") and not has_index(session, "ix_nothing")
