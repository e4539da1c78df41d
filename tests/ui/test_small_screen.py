"""Usable on a 1366×768 laptop at 125 % display scale: 1093×614 logical pixels for the whole window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/counter-small-screen")


@pytest.fixture
def small_screen(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    env["QT_SCALE_FACTOR"] = "1.25"  # must be set before the QApplication exists: hence the subprocess
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_every_page_fits_1366x768_at_125_percent(db_path: Path, small_screen: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests/ui/small_screen_probe.py"), str(db_path), str(SHOTS)],
        env=small_screen,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["screen"] == [1093, 614] and found["scale"] == 1.25
    width, height = found["screen"]
    assert found["window_min"][0] <= width and found["window_min"][1] <= height
    assert found["window"][0] <= width and found["window"][1] <= height  # a first start fits the screen
    assert len(found["pages"]) == 5
    for page in found["pages"]:
        # Never sideways: every page is as wide as the room left beside the navigation.
        assert page["min"][0] <= page["viewport"][0] and not page["hscroll"], page
        # A taller page scrolls down and all of it stays reachable; a page that fits shows no scroll bar.
        assert page["vscroll"] == (page["need"] > page["viewport"][1]), page
        assert page["reach"] >= page["need"] and page["page_size"][1] <= page["reach"], page
    fitting = [page["name"] for page in found["pages"] if not page["vscroll"]]
    assert {"IntakePage", "DossierListPage", "ReturnPage", "SupervisorPage"} <= set(
        fitting
    )  # the daily pages: no scrolling
    assert all(
        Path(page["shot"]).stat().st_size > 10_000 for page in found["pages"]
    )  # screenshots to look at
    # The status bar shortens the agency (whole in its tooltip), never the user or the sync state.
    assert all(found["status_whole"].values()) and found["agency_tooltip"], found["status_whole"]
