"""When opening must run the full `PRAGMA quick_check`: after a crash, a change behind our back, or daily.

`Database.close()` of the instance that held the lock writes `<db>.clean` beside the file: the file's
size, modification time, change time and inode as they are once the WAL has been folded back, and when
the last full check passed. The next open takes (deletes) the marker first, so a crash or a power cut
while the database is open leaves none. The full check is skipped only when the marker is there, the
file is exactly as it was left (same inode, size and times; no WAL with content) and the last full
check passed less than FULL_CHECK_EVERY ago; otherwise the open runs it and refuses a corrupt file.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FULL_CHECK_EVERY = timedelta(hours=24)


def marker_path(path: Path) -> Path:
    """`<db>.clean`, beside the database file."""
    return path.with_name(path.name + ".clean")


def _fingerprint(path: Path) -> dict[str, int] | None:
    """What must not change between a clean close and the next open; None if the file has a WAL."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino}


def last_full_check(path: Path, now: datetime, *, consume: bool) -> datetime | None:
    """When the last full check passed, if the file is exactly as a clean close left it and that was
    less than FULL_CHECK_EVERY before `now`; else None (the open must run the full check).

    With `consume` (the opener holds the instance lock) the marker is deleted whatever it says.
    """
    marker = marker_path(path)
    try:
        data: Any = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if consume:
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
    try:
        if not isinstance(data, dict) or data.get("file") != _fingerprint(path):
            return None
        checked = datetime.fromisoformat(str(data["full_check_at"]))
    except (OSError, KeyError, ValueError, TypeError):
        return None
    if checked.tzinfo is None or not timedelta(0) <= now - checked < FULL_CHECK_EVERY:
        return None
    return checked


def write_marker(path: Path, full_check_at: datetime) -> None:
    """Record a clean close (call after the last connection is gone, while still holding the lock)."""
    fingerprint = _fingerprint(path)
    if fingerprint is None:
        return
    marker = marker_path(path)
    temporary = marker.with_name(marker.name + ".tmp")
    body = {"file": fingerprint, "full_check_at": full_check_at.astimezone(UTC).isoformat()}
    temporary.write_text(json.dumps(body), encoding="utf-8")
    os.replace(temporary, marker)


def now_utc() -> datetime:
    """The wall clock (the marker's age is judged against it)."""
    return datetime.now(UTC)
