"""Counters (one-time enrolment codes, bearer tokens, slots) and department users (argon2id passwords)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update

from central_server import db, schema
from central_server.migrations import now_iso
from central_server.problems import ApiError, unauthorised
from counter_app.sync import protocol as p

ENROL_CODE_DAYS: Final = 7
SLOTS: Final = range(1, 10)
ROLES: Final = ("officer", "head", "admin")
_AGENCY = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,63}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()  # argon2id with the library's current defaults


def sha256_hex(text: str) -> str:
    """sha256 of the UTF-8 text, hex. Enough for random 256-bit tokens and 80-bit one-time codes: they
    cannot be guessed, so a slow password hash would add cost without adding safety."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _new_enrol_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")  # 80 bits, 16 characters
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _user_error(detail: str) -> ApiError:
    return ApiError(400, p.ERR_BAD_REQUEST, detail)


# -- counters ------------------------------------------------------------------------------------------


def create_counter(
    engine: Engine,
    agency_code: str,
    name: str,
    *,
    agency_name: str = "",
    slot: int | None = None,
    replace: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Register a counter and return (its row, the one-time enrolment code, valid ENROL_CODE_DAYS days).

    Slots 1..9 per agency are never silently reused: a new counter takes a slot no counter ever held;
    an explicit `slot` may reuse a revoked counter's slot; `replace` revokes a counter and takes its slot.
    """
    agency_code = agency_code.strip()
    name = name.strip()
    if not _AGENCY.match(agency_code):
        raise _user_error(f"Mã cơ quan «{agency_code}» không hợp lệ (chữ, số, dấu chấm, gạch ngang).")
    if not name:
        raise _user_error("Cần nhập tên quầy (--name).")
    with db.write(engine) as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(schema.counters))]
        agency_rows = [r for r in rows if r["agency_code"] == agency_code]
        if replace is not None:
            old = next((r for r in rows if r["id"] == replace), None)
            if old is None:
                raise _user_error(f"Không có quầy mã {replace}.")
            if old["agency_code"] != agency_code:
                raise _user_error(
                    f"Quầy {replace} thuộc cơ quan {old['agency_code']}, không phải {agency_code}."
                )
            if slot is not None and slot != old["slot"]:
                raise _user_error("--replace nhận slot của quầy cũ; không dùng cùng --slot khác.")
            slot = int(old["slot"])
            if old["revoked_at"] is None:
                conn.execute(
                    update(schema.counters)
                    .where(schema.counters.c.id == replace)
                    .values(revoked_at=now_iso())
                )
        elif slot is not None:
            if slot not in SLOTS:
                raise _user_error("Slot phải từ 1 đến 9.")
            holder = next((r for r in agency_rows if r["slot"] == slot and r["revoked_at"] is None), None)
            if holder is not None:
                raise _user_error(
                    f"Slot {slot} đang thuộc quầy «{holder['name']}» ({holder['id']}). "
                    f"Thu hồi quầy đó trước, hoặc dùng --replace {holder['id']}."
                )
        else:
            used = {r["slot"] for r in agency_rows}
            free = [s for s in SLOTS if s not in used]
            if not free:
                raise _user_error(
                    f"Cơ quan {agency_code} đã dùng hết 9 slot. Dùng --replace MÃ_QUẦY để thay một quầy, "
                    "hoặc --slot N để dùng lại slot của một quầy đã thu hồi."
                )
            slot = free[0]
        if not agency_name:
            agency_name = next((r["agency_name"] for r in agency_rows if r["agency_name"]), "")
        code = _new_enrol_code()
        row: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "agency_code": agency_code,
            "agency_name": agency_name.strip(),
            "name": name,
            "slot": slot,
            "enrol_code_hash": sha256_hex(_normalise_code(code)),
            "enrol_expires_at": (datetime.now(UTC) + timedelta(days=ENROL_CODE_DAYS)).isoformat(
                timespec="seconds"
            ),
            "file_key": secrets.token_hex(32),
            "created_at": now_iso(),
            "replaces": replace,
        }
        conn.execute(insert(schema.counters).values(**row))
    return row, code


def revoke_counter(engine: Engine, counter_id: str) -> None:
    """Revoke a counter: its token stops working at once (403 counter_revoked), its code too."""
    with db.write(engine) as conn:
        found = conn.execute(
            select(schema.counters.c.revoked_at).where(schema.counters.c.id == counter_id)
        ).first()
        if found is None:
            raise _user_error(f"Không có quầy mã {counter_id}.")
        if found.revoked_at is None:
            conn.execute(
                update(schema.counters).where(schema.counters.c.id == counter_id).values(revoked_at=now_iso())
            )


def list_counters(engine: Engine) -> list[dict[str, Any]]:
    """Every counter, without secrets, with its state (pending / enrolled / revoked)."""
    c = schema.counters.c
    with db.read(engine) as conn:
        rows = conn.execute(
            select(
                c.id,
                c.agency_code,
                c.agency_name,
                c.name,
                c.slot,
                c.created_at,
                c.enrolled_at,
                c.revoked_at,
                c.hostname,
                c.app_version,
                c.last_push_at,
                c.last_pull_at,
                c.audit_last_id,
                c.audit_head_hash,
                c.replaces,
            ).order_by(c.agency_code, c.slot, c.created_at)
        )
        out = [dict(r._mapping) for r in rows]
    for r in out:
        r["state"] = "revoked" if r["revoked_at"] else "enrolled" if r["enrolled_at"] else "pending"
    return out


def high_water(conn: Connection, agency_code: str, slot: int) -> tuple[p.SlotHighWater, ...]:
    """Per day, the highest number the server holds in this agency's slot."""
    d = schema.dossiers.c
    rows = conn.execute(
        select(d.code_day, func.max(d.code_number))
        .where(d.agency_code == agency_code, d.slot == slot)
        .group_by(d.code_day)
        .order_by(d.code_day)
    )
    return tuple(p.SlotHighWater(str(day), int(n)) for day, n in rows)


def server_epoch(conn: Connection) -> tuple[str, int]:
    """(epoch, last_seq) as committed."""
    row = conn.execute(select(schema.server_meta.c.epoch, schema.server_meta.c.last_seq)).one()
    return str(row.epoch), int(row.last_seq)


def enrol(engine: Engine, req: p.EnrolRequest) -> p.EnrolResponse:
    """Exchange a one-time code for a token (single use, expires, refused for a revoked counter)."""
    if not p.PROTOCOL_MIN <= req.protocol <= p.PROTOCOL_MAX:
        raise ApiError(426, p.ERR_PROTOCOL, "Phiên bản giao thức không được hỗ trợ; hãy cập nhật phần mềm.")
    c = schema.counters.c
    code_hash = sha256_hex(_normalise_code(req.code))
    invalid = ApiError(400, p.ERR_ENROL_CODE, "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn.")
    with db.write(engine) as conn:
        row = conn.execute(select(schema.counters).where(c.enrol_code_hash == code_hash)).first()
        if row is None:
            raise invalid
        if row.revoked_at is not None:
            raise ApiError(403, p.ERR_REVOKED, "Quầy này đã bị thu hồi; liên hệ quản trị máy chủ.")
        if row.enrol_expires_at is None or datetime.fromisoformat(row.enrol_expires_at) < datetime.now(UTC):
            raise invalid
        token = secrets.token_urlsafe(32)  # 256 random bits
        done = conn.execute(
            update(schema.counters)
            .where(c.id == row.id, c.enrol_code_hash == code_hash)
            .values(
                enrol_code_hash=None,
                enrol_expires_at=None,
                token_hash=sha256_hex(token),
                enrolled_at=now_iso(),
                counter_uuid=req.counter_uuid[:64],
                hostname=req.hostname[:255],
                app_version=req.app_version[:64],
            )
        )
        if done.rowcount != 1:
            raise invalid
        epoch, _ = server_epoch(conn)
        marks = high_water(conn, row.agency_code, row.slot)
    return p.EnrolResponse(
        counter_id=row.id,
        token=token,
        file_key=row.file_key,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        counter_name=row.name,
        slot=row.slot,
        server_epoch=epoch,
        server_time=now_iso(),
        high_water=marks,
    )


def counter_for_token(conn: Connection, authorization: str | None) -> Mapping[str, Any]:
    """The counter of a `Bearer <token>` header: 401 if unknown, 403 counter_revoked if revoked."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise unauthorised("Thiếu mã truy cập (Authorization: Bearer).")
    token = authorization[7:].strip()
    row = conn.execute(
        select(schema.counters).where(schema.counters.c.token_hash == sha256_hex(token))
    ).first()
    if row is None:
        raise unauthorised("Mã truy cập không đúng; quầy cần đăng ký lại.")
    if row.revoked_at is not None:
        raise ApiError(403, p.ERR_REVOKED, "Quầy này đã bị thu hồi; dừng đồng bộ và báo quản trị.")
    return dict(row._mapping)


# -- department users -----------------------------------------------------------------------------------


def add_user(
    engine: Engine, username: str, role: str, agency_code: str, full_name: str, password: str
) -> None:
    """Create a department user (password hashed with argon2id)."""
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise _user_error("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch (2–64 ký tự).")
    if role not in ROLES:
        raise _user_error(f"Vai trò phải là một trong: {', '.join(ROLES)}.")
    if not _AGENCY.match(agency_code.strip()):
        raise _user_error(f"Mã cơ quan «{agency_code}» không hợp lệ.")
    if len(password) < 8:
        raise _user_error("Mật khẩu cần ít nhất 8 ký tự.")
    if not full_name.strip():
        raise _user_error("Cần nhập họ tên (--full-name).")
    with db.write(engine) as conn:
        exists = conn.execute(
            select(schema.dept_users.c.username).where(schema.dept_users.c.username == username)
        ).first()
        if exists:
            raise _user_error(f"Tên đăng nhập «{username}» đã có.")
        conn.execute(
            insert(schema.dept_users).values(
                username=username,
                full_name=full_name.strip(),
                password_hash=_hasher.hash(password),
                role=role,
                agency_code=agency_code.strip(),
                active=True,
                created_at=now_iso(),
            )
        )


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Department users without their password hashes."""
    u = schema.dept_users.c
    with db.read(engine) as conn:
        rows = conn.execute(
            select(u.username, u.full_name, u.role, u.agency_code, u.active, u.created_at).order_by(
                u.username
            )
        )
        return [dict(r._mapping) for r in rows]


def set_user_active(engine: Engine, username: str, active: bool) -> None:
    """Disable (or re-enable) a department user."""
    with db.write(engine) as conn:
        done = conn.execute(
            update(schema.dept_users)
            .where(schema.dept_users.c.username == username.strip().lower())
            .values(active=active)
        )
        if done.rowcount != 1:
            raise _user_error(f"Không có người dùng «{username}».")


# A verified (user, password) is remembered for a few minutes so a browser page does not pay argon2
# on every request; the cache key is a keyed hash, never the password.
_VERIFIED: dict[str, float] = {}
_VERIFIED_TTL_S = 300.0
_CACHE_KEY = secrets.token_bytes(32)


def verify_user(conn: Connection, username: str, password: str) -> Mapping[str, Any] | None:
    """The active user with this password, or None."""
    row = conn.execute(
        select(schema.dept_users).where(schema.dept_users.c.username == username.strip().lower())
    ).first()
    if row is None or not row.active:
        return None
    key = hmac.new(
        _CACHE_KEY, f"{row.username}\0{row.password_hash}\0{password}".encode(), "sha256"
    ).hexdigest()
    now = time.monotonic()
    if _VERIFIED.get(key, 0.0) > now:
        return dict(row._mapping)
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if len(_VERIFIED) > 1000:
        _VERIFIED.clear()
    _VERIFIED[key] = now + _VERIFIED_TTL_S
    return dict(row._mapping)


def get_user(conn: Connection, username: str) -> Mapping[str, Any] | None:
    """A department user by name (active or not)."""
    row = conn.execute(
        select(schema.dept_users).where(schema.dept_users.c.username == username.strip().lower())
    ).first()
    return None if row is None else dict(row._mapping)
