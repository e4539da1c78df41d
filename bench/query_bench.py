"""Benchmark: the dossier list's queries on a large database (code, folded name, first page, overdue count).

Targets at 1,000,000 dossiers: look-up by code p95 ≤ 5 ms; name search without diacritics (first page)
p95 ≤ 50 ms; first list page with time left p95 ≤ 150 ms; overdue count p95 ≤ 200 ms.

    python -m bench.query_bench [--dossiers 100000] [--db PATH] [--rounds 50] [--dir PATH]

Without --db it seeds a temporary database with `counter-admin seed-demo`.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from bench.intake_bench import _percentile, machine_line
from counter_app.clock import SystemClock
from counter_app.services import dossier_query, intake
from counter_app.services.dossier_query import DossierFilter
from counter_app.storage.database import open_database

TARGETS_MS = {"code": 5.0, "name": 50.0, "page": 150.0, "overdue": 200.0}


def _seed(folder: Path, dossiers: int) -> Path:
    path = folder / "counter.db"
    admin = str(Path(sys.executable).parent / "counter-admin")
    subprocess.run(
        [admin, "init", "--db", str(path), "--agency-code", "000.00.31.H12",
         "--agency-name", "Trung tâm Phục vụ hành chính công xã Ỷ La", "--parent-name", "UBND xã Ỷ La",
         "--place", "Ỷ La"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    subprocess.run(
        [admin, "seed-demo", "--db", str(path), "--dossiers", str(dossiers), "--seed", "1"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return path


def _timed(work: Callable[[], object], rounds: int) -> list[float]:
    work()  # warm: statement cache, calendar arrays, page cache
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Measure, print machine, figures and PASS/FAIL per target; exit 1 on any miss."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="an already seeded database to reuse")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = None if args.db else Path(tempfile.mkdtemp(prefix="query-bench-", dir=args.dir))
    path = args.db or _seed(folder or Path(), args.dossiers)
    rng = random.Random(7)
    now = SystemClock().now_utc()
    try:
        db = open_database(path)
        try:
            with db.read() as session:
                total = dossier_query.count(session, DossierFilter())
                rowids = ",".join(str(rng.randint(1, total)) for _ in range(args.rounds))
                sample = session.execute(
                    text(f"SELECT code, name_fold FROM dossiers WHERE rowid IN ({rowids})")
                ).all()
                codes = [str(c) for c, _n in sample]
                names = [str(n) for _c, n in sample]
                cold = time.perf_counter()
                dossier_query.list_page(session, DossierFilter(), None, 200, now_utc=now)
                cold_ms = (time.perf_counter() - cold) * 1000
                it_code, it_name = itertools.cycle(codes), itertools.cycle(names)
                results = {
                    "code": _timed(
                        lambda: intake.get_dossier_by_code(session, next(it_code)), args.rounds - 1
                    ),
                    "name": _timed(
                        lambda: dossier_query.list_page(
                            session, DossierFilter(text=next(it_name)), None, 200, now_utc=now
                        ),
                        args.rounds - 1,
                    ),
                    "page": _timed(
                        lambda: dossier_query.list_page(session, DossierFilter(), None, 200, now_utc=now),
                        args.rounds,
                    ),
                    "overdue": _timed(
                        lambda: dossier_query.count(session, DossierFilter(due="overdue"), now_utc=now),
                        args.rounds,
                    ),
                }
                common = _timed(
                    lambda: dossier_query.list_page(
                        session, DossierFilter(text="nguyen"), None, 200, now_utc=now
                    ),
                    10,
                )
                banner = _timed(
                    lambda: dossier_query.list_page(
                        session, DossierFilter(due="overdue", sort="appointment"), None, 200, now_utc=now
                    ),
                    10,
                )
                detail = _timed(lambda: intake.get_dossier_by_code(session, next(it_code)), 10)
                overdue = dossier_query.count(session, DossierFilter(due="overdue"), now_utc=now)
                common_n = dossier_query.count(session, DossierFilter(text="nguyen"))
        finally:
            db.close()
        labels = {
            "code": "look-up by code (search box: list_page on the code, with time left)",
            "name": "name search without diacritics, full folded name, first page of 200 with time left",
            "page": "first list page (200 rows, newest first) with time left",
            "overdue": f"overdue count ({overdue:,} dossiers)",
        }
        print(machine_line(args.dir))
        print(f"database: {path} ({total:,} dossiers); {args.rounds} rounds each; times in ms")
        passed = True
        for key, timings in results.items():
            p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
            ok = p95 <= TARGETS_MS[key]
            passed &= ok
            verdict = "PASS" if ok else "FAIL"
            print(
                f"{labels[key]}: median {p50:.2f}, p95 {p95:.2f} (target p95 ≤ {TARGETS_MS[key]:.0f}): {verdict}"
            )
        print(
            f"(info) overdue list as the banner's click shows it (soonest appointment first), first page: "
            f"median {_percentile(banner, 0.5):.1f}, p95 {_percentile(banner, 0.95):.1f}"
        )
        print(
            f"(info) full dossier detail by code for printing (intake.get_dossier_by_code): median "
            f"{_percentile(detail, 0.5):.1f}, p95 {_percentile(detail, 0.95):.1f}"
        )
        print(
            f"(info) first list page, cold (first call after open): {cold_ms:.0f}; "
            f"common prefix 'nguyen' ({common_n:,} matches) first page median {_percentile(common, 0.5):.1f}, "
            f"p95 {_percentile(common, 0.95):.1f}"
        )
        return 0 if passed else 1
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
