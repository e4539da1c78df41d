"""The benchmark suite of issue 11: every figure at a million dossiers, each beside its same-run baseline.

    python -m bench [--quick] [--json FILE] [--only KEY,...] [--keep-db DIR]

Builds (or reuses from the cache, see bench.dataset) a database seeded with `counter-admin seed-demo`
(1,000,000 dossiers; --quick: 100,000, fewer rounds, sync with 10,000), measures each key, prints a
table and writes the same figures as JSON. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import dataset

KEYS = (
    "intake_commit",
    "receipt_pdf",
    "lookup_code",
    "search_name",
    "list_first_page",
    "dashboard_refresh",
    "report_year",
    "deadline_compute",
    "sync_push_100k",
    "sync_pull_100k",
    "startup",
    "rss_mb",
)
DB_KEYS = {"lookup_code", "search_name", "list_first_page", "dashboard_refresh", "report_year"}
STARTUP_KEYS = {"startup", "rss_mb"}  # child processes on the seeded database (bench.startup_bench)
SEARCH_LIMIT = 50  # "name without diacritics, first 50"
VISIBLE_ROWS = 30  # rows of the list a 1080p screen shows


@dataclass(frozen=True)
class Plan:
    """Sizes and rounds of one run."""

    dossiers: int
    intake: int
    pdf: int
    lookup: int
    search: int
    page: int
    dashboard: int
    report: int
    deadlines: int
    sync_ops: int
    startup: int = 5


FULL = Plan(1_000_000, 200, 50, 200, 100, 50, 10, 3, 200_000, 100_000, 5)
QUICK = Plan(100_000, 30, 15, 50, 30, 15, 5, 2, 50_000, 10_000, 3)


# --- figures ---------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def figures(samples: list[float], baseline: list[float] | None = None, **extra: Any) -> dict[str, Any]:
    """median_ms, p95_ms (and baseline_ms, ratio of the medians) of millisecond samples."""
    median = statistics.median(samples)
    out: dict[str, Any] = {
        "median_ms": round(median, 3),
        "p95_ms": round(percentile(samples, 0.95), 3),
        "rounds": len(samples),
    }
    if baseline:
        base = statistics.median(baseline)
        out["baseline_ms"] = round(base, 3)
        out["baseline_p95_ms"] = round(percentile(baseline, 0.95), 3)
        out["ratio"] = round(median / base, 2) if base > 0 else None
    out.update(extra)
    return out


def timed(work: Callable[[], object], rounds: int, warm: bool = True) -> list[float]:
    """Wall milliseconds of `rounds` calls (after one untimed warm-up call)."""
    if warm:
        work()
    out = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        out.append((time.perf_counter() - began) * 1000)
    return out


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python, SQLite, date, load average and uptime."""
    cpu = platform.processor() or platform.machine()
    ram_gib = None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), cpu)
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = next(int(ln.split()[1]) for ln in info if ln.startswith("MemTotal"))
            ram_gib = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration, ValueError):
        pass
    os_name = platform.platform()
    try:
        release = dict(
            ln.rstrip("\n").split("=", 1)
            for ln in Path("/etc/os-release").read_text().splitlines()
            if "=" in ln
        )
        os_name = f"{release.get('PRETTY_NAME', '').strip(chr(34))} ({platform.platform()})"
    except OSError:
        pass
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        uptime = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "os": os_name,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "date": datetime.now().isoformat(timespec="seconds"),
        "host": platform.node(),
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "uptime": uptime,
    }


# --- the measurements ------------------------------------------------------------------------------


def bench_intake(plan: Plan, folder: Path) -> dict[str, Any]:
    from bench.intake_bench import bench_intake_commit

    result = bench_intake_commit(plan.intake, folder)
    return {**result, "what": "register_dossier + commit vs bare INSERT + COMMIT, same pragmas, same disk"}


def bench_pdf(plan: Plan) -> dict[str, Any]:
    from bench.printing_bench import bench_receipt_pdf

    result = bench_receipt_pdf(plan.pdf, 4)
    return {**result, "what": "render_receipt, 4 documents, 2 copies vs one-line Tinos page"}


def bench_deadlines(plan: Plan) -> dict[str, Any]:
    from bench.deadlines_bench import bench_deadline_compute

    runs = [bench_deadline_compute(plan.deadlines)["per_s"] for _ in range(3)]
    return {"per_s": round(statistics.median(runs), 1), "runs_per_s": [round(r) for r in runs]}


def _bare_lookup(path: Path, codes: list[str], rounds: int) -> list[float]:
    """The baseline: a bare sqlite3 connection, `SELECT * FROM dossiers WHERE code = ?` (unique index)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        it = itertools.cycle(codes)
        return timed(
            lambda: conn.execute("SELECT * FROM dossiers WHERE code = ?", (next(it),)).fetchall(), rounds
        )
    finally:
        conn.close()


def _list_model(db: Any, clock: Any, rounds: int) -> tuple[list[float], str]:
    """The first page of ui.pages.dossier_list.DossierTableModel, offscreen; else its core query."""
    from counter_app.services import dossier_query
    from counter_app.services.dossier_query import DossierFilter

    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtCore import QModelIndex, Qt
        from PySide6.QtWidgets import QApplication

        from ui.pages.dossier_list import PAGE_SIZE, DossierTableModel
        from ui.tasks import TaskRunner

        app = QApplication.instance() or QApplication([])
        runner = TaskRunner(synchronous=True)
        ctx = type("Ctx", (), {"db": db, "clock": clock, "runner": runner})()
        model = DossierTableModel(ctx)
        roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole)

        fetch: list[float] = []

        def first_page() -> None:
            began = time.perf_counter()
            model.set_filter(DossierFilter())  # resets, fetches the first page through the runner
            fetch.append((time.perf_counter() - began) * 1000)
            if model.rowCount() == 0:
                raise RuntimeError("the dossier list model loaded no rows")
            for row in range(min(VISIBLE_ROWS, model.rowCount())):  # the cells the first screen paints
                for column in range(model.columnCount()):
                    for role in roles:
                        model.data(model.index(row, column, QModelIndex()), role)

        samples = timed(first_page, rounds)
        fetch_median = statistics.median(fetch[1:] or fetch)
        del app
        return samples, (
            "ui.pages.dossier_list.DossierTableModel offscreen: set_filter → first page of "
            f"{PAGE_SIZE} rows (synchronous runner), then data() of the first {VISIBLE_ROWS} rows' cells "
            f"in 3 roles; of which set_filter alone: median {fetch_median:.1f} ms"
        )
    except ImportError as exc:

        def query() -> None:
            with db.read() as session:
                dossier_query.list_page(session, DossierFilter(), None, 200, now_utc=clock.now_utc())

        return timed(
            query, rounds
        ), f"core query dossier_query.list_page (the model is not importable: {exc})"


def bench_database(plan: Plan, path: Path, only: set[str]) -> dict[str, dict[str, Any]]:
    """lookup_code, search_name, list_first_page, dashboard_refresh, report_year on the seeded file."""
    from sqlalchemy import text

    from counter_app.clock import SystemClock
    from counter_app.services import dossier_query, intake
    from counter_app.services.dossier_query import DossierFilter
    from counter_app.storage.database import open_database

    out: dict[str, dict[str, Any]] = {}
    clock = SystemClock()
    now = clock.now_utc()
    rng = random.Random(7)
    began = time.perf_counter()
    db = open_database(path)
    open_s = time.perf_counter() - began
    try:
        with db.read() as session:
            total = int(session.execute(text("SELECT max(rowid) FROM dossiers")).scalar_one())
            wanted = max(plan.lookup, plan.search)
            ids = ",".join(str(rng.randint(1, total)) for _ in range(wanted))
            sample = session.execute(
                text(f"SELECT code, name_fold FROM dossiers WHERE rowid IN ({ids})")
            ).all()
            codes, names = [str(r[0]) for r in sample], [str(r[1]) for r in sample]
            if "lookup_code" in only:
                it = itertools.cycle(codes)
                measured = timed(lambda: intake.get_dossier_by_code(session, next(it)), plan.lookup)
                baseline = _bare_lookup(path, codes, plan.lookup)
                out["lookup_code"] = figures(
                    measured,
                    baseline,
                    what="intake.get_dossier_by_code (the full dossier a scan opens) vs bare indexed SELECT",
                    goal="p95 ≤ 5 ms",
                )
            if "search_name" in only:
                it = itertools.cycle(names)
                measured = timed(
                    lambda: dossier_query.list_page(
                        session, DossierFilter(text=next(it)), None, SEARCH_LIMIT, now_utc=now
                    ),
                    plan.search,
                )
                out["search_name"] = figures(
                    measured,
                    what=f"dossier_query.list_page on a full folded name, first {SEARCH_LIMIT} with time left",
                )
        if "list_first_page" in only:
            measured, how = _list_model(db, clock, plan.page)
            out["list_first_page"] = figures(measured, what=how)
        if only & {"dashboard_refresh", "report_year"}:
            out.update(_dashboard(plan, db, now, only))
    finally:
        db.close()
    for figure in out.values():
        figure["database_dossiers"] = total
        figure["open_s"] = round(open_s, 2)
    return out


def _dashboard(plan: Plan, db: Any, now: datetime, only: set[str]) -> dict[str, dict[str, Any]]:
    """Through the functions bench/dashboard_bench.py measures; reported as missing if absent."""
    out: dict[str, dict[str, Any]] = {}
    try:
        from bench import dashboard_bench
        from counter_app.services import dashboard, reports
        from counter_app.services.periods import Period, local_today

        load, period_report = dashboard.load_dashboard, reports.period_report
    except (ImportError, AttributeError) as exc:
        for key in ("dashboard_refresh", "report_year"):
            if key in only:
                out[key] = {"missing": f"not measurable: {exc}"}
        return out
    today = local_today(now)
    year = Period(today - timedelta(days=364), today, "365 ngày")
    from sqlalchemy import text

    indexes = getattr(dashboard_bench, "SUPERVISOR_INDEXES", ())
    with db.read() as session:
        rows = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        present = {str(r[0]) for r in rows}
        missing = [name for name in indexes if name not in present]
        note = {"missing_indexes": missing} if missing else {}
        if "dashboard_refresh" in only:
            wall = timed(lambda: load(session, now), plan.dashboard)
            out["dashboard_refresh"] = figures(wall, what="dashboard.load_dashboard (every figure)", **note)
        if "report_year" in only:
            wall = timed(lambda: period_report(session, year, now), plan.report)
            out["report_year"] = figures(wall, what=f"reports.period_report of {year.text()}", **note)
    return out


def bench_startup(plan: Plan, path: Path) -> dict[str, dict[str, Any]]:
    from bench.startup_bench import measure

    return measure(path, plan.startup)


def bench_sync(plan: Plan, folder: Path) -> dict[str, dict[str, Any]]:
    from bench.sync_bench import bench_sync as run

    return run(plan.sync_ops, folder)


# --- goals and output ------------------------------------------------------------------------------


def verdict(key: str, fig: dict[str, Any]) -> tuple[str, bool | None]:
    """(goal text, passed) of one key; passed None when nothing was measured."""
    if "missing" in fig or "error" in fig:
        return "—", None
    if key == "intake_commit":
        return "ratio ≤ 3", fig["ratio"] <= 3.0
    if key == "receipt_pdf":
        return "median ≤ 50 ms", fig["median_ms"] <= 50.0
    if key == "lookup_code":
        return "p95 ≤ 5 ms", fig["p95_ms"] <= 5.0
    if key == "search_name":
        return "p95 ≤ 50 ms", fig["p95_ms"] <= 50.0
    if key == "list_first_page":
        return "≤ 150 ms (p95)", fig["p95_ms"] <= 150.0
    if key == "dashboard_refresh":
        return "≤ 300 ms (median)", fig["median_ms"] <= 300.0
    if key == "report_year":
        return "≤ 2 s (median)", fig["median_ms"] <= 2000.0
    if key == "deadline_compute":
        return "≥ 50,000/s", fig["per_s"] >= 50_000
    if key == "sync_push_100k":
        goal_s = fig["goal_total_ms"] / 1000
        return f"≤ {goal_s:g} s; ratio ≤ 2", fig["total_ms"] <= fig["goal_total_ms"] and fig["ratio"] <= 2.0
    if key == "sync_pull_100k":
        return f"≤ {fig['goal_total_ms'] / 1000:g} s", fig["total_ms"] <= fig["goal_total_ms"]
    if key == "startup":
        return "ratio ≤ 3", fig["ratio"] <= 3.0
    if key == "rss_mb":
        return "≤ 300 MB (median)", fig["median_mb"] <= 300.0
    return "—", None


def _num(value: Any, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    head = ("key", "median ms", "p95 ms", "baseline ms", "ratio", "figure", "goal", "result")
    rows = [head]
    for key, fig in results.items():
        if key == "machine":
            continue
        goal, ok = verdict(key, fig)
        figure = ""
        if "per_s" in fig:
            figure = f"{fig['per_s']:,.0f}/s"
        if "median_mb" in fig:
            figure = f"{fig['median_mb']:,.1f} MB (max {fig['max_mb']:,.1f})"
        if fig.get("sqlite_floor_ratio") is not None:
            figure = f"inside SQLite {fig['sqlite_ms']:.2f} ms = floor {fig['sqlite_floor_ratio']:.1f}x"
        if "cpu_ratio" in fig:
            figure = f"CPU {fig['cpu_median_ms']:,.0f} vs {fig['baseline_cpu_median_ms']:,.0f} ms"
        if "total_ms" in fig:
            figure = f"{fig['n']:,} in {fig['total_ms'] / 1000:.1f} s ({fig['per_s']:,.0f}/s)"
            if fig.get("floor_ratio") is not None:
                figure += f", floor {fig['floor_ratio']:.1f}x"
        if "missing" in fig or "error" in fig:
            figure = fig.get("missing") or fig.get("error", "")
        result = "PASS" if ok else ("FAIL" if ok is False else "n/a")
        rows.append(
            (
                key,
                _num(fig.get("median_ms")),
                _num(fig.get("p95_ms")),
                _num(fig.get("baseline_ms")),
                _num(fig.get("ratio")),
                figure[:70],
                goal,
                result,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def run(
    plan: Plan, only: set[str], cache: Path | None, log: Callable[[str], None] = print
) -> dict[str, dict[str, Any]]:
    """Measure the keys in `only` (in KEYS order); returns {key: figures, "machine": {...}}."""
    results: dict[str, dict[str, Any]] = {}
    began = time.perf_counter()
    path = None
    if only & (DB_KEYS | STARTUP_KEYS) or "intake_commit" in only:
        path, seeded_s = dataset.database(plan.dossiers, cache)
        log(
            f"database: {path} ({plan.dossiers:,} dossiers, {'cached' if seeded_s is None else f'seeded in {seeded_s:.1f} s'})"
        )
    disk = path.parent if path else (cache or dataset.default_cache())
    disk.mkdir(parents=True, exist_ok=True)
    steps: list[tuple[set[str], Callable[[], dict[str, dict[str, Any]]]]] = [
        ({"intake_commit"}, lambda: {"intake_commit": bench_intake(plan, disk)}),
        ({"receipt_pdf"}, lambda: {"receipt_pdf": bench_pdf(plan)}),
        (DB_KEYS, lambda: bench_database(plan, path, only) if path else {}),
        ({"deadline_compute"}, lambda: {"deadline_compute": bench_deadlines(plan)}),
        ({"sync_push_100k", "sync_pull_100k"}, lambda: bench_sync(plan, disk)),
        (STARTUP_KEYS, lambda: bench_startup(plan, path) if path else {}),
    ]
    for keys, step in steps:
        if not keys & only:
            continue
        started = time.perf_counter()
        try:
            produced = step()
        except Exception as exc:  # one broken figure never hides the others
            produced = {key: {"error": f"{type(exc).__name__}: {exc}"} for key in keys & only}
        for key in sorted(keys & only, key=KEYS.index):
            if key in produced:
                results[key] = produced[key]
        log(f"  {', '.join(sorted(keys & only, key=KEYS.index))}: {time.perf_counter() - started:.1f} s")
    if "sync_push_100k" in results and plan.sync_ops != 100_000:
        for key in ("sync_push_100k", "sync_pull_100k"):
            if key in results:
                results[key]["note"] = f"{plan.sync_ops:,} ops, not 100,000; goal scaled to {plan.sync_ops:,}"
    ordered = {key: results[key] for key in KEYS if key in results}
    ordered["machine"] = {
        **machine(),
        "dossiers": plan.dossiers,
        "quick": plan.dossiers < FULL.dossiers,
        "wall_s": round(time.perf_counter() - began, 1),
    }
    return ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--quick", action="store_true", help="100,000 dossiers, fewer rounds, sync with 10,000"
    )
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--only", default="", metavar="KEY,...", help="measure only these keys")
    parser.add_argument(
        "--keep-db", type=Path, default=None, metavar="DIR", help="cache folder of seeded databases"
    )
    # For the suite's own test: a tiny database and 1–2 rounds (sizes, never a speed claim).
    parser.add_argument("--dossiers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sync-ops", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.dossiers:
        plan = Plan(**{**plan.__dict__, "dossiers": args.dossiers})
    if args.rounds:
        r = args.rounds
        plan = Plan(plan.dossiers, r, r, r, r, r, r, r, max(1000, r), plan.sync_ops, r)
    if args.sync_ops:
        plan = Plan(**{**plan.__dict__, "sync_ops": args.sync_ops})
    only = {k.strip() for k in args.only.split(",") if k.strip()} or set(KEYS)
    unknown = only - set(KEYS)
    if unknown:
        parser.error(f"unknown keys: {', '.join(sorted(unknown))} (known: {', '.join(KEYS)})")
    started = time.perf_counter()
    print(
        f"python -m bench{' --quick' if args.quick else ''}: {plan.dossiers:,} dossiers, sync {plan.sync_ops:,} ops"
    )
    results = run(plan, only, args.keep_db, log=lambda line: print(line, flush=True))
    m = results["machine"]
    print(
        f"{m['date']} | {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB | {m['os']} | Python {m['python']}, "
        f"SQLite {m['sqlite']} | load {m['load_avg']}"
    )
    if plan.sync_ops != 100_000:
        print(
            f"NOTE: sync keys measured with {plan.sync_ops:,} ops (not 100,000); their time goal scaled to match"
        )
    print(table(results))
    print(f"total {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(
            json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        print(f"JSON: {args.json}")
    verdicts = [verdict(k, v)[1] for k, v in results.items() if k != "machine"]
    return 1 if any(v is False for v in verdicts) or any(v is None for v in verdicts) else 0
