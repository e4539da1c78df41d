"""Users: argon2id passwords, sign-in lockout that survives the transaction, roles, all audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter_app.clock import FixedClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import audit, users
from counter_app.services.users import AccountPolicy, SignInResult
from counter_app.storage.database import Database, create_database, open_database
from counter_app.storage.models import User

# Cheap argon2 parameters keep the tests fast; the lockout numbers are the real defaults.
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
PASSWORD = "mat-khau-dung"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 14, 2, 0))  # 09:00 in Vietnam


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "counter.db"
    create_database(path)
    database = open_database(path)
    yield database
    database.close()


def _add(db: Database, clock: FixedClock, username: str = "an", role: str = "clerk") -> users.UserDTO:
    with db.write() as session:
        return users.create_user(session, clock, username, "Nguyễn Văn An", role, PASSWORD, policy=FAST)


def _sign_in(db: Database, clock: FixedClock, username: str, password: str) -> SignInResult:
    # The documented pattern: the transaction commits whatever the outcome, then the caller reads it.
    with db.write() as session:
        return users.authenticate(session, clock, username, password, policy=FAST)


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return [r.action for r in audit.history(session)]


def test_default_policy_is_five_failures_five_minutes_eight_characters() -> None:
    assert (users.ACCOUNT_POLICY.max_failures, users.ACCOUNT_POLICY.lock_minutes) == (5, 5)
    assert users.ACCOUNT_POLICY.min_password_length == 8


def test_create_user_stores_an_argon2id_hash_and_audits(db: Database, clock: FixedClock) -> None:
    created = _add(db, clock, "  An ")
    assert created.username == "an" and created.role == "clerk" and created.active
    with db.read() as session:
        row = session.get(User, created.id)
        assert row is not None
        assert row.password_hash.startswith("$argon2id$")
        assert PASSWORD not in row.password_hash
        entries = audit.history(session, "user", created.id)
    assert [e.action for e in entries] == ["user_created"]
    assert entries[0].detail == {"username": "an", "role": "clerk"}


def test_create_user_reports_every_invalid_field(db: Database, clock: FixedClock) -> None:
    _add(db, clock, "an")
    with db.write() as session, pytest.raises(FieldErrors) as caught:
        users.create_user(session, clock, "an", "  ", "boss", "short", policy=FAST)
    assert set(caught.value.errors) == {"username", "full_name", "role", "password"}
    assert caught.value.errors["password"] == "Mật khẩu phải có ít nhất 8 ký tự"
    assert "đã được dùng" in caught.value.errors["username"]


def test_authenticate_success_resets_the_counter(db: Database, clock: FixedClock) -> None:
    created = _add(db, clock)
    assert not _sign_in(db, clock, "an", "sai").ok
    result = _sign_in(db, clock, "AN", PASSWORD)
    assert result.ok and result.user_or_raise().id == created.id
    with db.read() as session:
        row = session.get(User, created.id)
        assert row is not None and row.failed_count == 0
    assert _actions(db)[-2:] == ["sign_in_failed", "sign_in"]


def test_failures_survive_the_transaction_and_lock_after_five(db: Database, clock: FixedClock) -> None:
    created = _add(db, clock)
    for attempt in range(1, 5):
        result = _sign_in(db, clock, "an", "sai mật khẩu")
        assert not result.ok
        assert f"Còn {5 - attempt} lần thử" in result.refusal
        with pytest.raises(UserFacingError):
            result.user_or_raise()
        with db.read() as session:  # committed, not rolled back with the refusal
            row = session.get(User, created.id)
            assert row is not None and row.failed_count == attempt
    fifth = _sign_in(db, clock, "an", "sai mật khẩu")
    assert fifth.locked_until_utc == clock.now_utc() + timedelta(minutes=5)
    assert fifth.refusal.startswith("Tài khoản bị khóa đến 09:05 do nhập sai mật khẩu 5 lần")

    # Locked: even the right password is refused, with the same message.
    clock.advance(timedelta(minutes=4, seconds=59))
    locked = _sign_in(db, clock, "an", PASSWORD)
    assert not locked.ok
    assert locked.refusal.startswith("Tài khoản bị khóa đến 09:05 do nhập sai mật khẩu 5 lần")

    # Five minutes after the lock, the right password works again and the counter starts afresh.
    clock.advance(timedelta(seconds=1))
    assert _sign_in(db, clock, "an", PASSWORD).ok
    with db.read() as session:
        row = session.get(User, created.id)
        assert row is not None and row.failed_count == 0 and row.locked_until is None

    assert _actions(db) == [
        "user_created",
        *["sign_in_failed"] * 5,
        "account_locked",
        "sign_in_refused_locked",
        "sign_in",
    ]


def test_lock_time_is_shown_rounded_up_to_the_minute(db: Database, clock: FixedClock) -> None:
    _add(db, clock)
    clock.advance(timedelta(seconds=20))  # 09:00:20 → locked until 09:05:20, shown 09:06
    for _ in range(5):
        result = _sign_in(db, clock, "an", "sai")
    assert "khóa đến 09:06" in result.refusal


def test_failures_after_an_expired_lock_count_from_zero(db: Database, clock: FixedClock) -> None:
    _add(db, clock)
    for _ in range(5):
        _sign_in(db, clock, "an", "sai")
    clock.advance(timedelta(minutes=6))
    result = _sign_in(db, clock, "an", "sai")
    assert "Còn 4 lần thử" in result.refusal


def test_unknown_user_is_refused_and_audited_without_a_user(db: Database, clock: FixedClock) -> None:
    result = _sign_in(db, clock, "ai-do", "whatever1")
    assert result.refusal == "Tên đăng nhập hoặc mật khẩu không đúng."
    with db.read() as session:
        last = audit.history(session)[-1]
    assert (last.action, last.user_id, last.detail) == (
        "sign_in_failed",
        None,
        {"username": "ai-do", "reason": "unknown_user"},
    )


def test_rehash_on_login_when_the_cost_changes(db: Database, clock: FixedClock) -> None:
    created = _add(db, clock)
    with db.read() as session:
        row = session.get(User, created.id)
        assert row is not None
        old_hash = row.password_hash
    stronger = AccountPolicy(argon2_time_cost=2, argon2_memory_kib=2048, argon2_parallelism=1)
    with db.write() as session:
        result = users.authenticate(session, clock, "an", PASSWORD, policy=stronger)
    assert result.ok
    with db.read() as session:
        row = session.get(User, created.id)
        assert row is not None
        assert row.password_hash != old_hash and "m=2048,t=2" in row.password_hash
        assert audit.history(session)[-1].detail == {"rehashed": True}
    with db.write() as session:  # the new hash verifies, and is not rehashed again
        assert users.authenticate(session, clock, "an", PASSWORD, policy=stronger).ok
    with db.read() as session:
        assert audit.history(session)[-1].detail == {"rehashed": False}


def test_first_admin(db: Database, clock: FixedClock) -> None:
    with db.read() as session:
        assert users.needs_first_admin(session)
    _add(db, clock, "clerk1", "clerk")
    with db.write() as session:
        assert users.needs_first_admin(session)
        admin = users.create_first_admin(session, clock, "admin", "Quản Trị Viên", PASSWORD, policy=FAST)
        assert admin.role == "admin"
        assert not users.needs_first_admin(session)
        with pytest.raises(UserFacingError):
            users.create_first_admin(session, clock, "admin2", "Người Khác", PASSWORD, policy=FAST)
    assert "first_admin_created" in _actions(db)


def test_change_password_own_and_reset_by_admin(db: Database, clock: FixedClock) -> None:
    admin = _add(db, clock, "admin", "admin")
    clerk = _add(db, clock, "an", "clerk")
    with db.write() as session, pytest.raises(FieldErrors) as caught:
        users.change_password(session, clock, clerk.id, "x", by=clerk.id, old_password="sai", policy=FAST)
    assert set(caught.value.errors) == {"old_password", "password"}
    with db.write() as session:
        users.change_password(
            session, clock, clerk.id, "mat-khau-moi", by=clerk.id, old_password=PASSWORD, policy=FAST
        )
    assert _sign_in(db, clock, "an", "mat-khau-moi").ok

    for _ in range(5):
        _sign_in(db, clock, "an", "sai")
    with db.write() as session:  # a reset by an administrator also lifts the lock
        users.change_password(session, clock, clerk.id, "dat-lai-123", by=admin.id, policy=FAST)
    assert _sign_in(db, clock, "an", "dat-lai-123").ok
    with db.write() as session, pytest.raises(UserFacingError):  # a clerk cannot reset someone else's
        users.change_password(session, clock, admin.id, "chiem-quyen", by=clerk.id, policy=FAST)
    with db.read() as session:
        resets = [e.detail for e in audit.history(session) if e.action == "password_changed"]
    assert resets == [{"reset_by_admin": False}, {"reset_by_admin": True}]


def test_set_role_and_deactivate_are_admin_only_and_keep_one_admin(db: Database, clock: FixedClock) -> None:
    admin = _add(db, clock, "admin", "admin")
    clerk = _add(db, clock, "an", "clerk")
    with db.write() as session:
        with pytest.raises(UserFacingError):
            users.set_role(session, clock, clerk.id, "admin", by=clerk.id)
        with pytest.raises(UserFacingError):
            users.set_role(session, clock, admin.id, "clerk", by=admin.id)  # the last admin
        with pytest.raises(UserFacingError):
            users.deactivate(session, clock, admin.id, by=admin.id)
        users.set_role(session, clock, clerk.id, "supervisor", by=admin.id)
        users.deactivate(session, clock, clerk.id, by=admin.id)
    with db.read() as session:
        row = session.get(User, clerk.id)
        assert row is not None and row.role == "supervisor" and not row.active
        changes = [(e.action, e.detail) for e in audit.history(session, "user", clerk.id)]
    assert ("role_changed", {"from": "clerk", "to": "supervisor"}) in changes
    assert changes[-1][0] == "user_deactivated"

    refused = _sign_in(db, clock, "an", PASSWORD)
    assert "ngừng hoạt động" in refused.refusal
    with db.write() as session:
        users.reactivate(session, clock, clerk.id, by=admin.id)
    assert _sign_in(db, clock, "an", PASSWORD).ok


def test_system_user_cannot_sign_in(db: Database, clock: FixedClock) -> None:
    with db.write() as session:
        system = users.ensure_system_user(session, clock, "cli", "Dòng lệnh")
        again = users.ensure_system_user(session, clock, "cli", "Dòng lệnh")
    assert system.id == again.id and system.role == "clerk"
    assert not _sign_in(db, clock, "cli", "").ok
    assert not _sign_in(db, clock, "cli", users.UNUSABLE_PASSWORD).ok


def test_list_users_never_exposes_hashes(db: Database, clock: FixedClock) -> None:
    _add(db, clock, "binh")
    _add(db, clock, "an")
    with db.read() as session:
        listed = users.list_users(session)
    assert [u.username for u in listed] == ["an", "binh"]
    assert not hasattr(listed[0], "password_hash")
