"""The PDF spool: printed forms (personal data) are deleted after the configured number of days."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from counter_app import settings
from counter_app.clock import utc_to_local
from counter_app.services.forms import forms_dir
from counter_app.storage.database import Database

log = logging.getLogger(__name__)

_YEAR, _MONTH = re.compile(r"^\d{4}$"), re.compile(r"^\d{2}$")


def purge_forms(folder: Path, now: datetime, keep_days: int) -> int:
    """Delete the PDFs under `folder` last modified more than `keep_days` days before `now`; returns how many.

    Only regular `*.pdf` files are deleted (never a symbolic link, a temp file or anything else), and
    then the YYYY/MM folders left empty, except this month's and yesterday's (a print may be writing
    into them). A naive `now` is taken as UTC (the clock's convention).
    """
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    cutoff = aware.timestamp() - keep_days * 86_400
    today = utc_to_local(aware.astimezone(UTC).replace(tzinfo=None))
    busy = {f"{d.year:04d}/{d.month:02d}" for d in (today, today - timedelta(days=1))}
    removed = 0
    if not folder.is_dir():
        return 0
    for root, dirs, files in os.walk(folder):  # never follows a linked folder
        for name in files:
            path = Path(root, name)
            if not name.lower().endswith(".pdf") or path.is_symlink():
                continue
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # printed and deleted again meanwhile
                continue
        dirs[:] = [d for d in dirs if not Path(root, d).is_symlink()]
    for year in _subfolders(folder, _YEAR):
        for month in _subfolders(year, _MONTH):
            if f"{year.name}/{month.name}" not in busy:
                _remove_if_empty(month)
        if not any(b.startswith(year.name + "/") for b in busy):
            _remove_if_empty(year)
    return removed


def _subfolders(folder: Path, name: re.Pattern[str]) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and name.match(p.name)]


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something is still inside
        folder.rmdir()


def purge_due(db: Database, now: datetime) -> int:
    """Purge the spool with the counter's FORMS_KEEP_DAYS setting (at app start, on its own thread)."""
    with db.read() as session:
        keep_days = settings.get(session, settings.FORMS_KEEP_DAYS)
    removed = purge_forms(forms_dir(), now, keep_days)
    if removed:
        log.info("removed %d printed PDFs older than %d days", removed, keep_days)
    return removed
