"""Shipped resources and migrations are found from a source checkout and inside the PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from counter_app import paths
from counter_app.deadlines import builtin_calendar_dir

CHECKOUT = Path(__file__).resolve().parents[2]


def test_checkout_paths() -> None:
    assert paths.project_root() == CHECKOUT
    assert (paths.resources_dir() / "fonts" / "Tinos-Regular.ttf").is_file()
    assert (paths.resources_dir() / "catalogue" / "procedures.json").is_file()
    assert sorted(paths.migrations_dir().glob("*.sql"))
    assert builtin_calendar_dir() == CHECKOUT / "resources" / "calendar"


def test_bundle_paths_follow_meipass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyInstaller sets sys._MEIPASS to the bundle's _internal folder, where build.spec puts the data."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == tmp_path / "resources"
    assert paths.migrations_dir() == tmp_path / "db" / "migrations"
    assert builtin_calendar_dir() == tmp_path / "resources" / "calendar"


def test_other_freezers_use_the_executable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "counter-app.exe"))
    assert paths.project_root() == tmp_path


def test_data_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "x"))
    assert paths.data_dir() == tmp_path / "x" and (tmp_path / "x").is_dir()
    assert paths.default_db_path() == tmp_path / "x" / "counter.db"
