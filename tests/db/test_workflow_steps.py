"""Refusal after intake, the department of a transfer, and a supervisor approving a second extension."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import Desk
from sqlalchemy import func, select

from counter_app.clock import utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import users, workflow
from counter_app.storage.models import AuditEntry, Dossier, DossierEvent, OutboxEntry, User

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
TU_PHAP = "Công chức Tư pháp - Hộ tịch"


def _go(desk: Desk, code: str, to: str, **kw: object) -> workflow.TransitionResult:
    desk.clock.advance(timedelta(minutes=10))
    with desk.db.write() as session:
        return workflow.transition(session, desk.clock, code, to, desk.clerk_id, **kw)  # type: ignore[arg-type]


def _state(desk: Desk, code: str) -> tuple[object, ...]:
    with desk.db.read() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        assert row is not None
        counts = tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (DossierEvent, AuditEntry, OutboxEntry)
        )
        return (row.status, row.version, row.appointment_at, counts)


def _payload(desk: Desk, code: str, kind: str) -> dict[str, object]:
    with desk.db.read() as session:
        raw = session.scalars(
            select(DossierEvent.payload)
            .join(Dossier, Dossier.id == DossierEvent.dossier_id)
            .where(Dossier.code == code, DossierEvent.kind == kind)
            .order_by(DossierEvent.seq)
        ).all()
    assert raw, kind
    loaded: dict[str, object] = json.loads(raw[-1])
    return loaded


def test_refusal_after_processing_needs_a_reason_and_ends_in_status_3(desk: Desk) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _go(desk, code, "processing")
    before = _state(desk, code)
    with pytest.raises(FieldErrors) as caught:
        _go(desk, code, "refused", reason="   ")
    assert caught.value.errors == {"reason": "Hãy ghi lý do từ chối giải quyết (ghi trên Mẫu 03)"}
    assert _state(desk, code) == before

    reason = "Người yêu cầu đã đăng ký kết hôn tại nơi khác; không thuộc thẩm quyền của xã"
    result = _go(desk, code, "refused", reason=reason)
    assert (result.status_from, result.status_to) == (4, 3)
    assert _payload(desk, code, "refused") == {"reason": reason}
    with desk.db.read() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "dossier_refused")).one()
        assert reason in audit.detail
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == before[3][2] + 1  # type: ignore[index]
        timeline = workflow.dossier_timeline(session, code)
    assert timeline[-1].label == "Từ chối giải quyết hồ sơ (Mẫu 03)"
    assert timeline[-1].status_to_name == "Không được tiếp nhận"
    assert workflow.allowed_actions(3) == []  # the end of the road: nothing moves it any more


def test_refusal_from_a_finished_dossier_is_refused_with_a_message(desk: Desk) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _go(desk, code, "processing")
    _go(desk, code, "result_ready")
    before = _state(desk, code)
    with pytest.raises(UserFacingError) as caught:
        _go(desk, code, "refused", reason="Không đủ điều kiện")
    assert caught.value.message == (
        "Hồ sơ đang ở trạng thái «Đã xử lý xong»; không thể chuyển sang «Từ chối giải quyết (Không được tiếp nhận)»."
    )
    assert _state(desk, code) == before


def test_refusal_is_allowed_while_waiting_for_a_supplement(desk: Desk) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _go(desk, code, "processing")
    _go(desk, code, "supplement_requested", reason="Thiếu giấy tờ", missing=["Giấy khai sinh"])
    assert "refused" in workflow.allowed_actions(5)
    assert _go(desk, code, "refused", reason="Quá hạn bổ sung 7 ngày làm việc").status_to == 3


def test_a_transfer_records_where_the_dossier_goes(desk: Desk) -> None:
    first = desk.register(appointment=APPOINTMENT)
    second = desk.register("Trần Văn Bảo", appointment=APPOINTMENT, id_number="008186001299")
    with desk.db.read() as session:
        procedure_id = session.scalar(select(Dossier.procedure_id).where(Dossier.code == first))
        assert procedure_id is not None
        from counter_app.services.departments import department_choices

        assert department_choices(session, procedure_id) == ["UBND cấp xã"]  # only the catalogue knows
    _go(desk, first, "processing", department=f"  {TU_PHAP} ")
    assert _payload(desk, first, "processing") == {"department": TU_PHAP}
    with desk.db.read() as session:
        assert department_choices(session, procedure_id) == [TU_PHAP, "UBND cấp xã"]
    _go(desk, second, "processing")  # nothing chosen: the last department used for the procedure
    assert _payload(desk, second, "processing") == {"department": TU_PHAP}


def _supervisor(desk: Desk, role: str = "supervisor", username: str = "binh") -> str:
    with desk.db.write() as session:
        return users.create_user(
            session, desk.clock, username, "Lê Văn Bình", role, "mat-khau-lanh-dao", policy=FAST
        ).id


def _extend(desk: Desk, code: str, new: datetime, **kw: object) -> workflow.TransitionResult:
    return _go(desk, code, "extended", reason="Cần xác minh thêm", new_appointment_local=new, **kw)


def test_a_second_extension_needs_a_supervisor_password(desk: Desk) -> None:
    boss = _supervisor(desk)
    code = desk.register(appointment=APPOINTMENT)
    _extend(desk, code, datetime(2026, 1, 9, 9, 0))
    before = _state(desk, code)
    with pytest.raises(UserFacingError, match="hẹn lại lần nữa cần lãnh đạo"):
        _extend(desk, code, datetime(2026, 1, 12, 9, 0))
    assert _state(desk, code) == before

    # A wrong password is refused, and the failure stays on record after the commit (it counts to the lock).
    with desk.db.write() as session:
        approver, refusal = workflow.check_override(session, desk.clock, "binh", "sai-mat-khau", policy=FAST)
    assert approver is None and refusal.startswith(
        "Lãnh đạo phê duyệt: Tên đăng nhập hoặc mật khẩu không đúng"
    )
    with desk.db.read() as session:
        assert session.get(User, boss).failed_count == 1  # type: ignore[union-attr]
    # A clerk's own account cannot approve.
    with desk.db.write() as session:
        approver, refusal = workflow.check_override(session, desk.clock, "ung", "mat-khau-123", policy=FAST)
    assert approver is None and "không có quyền phê duyệt" in refusal
    with desk.db.write() as session:
        approver, refusal = workflow.check_override(session, desk.clock, "", "", policy=FAST)
    assert approver is None and refusal.startswith("Hãy nhập tên đăng nhập và mật khẩu")

    with desk.db.write() as session:
        approver, refusal = workflow.check_override(
            session, desk.clock, "BINH", "mat-khau-lanh-dao", policy=FAST
        )
    assert (approver, refusal) == (boss, "")
    result = _extend(desk, code, datetime(2026, 1, 12, 9, 0), override_by=approver)
    assert result.appointment_local == datetime(2026, 1, 12, 9, 0)
    payload = _payload(desk, code, "extended")
    assert payload["number"] == 2 and payload["override_by"] == boss
    assert payload["override_by_name"] == "Lê Văn Bình"
    with desk.db.read() as session:
        confirmed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "identity_confirmed", AuditEntry.user_id == boss)
        ).all()
        assert len(confirmed) == 1 and "extension_override" in confirmed[0].detail
        assert not session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sign_in", AuditEntry.user_id == boss)
        ).all()
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        assert row is not None and utc_to_local(row.appointment_at) == datetime(2026, 1, 12, 9, 0)  # type: ignore[arg-type]
