"""Benchmark: the supervisor's dashboard refresh and the one-year periodic report on a large database.

Targets at 1,000,000 dossiers: `dashboard_refresh` (every figure of the dashboard, this month's finished
dossiers) median ≤ 300 ms; `report_year` (the Mẫu 06a report of the last 365 days, with its breakdowns)
median ≤ 2 s. Each figure is printed with its CPU time too: on a shared machine the wall time also
holds the waits for the CPU.

    python -m bench.dashboard_bench [--dossiers 1000000] [--db PATH] [--rounds 10] [--dir PATH]

Without --db it seeds a temporary database with `counter-admin seed-demo` (as bench.query_bench).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bench.intake_bench import _percentile, machine_line
from bench.query_bench import _seed
from counter_app.clock import SystemClock
from counter_app.services import dashboard, reports
from counter_app.services.periods import Period, current_period, local_today
from counter_app.storage.database import open_database

TARGETS_MS = {"dashboard_refresh": 300.0, "report_year": 2000.0}
SUPERVISOR_INDEXES = ("ix_dossiers_finished", "ix_dossiers_report", "ix_dossiers_remote")


def _timed(work: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    work()  # warm: statement cache, calendar arrays, page cache
    wall, cpu = [], []
    for _ in range(rounds):
        began, began_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    """Measure, print machine, figures and PASS/FAIL per target; exit 1 on any miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None, help="an already seeded database to reuse")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = None if args.db else Path(tempfile.mkdtemp(prefix="dashboard-bench-", dir=args.dir))
    path = args.db or _seed(folder or Path(), args.dossiers)
    now = SystemClock().now_utc()
    today = local_today(now)
    year = Period(today - timedelta(days=364), today, "365 ngày")
    try:
        db = open_database(path)
        try:
            with db.read() as session:
                total = int(session.execute(text("SELECT count(*) FROM dossiers")).scalar_one())
                names = {
                    str(r[0])
                    for r in session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
                }
                board = dashboard.load_dashboard(session, now)
                results = {
                    "dashboard_refresh": _timed(lambda: dashboard.load_dashboard(session, now), args.rounds),
                    "report_year": _timed(
                        lambda: reports.period_report(session, year, now), max(3, args.rounds // 3)
                    ),
                }
                month = current_period("month", now)
                report_month = _timed(lambda: reports.period_report(session, month, now), 3)
                parts = {
                    f"finished per day (this month by procedure and clerk, {dashboard.CHART_WEEKS} weeks)": (
                        lambda: dashboard._finished_days(session, month, today)
                    ),
                    f"received per day ({dashboard.CHART_DAYS} days)": lambda: dashboard._per_day(
                        session, today
                    ),
                    "dossiers by status": lambda: dashboard._by_status(session),
                    "overdue list": lambda: dashboard._overdue_lines(session, now),
                }
                part_cpu = {label: _percentile(_timed(fn, 5)[1], 0.5) for label, fn in parts.items()}
        finally:
            db.close()
        missing = [name for name in SUPERVISOR_INDEXES if name not in names]
        labels = {
            "dashboard_refresh": (
                f"dashboard refresh (every figure; {board.finished.total.value:,} finished this month, "
                f"{board.overdue.value:,} overdue)"
            ),
            "report_year": f"one-year report with breakdowns ({year.text()})",
        }
        print(machine_line(args.dir))
        print(f"database: {path} ({total:,} dossiers); times in ms (wall; CPU of this process)")
        if missing:
            print(f"NOTE: indexes of migration 0006 missing: {', '.join(missing)} (figures without them)")
        passed = True
        for key, (wall, cpu) in results.items():
            p50, p95, cpu50 = _percentile(wall, 0.5), _percentile(wall, 0.95), _percentile(cpu, 0.5)
            ok = p50 <= TARGETS_MS[key]
            passed &= ok
            print(
                f"{labels[key]}: median {p50:.1f}, p95 {p95:.1f}, CPU median {cpu50:.1f} "
                f"(target median ≤ {TARGETS_MS[key]:.0f}): {'PASS' if ok else 'FAIL'}"
            )
        wall, cpu = report_month
        print(
            f"(info) report of this month: median {_percentile(wall, 0.5):.1f}, CPU {_percentile(cpu, 0.5):.1f}"
        )
        print("(info) dashboard parts, CPU median: " + "; ".join(f"{k} {v:.1f}" for k, v in part_cpu.items()))
        return 0 if passed else 1
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
