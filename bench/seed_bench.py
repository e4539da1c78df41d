"""Benchmark: seed-demo of N dossiers (goal: 1,000,000 in under 5 minutes), then open the result.

Measures, on one fresh database file: `counter-admin init`, `seed-demo --dossiers N`, then what the app
does on start (open with quick_check, first page of the dossier list, the total count) and a cold
`counter-app` start to its first screenshot (offscreen), each as wall time.

    python -m bench.seed_bench [--dossiers 1000000] [--dir PATH] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.intake_bench import machine_line
from counter_app.clock import SystemClock
from counter_app.services.dossier_query import DossierFilter, count, list_page
from counter_app.storage.database import open_database

GOAL_SECONDS = 300.0


def _run(*args: str) -> float:
    began = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    """Seed, open, print the figures; exit 1 when seeding misses the goal (scaled to N)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="seed-bench-", dir=args.dir))
    path = folder / "counter.db"
    bin_dir = Path(sys.executable).parent
    admin = str(bin_dir / "counter-admin")
    try:
        init_s = _run(
            admin, "init", "--db", str(path), "--agency-code", "000.00.31.H12",
            "--agency-name", "Trung tâm Phục vụ hành chính công xã Ỷ La",
            "--parent-name", "UBND xã Ỷ La", "--place", "Ỷ La",
        )  # fmt: skip
        seed_s = _run(admin, "seed-demo", "--db", str(path), "--dossiers", str(args.dossiers), "--seed", "1")
        began = time.perf_counter()
        db = open_database(path)
        open_s = time.perf_counter() - began
        try:
            with db.read() as session:
                began = time.perf_counter()
                page = list_page(session, DossierFilter(), None, 200, now_utc=SystemClock().now_utc())
                page_s = time.perf_counter() - began
                began = time.perf_counter()
                total = count(session, DossierFilter())
                count_s = time.perf_counter() - began
        finally:
            db.close()
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        began = time.perf_counter()
        subprocess.run(
            [str(bin_dir / "counter-app"), "--db", str(path), "--demo", "--screenshot", str(folder / "s.png"),
             "--quit-after-ms", "300"],
            check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        app_s = time.perf_counter() - began
        size_mb = path.stat().st_size / 1_000_000
        goal = GOAL_SECONDS * args.dossiers / 1_000_000
        passed = seed_s <= goal and total == args.dossiers and len(page) > 0
        print(machine_line(args.dir))
        print(
            f"init {init_s:.1f} s; seed-demo {args.dossiers:,} dossiers {seed_s:.1f} s "
            f"(goal ≤ {goal:.0f} s): {'PASS' if passed else 'FAIL'}; file {size_mb:,.0f} MB"
        )
        print(
            f"open with quick_check {open_s:.2f} s; first list page with time left {page_s * 1000:.0f} ms; "
            f"count {total:,} in {count_s * 1000:.0f} ms; counter-app start to screenshot and quit {app_s:.1f} s"
        )
        if args.keep:
            print(f"kept: {path}")
        return 0 if passed else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
