"""Consistent online backups of the counter database (VACUUM INTO), their rotation, and restore.

Backups live in `backups/` beside the database, named `<stem>-<kind>-<UTC stamp>.db`. Kinds:
`daily` (automatic, thinned by `rotate`), `manual`, `before-migration` and `before-restore` (never
thinned: they are the way back from an upgrade or a restore). Every copy is checked with quick_check
before it counts. A restore swaps files only while holding the instance lock (the app closed), moves
the replaced database aside whole (with its WAL) and never leaves a stale WAL beside the new file.
A backup of an encrypted database is encrypted with the same key (VACUUM INTO and the backup API on
keyed connections), so it opens wherever the key is.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from counter_app.errors import Cancelled, UserFacingError
from counter_app.i18n import _
from counter_app.jobs import JobControl, sqlite_ticker
from counter_app.paths import backups_dir
from counter_app.storage.connect import DB_ERRORS, connect, identify, key_for
from counter_app.storage.fileinfo import FileKind

KINDS = ("daily", "manual", "before-migration", "before-restore")
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<kind>daily|manual|before-migration(?:-v\d+)?|before-restore)-(?P<stamp>\d{8}T\d{6}\d*Z)\.db$"
)

PROGRESS_OPS = (
    100  # SQLite VM steps between two cancel checks of a backup (VACUUM INTO runs small statements)
)


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: where, which kind, when it was taken (UTC) and its size."""

    path: Path
    kind: str
    taken_at: datetime
    size: int


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Write a consistent, compacted copy of the open database to `dest` (which must not exist)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    conn.execute("VACUUM INTO ?", (str(dest),))
    return dest


def backup_before_migration(conn: sqlite3.Connection, db_path: Path, from_version: int) -> Path:
    """The safety copy taken before any migration of an existing database."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    dest = backups_dir(db_path) / f"{db_path.stem}-before-migration-v{from_version}-{stamp}.db"
    return backup_to(conn, dest)


def check_copy(path: Path) -> None:
    """Raise UserFacingError unless `path` is a counter database that passes quick_check (and, when
    encrypted, SQLCipher's page-by-page HMAC check)."""
    info = identify(path)
    if info.kind is not FileKind.COUNTER:
        raise UserFacingError(_("{name} không phải bản sao lưu của phần mềm Một cửa.").format(name=path.name))
    conn = connect(path, readonly=True)
    try:
        result = str(conn.execute("PRAGMA quick_check").fetchone()[0])
        if result == "ok" and info.key_id is not None:
            pages = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
            result = "; ".join(pages[:3]) or "ok"
    except DB_ERRORS as exc:
        result = str(exc)
    finally:
        conn.close()
    if result != "ok":
        raise UserFacingError(
            _("Bản sao lưu {name} bị hỏng ({result}); hãy chọn bản khác.").format(
                name=path.name, result=result
            )
        )


def take_backup(
    db_path: Path,
    kind: str,
    *,
    now: datetime | None = None,
    dest: Path | None = None,
    control: JobControl | None = None,
) -> BackupInfo:
    """Copy the database (safe while the app runs: a read-only connection) and check the copy.

    A copy that fails its check is deleted and the error raised; a half-written file never counts.
    With a `control` the copy reports progress and stops when cancelled (Cancelled, nothing left).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown backup kind {kind}")
    if identify(db_path).kind is not FileKind.COUNTER:
        raise UserFacingError(
            _("{db_path} không phải cơ sở dữ liệu của phần mềm Một cửa; không sao lưu.").format(
                db_path=db_path
            )
        )
    taken = now or datetime.now(UTC)
    target = dest or backups_dir(db_path) / f"{db_path.stem}-{kind}-{_stamp(taken)}.db"
    if target.exists():
        raise UserFacingError(_("Tệp {target} đã tồn tại; hãy chọn tên khác.").format(target=target))
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    conn = connect(db_path, readonly=True)
    try:
        if control is not None:
            conn.set_progress_handler(sqlite_ticker(control), PROGRESS_OPS)
        backup_to(conn, partial)
    except DB_ERRORS:
        partial.unlink(missing_ok=True)
        if control is not None and control.cancelled:  # SQLite stopped the copy when asked
            raise Cancelled() from None
        raise
    finally:
        conn.close()
    try:
        if control is not None:
            control.check()
        check_copy(partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupInfo(target, kind, taken, target.stat().st_size)


def list_backups(db_path: Path) -> list[BackupInfo]:
    """The database's backups, newest first (files with foreign names are ignored)."""
    folder = db_path.parent / "backups"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.db"):
        match = _NAME.match(path.name)
        if not match or match["stem"] != db_path.stem:
            continue
        kind = "before-migration" if match["kind"].startswith("before-migration") else match["kind"]
        found.append(BackupInfo(path, kind, _parse_stamp(match["stamp"]), path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def rotate(db_path: Path, today: date, *, days: int = 7, weeks: int = 5, months: int = 12) -> list[Path]:
    """Thin the daily backups: every one of the last `days` days, then one per ISO week for `weeks`
    weeks, then one per month for `months` months; older ones go. Other kinds are never touched.
    Returns the files removed."""
    kept: set[tuple[str, object]] = set()
    removed: list[Path] = []
    for backup in sorted(
        list_backups(db_path), key=lambda b: b.taken_at
    ):  # oldest first: keep the first of a bucket
        if backup.kind != "daily":
            continue
        day = backup.taken_at.date()
        age = (today - day).days
        bucket: tuple[str, object] | None
        if age < days:
            bucket = ("day", day)
        elif age < days + 7 * weeks:
            bucket = ("week", tuple(day.isocalendar())[:2])
        elif (today.year * 12 + today.month) - (day.year * 12 + day.month) < months:
            bucket = ("month", (day.year, day.month))
        else:
            bucket = None
        if bucket is not None and bucket not in kept:
            kept.add(bucket)
            continue
        backup.path.unlink(missing_ok=True)
        removed.append(backup.path)
    return removed


def daily_backup_if_due(db_path: Path, now: datetime) -> BackupInfo | None:
    """Take today's automatic backup if there is none from the last 24 hours, then rotate."""
    latest = next((b for b in list_backups(db_path) if b.kind in ("daily", "manual")), None)
    if latest is not None and now - latest.taken_at < timedelta(hours=24):
        return None
    info = take_backup(db_path, "daily", now=now)
    rotate(db_path, now.date())
    return info


def replace_database(db_path: Path, source: Path, *, now: datetime | None = None) -> Path | None:
    """Put a copy of `source` in place of `db_path`; the caller holds the instance lock.

    The current database is not copied but moved aside whole (file, WAL and shared-memory file
    renamed together to a `before-restore` backup name), so it stays openable exactly as it was, even
    when it is the corrupt file being replaced. The copy is written beside the target, synced, and
    renamed over it. Returns where the previous database was kept (None if there was none).
    """
    key = key_for(source)  # first (it may refuse); an encrypted backup is restored encrypted, same key
    kept: Path | None = None
    if db_path.exists():
        kept = backups_dir(db_path) / f"{db_path.stem}-before-restore-{_stamp(now or datetime.now(UTC))}.db"
        for suffix in ("-wal", "-shm", ""):
            part = Path(str(db_path) + suffix)
            if part.exists():
                os.replace(part, Path(str(kept) + suffix))
    incoming = db_path.with_name(db_path.name + ".restoring")
    incoming.unlink(missing_ok=True)
    src = connect(source, key=key, readonly=True)
    dst = connect(incoming, key=key)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()
    with incoming.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(incoming, db_path)
    return kept
