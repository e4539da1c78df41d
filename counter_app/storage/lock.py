"""One application instance per database: an OS file lock beside the database file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from counter_app.errors import DatabaseOpenError
from counter_app.i18n import _


class InstanceLock:
    """Holds an exclusive, non-blocking lock on `<db>.lock` until released or the process dies.

    The OS drops the lock when the process ends, even after a crash or a power cut, so a stale
    lock file never blocks a restart.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise DatabaseOpenError saying the database is already open."""
        handle = self.path.open("a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise DatabaseOpenError(
                _(
                    "Cơ sở dữ liệu {with_suffix} đang được một cửa sổ phần mềm khác sử dụng. Hãy dùng cửa "
                    "sổ đang mở, hoặc đóng nó rồi mở lại."
                ).format(with_suffix=self.path.with_suffix(""))
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
