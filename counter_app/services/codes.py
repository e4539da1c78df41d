"""Dossier codes (mã hồ sơ) `<agency>-<yyMMdd>-<NNNN>`: daily numbers per counter slot, never reused.

NNNN = slot * 1000 + n with n = 1..999 per (agency, day, slot). The number is taken in the caller's
transaction, the same one that inserts the dossier: the writer's BEGIN IMMEDIATE serialises it against
every other writer, and a rolled-back registration gives its number back.

Clock guard: `code_high_water` keeps, per agency, the latest date a code was issued for. A code is
never issued for an earlier date, so a PC whose clock went backwards (a flat CMOS battery, a wrong
manual change) stops with a message instead of printing receipts with a wrong date.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import rawsql
from counter_app.services.audit import append_audit
from counter_app.services.users import require_role
from counter_app.storage.models import CodeHighWater, CodeSequence, Setting

MAX_PER_DAY = 999
CODE_PATTERN = re.compile(r"^(?P<agency>[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)-(?P<day>\d{6})-(?P<number>\d{4})$")

_NEXT_NUMBER_SQL = (
    "INSERT INTO code_sequences (agency_code, day, slot, last_number) VALUES (:agency, :day, :slot, 1) "
    "ON CONFLICT (agency_code, day, slot) DO UPDATE SET last_number = last_number + 1 "
    "RETURNING last_number"
)
_NEXT_NUMBER = text(_NEXT_NUMBER_SQL)
# What `take_dossier_code` checks, in one statement: the hold, the clock guard, the day's last number.
_CODE_STATE_SQL = (
    "SELECT (SELECT value FROM settings WHERE key = :hold), "
    "(SELECT last_day FROM code_high_water WHERE agency_code = :agency), "
    "(SELECT last_number FROM code_sequences WHERE agency_code = :agency AND day = :day AND slot = :slot)"
)
_GUARD_INSERT_SQL = "INSERT INTO code_high_water (agency_code, last_day, updated_at) VALUES (?, ?, ?)"
_GUARD_UPDATE_SQL = "UPDATE code_high_water SET last_day = ?, updated_at = ? WHERE agency_code = ?"


def format_code(agency_code: str, day: date, slot: int, n: int) -> str:
    """The printed code of the n-th dossier of `day` at counter slot `slot`."""
    return f"{agency_code}-{day:%y%m%d}-{slot * 1000 + n:04d}"


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# Code issuing on hold (after a restore from a backup): the reason shown to the clerk, or no row at all.
# Internal state, not an admin setting: it is set by a restore and lifted by a sync or an admin's release.
HOLD_KEY = "codes.hold"


def code_hold(session: Session) -> str:
    """Why new codes may not be issued now ("" when they may)."""
    raw = session.scalar(select(Setting.value).where(Setting.key == HOLD_KEY))
    return str(json.loads(raw)) if raw else ""


def hold_codes(session: Session, clock: Clock, reason: str, by_user_id: str | None) -> None:
    """Stop issuing codes until `release_hold` (audited). Used right after a restore."""
    row = session.get(Setting, HOLD_KEY)
    value = json.dumps(reason, ensure_ascii=False)
    if row is None:
        session.add(Setting(key=HOLD_KEY, value=value, updated_at=clock.now_utc()))
    else:
        row.value, row.updated_at = value, clock.now_utc()
    session.flush()
    append_audit(session, clock, by_user_id, "codes_held", "agency", "", {"reason": reason})


def release_hold(
    session: Session, clock: Clock, by_user_id: str | None, how: str, detail: dict[str, object]
) -> bool:
    """Lift the hold (audited with how it was made safe); False if there was none."""
    row = session.get(Setting, HOLD_KEY)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    append_audit(session, clock, by_user_id, "codes_released", "agency", "", {"how": how, **detail})
    return True


def check_date_guard(session: Session, clock: Clock, agency_code: str, received_local_date: date) -> None:
    """Raise a UserFacingError if a code dated `received_local_date` must not be issued now."""
    _checked_guard(session, clock, agency_code, received_local_date)


def _checked_guard(
    session: Session, clock: Clock, agency_code: str, received_local_date: date
) -> CodeHighWater | None:
    today = utc_to_local(clock.now_utc()).date()
    guard = session.get(CodeHighWater, agency_code)
    _refuse_date(today, guard.last_day if guard is not None else None, received_local_date)
    return guard


def issue_dossier_code(
    session: Session, clock: Clock, agency_code: str, slot: int, received_local_date: date
) -> str:
    """Take the next code for `received_local_date` in the caller's transaction.

    Raises UserFacingError when the clock guard refuses the date or when the 999 numbers of the day
    are used up. Must run in a writing transaction (BEGIN IMMEDIATE), like the dossier insert.
    """
    _refuse_bad_slot(agency_code, slot)
    hold = code_hold(session)
    if hold:
        raise UserFacingError(hold)
    guard = _checked_guard(session, clock, agency_code, received_local_date)
    day = received_local_date.isoformat()
    used = session.scalar(
        select(CodeSequence.last_number).where(
            CodeSequence.agency_code == agency_code, CodeSequence.day == day, CodeSequence.slot == slot
        )
    )
    _refuse_full(used, received_local_date)
    number = int(
        session.execute(_NEXT_NUMBER, {"agency": agency_code, "day": day, "slot": slot}).scalar_one()
    )
    _raise_guard(session, clock, agency_code, received_local_date, guard)
    return format_code(agency_code, received_local_date, slot, number)


def _refuse_date(today: date, last_day: date | None, received_local_date: date) -> None:
    """The clock guard: UserFacingError unless a code dated `received_local_date` may be issued today."""
    if last_day is not None and today < last_day:
        raise UserFacingError(
            _(
                "Đồng hồ máy tính đang chỉ ngày {day}, sớm hơn ngày {day2} của mã hồ sơ đã cấp gần nhất. "
                "Hãy kiểm tra và chỉnh lại ngày giờ của máy tính rồi thử lại."
            ).format(day=_d(today), day2=_d(last_day))
        )
    if received_local_date > today:
        raise UserFacingError(
            _(
                "Ngày tiếp nhận {day} ở sau ngày hôm nay ({day2}). Hãy kiểm tra ngày tiếp nhận và ngày giờ "
                "của máy tính."
            ).format(day=_d(received_local_date), day2=_d(today))
        )
    if last_day is not None and received_local_date < last_day:
        raise UserFacingError(
            _(
                "Không thể cấp mã hồ sơ cho ngày {day} vì đã cấp mã cho ngày {day2}. Hãy kiểm tra ngày "
                "tiếp nhận và ngày giờ của máy tính."
            ).format(day=_d(received_local_date), day2=_d(last_day))
        )


def _refuse_bad_slot(agency_code: str, slot: int) -> None:
    if not 1 <= slot <= 9:
        raise ValueError(f"code slot must be 1..9, got {slot}")
    if not agency_code:
        raise ValueError("agency code is empty")


def _refuse_full(used: int | None, received_local_date: date) -> None:
    if used is not None and used >= MAX_PER_DAY:
        raise UserFacingError(
            _(
                "Đã cấp hết {MAX_PER_DAY} mã hồ sơ của ngày {day} cho quầy này. Hãy tiếp nhận tiếp trên "
                "quầy khác hoặc liên hệ quản trị để được cấp thêm số quầy."
            ).format(MAX_PER_DAY=MAX_PER_DAY, day=_d(received_local_date))
        )


def take_dossier_code(
    conn: sqlite3.Connection, clock: Clock, agency_code: str, slot: int, received_local_date: date
) -> str:
    """`issue_dossier_code` on the DB-API connection of the caller's writing transaction.

    The reception's write path (services.intake): the same checks, messages and rows, in three
    statements at most (the state, the number, and the clock guard when it moves to a new day).
    """
    _refuse_bad_slot(agency_code, slot)
    day = received_local_date.isoformat()
    params = {"hold": HOLD_KEY, "agency": agency_code, "day": day, "slot": slot}
    hold_raw, last_day_raw, used = conn.execute(_CODE_STATE_SQL, params).fetchone()
    hold = str(json.loads(hold_raw)) if hold_raw else ""
    if hold:
        raise UserFacingError(hold)
    last_day = date.fromisoformat(last_day_raw) if last_day_raw is not None else None
    _refuse_date(utc_to_local(clock.now_utc()).date(), last_day, received_local_date)
    _refuse_full(used, received_local_date)
    number = int(conn.execute(_NEXT_NUMBER_SQL, params).fetchone()[0])
    if last_day is None:
        conn.execute(_GUARD_INSERT_SQL, (agency_code, rawsql.day(received_local_date), _now(clock)))
    elif received_local_date > last_day:
        conn.execute(_GUARD_UPDATE_SQL, (rawsql.day(received_local_date), _now(clock), agency_code))
    return format_code(agency_code, received_local_date, slot, number)


def _now(clock: Clock) -> str:
    return rawsql.timestamp(clock.now_utc())


def _raise_guard(
    session: Session, clock: Clock, agency_code: str, day: date, guard: CodeHighWater | None
) -> None:
    # The caller passes the row it already holds (the identity map only keeps it while referenced).
    if guard is None:
        session.add(CodeHighWater(agency_code=agency_code, last_day=day, updated_at=clock.now_utc()))
    elif day > guard.last_day:
        guard.last_day = day
        guard.updated_at = clock.now_utc()


def raise_high_water(
    session: Session, clock: Clock, agency_code: str, slot: int, day: date, last_number: int
) -> None:
    """Make sure numbers up to `last_number` of `day` are never issued again (after a restore or sync).

    A counter restored from an old backup has forgotten the codes it issued after the backup; the
    sync (or the restore procedure) calls this with the high-water marks the central system knows.
    Never lowers anything.
    """
    if not 0 <= last_number <= MAX_PER_DAY:
        raise ValueError(f"last_number must be 0..{MAX_PER_DAY}, got {last_number}")
    previous = session.scalar(
        select(CodeSequence.last_number).where(
            CodeSequence.agency_code == agency_code,
            CodeSequence.day == day.isoformat(),
            CodeSequence.slot == slot,
        )
    )
    if previous is not None and previous >= last_number:
        return
    # Audited: the numbers skipped here have no dossier on this PC, and `verify` explains the gap by it.
    append_audit(
        session,
        clock,
        None,
        "code_high_water_raised",
        "agency",
        agency_code,
        {
            "agency_code": agency_code,
            "day": day.isoformat(),
            "slot": slot,
            "last_number": last_number,
            "previous": previous or 0,
        },
    )
    session.execute(
        text(
            "INSERT INTO code_sequences (agency_code, day, slot, last_number) VALUES (:agency, :day, "
            ":slot, :n) "
            "ON CONFLICT (agency_code, day, slot) DO UPDATE SET last_number = max(last_number, "
            "excluded.last_number)"
        ),
        {"agency": agency_code, "day": day.isoformat(), "slot": slot, "n": last_number},
    )
    _raise_guard(session, clock, agency_code, day, session.get(CodeHighWater, agency_code))


def reset_date_guard(session: Session, clock: Clock, agency_code: str, day: date, by_user_id: str) -> None:
    """Lower the clock guard to `day` (an administrator's repair after the PC clock ran ahead), audited.

    Without this, one code issued while the clock showed a future date would block every code until
    that date. Lowering the guard never makes a code reusable: daily numbers are kept per day.
    Administrators only.
    """
    require_role(session, by_user_id, "admin")
    guard = session.get(CodeHighWater, agency_code)
    if guard is None or guard.last_day <= day:
        return
    previous = guard.last_day
    guard.last_day = day
    guard.updated_at = clock.now_utc()
    append_audit(
        session,
        clock,
        by_user_id,
        "code_date_guard_reset",
        "agency",
        agency_code,
        {"from": previous.isoformat(), "to": day.isoformat()},
    )


def high_water(session: Session, agency_code: str) -> date | None:
    """The latest date a code was issued for (None before the first code)."""
    guard = session.get(CodeHighWater, agency_code)
    return guard.last_day if guard is not None else None
