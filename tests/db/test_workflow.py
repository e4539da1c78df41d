"""The status workflow: the whole life of a dossier, pauses, extensions, timeliness, refusals, history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.clock import FixedClock, local_to_utc, utc_to_local
from counter_app.deadlines import Timeliness, working_time
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import appointment, audit, intake, outbox, users, workflow
from counter_app.services.calendar_admin import counter_calendar, counter_hours
from counter_app.services.intake import DocumentLine, IntakeForm
from counter_app.storage.database import Database, raw_connect
from counter_app.storage.models import Dossier, DossierEvent, Procedure, ProcedureDocument

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIVED = datetime(2025, 3, 3, 9, 0)  # Monday, an ordinary working week
NOW_LOCAL = datetime(2025, 3, 31, 10, 0)
TABLES = ("dossiers", "dossier_events", "audit_log", "outbox")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(local_to_utc(NOW_LOCAL))


@pytest.fixture
def staff(db: Database, clock: FixedClock) -> dict[str, str]:
    with db.write() as session:
        procedure = Procedure(
            code="T.001",
            name="Thủ tục thử nghiệm ba ngày",
            name_fold="thu tuc thu nghiem ba ngay",
            field_name="Thử nghiệm",
            deadline_amount=3,
            deadline_unit="working_days",
            pause_rule="pause",
            fee_amount=50_000,
            updated_at=clock.now_utc(),
        )
        procedure.documents = [ProcedureDocument(position=1, name="Tờ khai", originals=1)]
        session.add(procedure)
        clerk = users.create_user(session, clock, "an", "Trần Thị An", "clerk", "mat-khau-123", policy=FAST)
        boss = users.create_user(
            session, clock, "binh", "Lê Văn Bình", "supervisor", "mat-khau-123", policy=FAST
        )
        return {"clerk": clerk.id, "supervisor": boss.id}


def _receive(db: Database, clock: FixedClock, clerk_id: str, received: datetime = RECEIVED) -> str:
    with db.write() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "T.001"))
        assert procedure is not None
        due = appointment.compute_appointment_for(session, procedure, received)
        form = IntakeForm(
            procedure_id=procedure.id,
            full_name="Nguyễn Văn An",
            id_number="001092012345",
            documents=(DocumentLine("Tờ khai", 1),),
        )
        registered = intake.register_dossier(session, clock, form, clerk_id, due, received_local=received)
        intake.record_print(session, clock, registered.id, clerk_id, "receipt")
        return registered.code


def _go(
    db: Database, clock: FixedClock, code: str, to: str, user: str, **kw: Any
) -> workflow.TransitionResult:
    with db.write() as session:
        return workflow.transition(session, clock, code, to, user, **kw)


def _row(db: Database, code: str) -> Dossier:
    with db.read() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        session.expunge(dossier)  # a detached copy of the row as committed
        return dossier


def _counts(db: Database) -> dict[str, int]:
    conn = raw_connect(db.path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def _snapshot(db: Database, code: str) -> tuple[Any, ...]:
    d = _row(db, code)
    return (d.status, d.version, d.appointment_at, d.finished_at, d.returned_at, _counts(db))


def test_whole_life_of_a_dossier(db: Database, clock: FixedClock, staff: dict[str, str]) -> None:
    clerk, boss = staff["clerk"], staff["supervisor"]
    code = _receive(db, clock, clerk)
    original = datetime(2025, 3, 6, 9, 0)  # 3 working days after Monday 09:00
    assert utc_to_local(_row(db, code).appointment_at or datetime.min) == original

    r = _go(db, clock, code, "processing", clerk, at_local=datetime(2025, 3, 3, 10, 0))
    assert (r.status_from, r.status_to, r.appointment_local, r.version) == (2, 4, original, 2)

    pause_start, pause_end = datetime(2025, 3, 3, 14, 0), datetime(2025, 3, 4, 15, 0)
    r = _go(
        db,
        clock,
        code,
        "supplement_requested",
        clerk,
        at_local=pause_start,
        reason="Thiếu giấy tờ",
        missing=["Bản sao giấy khai sinh", "Ảnh 4x6"],
    )
    assert (r.status_to, r.appointment_local) == (5, None)  # the clock is stopped
    assert _row(db, code).appointment_at is None

    r = _go(db, clock, code, "supplement_received", clerk, at_local=pause_end)
    with db.read() as session:
        wt = working_time(counter_calendar(session), counter_hours(session))
    paused = wt.working_seconds_between(pause_start, pause_end)
    assert paused == 9 * 3600  # Mon 14:00–17:00 and Tue 07:00–11:30, 13:30–15:00
    expected = wt.add_working_seconds(original, paused)
    assert expected == datetime(2025, 3, 7, 10, 0)
    assert (r.status_to, r.appointment_local) == (4, expected)
    row = _row(db, code)
    assert row.appointment_at == local_to_utc(expected)
    assert row.printed_appointment_at == local_to_utc(original)  # the paper promise is kept

    new1 = datetime(2025, 3, 10, 9, 0)
    r = _go(
        db,
        clock,
        code,
        "extended",
        clerk,
        at_local=datetime(2025, 3, 5, 9, 0),
        reason="Chờ ý kiến",
        new_appointment_local=new1,
    )
    assert (r.status_from, r.status_to, r.appointment_local) == (4, 4, new1)

    new2 = datetime(2025, 3, 11, 9, 0)
    before = _snapshot(db, code)
    with pytest.raises(UserFacingError, match="hẹn lại một lần"):
        _go(
            db,
            clock,
            code,
            "extended",
            clerk,
            at_local=datetime(2025, 3, 7, 9, 0),
            reason="Lần hai",
            new_appointment_local=new2,
        )
    with pytest.raises(UserFacingError, match="vai trò"):
        _go(
            db,
            clock,
            code,
            "extended",
            clerk,
            reason="Lần hai",
            new_appointment_local=new2,
            override_by=clerk,
        )
    assert _snapshot(db, code) == before
    r = _go(
        db,
        clock,
        code,
        "extended",
        clerk,
        at_local=datetime(2025, 3, 7, 9, 0),
        reason="Lần hai",
        new_appointment_local=new2,
        override_by=boss,
    )
    assert r.appointment_local == new2

    r = _go(db, clock, code, "result_ready", clerk, at_local=datetime(2025, 3, 11, 8, 0))
    assert r.status_to == 9 and _row(db, code).finished_at == local_to_utc(datetime(2025, 3, 11, 8, 0))
    r = _go(
        db,
        clock,
        code,
        "returned",
        clerk,
        at_local=datetime(2025, 3, 11, 10, 0),
        collector_name="Nguyễn Thị Bé",
        collector_id_number="001192000001",
        fee_collected=50_000,
    )
    assert (r.status_to, r.timeliness) == (10, Timeliness.DUNG_HAN)
    row = _row(db, code)
    assert (row.status, row.returned_at) == (10, local_to_utc(datetime(2025, 3, 11, 10, 0)))

    with db.read() as session:
        events = session.scalars(
            select(DossierEvent).where(DossierEvent.dossier_id == row.id).order_by(DossierEvent.seq)
        ).all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        second_ext = [e for e in events if e.kind == "extended"][-1]
        assert json.loads(second_ext.payload)["override_by"] == boss
        returned = json.loads(events[-1].payload)
        assert returned["timeliness"] == "dung_han" and returned["collector_name"] == "Nguyễn Thị Bé"
        assert returned["fee_collected"] == 50_000

        timeline = workflow.dossier_timeline(session, code)
        assert [(t.kind, t.label) for t in timeline] == [
            ("received", "Tiếp nhận hồ sơ"),
            ("receipt_printed", "In Giấy tiếp nhận và hẹn trả kết quả"),
            ("processing", "Chuyển xử lý"),
            ("supplement_requested", "Yêu cầu bổ sung giấy tờ"),
            ("supplement_received", "Nhận hồ sơ bổ sung"),
            ("extended", "Gia hạn, hẹn lại ngày trả (Mẫu 04)"),
            ("extended", "Gia hạn, hẹn lại ngày trả (Mẫu 04)"),
            ("result_ready", "Đã có kết quả"),
            ("returned", "Trả kết quả"),
        ]
        assert timeline[3].status_to_name == "Yêu cầu bổ sung giấy tờ"
        assert "Ảnh 4x6" in timeline[3].note and timeline[3].user_name == "Trần Thị An"
        assert timeline[4].step_deadline_local == expected
        assert timeline[-1].at_local == datetime(2025, 3, 11, 10, 0)

        actions = [e.action for e in audit.history(session, "dossier", row.id)]
        assert actions == [
            "dossier_received",
            "dossier_processing",
            "dossier_supplement_requested",
            "dossier_supplement_received",
            "dossier_extended",
            "dossier_extended",
            "dossier_result_ready",
            "dossier_returned",
        ]
        kinds = [json.loads(op.payload)["event"]["kind"] for op in outbox.ops_for(session, row.id)[1:]]
        assert kinds == [
            "receipt_printed",
            "processing",
            "supplement_requested",
            "supplement_received",
            "extended",
            "extended",
            "result_ready",
            "returned",
        ]
        assert audit.verify_chain(session) == []


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (datetime(2025, 3, 5, 16, 0), Timeliness.TRUOC_HAN),
        (datetime(2025, 3, 6, 16, 30), Timeliness.DUNG_HAN),  # the appointment's day, after its hour
        (datetime(2025, 3, 7, 8, 0), Timeliness.QUA_HAN),
    ],
)
def test_return_classifies_by_finish_day(
    db: Database, clock: FixedClock, staff: dict[str, str], finished: datetime, expected: Timeliness
) -> None:
    clerk = staff["clerk"]
    code = _receive(db, clock, clerk)  # appointment Thu 06/03/2025 09:00
    _go(db, clock, code, "processing", clerk, at_local=datetime(2025, 3, 3, 10, 0))
    _go(db, clock, code, "result_ready", clerk, at_local=finished)
    r = _go(db, clock, code, "returned", clerk, at_local=datetime(2025, 3, 10, 9, 0))
    assert r.timeliness is expected
    with db.read() as session:
        event = session.scalars(select(DossierEvent).order_by(DossierEvent.seq.desc())).first()
        assert event is not None
        payload = json.loads(event.payload)
    assert payload["timeliness"] == expected.value
    assert payload["collector_is_applicant"] and payload["collector_name"] == "Nguyễn Văn An"


def test_illegal_transitions_change_nothing(db: Database, clock: FixedClock, staff: dict[str, str]) -> None:
    clerk = staff["clerk"]
    code = _receive(db, clock, clerk)
    before = _snapshot(db, code)
    with pytest.raises(UserFacingError) as caught:
        _go(db, clock, code, "result_ready", clerk)
    assert caught.value.message == (
        "Hồ sơ đang ở trạng thái «Được tiếp nhận»; không thể chuyển sang «Đã xử lý xong»."
    )
    for action in ("supplement_received", "paid", "returned", "stopped", "supplement_requested"):
        with pytest.raises(UserFacingError, match="không thể chuyển"):
            _go(db, clock, code, action, clerk, reason="x", missing=["y"])
    assert _snapshot(db, code) == before

    _go(db, clock, code, "processing", clerk)
    _go(db, clock, code, "result_ready", clerk)
    _go(db, clock, code, "returned", clerk)
    before = _snapshot(db, code)
    with pytest.raises(UserFacingError) as caught:
        _go(db, clock, code, "processing", clerk)
    assert caught.value.message == (
        "Hồ sơ đang ở trạng thái «Đã trả kết quả»; không thể chuyển sang «Đang xử lý»."
    )
    with pytest.raises(UserFacingError, match="không thể chuyển sang «Gia hạn"):
        _go(db, clock, code, "extended", clerk, reason="x", new_appointment_local=datetime(2025, 4, 1, 9, 0))
    with pytest.raises(UserFacingError, match="Không có thao tác"):
        _go(db, clock, code, "archived", clerk)
    assert _snapshot(db, code) == before
    with db.read() as session:
        assert audit.verify_chain(session) == []


def test_version_time_and_field_checks(db: Database, clock: FixedClock, staff: dict[str, str]) -> None:
    clerk = staff["clerk"]
    code = _receive(db, clock, clerk)
    r = _go(db, clock, code, "processing", clerk, at_local=datetime(2025, 3, 4, 9, 0), expected_version=1)
    assert r.version == 2
    before = _snapshot(db, code)
    with pytest.raises(UserFacingError, match=r"Hồ sơ vừa được người khác cập nhật; hãy tải lại\."):
        _go(db, clock, code, "payment_requested", clerk, expected_version=1)
    with pytest.raises(UserFacingError, match="sau thời điểm hiện tại"):
        _go(db, clock, code, "payment_requested", clerk, at_local=NOW_LOCAL.replace(hour=11))
    with pytest.raises(UserFacingError, match="trước bước gần nhất"):
        _go(db, clock, code, "payment_requested", clerk, at_local=datetime(2025, 3, 4, 8, 59))
    with pytest.raises(FieldErrors) as caught:
        _go(db, clock, code, "supplement_requested", clerk)
    assert set(caught.value.errors) == {"reason", "missing"}
    with pytest.raises(FieldErrors):
        _go(db, clock, code, "withdrawn", clerk, reason="  ")
    with pytest.raises(UserFacingError, match="vai trò"):
        _go(db, clock, code, "payment_requested", "khong-co-nguoi-nay")
    assert _snapshot(db, code) == before

    r = _go(db, clock, code, "payment_requested", clerk, expected_version=2, fee_collected=120_000)
    assert (r.status_to, r.version) == (6, 3)
    assert _go(db, clock, code, "paid", clerk).status_to == 4
    assert _go(db, clock, code, "stopped", clerk, reason="Không đủ điều kiện").status_to == 8


def test_withdraw_while_waiting_for_supplement(
    db: Database, clock: FixedClock, staff: dict[str, str]
) -> None:
    clerk = staff["clerk"]
    code = _receive(db, clock, clerk)
    _go(db, clock, code, "processing", clerk)
    _go(db, clock, code, "supplement_requested", clerk, reason="Thiếu", missing=["Ảnh"])
    with pytest.raises(UserFacingError, match="không thể chuyển sang «Gia hạn"):
        _go(db, clock, code, "extended", clerk, reason="x", new_appointment_local=datetime(2025, 4, 1, 9, 0))
    r = _go(db, clock, code, "withdrawn", clerk, reason="Công dân xin rút")
    assert (r.status_from, r.status_to) == (5, 7)


def test_pause_after_an_extension_moves_the_extended_appointment(
    db: Database, clock: FixedClock, staff: dict[str, str]
) -> None:
    clerk = staff["clerk"]
    code = _receive(db, clock, clerk)
    _go(db, clock, code, "processing", clerk, at_local=datetime(2025, 3, 3, 10, 0))
    extended = datetime(2025, 3, 12, 9, 0)
    _go(
        db,
        clock,
        code,
        "extended",
        clerk,
        at_local=datetime(2025, 3, 4, 9, 0),
        reason="Chờ xác minh",
        new_appointment_local=extended,
    )
    _go(
        db,
        clock,
        code,
        "supplement_requested",
        clerk,
        at_local=datetime(2025, 3, 5, 9, 0),
        reason="Thiếu",
        missing=["Ảnh"],
    )
    r = _go(db, clock, code, "supplement_received", clerk, at_local=datetime(2025, 3, 5, 11, 0))
    assert r.appointment_local == datetime(2025, 3, 12, 11, 0)  # the extended date, plus 2 working hours
