"""At-rest encryption on real files: no personal data in clear, the key from the credential store, swaps that keep every row."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from counter_app.errors import DatabaseOpenError, UserFacingError
from counter_app.services.restore import restore_database
from counter_app.services.verify import verify
from counter_app.storage import encryption, keyfile, keystore, migrations
from counter_app.storage.backup import check_copy, take_backup
from counter_app.storage.cipher import ENC_MAGIC, new_key
from counter_app.storage.connect import connect, identify
from counter_app.storage.database import Database, describe_unusable, open_database, raw_connect
from counter_app.storage.fileinfo import FileKind, inspect_file
from tests.conftest import Desk
from tests.memkeyring import MemoryKeyring, memory_keyring

CCCD, NAME = "079303004567", "Hoàng Thị Xuân Quỳnh"
APPOINTMENT = datetime(2026, 1, 12, 9, 32)


@pytest.fixture
def store() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


def _bytes_on_disk(path: Path) -> bytes:
    """The database file with its WAL and shared-memory files, as someone with the disk would read them."""
    return b"".join(
        Path(f"{path}{s}").read_bytes() for s in ("", "-wal", "-shm") if Path(f"{path}{s}").exists()
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(_bytes_on_disk(path)).hexdigest()


def _everything(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in rowid order (through the one connect function)."""
    conn = connect(path, readonly=True)
    try:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def _encrypt(desk: Desk, db_path: Path) -> Database:
    """Close the desk's plain database, encrypt it, and reopen it for the desk."""
    desk.db.close()  # type: ignore[attr-defined]
    encryption.enable(db_path)
    reopened = open_database(db_path)
    desk.db = reopened
    return reopened


def test_encrypted_file_holds_no_personal_data_in_clear(
    store: MemoryKeyring, db_path: Path, desk: Desk
) -> None:
    desk.register(NAME, id_number=CCCD, appointment=APPOINTMENT)
    desk.db.checkpoint()  # type: ignore[attr-defined]
    assert CCCD.encode() in _bytes_on_disk(db_path)  # the grep finds it in a plain file
    db = _encrypt(desk, db_path)
    try:
        assert db.key is not None and db_path.read_bytes()[:4] == ENC_MAGIC
        with db.read() as session:  # the app's layer reads it with the key
            assert (
                session.scalar(text("SELECT count(*) FROM applicants WHERE id_number = :n"), {"n": CCCD}) == 1
            )
        later = "001199012345"
        desk.register("Đỗ Minh Châu", id_number=later, appointment=APPOINTMENT)  # the WAL is encrypted too
        on_disk = _bytes_on_disk(db_path)
        for secret in (CCCD, later, NAME, "Đỗ Minh Châu", "Xuân Quỳnh"):
            assert secret.encode("utf-8") not in on_disk, secret
        assert b"SQLite format 3" not in on_disk[:100]
        with db.read() as report_session:
            assert verify(report_session).ok
    finally:
        db.close()
    assert identify(db_path).kind is FileKind.COUNTER and describe_unusable(db_path) is None


def test_missing_key_is_a_clear_vietnamese_error_and_the_file_is_untouched(
    store: MemoryKeyring, db_path: Path, desk: Desk
) -> None:
    desk.register(NAME, id_number=CCCD, appointment=APPOINTMENT)
    _encrypt(desk, db_path).close()
    before = _digest(db_path)
    store.entries.clear()  # another PC, or Windows reinstalled
    with pytest.raises(DatabaseOpenError, match="không có trong kho khoá của máy tính này") as caught:
        open_database(db_path)
    assert "import-key" in caught.value.message and "bản sao lưu" in caught.value.message
    assert _digest(db_path) == before and not Path(f"{db_path}-wal").exists()
    with pytest.raises(DatabaseOpenError, match="không có trong kho khoá"):
        take_backup(db_path, "manual")


def test_wrong_key_is_refused_without_writing(store: MemoryKeyring, db_path: Path, desk: Desk) -> None:
    _encrypt(desk, db_path).close()
    before = _digest(db_path)
    ((entry, _),) = store.entries.items()
    store.entries[entry] = new_key().secret.hex()
    with pytest.raises(DatabaseOpenError, match="Không giải mã được"):
        open_database(db_path)
    assert _digest(db_path) == before


def test_enable_then_disable_keeps_every_row(store: MemoryKeyring, db_path: Path, desk: Desk) -> None:
    for i in range(5):
        desk.register(f"Người nộp {'ABCDE'[i]}", id_number=f"00119901234{i}", appointment=APPOINTMENT)
    desk.db.close()  # type: ignore[attr-defined]
    original = _everything(db_path)
    report = encryption.enable(db_path)
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED and report.kept_copy is None
    assert not db_path.with_name(db_path.name + ".old").exists()  # the plain file was wiped and deleted
    assert _everything(db_path) == original
    assert report.rows["dossiers"] == 5
    encryption.disable(db_path)
    assert inspect_file(db_path).kind is FileKind.COUNTER
    assert _everything(db_path) == original
    db = open_database(db_path)
    try:
        with db.read() as session:
            assert verify(session).ok
    finally:
        db.close()


def test_keep_plain_keeps_the_original_in_backups(store: MemoryKeyring, db_path: Path, desk: Desk) -> None:
    desk.register(NAME, id_number=CCCD, appointment=APPOINTMENT)
    desk.db.close()  # type: ignore[attr-defined]
    original = _everything(db_path)
    report = encryption.enable(db_path, keep_plain=True)
    assert report.kept_copy is not None and report.kept_copy.parent.name == "backups"
    assert inspect_file(report.kept_copy).kind is FileKind.COUNTER
    assert _everything(report.kept_copy) == original


def test_enable_refuses_while_the_app_is_open(store: MemoryKeyring, db_path: Path, desk: Desk) -> None:
    before = db_path.read_bytes()
    with pytest.raises(DatabaseOpenError, match="đang được một cửa sổ phần mềm khác sử dụng"):
        encryption.enable(db_path)
    assert store.entries == {}  # no key made
    assert db_path.read_bytes() == before


def test_plain_backups_are_encrypted_with_the_database(
    store: MemoryKeyring, db_path: Path, desk: Desk
) -> None:
    desk.register(NAME, id_number=CCCD, appointment=APPOINTMENT)
    old = take_backup(db_path, "manual", now=desk.clock.now_utc())
    assert CCCD.encode() in old.path.read_bytes()
    desk.db.close()  # type: ignore[attr-defined]
    assert encryption.status(db_path).plain_backups == (old.path,)
    report = encryption.enable(db_path)
    assert report.converted_backups == (old.path,)
    assert inspect_file(old.path).key_id == inspect_file(db_path).key_id
    assert CCCD.encode() not in old.path.read_bytes()
    check_copy(old.path)
    state = encryption.status(db_path)
    assert state.encrypted and state.key_available and state.plain_backups == ()


def test_backup_and_restore_of_an_encrypted_database(store: MemoryKeyring, db_path: Path, desk: Desk) -> None:
    desk.register(NAME, id_number=CCCD, appointment=APPOINTMENT)
    db = _encrypt(desk, db_path)
    backup = take_backup(db_path, "manual", now=desk.clock.now_utc())
    assert backup.path.read_bytes()[:16] == db_path.read_bytes()[:16]  # same key id
    assert CCCD.encode() not in backup.path.read_bytes()
    desk.clock.advance(timedelta(minutes=5))
    desk.register("Đỗ Minh Châu", id_number="001199012345", appointment=APPOINTMENT)
    db.close()
    report = restore_database(db_path, backup.path, desk.clock, backup.taken_at)
    assert report.dossiers == 1
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED
    assert report.kept_previous is not None and inspect_file(report.kept_previous).kind is FileKind.ENCRYPTED
    restored = open_database(db_path)
    try:
        with restored.read() as session:
            assert session.scalar(text("SELECT count(*) FROM dossiers")) == 1
            assert verify(session).ok
    finally:
        restored.close()


def test_an_old_encrypted_database_is_migrated_with_an_encrypted_backup(
    store: MemoryKeyring, tmp_path: Path
) -> None:
    if migrations.latest_version() < 2:
        pytest.skip("only one schema version so far")
    key = new_key()
    keystore.save_key(key)
    path = tmp_path / "old.db"
    conn = raw_connect(path, key=key)
    migrations.apply_migrations(conn, target=1)
    conn.close()
    db = open_database(path)
    try:
        assert db.schema_version() == migrations.latest_version()
    finally:
        db.close()
    (backup,) = (tmp_path / "backups").glob("old-before-migration-v1-*.db")
    assert inspect_file(backup).key_id == key.key_id
    assert identify(backup).user_version == 1


def test_key_file_round_trip(store: MemoryKeyring, db_path: Path, desk: Desk, tmp_path: Path) -> None:
    _encrypt(desk, db_path).close()
    key = keystore.load_key(inspect_file(db_path).key_id or b"")
    assert key is not None
    exported = tmp_path / "khoa-quay.key"
    with pytest.raises(UserFacingError, match="ít nhất 12"):
        keyfile.export_key(key, exported, "ngan", label="counter.db", now=datetime(2026, 1, 5))
    keyfile.export_key(
        key, exported, "Mật khẩu rất dài của xã Ỷ La", label="counter.db", now=datetime(2026, 1, 5)
    )
    if os.name == "posix":
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert key.secret.hex().encode() not in exported.read_bytes() and key.secret not in exported.read_bytes()
    with pytest.raises(UserFacingError, match="Sai mật khẩu"):
        keyfile.import_key(exported, "Mật khẩu sai hoàn toàn")
    with pytest.raises(UserFacingError, match="không phải tệp khoá"):
        keyfile.import_key(db_path, "Mật khẩu rất dài của xã Ỷ La")
    tampered = tmp_path / "sua.key"
    data = bytearray(exported.read_bytes())
    data[200] ^= 1
    tampered.write_bytes(bytes(data))
    with pytest.raises(UserFacingError, match="Sai mật khẩu"):
        keyfile.import_key(tampered, "Mật khẩu rất dài của xã Ỷ La")
    # NFD input (another Vietnamese input method) opens the same file.
    import unicodedata

    assert keyfile.import_key(exported, unicodedata.normalize("NFD", "Mật khẩu rất dài của xã Ỷ La")) == key


def test_wipe_never_overwrites_a_file_with_another_name(tmp_path: Path) -> None:
    live, second = tmp_path / "live.db", tmp_path / "live.db.old"
    live.write_bytes(b"du lieu that" * 100)
    os.link(live, second)
    encryption.wipe_file(second)
    assert not second.exists() and live.read_bytes() == b"du lieu that" * 100
    encryption.wipe_file(live)
    assert not live.exists()


def test_a_plain_database_stays_on_the_standard_sqlite3(db_path: Path) -> None:
    conn = connect(db_path)
    try:
        assert isinstance(conn, sqlite3.Connection)
    finally:
        conn.close()
    assert encryption.status(db_path).encrypted is False


def test_enable_refuses_while_another_program_reads(store: MemoryKeyring, db_path: Path) -> None:
    reader = connect(db_path, readonly=True)  # a scheduled `counter-admin backup`, say
    try:
        assert reader.execute("SELECT count(*) FROM procedures").fetchone()[0] > 0
        with pytest.raises(UserFacingError, match="đang được một chương trình khác mở"):
            encryption.enable(db_path)
    finally:
        reader.close()
    assert store.entries == {} and inspect_file(db_path).kind is FileKind.COUNTER
    encryption.enable(db_path)  # once the reader is gone it works, and the aborted run left nothing
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED and len(store.entries) == 1
