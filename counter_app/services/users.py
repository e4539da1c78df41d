"""Users of the counter: roles, argon2id passwords, sign-in with a temporary lock, every change audited.

Sign-in never raises for wrong credentials: `authenticate` records the failure (counter, lock, audit
row) in the caller's transaction and returns a `SignInResult`. The caller commits, then asks the
result for the user; raising inside the transaction would roll the failure counter back and make the
lock useless:

    with db.write() as session:
        result = users.authenticate(session, clock, username, password)
    user = result.user_or_raise()      # after the commit
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _
from counter_app.ids import uuid7
from counter_app.services.audit import append_audit
from counter_app.storage.models import User
from counter_app.text import nfc

ROLES = ("clerk", "supervisor", "admin")
ROLE_LABELS = {"clerk": N_("cán bộ tiếp nhận"), "supervisor": N_("giám sát"), "admin": N_("quản trị")}
# A stored hash that no password verifies: system accounts (the command line) cannot sign in.
UNUSABLE_PASSWORD = "!unusable"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


@dataclass(frozen=True)
class AccountPolicy:
    """Sign-in and password rules, declared once; the settings layer may hand in another instance."""

    max_failures: int = 5
    lock_minutes: int = 5
    min_password_length: int = 8
    # argon2id cost (RFC 9106 "low memory" profile, the argon2-cffi default). Raising it makes the
    # next successful sign-in of each user re-hash the password with the new cost.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4


ACCOUNT_POLICY = AccountPolicy()


@functools.lru_cache(maxsize=8)
def _hasher(policy: AccountPolicy) -> PasswordHasher:
    return PasswordHasher(
        time_cost=policy.argon2_time_cost,
        memory_cost=policy.argon2_memory_kib,
        parallelism=policy.argon2_parallelism,
        type=Type.ID,
    )


@functools.lru_cache(maxsize=8)
def _dummy_hash(policy: AccountPolicy) -> str:
    return _hasher(policy).hash("không có tài khoản này")  # i18n: skip


@dataclass(frozen=True)
class UserDTO:
    """A user as the rest of the application sees it (never the password hash)."""

    id: str
    username: str
    full_name: str
    role: str
    active: bool
    locked_until_utc: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class SignInResult:
    """The outcome of one sign-in attempt: the user, or a Vietnamese reason for the refusal."""

    user: UserDTO | None
    refusal: str = ""
    locked_until_utc: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the user is signed in."""
        return self.user is not None

    def user_or_raise(self) -> UserDTO:
        """The signed-in user; otherwise UserFacingError with the reason. Call it after the commit."""
        if self.user is None:
            raise UserFacingError(self.refusal, field="password")
        return self.user


def _dto(user: User) -> UserDTO:
    return UserDTO(
        user.id, user.username, user.full_name, user.role, user.active, user.locked_until, user.created_at
    )


def normalise_username(text: str) -> str:
    """User names are compared in NFC lower case without surrounding spaces."""
    return nfc(text).lower()


def _password_text(password: str) -> str:
    # Vietnamese input methods may send NFD; the same password must verify whatever the keyboard.
    return unicodedata.normalize("NFC", password)


def check_password_rule(password: str, policy: AccountPolicy = ACCOUNT_POLICY) -> str | None:
    """A Vietnamese message if the password breaks the rule, else None."""
    if len(_password_text(password)) < policy.min_password_length or not password.strip():
        return _("Mật khẩu phải có ít nhất {min_password_length} ký tự").format(
            min_password_length=policy.min_password_length
        )
    return None


def check_username(username: str) -> str | None:
    """A Vietnamese message if `username` (after normalising) is not a valid user name, else None."""
    if not _USERNAME.match(normalise_username(username)):
        return _("Tên đăng nhập gồm 2–32 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới")
    return None


def _verify(policy: AccountPolicy, stored: str, password: str) -> bool:
    try:
        return _hasher(policy).verify(stored, _password_text(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _locked_message(until_utc: datetime, policy: AccountPolicy) -> str:
    # Shown rounded up to the minute, so that trying again at the time shown always works.
    local = utc_to_local(until_utc)
    seconds = local.second + local.microsecond / 1_000_000
    shown = local.replace(second=0, microsecond=0) + timedelta(minutes=math.ceil(seconds / 60))
    return _(
        "Tài khoản bị khóa đến {shown:%H:%M} do nhập sai mật khẩu {max_failures} lần. Hãy thử lại sau thời "
        "điểm đó hoặc nhờ quản trị viên đặt lại mật khẩu."
    ).format(shown=shown, max_failures=policy.max_failures)


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserFacingError(_("Không tìm thấy người dùng này."))
    return user


def require_role(session: Session, user_id: str | None, *roles: str) -> User:
    """The acting user, who must exist, be active and hold one of `roles`; else UserFacingError."""
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.active or user.role not in roles:
        names = ", ".join(_(ROLE_LABELS[r]) for r in roles)
        raise UserFacingError(_("Chỉ người dùng có vai trò {names} được làm việc này.").format(names=names))
    return user


def _active_admins(session: Session) -> int:
    count = session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    )
    return int(count or 0)


def _create(
    session: Session,
    clock: Clock,
    username: str,
    full_name: str,
    role: str,
    password_hash: str | None,
    password: str,
    *,
    by: str | None,
    action: str,
    policy: AccountPolicy,
) -> UserDTO:
    name = normalise_username(username)
    errors: dict[str, str] = {}
    username_problem = check_username(name)
    if username_problem:
        errors["username"] = username_problem
    elif session.scalar(select(User.id).where(User.username == name)) is not None:
        errors["username"] = _("Tên đăng nhập {name} đã được dùng").format(name=name)
    if not nfc(full_name):
        errors["full_name"] = _("Hãy nhập họ và tên")
    if role not in ROLES:
        errors["role"] = _(
            "Vai trò phải là clerk (cán bộ tiếp nhận), supervisor (giám sát) hoặc admin (quản trị)"
        )
    if password_hash is None:
        problem = check_password_rule(password, policy)
        if problem:
            errors["password"] = problem
    if errors:
        raise FieldErrors(errors)
    user = User(
        id=uuid7(),
        username=name,
        full_name=nfc(full_name),
        role=role,
        password_hash=password_hash or _hasher(policy).hash(_password_text(password)),
        active=True,
        failed_count=0,
        locked_until=None,
        created_at=clock.now_utc(),
    )
    session.add(user)
    session.flush()
    append_audit(session, clock, by, action, "user", user.id, {"username": name, "role": role})
    return _dto(user)


def create_user(
    session: Session,
    clock: Clock,
    username: str,
    full_name: str,
    role: str,
    password: str,
    by: str | None = None,
    *,
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> UserDTO:
    """Create an active user; FieldErrors names every invalid field.

    `by` is the administrator doing it; None means the machine's operator at the command line (who
    holds the database file anyway) and skips the role check.
    """
    if by is not None:
        require_role(session, by, "admin")
    return _create(
        session, clock, username, full_name, role, None, password, by=by, action="user_created", policy=policy
    )


def needs_first_admin(session: Session) -> bool:
    """True until an active administrator exists (the first start asks for one)."""
    return _active_admins(session) == 0


def create_first_admin(
    session: Session,
    clock: Clock,
    username: str,
    full_name: str,
    password: str,
    *,
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> UserDTO:
    """Create the first administrator; refused once an active administrator exists."""
    if not needs_first_admin(session):
        raise UserFacingError(_("Phần mềm đã có quản trị viên. Hãy đăng nhập bằng tài khoản quản trị."))
    return _create(
        session,
        clock,
        username,
        full_name,
        "admin",
        None,
        password,
        by=None,
        action="first_admin_created",
        policy=policy,
    )


def ensure_system_user(
    session: Session, clock: Clock, username: str, full_name: str, role: str = "clerk"
) -> UserDTO:
    """The account that non-interactive tools act as, created on first use with an unusable password."""
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is None:
        return _create(
            session,
            clock,
            name,
            full_name,
            role,
            UNUSABLE_PASSWORD,
            "",
            by=None,
            action="system_user_created",
            policy=ACCOUNT_POLICY,
        )
    if not user.active:
        raise UserFacingError(
            _("Tài khoản {name} đã ngừng hoạt động; hãy nhờ quản trị viên mở lại.").format(name=name)
        )
    return _dto(user)


def authenticate(
    session: Session,
    clock: Clock,
    username: str,
    password: str,
    *,
    policy: AccountPolicy = ACCOUNT_POLICY,
    purpose: str = "",
) -> SignInResult:
    """Check a sign-in and record its outcome (counters, lock, audit) in the caller's transaction.

    Never raises for wrong credentials or a locked account: the caller must commit, then call
    `user_or_raise()` (see the module docstring). `policy.max_failures` wrong passwords in a row lock
    the account for `policy.lock_minutes`; while locked even the right password is refused. A
    successful sign-in re-hashes the password if the argon2 cost in `policy` changed.

    `purpose` names a check of someone's password that is not a sign-in (e.g. "extension_override",
    a supervisor approving a second extension at the clerk's desk): failures count toward the lock
    the same way, and a success is audited as "identity_confirmed" with the purpose, not "sign_in".
    """
    now = clock.now_utc()
    name = normalise_username(username)
    user = session.scalar(select(User).where(User.username == name))
    wrong = _("Tên đăng nhập hoặc mật khẩu không đúng.")
    if user is None:
        _verify(policy, _dummy_hash(policy), password)  # same work as for a real account
        append_audit(
            session,
            clock,
            None,
            "sign_in_failed",
            "user",
            "",
            {"username": name[:64], "reason": "unknown_user"},
        )
        return SignInResult(None, wrong)
    if user.locked_until is not None and now < user.locked_until:
        append_audit(
            session,
            clock,
            user.id,
            "sign_in_refused_locked",
            "user",
            user.id,
            {"locked_until": user.locked_until},
        )
        return SignInResult(None, _locked_message(user.locked_until, policy), user.locked_until)
    if user.locked_until is not None:  # the lock has run out: start counting afresh
        user.locked_until = None
        user.failed_count = 0
    if not _verify(policy, user.password_hash, password):
        user.failed_count += 1
        append_audit(
            session, clock, user.id, "sign_in_failed", "user", user.id, {"attempt": user.failed_count}
        )
        if user.failed_count >= policy.max_failures:
            user.locked_until = now + timedelta(minutes=policy.lock_minutes)
            append_audit(
                session,
                clock,
                user.id,
                "account_locked",
                "user",
                user.id,
                {"failures": user.failed_count, "locked_until": user.locked_until},
            )
            return SignInResult(None, _locked_message(user.locked_until, policy), user.locked_until)
        left = policy.max_failures - user.failed_count
        return SignInResult(
            None,
            _("{wrong} Còn {left} lần thử trước khi tài khoản bị khóa {lock_minutes} phút.").format(
                wrong=wrong, left=left, lock_minutes=policy.lock_minutes
            ),
        )
    if not user.active:
        append_audit(session, clock, user.id, "sign_in_failed", "user", user.id, {"reason": "inactive"})
        return SignInResult(None, _("Tài khoản này đã ngừng hoạt động. Hãy liên hệ quản trị viên."))
    user.failed_count = 0
    rehashed = _hasher(policy).check_needs_rehash(user.password_hash)
    if rehashed:
        user.password_hash = _hasher(policy).hash(_password_text(password))
    if purpose:
        detail = {"purpose": purpose, "rehashed": rehashed}
        append_audit(session, clock, user.id, "identity_confirmed", "user", user.id, detail)
    else:
        append_audit(session, clock, user.id, "sign_in", "user", user.id, {"rehashed": rehashed})
    return SignInResult(_dto(user))


def change_password(
    session: Session,
    clock: Clock,
    user_id: str,
    new_password: str,
    *,
    by: str,
    old_password: str | None = None,
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> None:
    """Change a password: users change their own with the old one; an administrator resets anyone's.

    A reset also clears the failure counter and any lock.
    """
    target = _user(session, user_id)
    errors: dict[str, str] = {}
    if by == user_id:
        if old_password is None or not _verify(policy, target.password_hash, old_password):
            errors["old_password"] = _("Mật khẩu hiện tại không đúng")
    else:
        require_role(session, by, "admin")
    problem = check_password_rule(new_password, policy)
    if problem:
        errors["password"] = problem
    if errors:
        raise FieldErrors(errors)
    target.password_hash = _hasher(policy).hash(_password_text(new_password))
    target.failed_count = 0
    target.locked_until = None
    append_audit(session, clock, by, "password_changed", "user", user_id, {"reset_by_admin": by != user_id})


def set_role(session: Session, clock: Clock, user_id: str, role: str, *, by: str) -> None:
    """Give a user another role (administrators only); the last active administrator keeps theirs."""
    require_role(session, by, "admin")
    if role not in ROLES:
        raise FieldErrors({"role": _("Vai trò phải là clerk, supervisor hoặc admin")})
    target = _user(session, user_id)
    if target.role == role:
        return
    if target.role == "admin" and target.active and _active_admins(session) <= 1:
        raise UserFacingError(
            _("Không thể bỏ quyền của quản trị viên cuối cùng. Hãy tạo quản trị viên khác trước.")
        )
    previous = target.role
    target.role = role
    append_audit(session, clock, by, "role_changed", "user", user_id, {"from": previous, "to": role})


def deactivate(session: Session, clock: Clock, user_id: str, *, by: str) -> None:
    """Stop a user from signing in (users are never deleted: the history names them)."""
    require_role(session, by, "admin")
    target = _user(session, user_id)
    if not target.active:
        return
    if target.role == "admin" and _active_admins(session) <= 1:
        raise UserFacingError(_("Không thể khóa quản trị viên cuối cùng. Hãy tạo quản trị viên khác trước."))
    target.active = False
    append_audit(session, clock, by, "user_deactivated", "user", user_id, {"username": target.username})


def reactivate(session: Session, clock: Clock, user_id: str, *, by: str) -> None:
    """Let a deactivated user sign in again."""
    require_role(session, by, "admin")
    target = _user(session, user_id)
    if target.active:
        return
    target.active = True
    target.failed_count = 0
    target.locked_until = None
    append_audit(session, clock, by, "user_reactivated", "user", user_id, {"username": target.username})


def get_user(session: Session, user_id: str) -> UserDTO:
    """One user by id."""
    return _dto(_user(session, user_id))


def list_users(session: Session) -> list[UserDTO]:
    """Every user, by user name."""
    return [_dto(u) for u in session.scalars(select(User).order_by(User.username))]
