"""A clerk's receipt reprint needs a supervisor, except once right after the clerk's own first print."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from counter_app import settings
from counter_app.services import forms, reprints, users
from counter_app.services.forms import PrintedForm
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry, DossierEvent, OutboxEntry
from tests.conftest import Desk

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
REASON = "Máy in kẹt giấy"


def _user(desk: Desk, username: str, role: str) -> str:
    with desk.db.write() as session:  # type: ignore[attr-defined]
        return users.create_user(
            session, desk.clock, username, username.title(), role, "mat-khau-123", policy=FAST
        ).id


def _print(desk: Desk, code: str, user_id: str, reason: str | None = None) -> PrintedForm:
    with desk.db.write() as session:  # type: ignore[attr-defined]
        return forms.print_receipt(session, desk.clock, code, user_id, reprint_reason=reason)


def _written(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(DossierEvent)) or 0),
            int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
            int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0),
        )


def test_the_clerk_may_reprint_once_right_after_a_jam_and_no_more(desk: Desk, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _print(desk, code, desk.clerk_id)
    desk.clock.advance(timedelta(minutes=3))
    assert _print(desk, code, desk.clerk_id, REASON).reprint
    before = _written(db)
    with pytest.raises(ReprintNeedsApproval) as refused:
        _print(desk, code, desk.clerk_id, "Lần nữa")
    assert refused.value.code == code
    assert refused.value.message == f"In lại giấy tiếp nhận của hồ sơ {code} cần lãnh đạo duyệt."
    assert _written(db) == before  # nothing recorded, nothing queued


def test_after_the_grace_or_by_another_clerk_a_reprint_needs_approval(desk: Desk, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    other = _user(desk, "khac", "clerk")
    _print(desk, code, desk.clerk_id)
    with pytest.raises(ReprintNeedsApproval):
        _print(desk, code, other, REASON)  # not the clerk who printed it
    desk.clock.advance(timedelta(minutes=11))
    before = _written(db)
    with pytest.raises(ReprintNeedsApproval):
        _print(desk, code, desk.clerk_id, REASON)  # the grace (10 minutes by default) is over
    assert _written(db) == before


def test_a_grace_of_zero_minutes_means_every_clerk_reprint_needs_approval(desk: Desk, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    admin = _user(desk, "quantri", "admin")
    with db.write() as session:
        settings.put(session, desk.clock, settings.REPRINT_GRACE_MINUTES, 0, admin)
    _print(desk, code, desk.clerk_id)
    with pytest.raises(ReprintNeedsApproval):
        _print(desk, code, desk.clerk_id, REASON)


def test_supervisors_and_admins_reprint_with_a_reason_at_any_time(desk: Desk) -> None:
    code = desk.register(appointment=APPOINTMENT)
    boss, admin = _user(desk, "lanhdao", "supervisor"), _user(desk, "quantri", "admin")
    _print(desk, code, desk.clerk_id)
    desk.clock.advance(timedelta(days=3))
    assert _print(desk, code, boss, REASON).reprint
    assert _print(desk, code, admin, REASON).reprint


def test_an_approved_request_is_how_a_clerk_gets_the_reprint(desk: Desk, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    boss = _user(desk, "lanhdao", "supervisor")
    _print(desk, code, desk.clerk_id)
    desk.clock.advance(timedelta(days=1))
    with db.write() as session:
        request_id = reprints.request_reprint(
            session, desk.clock, code, desk.clerk_id, "Công dân làm mất giấy hẹn"
        )
    with db.write() as session:
        printed = reprints.approve_reprint(session, desk.clock, request_id, boss)
    assert printed.reprint and printed.path.is_file()
    with db.write() as session:  # at the desk: the supervisor's password already checked by the caller
        again = reprints.reprint_with_approval(session, desk.clock, code, desk.clerk_id, boss, "Lần hai")
    assert again.reprint
