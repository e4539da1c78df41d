"""`startup` and `rss_mb`: process start to the main window painted, and memory with the list shown.

Each round starts two child processes with the same Python, offscreen (QT_QPA_PLATFORM=offscreen),
one after the other:
- the baseline: a bare PySide6 QMainWindow (1280×800), which prints time.monotonic() at its first
  paint event and quits;
- the app: `python -m ui.app --demo --db DB` with COUNTER_STARTUP_PROBE=1 (ui/startup_probe.py): it
  opens the database, signs the demo clerk in without a dialog (as --demo --screenshot does), builds
  and shows the main window (which opens on the dossier list), notes the first paint, waits for the
  list's first page, reads its resident memory (VmRSS on Linux), prints it and quits cleanly.

time.monotonic() is one system-wide clock, so "start" is the parent's reading just before spawning.
The CPU time of each whole child process (to its exit) is reported beside the wall times
(`cpu_median_ms`, `cpu_ratio`): on a loaded machine the wall time is mostly waiting for a core.
Modules are byte-compiled once into the bench cache (PYTHONPYCACHEPREFIX), as an installed app ships
them precompiled. The first round is reported apart (`first_round_ms`): it warms the disk cache and, when the database
was not closed cleanly by the app before, runs the full quick_check on open (storage.open_check).

    python -m bench.startup_bench --db PATH [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import dataset
from counter_app.paths import project_root

STARTUP_GOAL_RATIO = 3.0
RSS_GOAL_MB = 300.0
TIMEOUT_S = 300

BARE_WINDOW = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print("STARTUP_PROBE " + json.dumps({"painted": time.monotonic()}), flush=True)
            QApplication.quit()
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1280, 800)
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Compiled modules are cached (outside the checkout) as an installed app has them precompiled.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(dataset.default_cache() / "pycache")
    root = str(project_root())
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["COUNTER_APP_HOME"] = str(home)  # the app's log file and settings stay out of the user's folder
    env["COUNTER_STARTUP_PROBE"] = "1"
    return env


def _children_cpu_s() -> float:
    """User + system CPU seconds of the finished children so far (0 where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Spawn `cmd`; (ms from just before the spawn to its first paint, the probe's report + cpu_ms)."""
    cpu = _children_cpu_s()
    began = time.monotonic()
    done = subprocess.run(
        cmd, cwd=project_root(), env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("STARTUP_PROBE ")), None)
    if line is None:
        raise RuntimeError(
            f"{cmd[1:4]} exited {done.returncode} without a probe line:\n{done.stderr[-3000:]}"
        )
    report: dict[str, Any] = json.loads(line.split(" ", 1)[1])
    report["cpu_ms"] = (_children_cpu_s() - cpu) * 1000  # the whole process, to its exit
    return (float(report["painted"]) - began) * 1000, report


def measure(db: Path, rounds: int) -> dict[str, dict[str, Any]]:
    """The `startup` and `rss_mb` figures over `rounds` timed rounds (after one reported apart)."""
    from bench.suite import figures, percentile

    app_cmd = [sys.executable, "-m", "ui.app", "--demo", "--db", str(db)]
    bare_cmd = [sys.executable, "-c", BARE_WINDOW]
    app_ms: list[float] = []
    bare_ms: list[float] = []
    list_ms: list[float] = []
    app_cpu: list[float] = []
    bare_cpu: list[float] = []
    rss_painted: list[float] = []
    rss_list: list[float] = []
    first: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as home:
        env = _env(Path(home))
        for k in range(rounds + 1):
            base, bare = _run(bare_cmd, env)
            took, report = _run(app_cmd, env)
            if k == 0:
                first = {"app_ms": round(took, 1), "baseline_ms": round(base, 1)}
                continue
            bare_cpu.append(bare["cpu_ms"])
            app_cpu.append(report["cpu_ms"])
            bare_ms.append(base)
            app_ms.append(took)
            list_ms.append((float(report["list_shown"]) - float(report["painted"])) * 1000)
            rss_painted.append(report["rss_painted"] / 2**20)
            rss_list.append(report["rss_list"] / 2**20)
            if int(report.get("list_rows", 0)) <= 0:
                raise RuntimeError("the dossier list showed no rows")
    startup = figures(
        app_ms,
        bare_ms,
        what="spawn → first paint of the main window: `python -m ui.app --demo --db` (open, demo sign-in, "
        "window) vs a bare PySide6 QMainWindow, both offscreen, alternating",
        goal=f"ratio ≤ {STARTUP_GOAL_RATIO:g}",
        first_round_ms=first,
        list_after_paint_median_ms=round(statistics.median(list_ms), 1),
        cpu_median_ms=round(statistics.median(app_cpu), 1),
        baseline_cpu_median_ms=round(statistics.median(bare_cpu), 1),
        cpu_ratio=round(statistics.median(app_cpu) / statistics.median(bare_cpu), 2)
        if statistics.median(bare_cpu) > 0
        else None,
    )
    rss = {
        "median_mb": round(statistics.median(rss_list), 1),
        "p95_mb": round(percentile(rss_list, 0.95), 1),
        "max_mb": round(max(rss_list), 1),
        "at_first_paint_median_mb": round(statistics.median(rss_painted), 1),
        "rounds": len(rss_list),
        "what": "resident memory (VmRSS / WorkingSetSize) once the dossier list shows its first page",
        "goal": f"≤ {RSS_GOAL_MB:g} MB",
    }
    return {"startup": startup, "rss_mb": rss}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.db, args.rounds), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
