"""Read a file's SQLite header without opening it, so a foreign or corrupt file is never modified."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from counter_app.storage.cipher import key_id_in_header

SQLITE_MAGIC = b"SQLite format 3\x00"
# PRAGMA application_id of a counter database: ASCII "MOC1" (Một cửa, format 1).
APPLICATION_ID = 0x4D4F4331


class FileKind(enum.Enum):
    """What a path holds, judged from the first 100 bytes."""

    MISSING = "missing"
    EMPTY = "empty"
    NOT_SQLITE = "not_sqlite"
    FOREIGN_SQLITE = "foreign_sqlite"
    COUNTER = "counter"
    ENCRYPTED = "encrypted"  # an encrypted counter database: its header is ciphertext but for the key id


@dataclass(frozen=True)
class FileInfo:
    """The kind of file and, for SQLite files, the header's user_version and application_id.

    `key_id` is set for an encrypted file (whose user_version and application_id need the key:
    `storage.connect.identify` reads them).
    """

    kind: FileKind
    user_version: int = 0
    application_id: int = 0
    key_id: bytes | None = None


def inspect_file(path: Path) -> FileInfo:
    """Classify `path` by reading its header only (never writes, never creates)."""
    if not path.exists():
        return FileInfo(FileKind.MISSING)
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header:
        return FileInfo(FileKind.EMPTY)
    key_id = key_id_in_header(header)
    if len(header) == 100 and key_id is not None:
        return FileInfo(FileKind.ENCRYPTED, key_id=key_id)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return FileInfo(FileKind.NOT_SQLITE)
    user_version = int.from_bytes(header[60:64], "big", signed=True)
    application_id = int.from_bytes(header[68:72], "big", signed=False)
    kind = FileKind.COUNTER if application_id == APPLICATION_ID else FileKind.FOREIGN_SQLITE
    return FileInfo(kind, user_version, application_id)
