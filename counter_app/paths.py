"""Where things live: the data directory (COUNTER_APP_HOME or platformdirs) and shipped resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "counter-app"
HOME_ENV = "COUNTER_APP_HOME"


def project_root() -> Path:
    """The folder holding resources/ and db/: the checkout, or the frozen bundle.

    PyInstaller (build.spec) unpacks data to sys._MEIPASS (the bundle's `_internal` folder); other
    freezers set only sys.frozen and keep data beside the executable.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle)
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parents[1]


def resources_dir() -> Path:
    """Shipped read-only resources: fonts, catalogue, calendars."""
    return project_root() / "resources"


def migrations_dir() -> Path:
    """Versioned SQL migrations of the counter database."""
    return project_root() / "db" / "migrations"


def data_dir() -> Path:
    """The writable data directory; COUNTER_APP_HOME overrides the platform default."""
    override = os.environ.get(HOME_ENV)
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    """The counter database used when no --db is given."""
    return data_dir() / "counter.db"


def backups_dir(db_path: Path) -> Path:
    """Backups are kept beside the database, in a `backups` folder."""
    path = db_path.parent / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path
