"""Backups and restore: checked copies, thinning, and a restored counter never re-issuing a code."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Desk
from sqlalchemy import text

from counter_app.clock import SystemClock
from counter_app.errors import DatabaseOpenError, UserFacingError
from counter_app.services import codes, users
from counter_app.services.audit import history
from counter_app.services.restore import release_with_last_code, restore_database
from counter_app.storage.backup import (
    daily_backup_if_due,
    list_backups,
    rotate,
    take_backup,
)
from counter_app.storage.database import open_database

APPOINTMENT = datetime(2026, 1, 12, 9, 32)


def _admin(desk: Desk) -> str:
    fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with desk.db.write() as session:  # type: ignore[attr-defined]
        return users.create_user(
            session, desk.clock, "quantri", "Hà Văn Quản", "admin", "mat-khau-456", policy=fast
        ).id


def test_restore_from_a_week_old_backup_never_reissues_a_code(db_path: Path, desk: Desk) -> None:
    admin_id = _admin(desk)
    names = iter(
        f"{a} {b}" for a in ("Nguyễn Văn", "Trần Thị", "Lê Minh", "Phạm Thu", "Vũ Đức") for b in "ABCDEGHK"
    )
    monday = [desk.register(next(names), appointment=APPOINTMENT) for _ in range(3)]
    backup = take_backup(db_path, "manual", now=desk.clock.now_utc())
    # A week of work after the backup; Friday's last receipt is the one the clerk can still read on paper.
    printed = list(monday)
    for _ in range(4):
        desk.clock.advance(timedelta(days=1))
        printed += [desk.register(next(names), appointment=APPOINTMENT) for _ in range(4)]
    friday_last = printed[-1]
    assert friday_last.endswith("-1004")

    desk.db.close()  # type: ignore[attr-defined]  # the app is closed for a restore
    report = restore_database(db_path, backup.path, desk.clock, backup.taken_at)
    assert report.dossiers == 3 and report.kept_previous is not None and report.kept_previous.exists()

    restored = open_database(db_path)
    desk.db = restored
    try:
        with pytest.raises(UserFacingError, match="vừa được khôi phục từ bản sao lưu"):
            desk.register(next(names), appointment=APPOINTMENT)
        with restored.write() as session:
            message = release_with_last_code(session, desk.clock, admin_id, friday_last)
        assert friday_last in message
        after = [desk.register(next(names), appointment=APPOINTMENT) for _ in range(3)]
        assert not set(after) & set(printed), "a code printed before the restore was issued again"
        assert after[0].endswith("-1005")
        with restored.read() as session:
            actions = [r.action for r in history(session)]
        assert actions[-8:].count("codes_released") == 1
        assert {"database_restored", "codes_held", "code_high_water_raised"} <= set(actions)
    finally:
        restored.close()
    # The database as it was before the restore is kept whole and still opens.
    kept = open_database(report.kept_previous, lock=False)
    try:
        with kept.read() as session:
            assert session.execute(text("SELECT count(*) FROM dossiers")).scalar_one() == 19
    finally:
        kept.close()


def test_release_checks_the_code_and_the_role(db_path: Path, desk: Desk) -> None:
    admin_id = _admin(desk)
    desk.register(appointment=APPOINTMENT)
    with desk.db.write() as session:  # type: ignore[attr-defined]
        codes.hold_codes(session, desk.clock, "Đang tạm dừng cấp mã (thử).", None)
    with desk.db.write() as session:  # type: ignore[attr-defined]
        with pytest.raises(UserFacingError, match="không phải mã hồ sơ của cơ quan"):
            release_with_last_code(session, desk.clock, admin_id, "000.00.99.H99-260105-1001")
        with pytest.raises(UserFacingError, match="không thuộc quầy này"):
            release_with_last_code(session, desk.clock, admin_id, "000.00.31.H12-260105-2001")
        with pytest.raises(UserFacingError):
            release_with_last_code(session, desk.clock, desk.clerk_id, "000.00.31.H12-260105-1001")
    with desk.db.write() as session:  # type: ignore[attr-defined]
        assert codes.code_hold(session)
        release_with_last_code(session, desk.clock, admin_id, None)
        assert codes.code_hold(session) == ""
    assert desk.register(appointment=APPOINTMENT).endswith("-1002")


def test_restore_refuses_while_the_app_has_the_database_open(db_path: Path, db: object) -> None:
    backup = take_backup(db_path, "manual")
    with pytest.raises(DatabaseOpenError, match="đang được một cửa sổ phần mềm khác sử dụng"):
        restore_database(db_path, backup.path, Desk(db).clock)


def test_a_corrupt_or_foreign_backup_is_refused_and_nothing_changes(db_path: Path, tmp_path: Path) -> None:
    before = db_path.read_bytes()
    foreign = tmp_path / "la.db"
    foreign.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(UserFacingError, match="không phải bản sao lưu"):
        restore_database(db_path, foreign, SystemClock())
    broken = tmp_path / "hong.db"
    shutil.copy(db_path, broken)
    with broken.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\xff" * 4096)
    with pytest.raises(UserFacingError, match="bị hỏng"):
        restore_database(db_path, broken, SystemClock())
    assert db_path.read_bytes() == before


def test_daily_backup_once_a_day_and_checked(db_path: Path) -> None:
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    first = daily_backup_if_due(db_path, now)
    assert first is not None and first.kind == "daily" and first.path.exists()
    assert daily_backup_if_due(db_path, now + timedelta(hours=23)) is None
    second = daily_backup_if_due(db_path, now + timedelta(hours=24, minutes=1))
    assert second is not None
    assert [b.path for b in list_backups(db_path)] == [second.path, first.path]
    assert not list(db_path.parent.joinpath("backups").glob("*.partial"))


def test_rotation_keeps_days_then_weeks_then_months(db_path: Path) -> None:
    folder = db_path.parent / "backups"
    folder.mkdir()
    today = date(2026, 11, 23)
    for age in range(0, 500):
        day = today - timedelta(days=age)
        (folder / f"{db_path.stem}-daily-{day:%Y%m%d}T010000000000Z.db").write_bytes(b"x")
    (folder / f"{db_path.stem}-manual-20240101T010000000000Z.db").write_bytes(b"x")
    removed = rotate(db_path, today)
    kept = [b for b in list_backups(db_path) if b.kind == "daily"]
    ages = sorted((today - b.taken_at.date()).days for b in kept)
    assert ages[:7] == list(range(7))  # every day of the last week
    weekly = [a for a in ages if 7 <= a < 42]
    assert 5 <= len(weekly) <= 6  # one per ISO week
    monthly = [a for a in ages if a >= 42]
    assert 10 <= len(monthly) <= 12 and max(ages) < 400
    assert len(removed) + len(kept) == 500
    assert any(b.kind == "manual" for b in list_backups(db_path)), "manual backups are never thinned"
