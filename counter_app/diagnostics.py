"""What IT staff need to help a counter: versions, paths, database facts, last backup, sync, last errors."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy import text

from counter_app import __version__, applog
from counter_app.paths import data_dir
from counter_app.storage.backup import BackupInfo, list_backups
from counter_app.storage.database import Database
from counter_app.storage.fileinfo import FileKind, inspect_file
from counter_app.storage.migrations import latest_version
from counter_app.sync import state


def package_version(name: str) -> str:
    """The installed version of a distribution, or "?"."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


@dataclass(frozen=True)
class Diagnostics:
    """One snapshot of the facts shown in Quản trị → Chẩn đoán (no personal data)."""

    app_version: str
    python: str
    os_name: str
    versions: dict[str, str]
    data_dir: Path
    db_path: Path
    db_size: int
    schema_version: int
    latest_schema: int
    encrypted: bool
    backup_dir: Path
    last_backup: BackupInfo | None
    server_url: str | None
    last_sync: datetime | None
    last_sync_error: str
    log_file: Path
    errors: list[str] = field(default_factory=list)


def collect(db: Database, *, log_file: Path | None = None, error_limit: int = 50) -> Diagnostics:
    """Read everything once (a short read transaction); never writes."""
    path = db.path
    with db.read() as session:
        schema = int(session.execute(text("PRAGMA user_version")).scalar_one())
        sqlite_version = str(session.execute(text("SELECT sqlite_version()")).scalar_one())
        enrolment = state.load_enrolment(session)
        values = state.get_all(session)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    backups = list_backups(path)
    log = log_file or applog.log_path()
    return Diagnostics(
        app_version=__version__,
        python=sys.version.split()[0],
        os_name=f"{platform.system()} {platform.release()} ({platform.machine()})",
        versions={
            "SQLAlchemy": package_version("SQLAlchemy"),
            "SQLite": sqlite_version,
            "reportlab": package_version("reportlab"),
            "openpyxl": package_version("openpyxl"),
        },
        data_dir=data_dir(),
        db_path=path,
        db_size=size,
        schema_version=schema,
        latest_schema=latest_version(),
        encrypted=inspect_file(path).kind is FileKind.ENCRYPTED,
        backup_dir=path.parent / "backups",
        last_backup=max(backups, key=lambda b: b.taken_at) if backups else None,
        server_url=enrolment.server_url if enrolment else None,
        last_sync=state.as_time(values, state.LAST_SUCCESS_AT),
        last_sync_error=values.get(state.LAST_ERROR, ""),
        log_file=log,
        errors=applog.last_errors(error_limit, log),
    )
