"""Reception: register_dossier is all-or-nothing, reports every problem, prints are recorded; outbox basics."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import audit, intake, outbox, users
from counter_app.services.intake import DocumentLine, IntakeForm
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.storage.database import Database, create_database, open_database, raw_connect
from counter_app.storage.models import (
    Applicant,
    Dossier,
    DossierDocument,
    DossierEvent,
    OutboxEntry,
)
from tests.db.intake_seed import seed_intake_counter

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
APPOINTMENT = datetime(2024, 6, 18, 9, 30)
TABLES = (
    "applicants",
    "dossiers",
    "dossier_documents",
    "dossier_events",
    "audit_log",
    "outbox",
    "code_sequences",
    "code_high_water",
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 14, 2, 30))  # Friday 14/06/2024 09:30 in Vietnam


@pytest.fixture
def db(tmp_path: Path, clock: FixedClock) -> Iterator[Database]:
    path = tmp_path / "counter.db"
    create_database(path)
    database = open_database(path)
    with database.write() as session:
        seed_intake_counter(session, clock)
    yield database
    database.close()


@pytest.fixture
def clerk(db: Database, clock: FixedClock) -> users.UserDTO:
    with db.write() as session:
        return users.create_user(
            session, clock, "an", "Trần Thị Cán Bộ", "clerk", "mat-khau-123", policy=FAST
        )


def _form(**changes: Any) -> IntakeForm:
    values: dict[str, Any] = {
        "procedure_id": 1,
        "full_name": "Nguyễn Văn An",
        "id_number": "001092012345",
        "birth_date": date(1992, 6, 15),
        "gender": "nam",
        "phone": "+84 912 345 678",
        "email": "an@example.vn",
        "address_street": "Số 5 ngõ 12",
        "address_commune": "Phường Ỷ La",
        "address_province": "Tỉnh Tuyên Quang",
        "documents": (
            DocumentLine("Tờ khai đăng ký khai sinh", 1),
            DocumentLine("Giấy chứng sinh", 1),
            DocumentLine("Giấy ủy quyền", 1, received=False),
        ),
        "extras": (DocumentLine("Bản sao sổ hộ khẩu", copies=1),),
    }
    values.update(changes)
    return IntakeForm(**values)


def _register(
    db: Database, clock: FixedClock, clerk_id: str, form: IntakeForm | None = None
) -> intake.RegisteredDossier:
    with db.write() as session:
        return intake.register_dossier(session, clock, form or _form(), clerk_id, APPOINTMENT)


def _counts(db: Database) -> dict[str, int]:
    conn = raw_connect(db.path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def test_register_writes_dossier_documents_event_audit_and_outbox(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    result = _register(db, clock, clerk.id)
    assert result.code == "000.00.31.H12-240614-1001"
    assert result.received_at_utc == clock.now_utc()
    assert result.received_local == datetime(2024, 6, 14, 9, 30)
    with db.read() as session:
        dossier = session.get(Dossier, result.id)
        assert dossier is not None
        assert (dossier.status, dossier.code, dossier.clerk_id) == (2, result.code, clerk.id)
        assert dossier.name_fold == "nguyen van an"
        assert (dossier.id_number, dossier.phone) == ("001092012345", "0912345678")
        assert dossier.appointment_at == datetime(2024, 6, 18, 2, 30)
        assert dossier.fee_collected == 20_000 and dossier.version == 1
        docs = session.scalars(select(DossierDocument).order_by(DossierDocument.position)).all()
        assert [(d.position, d.name, d.received) for d in docs] == [
            (1, "Tờ khai đăng ký khai sinh", True),
            (2, "Giấy chứng sinh", True),
            (3, "Giấy ủy quyền", False),
            (4, "Bản sao sổ hộ khẩu", True),
        ]
        (event,) = session.scalars(select(DossierEvent)).all()
        assert (event.seq, event.kind, event.status_from, event.status_to) == (1, "received", None, 2)
        assert event.step_deadline == dossier.appointment_at
        assert event.user_id == clerk.id and event.id == result.event_id
        assert json.loads(event.payload)["applicant"]["full_name"] == "Nguyễn Văn An"
        entries = audit.history(session, "dossier", result.id)
        assert [(e.action, e.user_id, e.detail) for e in entries] == [
            ("dossier_received", clerk.id, {"code": result.code, "procedure": "1.001"})
        ]
        (op,) = outbox.ops_for(session, result.id)
        assert (op.op_id, op.kind, op.state) == (result.op_id, "dossier.received", "pending")
        assert op.payload_hash == outbox.sha256_hex(op.payload)
        payload = json.loads(op.payload)
        assert payload["dossier"]["code"] == result.code
        assert payload["dossier"]["clerk_id"] == clerk.id
        assert payload["event"]["id"] == result.event_id
        assert len(payload["documents"]) == 4
        applicant = session.get(Applicant, result.applicant_id)
        assert applicant is not None and applicant.id_number == "001092012345"
        assert audit.verify_chain(session) == []


def test_names_are_stored_in_nfc(db: Database, clock: FixedClock, clerk: users.UserDTO) -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn  Thị Hằng")
    result = _register(db, clock, clerk.id, _form(full_name=nfd, id_number="001192012345", gender="nu"))
    with db.read() as session:
        applicant = session.get(Applicant, result.applicant_id)
        assert applicant is not None
        assert applicant.full_name == "Nguyễn Thị Hằng"
        assert unicodedata.is_normalized("NFC", applicant.full_name)
        assert applicant.name_fold == "nguyen thi hang"


def test_a_failure_after_the_insert_leaves_nothing_and_keeps_the_number(
    db: Database, clock: FixedClock, clerk: users.UserDTO, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(db)

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk unplugged")

    monkeypatch.setattr(outbox, "enqueue", broken)
    with pytest.raises(RuntimeError, match="disk unplugged"):
        _register(db, clock, clerk.id)
    assert _counts(db) == before
    monkeypatch.undo()
    assert _register(db, clock, clerk.id).code.endswith("-1001")  # the number was not consumed


def test_invalid_input_reports_every_field_and_writes_nothing(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    before = _counts(db)
    bad = _form(
        full_name="X",
        id_number="12345",
        phone="12",
        email="@",
        birth_date=date(2030, 1, 1),
        delivery="post",
        fee_collected=0,
        sets_count=0,
    )
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.register_dossier(session, clock, bad, clerk.id, APPOINTMENT)
    assert set(caught.value.errors) == {
        "full_name",
        "id_number",
        "phone",
        "email",
        "birth_date",
        "delivery_address",
        "fee_reason",
        "sets_count",
    }
    assert _counts(db) == before


def test_missing_required_paper_points_to_mau_02(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    form = _form(
        documents=(
            DocumentLine("Tờ khai đăng ký khai sinh", 1),
            DocumentLine("Giấy chứng sinh", 1, received=False),
        )
    )
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.register_dossier(session, clock, form, clerk.id, APPOINTMENT)
    assert set(caught.value.errors) == {"documents"}
    assert "Giấy chứng sinh" in caught.value.errors["documents"]
    assert "Mẫu 02" in caught.value.errors["documents"]


@pytest.mark.parametrize("procedure_id", [0, 2, 77])
def test_unknown_or_inactive_procedure(
    db: Database, clock: FixedClock, clerk: users.UserDTO, procedure_id: int
) -> None:
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.register_dossier(session, clock, _form(procedure_id=procedure_id), clerk.id, APPOINTMENT)
    assert "procedure_id" in caught.value.errors


def test_fee_other_than_catalogue_needs_a_reason(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    result = _register(db, clock, clerk.id, _form(fee_collected=0, fee_reason="Miễn lệ phí (hộ nghèo)"))
    with db.read() as session:
        dossier = session.get(Dossier, result.id)
        assert dossier is not None and (dossier.fee_collected, dossier.fee_note) == (
            0,
            "Miễn lệ phí (hộ nghèo)",
        )


def test_clerk_must_be_an_active_user(db: Database, clock: FixedClock) -> None:
    with pytest.raises(UserFacingError), db.write() as session:
        intake.register_dossier(session, clock, _form(), "no-such-user", APPOINTMENT)


def test_appointment_before_reception_is_a_bug(db: Database, clock: FixedClock, clerk: users.UserDTO) -> None:
    with pytest.raises(ValueError), db.write() as session:
        intake.register_dossier(session, clock, _form(), clerk.id, datetime(2024, 6, 14, 9, 0))


def test_received_time_may_be_earlier_today_but_not_in_the_future(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    with db.write() as session:
        earlier = intake.register_dossier(
            session, clock, _form(), clerk.id, APPOINTMENT, received_local=datetime(2024, 6, 14, 7, 15)
        )
    assert earlier.received_at_utc == datetime(2024, 6, 14, 0, 15)
    with pytest.raises(UserFacingError), db.write() as session:
        intake.register_dossier(
            session, clock, _form(), clerk.id, APPOINTMENT, received_local=datetime(2024, 6, 14, 10, 0)
        )


def test_clock_going_backwards_refuses_and_writes_nothing(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    _register(db, clock, clerk.id)
    before = _counts(db)
    clock.advance(timedelta(days=-2))
    with pytest.raises(UserFacingError) as caught, db.write() as session:
        intake.register_dossier(session, clock, _form(), clerk.id, APPOINTMENT - timedelta(days=2))
    assert "Đồng hồ máy tính" in caught.value.message
    assert _counts(db) == before


def test_the_same_person_is_one_applicant_and_old_receipts_keep_old_data(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    first = _register(db, clock, clerk.id)
    second = _register(db, clock, clerk.id, _form(phone="0987654321"))
    assert second.applicant_id == first.applicant_id
    assert second.code.endswith("-1002")
    with db.read() as session:
        applicant = session.get(Applicant, first.applicant_id)
        assert applicant is not None and applicant.phone == "0987654321"
        assert intake.get_dossier_by_code(session, first.code).applicant.phone == "0912345678"
        assert intake.get_dossier_by_code(session, second.code).applicant.phone == "0987654321"
        found = intake.find_applicant(session, "001 092 012 345")
        assert found is not None and found.phone == "0987654321"
        assert intake.find_applicant(session, "038092000000") is None


def test_get_dossier_by_code_has_everything_for_the_receipt(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    form = _form(
        submitter_name="Trần Văn Bình",
        submitter_id_number="038090000001",
        authorisation_note="Giấy ủy quyền số 12",
    )
    result = _register(db, clock, clerk.id, form)
    with db.read() as session:
        detail = intake.get_dossier_by_code(session, f"  {result.code} ")
        with pytest.raises(UserFacingError):
            intake.get_dossier_by_code(session, "000.00.31.H12-240614-1999")
    assert detail.code == result.code and detail.status_name == "Được tiếp nhận"
    assert (detail.procedure_code, detail.procedure_name, detail.catalogue_fee) == (
        "1.001",
        "Đăng ký khai sinh",
        20_000,
    )
    assert detail.applicant.full_name == "Nguyễn Văn An"
    assert detail.applicant.birth_date == date(1992, 6, 15)
    assert detail.applicant.address == "Số 5 ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang"
    assert detail.submitter_name == "Trần Văn Bình" and detail.authorisation_note == "Giấy ủy quyền số 12"
    assert len(detail.documents) == 4 and detail.documents[2] == DocumentLine("Giấy ủy quyền", 1, 0, 0, False)
    assert detail.clerk_name == "Trần Thị Cán Bộ"
    assert detail.received_local == datetime(2024, 6, 14, 9, 30)
    assert detail.appointment_local == APPOINTMENT
    assert detail.printed_appointment_local is None and detail.receipt_prints == 0
    assert detail.counter.agency_name == "UBND xã Ỷ La"


def test_prints_and_reprints(db: Database, clock: FixedClock, clerk: users.UserDTO) -> None:
    result = _register(db, clock, clerk.id)
    with db.write() as session:
        first = intake.record_print(session, clock, result.id, clerk.id, "receipt")
    assert (first.kind, first.seq, first.reprint) == ("receipt_printed", 2, False)
    before = _counts(db)
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.record_print(session, clock, result.id, clerk.id, "receipt", reprint_reason="   ")
    assert set(caught.value.errors) == {"reprint_reason"}
    assert _counts(db) == before
    clock.advance(timedelta(hours=1))
    with pytest.raises(ReprintNeedsApproval) as refused, db.write() as session:
        intake.record_print(session, clock, result.id, clerk.id, "receipt", "Công dân làm mất giấy hẹn")
    assert refused.value.code == result.code and "lãnh đạo duyệt" in refused.value.message
    assert _counts(db) == before  # an hour later the clerk alone may not print a second receipt
    with db.write() as session:
        boss = users.create_user(
            session, clock, "lanhdao", "Lê Lãnh Đạo", "supervisor", "mat-khau-456", policy=FAST
        )
        again = intake.record_print(
            session, clock, result.id, boss.id, "receipt", "Công dân làm mất giấy hẹn"
        )
    assert (again.kind, again.seq, again.reprint) == ("receipt_reprinted", 3, True)
    with db.read() as session:
        detail = intake.get_dossier_by_code(session, result.code)
        assert detail.receipt_prints == 2 and detail.printed_appointment_local == APPOINTMENT
        reprints = [
            e for e in audit.history(session, "dossier", result.id) if e.action == "receipt_reprinted"
        ]
        assert reprints[0].detail == {"code": result.code, "reason": "Công dân làm mất giấy hẹn", "seq": 3}
        assert [op.kind for op in outbox.ops_for(session, result.id)] == [
            "dossier.received",
            "dossier.event",
            "dossier.event",
        ]
        events = session.scalars(select(DossierEvent).order_by(DossierEvent.seq)).all()
        assert [e.kind for e in events] == ["received", "receipt_printed", "receipt_reprinted"]
        assert events[2].note == "Công dân làm mất giấy hẹn"
        assert audit.verify_chain(session) == []


def test_refusal_at_the_counter_is_audited_without_a_dossier(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    before = _counts(db)
    with db.write() as session:
        notice = intake.refuse_intake(
            session,
            clock,
            clerk_id=clerk.id,
            procedure_id=1,
            applicant_name="Nguyễn Văn An",
            applicant_id_number="001092012345",
            reason="Không thuộc thẩm quyền của UBND xã",
        )
    after = _counts(db)
    assert after["audit_log"] == before["audit_log"] + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert notice.kind == "refusal" and notice.procedure_name == "Đăng ký khai sinh"
    assert notice.clerk_name == "Trần Thị Cán Bộ"
    with db.read() as session:
        entry = audit.history(session, "procedure", "1.001")[-1]
    assert entry.action == "intake_refused" and entry.id == notice.audit_id
    assert entry.detail["reason"] == "Không thuộc thẩm quyền của UBND xã"
    assert entry.detail["applicant_id_number"] == "001092012345"
    assert _register(db, clock, clerk.id).code.endswith("-1001")  # no code was taken

    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.refuse_intake(
            session,
            clock,
            clerk_id=clerk.id,
            procedure_id=1,
            applicant_name="",
            applicant_id_number="1",
            reason="",
        )
    assert set(caught.value.errors) == {"reason", "full_name", "id_number"}


def test_supplement_request_at_the_counter_lists_everything_missing(
    db: Database, clock: FixedClock, clerk: users.UserDTO
) -> None:
    with db.write() as session:
        notice = intake.request_supplement_at_intake(
            session,
            clock,
            clerk_id=clerk.id,
            procedure_id=1,
            applicant_name="Nguyễn Văn An",
            applicant_id_number="",
            missing=["Giấy chứng sinh", " ", "Tờ khai"],
            note="Mang bản chính",
        )
    assert notice.missing == ("Giấy chứng sinh", "Tờ khai")
    with db.read() as session:
        entry = audit.history(session)[-1]
    assert entry.action == "intake_supplement_requested"
    assert entry.detail["missing"] == ["Giấy chứng sinh", "Tờ khai"]
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        intake.request_supplement_at_intake(
            session,
            clock,
            clerk_id=clerk.id,
            procedure_id=1,
            applicant_name="Nguyễn Văn An",
            applicant_id_number="",
            missing=[],
        )
    assert set(caught.value.errors) == {"missing"}


# ----------------------------------------------------------------------------- outbox


def test_outbox_fifo_depth_and_due_retries(db: Database, clock: FixedClock) -> None:
    with db.write() as session:
        ids = [outbox.enqueue(session, clock, "test.op", f"e{i}", {"i": i, "b": [1, 2]}) for i in range(5)]
    with db.write() as session:
        assert [op.op_id for op in outbox.pending(session, 3)] == ids[:3]
        rows = {r.op_id: r for r in session.scalars(select(OutboxEntry))}
        rows[ids[0]].state = "acked"
        rows[ids[1]].state = "failed"
        rows[ids[1]].next_attempt_at = clock.now_utc() + timedelta(seconds=30)
        rows[ids[2]].state = "rejected"
        rows[ids[3]].state = "sent"
    with db.read() as session:
        assert outbox.depth(session) == 3  # failed, sent, pending
        assert [op.op_id for op in outbox.pending(session, 10)] == [ids[1], ids[4]]
        assert [op.op_id for op in outbox.pending(session, 10, now_utc=clock.now_utc())] == [ids[4]]
        op = outbox.pending(session, 10)[1]
    assert op.payload == '{"b":[1,2],"i":4}'
    assert op.payload_hash == outbox.sha256_hex(op.payload)


def test_outbox_payload_is_frozen(db: Database, clock: FixedClock) -> None:
    with db.write() as session:
        outbox.enqueue(session, clock, "test.op", "e1", {"a": 1})
    conn = raw_connect(db.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            conn.execute("UPDATE outbox SET payload = '{\"a\":2}'")
        conn.execute("UPDATE outbox SET state = 'sent', attempts = 1")  # bookkeeping is allowed
    finally:
        conn.close()


def test_canonical_json_is_stable() -> None:
    a = outbox.canonical_json({"b": 1, "a": "Ỷ", "d": date(2024, 6, 14), "t": datetime(2024, 6, 14, 2, 30)})
    assert a == '{"a":"Ỷ","b":1,"d":"2024-06-14","t":"2024-06-14T02:30:00"}'
    with pytest.raises(ValueError):
        outbox.canonical_json({"x": float("nan")})
