"""Turn at-rest encryption of a counter database on or off: export, verify, then swap under the instance lock.

`enable` stores a new random key in the credential store first, exports the plain database into a new
SQLCipher file (`sqlcipher_export`), checks the copy (quick_check, SQLCipher's HMAC check of every page,
the same rows in every table, the same schema version) and only then puts it in place. The plain
original is overwritten and deleted (`wipe_file`) unless the administrator asks to keep it; existing
plain backups are converted the same way. `disable` is the reverse, for support; the key stays in the
store because the encrypted backups still need it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.paths import backups_dir
from counter_app.storage import keystore
from counter_app.storage.backup import list_backups
from counter_app.storage.cipher import DatabaseKey, new_key
from counter_app.storage.connect import DB_ERRORS, connect, identify, key_for
from counter_app.storage.fileinfo import FileKind, inspect_file
from counter_app.storage.lock import InstanceLock


@dataclass(frozen=True)
class EncryptionStatus:
    """Whether a database is encrypted, with which key, whether this PC holds it, and plain backups left."""

    path: Path
    encrypted: bool
    key_id: str | None
    key_available: bool
    plain_backups: tuple[Path, ...]
    leftover: Path | None  # the old file of an interrupted enable/disable, removed by the next one


@dataclass(frozen=True)
class SwapReport:
    """What enable/disable did: the key, the rows checked per table, and what became of the old file."""

    path: Path
    key_id: str
    rows: dict[str, int]
    kept_copy: Path | None
    converted_backups: tuple[Path, ...]


def status(path: Path) -> EncryptionStatus:
    """Describe the database's encryption without opening it for writing."""
    info = inspect_file(path)
    if info.kind not in (FileKind.COUNTER, FileKind.ENCRYPTED):
        raise UserFacingError(_("{path} không phải cơ sở dữ liệu của phần mềm Một cửa.").format(path=path))
    available = False
    if info.key_id is not None:
        available = keystore.load_key(info.key_id) is not None
    plain = tuple(b.path for b in list_backups(path) if inspect_file(b.path).kind is FileKind.COUNTER)
    key_id = info.key_id.hex() if info.key_id is not None else None
    aside = _aside(path)
    leftover = aside if aside.exists() else None
    return EncryptionStatus(path, info.kind is FileKind.ENCRYPTED, key_id, available, plain, leftover)


def _aside(path: Path) -> Path:
    """Where the old file waits during a swap, until it is wiped."""
    return path.with_name(path.name + ".old")


def wipe_file(path: Path) -> None:
    """Overwrite the file's bytes with zeros, sync, and delete it.

    A best effort against someone reading the disk later, not a guarantee: SSD wear levelling,
    copy-on-write file systems and shadow copies can keep old blocks (docs/security.md). A file with
    another hard link (the live database during a swap) is only unlinked, never overwritten.
    """
    if not path.exists():
        return
    info = path.stat()
    if info.st_nlink == 1:
        zeros = bytes(1 << 20)
        with path.open("r+b") as handle:
            left = info.st_size
            while left > 0:
                left -= handle.write(zeros[: min(left, len(zeros))])
            handle.flush()
            os.fsync(handle.fileno())
    path.unlink()


def _tables(conn: sqlite3.Connection, schema: str) -> dict[str, int]:
    names = [
        str(r[0])
        for r in conn.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    return {n: int(conn.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0]) for n in names}


def _header(conn: sqlite3.Connection, schema: str) -> tuple[int, int]:
    version = int(conn.execute(f"PRAGMA {schema}.user_version").fetchone()[0])
    return version, int(conn.execute(f"PRAGMA {schema}.application_id").fetchone()[0])


def _settle(path: Path, key: DatabaseKey | None) -> None:
    """Fold the WAL into the file and leave it in rollback-journal mode, so the file alone is the database.

    If a WAL file is still there afterwards, another program has the database open: refuse.
    """
    in_use = UserFacingError(
        _(
            "{name} đang được một chương trình khác mở. Hãy đóng phần mềm và các lệnh counter-admin đang "
            "chạy (kể cả sao lưu theo lịch) rồi thử lại."
        ).format(name=path.name)
    )
    conn = connect(path, key=key)
    try:
        result = str(conn.execute("PRAGMA quick_check").fetchone()[0])
        if result != "ok":
            raise UserFacingError(
                _("{name} bị hỏng (quick_check: {result}); hãy khôi phục trước.").format(
                    name=path.name, result=result
                )
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    except DB_ERRORS as exc:
        if "locked" in str(exc) or "busy" in str(exc):  # a reader holds the WAL
            raise in_use from exc
        raise UserFacingError(
            _("{name} bị hỏng ({error}); hãy khôi phục trước.").format(name=path.name, error=exc)
        ) from exc
    finally:
        conn.close()
    if Path(f"{path}-wal").exists():
        raise in_use


def _export(source: Path, source_key: DatabaseKey | None, target: Path, key: DatabaseKey | None) -> None:
    """Copy `source` into the new file `target`, encrypted with `key` or plain; one side is always plain."""
    encrypting = key is not None
    conn = connect(target, key=key) if encrypting else connect(source, key=source_key)
    try:
        other = source if encrypting else target
        conn.execute("ATTACH DATABASE ? AS other KEY ''", (str(other),))
        into, out_of = ("main", "other") if encrypting else ("other", "main")
        conn.execute(f"SELECT sqlcipher_export('{into}', '{out_of}')")
        version, application_id = _header(conn, out_of)  # sqlcipher_export leaves these two at 0
        conn.execute(f"PRAGMA {into}.application_id = {application_id}")
        conn.execute(f"PRAGMA {into}.user_version = {version}")
        conn.execute("DETACH DATABASE other")
    finally:
        conn.close()


def _check_copy(
    source: Path, source_key: DatabaseKey | None, copy: Path, key: DatabaseKey | None
) -> dict[str, int]:
    """The copy, opened afresh, passes its checks and has the source's rows and header; returns the rows."""
    src, dst = connect(source, key=source_key, readonly=True), connect(copy, key=key)
    try:
        problems = [str(r[0]) for r in dst.execute("PRAGMA quick_check").fetchall() if r[0] != "ok"]
        if key is not None:
            problems += [str(r[0]) for r in dst.execute("PRAGMA cipher_integrity_check").fetchall()]
        rows, copied = _tables(src, "main"), _tables(dst, "main")
        if rows != copied:
            problems.append(
                _("số dòng khác nhau: {sorted}").format(
                    sorted=sorted(set(rows.items()) ^ set(copied.items()))[:4]
                )
            )
        if _header(src, "main") != _header(dst, "main"):
            problems.append(_("phiên bản lược đồ khác nhau"))
    finally:
        src.close()
        dst.close()
    if problems:
        raise UserFacingError(
            _("Bản chuyển đổi của {name} không khớp ({join}); chưa đổi gì.").format(
                name=source.name, join="; ".join(problems[:3])
            )
        )
    return rows


def _sync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    if os.name != "nt":  # make the rename itself durable (POSIX: sync the folder)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _replace(source: Path, target: Path) -> None:
    """os.replace, retried briefly: on Windows an antivirus scan holding the file open makes it fail."""
    for attempt in range(20):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if attempt == 19:
                raise
            time.sleep(0.1)


def _clear_leftover(aside: Path, live: Path) -> None:
    """A file left beside the database by an interrupted swap: a second name of the live file is only
    unlinked, an old plain copy is wiped."""
    if not aside.exists():
        return
    if live.exists() and os.path.samefile(aside, live):
        aside.unlink()
    else:
        wipe_file(aside)


def _convert(
    path: Path, old_key: DatabaseKey | None, new: DatabaseKey | None, keep: Path | None
) -> dict[str, int]:
    """Replace `path` by its converted copy; the old file goes to `keep`, or is wiped (plain) / deleted."""
    suffix = ".encrypting" if new is not None else ".decrypting"
    temporary, aside = path.with_name(path.name + suffix), _aside(path)
    for leftover in (temporary, Path(f"{temporary}-journal")):
        wipe_file(leftover)
    _clear_leftover(aside, path)
    _settle(path, old_key)
    try:
        _export(path, old_key, temporary, new)
        rows = _check_copy(path, old_key, temporary, new)
        _sync(temporary)
    except BaseException:
        wipe_file(temporary)
        raise
    old_name = keep or aside
    old_name.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, old_name)  # the database keeps a name at every moment
    except OSError:  # a file system without hard links (FAT): a moment without a file, never a wrong one
        _replace(path, old_name)
    _replace(temporary, path)
    _sync(path)
    if keep is None:
        if old_key is None:
            wipe_file(aside)
        else:
            aside.unlink()  # ciphertext: nothing to overwrite
    return rows


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = InstanceLock(path)
    lock.acquire()  # the app must be closed: a Vietnamese error says so otherwise
    try:
        yield
    finally:
        lock.release()


def enable(path: Path, *, keep_plain: bool = False, now: datetime | None = None) -> SwapReport:
    """Encrypt a plain counter database in place with a new key kept in this PC's credential store.

    The key is stored (and read back) before any encrypted byte is written. Plain backups in
    `backups/` are converted with the same key. With `keep_plain`, the plain original is kept in
    `backups/` under a `plain-before-encryption` name (it holds personal data in clear).
    """
    info = identify(path)
    if info.kind is not FileKind.COUNTER:
        raise UserFacingError(_("{path} không phải cơ sở dữ liệu của phần mềm Một cửa.").format(path=path))
    _clear_leftover(_aside(path), path)  # an interrupted earlier run may have left the plain file
    if info.key_id is not None:
        raise UserFacingError(
            _("{name} đã được mã hoá (mã khoá {hex}).").format(name=path.name, hex=info.key_id.hex())
        )
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    keep = backups_dir(path) / f"{path.stem}-plain-before-encryption-{stamp}.db" if keep_plain else None
    with _locked(path):
        key = new_key()
        keystore.save_key(key)
        try:
            rows = _convert(path, None, key, keep)
        except BaseException:
            keystore.forget_key(key.key_id)  # nothing was encrypted with it
            raise
        converted = []
        for backup in list_backups(path):
            if inspect_file(backup.path).kind is FileKind.COUNTER:
                try:
                    _convert(backup.path, None, key, None)
                    converted.append(backup.path)
                except UserFacingError:
                    continue  # a damaged backup stays as it is; `encryption status` lists it
                except DB_ERRORS:
                    continue
    return SwapReport(path, key.id_hex, rows, keep, tuple(converted))


def disable(path: Path) -> SwapReport:
    """Decrypt an encrypted counter database in place (support only); backups stay encrypted."""
    key = key_for(path)
    _clear_leftover(_aside(path), path)
    if key is None:
        raise UserFacingError(_("{name} chưa được mã hoá.").format(name=path.name))
    with _locked(path):
        rows = _convert(path, key, None, None)
    return SwapReport(path, key.id_hex, rows, None, ())
