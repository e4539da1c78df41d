"""`python -m bench.loadtest` with 3 counters for 3 s: the report's shape, no error, every dossier once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_loadtest_smoke_three_counters(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.loadtest", "--counters", "3", "--seconds", "3", "--json", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["database"] == "sqlite" and report["counters"] == 3
    assert report["errors"] == 0 and report["error_kinds"] == {}
    assert report["ops_pushed"] > 0 and report["ops_pushed"] % report["batch"] == 0
    assert report["changes_pulled"] > 0
    for kind in ("push", "pull"):
        stats = report[kind]
        assert stats["n"] > 0 and 0 <= stats["median_ms"] <= stats["p95_ms"] <= stats["max_ms"], stats
    assert report["requests"] == report["push"]["n"] + report["pull"]["n"]
    check = report["final_check"]
    assert check == {
        "pushed": report["ops_pushed"],
        "stored": report["ops_pushed"],
        "missing": 0,
        "duplicated": 0,
        "unexpected": 0,
    }
    assert report["ok"] is True
