"""Open a counter database safely: identify it, check it, migrate it, and hand out sessions."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from counter_app.errors import DatabaseOpenError
from counter_app.i18n import _
from counter_app.storage import migrations, open_check
from counter_app.storage.backup import backup_before_migration
from counter_app.storage.cipher import DatabaseKey
from counter_app.storage.connect import DB_ERRORS, connect, dbapi_module, identify, key_for
from counter_app.storage.fileinfo import FileKind, inspect_file
from counter_app.storage.lock import InstanceLock

BUSY_TIMEOUT_MS = 10_000


def _configure(dbapi_conn: sqlite3.Connection, *, writer: bool) -> None:
    """Pragmas on every connection: WAL, FULL sync (a printed receipt is a promise), foreign keys."""
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _begin)
    dbapi_conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_conn.execute("PRAGMA foreign_keys = ON")
    dbapi_conn.execute("PRAGMA synchronous = FULL")
    if writer:
        dbapi_conn.execute("PRAGMA journal_mode = WAL")


def raw_connect(path: Path, *, key: DatabaseKey | None = None) -> sqlite3.Connection:
    """A DB-API connection (through `storage.connect`, keyed if encrypted) with the application's
    pragmas, in autocommit mode."""
    conn = connect(path, key=key)
    _configure(conn, writer=True)
    return conn


def _make_engine(path: Path, key: DatabaseKey | None, *, writer: bool) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        creator=lambda: connect(path, key=key),  # the key was looked up once, when the database opened
        module=dbapi_module(key),
        poolclass=NullPool if not writer else None,
        **({"pool_size": 1, "max_overflow": 0} if writer else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        _configure(dbapi_conn, writer=writer)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so read-then-write use cases (the daily code
        # sequence) cannot interleave; readers use a deferred BEGIN and never block the writer.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    return engine


def describe_unusable(path: Path) -> str | None:
    """A Vietnamese reason why `path` cannot be opened as a counter database, or None if it can.

    An encrypted file is judged with its key; a missing or wrong key is the reason.
    """
    try:
        info = identify(path)
    except DatabaseOpenError as exc:
        return exc.message
    if info.kind is FileKind.MISSING:
        return _(
            "Không tìm thấy cơ sở dữ liệu {path}. Hãy tạo mới bằng lệnh: counter-admin init --db {path} …"
        ).format(path=path)
    if info.kind is FileKind.EMPTY:
        return _("Tệp {path} rỗng, không phải cơ sở dữ liệu của phần mềm Một cửa.").format(path=path)
    if info.kind is FileKind.NOT_SQLITE:
        return _("Tệp {path} không phải cơ sở dữ liệu của phần mềm Một cửa (tệp hỏng hoặc tệp khác).").format(
            path=path
        )
    if info.kind is FileKind.FOREIGN_SQLITE:
        return _(
            "Tệp {path} là một cơ sở dữ liệu SQLite của phần mềm khác, không phải của phần mềm Một cửa."
        ).format(path=path)
    latest = migrations.latest_version()
    if info.user_version > latest:
        return _(
            "Cơ sở dữ liệu {path} được tạo bởi phiên bản mới hơn (lược đồ {user_version}, phiên bản này "
            "hiểu tới {latest}). Hãy cập nhật phần mềm."
        ).format(path=path, user_version=info.user_version, latest=latest)
    return None


@dataclass
class Database:
    """An open counter database: a single writer engine, a reader engine, the instance lock, and the
    key when the file is encrypted."""

    path: Path
    writer: Engine
    reader: Engine
    lock: InstanceLock | None
    key: DatabaseKey | None = None
    full_check_at: datetime | None = None  # when quick_check last passed (None: not checked on open)

    def __post_init__(self) -> None:
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)
        self._closed = False

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One user action = one transaction: commit on success, roll back on any exception."""
        with self._write_sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only snapshot session (never commits)."""
        with self._read_sessions() as session, session.begin():
            yield session
            session.rollback()

    def schema_version(self) -> int:
        """The schema version of the open database."""
        with self.reader.connect() as conn:
            return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())

    def checkpoint(self) -> None:
        """Fold the WAL back into the main file (the file is then complete on its own)."""
        raw = self.writer.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def close(self) -> None:
        """Checkpoint, dispose of connections and release the instance lock (once; later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        # Another reader may hold the WAL; the next open recovers it, so a failed checkpoint is harmless.
        with contextlib.suppress(*DB_ERRORS):
            self.checkpoint()
        self.writer.dispose()
        self.reader.dispose()
        if self.lock is not None:
            if self.full_check_at is not None:  # a clean close: the next open may skip quick_check
                with contextlib.suppress(OSError):
                    open_check.write_marker(self.path, self.full_check_at)
            self.lock.release()


def create_database(path: Path, *, key: DatabaseKey | None = None) -> None:
    """Create a new, empty, fully migrated counter database file at `path` (which must not exist),
    encrypted with `key` if one is given (its key must already be in the credential store)."""
    info = inspect_file(path)
    if info.kind not in (FileKind.MISSING, FileKind.EMPTY):
        raise DatabaseOpenError(
            _("Tệp {path} đã tồn tại; không ghi đè. Hãy chọn đường dẫn khác.").format(path=path)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = raw_connect(path, key=key)
    try:
        migrations.apply_migrations(conn)
    finally:
        conn.close()


def open_database(path: Path, *, lock: bool = True, migrate: bool = True, check: bool = True) -> Database:
    """Open an existing counter database; refuse anything else without touching it.

    With `lock`, a second instance gets a clear DatabaseOpenError. With `check`, `PRAGMA quick_check`
    must pass, unless the file is exactly as this app's last clean close left it and the last full
    check is less than a day old (storage.open_check; then only the schema is read). With `migrate`,
    pending migrations run after a VACUUM INTO backup.
    """
    reason = describe_unusable(path)
    if reason:
        raise DatabaseOpenError(reason)
    key = key_for(path)
    instance_lock = InstanceLock(path) if lock else None
    if instance_lock:
        instance_lock.acquire()
    full_check_at = None
    try:
        if check:  # before the first connection: a crash from here on leaves no clean marker
            full_check_at = open_check.last_full_check(
                path, open_check.now_utc(), consume=instance_lock is not None
            )
        conn = raw_connect(path, key=key)
        try:
            if check and full_check_at is None:
                _quick_check(conn, path)
                full_check_at = open_check.now_utc()
            elif check:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # parses the schema
            version = migrations.current_version(conn)
            if version < migrations.latest_version():
                if not migrate:
                    raise DatabaseOpenError(
                        _(
                            "Cơ sở dữ liệu {path} cần nâng cấp lược đồ ({version} → {latest_version}); hãy "
                            "mở bằng phần mềm hoặc counter-admin info."
                        ).format(path=path, version=version, latest_version=migrations.latest_version())
                    )
                _migrate(conn, path, version, holding_lock=instance_lock is not None)
        finally:
            conn.close()
    except DB_ERRORS as exc:
        if instance_lock:
            instance_lock.release()
        raise DatabaseOpenError(
            _("Không mở được cơ sở dữ liệu {path}: tệp bị hỏng ({error}).").format(path=path, error=exc)
        ) from exc
    except BaseException:
        if instance_lock:
            instance_lock.release()
        raise
    writer, reader = _make_engine(path, key, writer=True), _make_engine(path, key, writer=False)
    return Database(path, writer, reader, instance_lock, key, full_check_at)


def _migrate(conn: sqlite3.Connection, path: Path, version: int, *, holding_lock: bool) -> None:
    """Back up, then migrate; a reader without the instance lock takes it for the migration only."""
    temporary = None if holding_lock else InstanceLock(path)
    if temporary:
        temporary.acquire()
    try:
        if migrations.current_version(conn) == version:  # nobody migrated it meanwhile
            backup_before_migration(conn, path, version)
            migrations.apply_migrations(conn)
    finally:
        if temporary:
            temporary.release()


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    rows = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        detail = "; ".join(str(r) for r in rows[:3])
        raise DatabaseOpenError(
            _("Cơ sở dữ liệu {path} bị hỏng (quick_check: {detail}). Hãy khôi phục từ bản sao lưu.").format(
                path=path, detail=detail
            )
        )
