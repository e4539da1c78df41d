"""Benchmark: the PyInstaller bundle's size, build time and self-test time (start of the process to exit).

Goals: the bundle stays under 300 MiB, and `counter-app --self-test` (offscreen) exits 0 within 10 s
(median) — it runs inside the installer and in CI, so it must stay short.

    python -m bench.bundle_bench [--build] [--runs N] [--bundle dist/counter-app]

`--build` rebuilds from build.spec first (`pyinstaller --noconfirm --clean`) and times it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_GOAL_MIB = 300.0
SELF_TEST_GOAL_S = 10.0


def machine_line() -> str:
    """Where and when: host, CPU, cores, load, Python, local date."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{datetime.now():%Y-%m-%d %H:%M} | {platform.node()} | {cpu}, {os.cpu_count()} cores, load {load} | "
        f"Python {platform.python_version()}"
    )


def size_mib(folder: Path) -> tuple[float, int]:
    """Disk use of `folder` (allocated blocks, like du) in MiB, and its number of files."""
    total, count = 0, 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            total += getattr(stat, "st_blocks", 0) * 512 or stat.st_size
            count += 1
    return total / 2**20, count


def build() -> float:
    """Rebuild dist/counter-app from build.spec; seconds taken."""
    pyinstaller = Path(sys.executable).with_name("pyinstaller")
    started = time.perf_counter()
    subprocess.run(
        [str(pyinstaller), "--noconfirm", "--clean", "--log-level", "WARN", str(ROOT / "build.spec")],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def self_test_seconds(bundle: Path) -> float:
    """One `counter-app --self-test`, offscreen, from process start to exit; raises unless it passes."""
    exe = bundle / ("counter-app.exe" if sys.platform == "win32" else "counter-app")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    done = subprocess.run([str(exe), "--self-test"], env=env, capture_output=True, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"self-test failed with code {done.returncode}:\n{done.stdout.decode(errors='replace')}"
        )
    return seconds


def main(argv: list[str] | None = None) -> int:
    """Measure, print one line per figure with PASS/FAIL, exit 1 on a miss."""
    parser = argparse.ArgumentParser(prog="bundle_bench")
    parser.add_argument("--build", action="store_true", help="rebuild from build.spec first")
    parser.add_argument("--runs", type=int, default=5, help="self-test runs after one warm-up")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "counter-app")
    args = parser.parse_args(argv)
    print(machine_line())
    if args.build:
        print(f"build (pyinstaller --clean build.spec): {build():.1f} s")
    if not args.bundle.is_dir():
        raise SystemExit(f"no bundle at {args.bundle}: run ./setup.sh dist or pass --build")
    mib, files = size_mib(args.bundle)
    size_ok = mib <= SIZE_GOAL_MIB
    print(
        f"bundle size: {mib:.0f} MiB in {files} files (goal ≤ {SIZE_GOAL_MIB:.0f} MiB): {'PASS' if size_ok else 'FAIL'}"
    )
    first = self_test_seconds(args.bundle)
    runs = [self_test_seconds(args.bundle) for _ in range(args.runs)]
    median = statistics.median(runs)
    time_ok = median <= SELF_TEST_GOAL_S
    print(
        f"self-test start→exit: first {first:.2f} s; median {median:.2f} s, min {min(runs):.2f}, max {max(runs):.2f} "
        f"over {len(runs)} runs (goal ≤ {SELF_TEST_GOAL_S:.0f} s): {'PASS' if time_ok else 'FAIL'}"
    )
    return 0 if size_ok and time_ok else 1


if __name__ == "__main__":
    sys.exit(main())
