"""The one way to open a counter database file: sqlite3 for a plain file, SQLCipher with its key for an encrypted one.

Everything that connects to a counter database (the engines, migrations, backups, restore, verify,
encryption) goes through `connect`, so an encrypted file is never opened without its key. A plain file
stays on the standard library's sqlite3; an encrypted one uses sqlcipher3 (same DB-API, its own
exception classes: catch `DB_ERRORS`). `sqlite_library` and `sqlite_warning` report the SQLite version a
file runs on in `counter-admin info` and `verify`, with a note when it has the WAL-reset bug
(docs/reliability.md, "SQLite version").
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import ModuleType
from typing import cast

from sqlcipher3 import dbapi2 as sqlcipher

from counter_app.errors import DatabaseOpenError
from counter_app.i18n import _
from counter_app.storage.cipher import DatabaseKey
from counter_app.storage.fileinfo import APPLICATION_ID, FileInfo, FileKind, inspect_file

DB_ERRORS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, sqlcipher.DatabaseError)
WAL_RESET_FIXED = (3, 51, 3)  # SQLite's WAL-reset corruption bug: 3.7.0 up to 3.51.2


def dbapi_module(key: DatabaseKey | None) -> ModuleType:
    """The DB-API module of a connection (SQLAlchemy needs it to translate errors)."""
    return cast(ModuleType, sqlcipher) if key is not None else sqlite3


def sqlite_library(*, encrypted: bool) -> tuple[str, bool]:
    """The SQLite version a plain (sqlite3) or encrypted (sqlcipher3) file runs on; True if past the WAL-reset bug."""
    module = sqlcipher if encrypted else sqlite3
    return str(module.sqlite_version), tuple(module.sqlite_version_info) >= WAL_RESET_FIXED


def sqlite_warning(*, encrypted: bool) -> str | None:
    """What to tell the admin when that SQLite has the WAL-reset bug (3.7.0–3.51.2); None when it has not."""
    version, safe = sqlite_library(encrypted=encrypted)
    if safe:
        return None
    return _(
        "Lưu ý: cơ sở dữ liệu không mã hoá chạy trên thư viện SQLite {version} của hệ thống, có lỗi hiếm gặp "
        "(WAL-reset, sửa ở bản 3.51.3) có thể làm hỏng dữ liệu khi hai tiến trình cùng ghi một lúc. Đừng chạy "
        "lệnh counter-admin có ghi dữ liệu khi phần mềm đang mở; bật mã hoá (counter-admin encryption enable) "
        "để dùng SQLite {bundled} đi kèm phần mềm."
    ).format(version=version, bundled=sqlcipher.sqlite_version)


def missing_key_message(path: Path, key_id: bytes) -> str:
    """What to tell the clerk or the admin when this PC's credential store lacks the key."""
    return _(
        "Cơ sở dữ liệu {path} đã được mã hoá, nhưng khoá giải mã (mã khoá {hex}) không có trong kho khoá "
        "của máy tính này (Windows Credential Manager). Tệp không bị thay đổi. Hãy nhờ quản trị CNTT nhập "
        "tệp khoá đã xuất (counter-admin encryption import-key TỆP --db {path}), hoặc khôi phục từ một bản "
        "sao lưu tạo trên máy này (counter-admin restore --from TỆP)."
    ).format(path=path, hex=key_id.hex())


def key_for(path: Path) -> DatabaseKey | None:
    """None for a plain (or missing) file; the key of an encrypted one, from this PC's credential store."""
    info = inspect_file(path)
    if info.kind is not FileKind.ENCRYPTED or info.key_id is None:
        return None
    from counter_app.storage.keystore import load_key  # imports keyring: only for encrypted files

    key = load_key(info.key_id)
    if key is None:
        raise DatabaseOpenError(missing_key_message(path, info.key_id))
    return key


def connect(path: Path, *, key: DatabaseKey | None = None, readonly: bool = False) -> sqlite3.Connection:
    """An autocommit connection to `path`, usable from any thread; no pragmas beyond the key.

    Without `key`, the file decides: a plain or new file opens with sqlite3, an encrypted one with
    its key from the credential store. With `key`, the file is opened (or created) encrypted with it.
    A wrong key or a damaged encrypted file gives a Vietnamese DatabaseOpenError and writes nothing.
    """
    if key is None:
        key = key_for(path)
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    if key is None:
        return sqlite3.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    conn = sqlcipher.connect(target, uri=readonly, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our error to report, not stderr's
        conn.execute(f'PRAGMA key = "{key.pragma_value()}"')
        conn.execute("PRAGMA temp_store = MEMORY")  # sorts and temp tables never reach the disk
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the key is checked here
    except sqlcipher.DatabaseError as exc:
        conn.close()
        raise DatabaseOpenError(
            _(
                "Không giải mã được cơ sở dữ liệu {path} bằng khoá mã {id_hex}: khoá không đúng hoặc tệp "
                "bị hỏng ({error}). Tệp không bị thay đổi; hãy nhập đúng tệp khoá hoặc khôi phục từ bản "
                "sao lưu."
            ).format(path=path, id_hex=key.id_hex, error=exc)
        ) from exc
    return cast(sqlite3.Connection, conn)


def identify(path: Path) -> FileInfo:
    """Like `inspect_file`, but an encrypted file is opened read-only with its key to read its header fields."""
    info = inspect_file(path)
    if info.kind is not FileKind.ENCRYPTED:
        return info
    conn = connect(path, readonly=True)
    try:
        user_version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        application_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()
    kind = FileKind.COUNTER if application_id == APPLICATION_ID else FileKind.FOREIGN_SQLITE
    return FileInfo(kind, user_version, application_id, info.key_id)


def is_encrypted(path: Path) -> bool:
    """True if the file is an encrypted counter database (judged from its header only)."""
    return inspect_file(path).kind is FileKind.ENCRYPTED
