"""Supervisor actions: reprints approved (waiting or on the spot), intake corrections, and the day close."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import (
    corrections,
    day_close,
    dossier_query,
    forms,
    intake,
    reprints,
    users,
    workflow,
)
from counter_app.services.dossier_query import DossierFilter
from counter_app.storage.database import Database, raw_connect
from counter_app.storage.models import Dossier
from tests.conftest import Desk

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
APPOINTMENT = datetime(2026, 1, 8, 9, 32)


@pytest.fixture
def boss(desk: Desk) -> str:
    with desk.db.write() as session:  # type: ignore[attr-defined]
        return users.create_user(
            session, desk.clock, "lanhdao", "Phạm Quốc Việt", "supervisor", "mat-khau-123", policy=FAST
        ).id


def _rows(db: Database, query: str, *args: object) -> list[tuple[Any, ...]]:
    conn = raw_connect(db.path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def _kinds(db: Database, code: str) -> list[str]:
    rows = _rows(
        db,
        "SELECT e.kind FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.code = ? ORDER BY seq",
        code,
    )
    return [str(r[0]) for r in rows]


def _printed(desk: Desk, code: str) -> None:
    with desk.db.write() as session:  # type: ignore[attr-defined]
        forms.print_receipt(session, desk.clock, code, desk.clerk_id)


# --- reprints ----------------------------------------------------------------------------------------------


def test_a_clerks_reprint_request_waits_for_the_supervisor(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _printed(desk, code)
    with db.write() as session:
        request_id = reprints.request_reprint(
            session, desk.clock, code, desk.clerk_id, "Công dân làm mất giấy hẹn"
        )
    with db.read() as session:
        waiting = reprints.pending_requests(session, desk.clock.now_utc())
    assert [(r.id, r.code, r.reason, r.requested_by) for r in waiting] == [
        (request_id, code, "Công dân làm mất giấy hẹn", "Lò Thị Ưng")
    ]
    with db.write() as session, pytest.raises(UserFacingError, match="đã có yêu cầu in lại"):
        reprints.request_reprint(session, desk.clock, code, desk.clerk_id, "Lần nữa")
    with db.write() as session, pytest.raises(UserFacingError):
        reprints.approve_reprint(session, desk.clock, request_id, desk.clerk_id)  # a clerk cannot approve
    with db.write() as session:
        printed = reprints.approve_reprint(session, desk.clock, request_id, boss)
    assert printed.reprint and printed.path.is_file() and printed.path.name.endswith("-in-lai-1.pdf")
    assert _kinds(db, code)[-3:] == ["reprint_requested", "reprint_approved", "receipt_reprinted"]
    with db.read() as session:
        assert reprints.pending_requests(session, desk.clock.now_utc()) == []
        assert intake.get_dossier_by_code(session, code).receipt_prints == 2
    note = _rows(db, "SELECT note FROM dossier_events WHERE kind = 'receipt_reprinted'")[0][0]
    assert note == "Công dân làm mất giấy hẹn (lãnh đạo Phạm Quốc Việt duyệt)"
    audited = [r[0] for r in _rows(db, "SELECT action FROM audit_log ORDER BY id")]
    assert audited[-3:] == ["reprint_requested", "reprint_approved", "receipt_reprinted"]
    ops = [
        json.loads(r[0])["event"]["kind"]
        for r in _rows(db, "SELECT payload FROM outbox WHERE kind = 'dossier.event'")
    ]
    assert ops[-3:] == ["reprint_requested", "reprint_approved", "receipt_reprinted"]
    with db.write() as session, pytest.raises(UserFacingError, match="đã được quyết định"):
        reprints.approve_reprint(session, desk.clock, request_id, boss)


def test_a_refused_request_leaves_the_receipt_unprinted(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    with db.write() as session:
        request_id = reprints.request_reprint(session, desk.clock, code, desk.clerk_id, "Muốn có thêm bản")
    with db.write() as session, pytest.raises(FieldErrors):
        reprints.refuse_reprint(session, desk.clock, request_id, boss, " ")
    with db.write() as session:
        reprints.refuse_reprint(session, desk.clock, request_id, boss, "Đã in đủ hai liên")
    assert _kinds(db, code) == ["received", "reprint_requested", "reprint_refused"]
    with db.read() as session:
        assert reprints.pending_requests(session, desk.clock.now_utc()) == []
    with db.write() as session, pytest.raises(FieldErrors):
        reprints.request_reprint(session, desk.clock, code, desk.clerk_id, "")


def test_a_supervisor_approves_on_the_spot_with_their_password(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    _printed(desk, code)
    with db.write() as session:
        wrong = users.authenticate(session, desk.clock, "lanhdao", "sai-mat-khau", purpose="reprint_approval")
    with pytest.raises(UserFacingError):
        wrong.user_or_raise()
    assert _rows(db, "SELECT failed_count FROM users WHERE id = ?", boss)[0][0] == 1  # the failure is kept
    with db.write() as session:
        confirmed = users.authenticate(
            session, desk.clock, "lanhdao", "mat-khau-123", purpose="reprint_approval"
        )
    supervisor = confirmed.user_or_raise()
    with db.write() as session:
        printed = reprints.reprint_with_approval(
            session, desk.clock, code, desk.clerk_id, supervisor.id, "Máy in kẹt giấy"
        )
    assert printed.reprint
    assert _kinds(db, code)[-3:] == ["reprint_requested", "reprint_approved", "receipt_reprinted"]
    with db.write() as session, pytest.raises(UserFacingError):
        reprints.reprint_with_approval(session, desk.clock, code, desk.clerk_id, desk.clerk_id, "Lý do")


# --- corrections -------------------------------------------------------------------------------------------


def test_a_correction_keeps_before_and_after_and_is_queued(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register("Nguyễn Thi Anh", appointment=APPOINTMENT, id_number="008186001234")
    with db.read() as session:
        values = corrections.intake_values(session, code)
    assert values.values["full_name"] == "Nguyễn Thi Anh" and values.version == 1
    with db.write() as session:
        done = corrections.correct_intake(
            session,
            desk.clock,
            code,
            boss,
            {
                "full_name": "Nguyễn Thị Ánh",
                "id_number": "008 186 001 235",
                "channel": 2,
                "phone": "0912345678",
            },
            "Nhập sai họ tên và số CCCD",
            expected_version=1,
        )
    assert [(c.field, c.before, c.after) for c in done.changes] == [
        ("full_name", "Nguyễn Thi Anh", "Nguyễn Thị Ánh"),
        ("id_number", "008186001234", "008186001235"),
        ("channel", "Trực tiếp", "Trực tuyến"),
    ]  # the phone did not change
    assert done.version == 2
    event = _rows(
        db, "SELECT kind, status_from, status_to, user_id, note, payload FROM dossier_events WHERE seq = 2"
    )[0]
    assert event[:5] == ("corrected", None, None, boss, "Nhập sai họ tên và số CCCD")
    payload = json.loads(event[5])
    assert payload["before"] == {
        "applicant": {"full_name": "Nguyễn Thi Anh", "id_number": "008186001234"},
        "dossier": {"channel": 1},
    }
    assert payload["after"]["applicant"] == {"full_name": "Nguyễn Thị Ánh", "id_number": "008186001235"}
    row = _rows(db, "SELECT name_fold, id_number, channel, version FROM dossiers WHERE code = ?", code)[0]
    assert row == ("nguyen thi anh", "008186001235", 2, 2)
    with db.read() as session:
        detail = intake.get_dossier_by_code(session, code)  # what a reprint of the receipt shows
        assert (detail.applicant.full_name, detail.applicant.id_number) == ("Nguyễn Thị Ánh", "008186001235")
        assert dossier_query.count(session, DossierFilter(text="008186001235")) == 1
    op = json.loads(_rows(db, "SELECT payload FROM outbox ORDER BY id DESC LIMIT 1")[0][0])
    assert op["event"]["kind"] == "corrected" and op["event"]["status_to"] is None and op["version"] == 2
    audit = json.loads(_rows(db, "SELECT detail FROM audit_log WHERE action = 'corrected'")[0][0])
    assert audit["before"] == payload["before"] and audit["reason"] == "Nhập sai họ tên và số CCCD"
    with db.read() as session:  # the detail view's history names the step in Vietnamese
        assert [e.label for e in workflow.dossier_timeline(session, code)][-1] == "Sửa thông tin tiếp nhận"


def test_a_refused_correction_writes_nothing(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    before = _rows(
        db,
        "SELECT (SELECT count(*) FROM dossier_events), (SELECT count(*) FROM audit_log), version FROM dossiers",
    )

    def attempt(user: str, changes: dict[str, Any], reason: str = "Sửa", version: int | None = 1) -> None:
        with db.write() as session:
            corrections.correct_intake(
                session, desk.clock, code, user, changes, reason, expected_version=version
            )

    with pytest.raises(UserFacingError):
        attempt(desk.clerk_id, {"full_name": "Trần Văn B"})  # a clerk may not
    with pytest.raises(FieldErrors) as wrong:
        attempt(boss, {"id_number": "12345", "email": "khong-hop-le"})
    assert set(wrong.value.errors) == {"id_number", "email"}
    with pytest.raises(FieldErrors, match="lý do"):
        attempt(boss, {"full_name": "Trần Văn B"}, reason=" ")
    with pytest.raises(FieldErrors):
        attempt(boss, {"procedure_id": 3})
    with pytest.raises(UserFacingError, match="Không có thông tin nào thay đổi"):
        attempt(boss, {"full_name": "Nguyễn Thị Ánh"})
    with pytest.raises(UserFacingError, match="tải lại"):
        attempt(boss, {"full_name": "Trần Văn B"}, version=7)
    assert (
        _rows(
            db,
            "SELECT (SELECT count(*) FROM dossier_events), (SELECT count(*) FROM audit_log), version FROM dossiers",
        )
        == before
    )


# --- day close ---------------------------------------------------------------------------------------------


def test_the_day_close_sums_up_the_day_and_keeps_a_one_page_pdf(
    desk: Desk,
    boss: str,
    db: Database,
    pdf_text: Callable[[bytes], list[str]],
    rasterise: Callable[..., list[Any]],
) -> None:
    names = ("Hà Thị Một", "Đỗ Văn Hai", "Lý Thị Ba")
    codes = [
        desk.register(name, appointment=APPOINTMENT, id_number=f"00818600123{n}")
        for n, name in enumerate(names)
    ]
    _printed(desk, codes[0])
    attempt = day_close.try_sync(db, desk.clock)
    assert not attempt.ran and "độc lập" in attempt.message
    with db.write() as session, pytest.raises(UserFacingError):
        day_close.close_day(session, desk.clock, desk.clerk_id, attempt)
    with db.write() as session:
        summary, path, pdf = day_close.close_day(session, desk.clock, boss, attempt)
    assert summary.received == {1: 3, 2: 0, 3: 0} and summary.received_total == 3
    assert summary.receipts_printed == 1 and summary.running == 3
    depth = _rows(db, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sent', 'failed', 'held')")[0][
        0
    ]
    assert summary.sync.queue_depth == depth == 4  # three intakes and one print
    assert [u.code for u in summary.unsent] == [codes[0], codes[1], codes[2], codes[0]]
    assert path.is_file() and path.read_bytes() == pdf and path.parent.name == "01"
    assert path.name == "chot-so-ngay-2026-01-05.pdf"
    (page,) = pdf_text(pdf)
    assert "TỔNG HỢP CHỐT SỔ NGÀY 05/01/2026" in page and "Phạm Quốc Việt" in page
    assert "Quầy chạy độc lập" in page and "Thay đổi chưa gửi: 4" in page
    assert len(rasterise(pdf, dpi=40)) == 1
    audit = _rows(db, "SELECT user_id, detail FROM audit_log WHERE action = 'day_closed'")
    assert audit[0][0] == boss and json.loads(audit[0][1])["received"] == 3
    with db.write() as session:
        _summary, second, _pdf = day_close.close_day(session, desk.clock, boss, attempt)
    assert second.name == "chot-so-ngay-2026-01-05-lan-2.pdf" and path.is_file()


def test_day_close_figures_equal_sql(desk: Desk, boss: str, db: Database) -> None:
    code = desk.register(appointment=APPOINTMENT)
    with db.write() as session:
        reprints.request_reprint(session, desk.clock, code, desk.clerk_id, "Mất giấy")
        corrections.correct_intake(
            session, desk.clock, code, boss, {"email": "anh@example.vn"}, "Bổ sung email"
        )
    with db.read() as session:
        summary = day_close.day_summary(session, desk.clock.now_utc())
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
    fees = _rows(
        db, "SELECT sum(fee_collected) FROM dossiers WHERE date(received_at, '+7 hours') = '2026-01-05'"
    )[0][0]
    assert summary.fees_at_intake == fees
    assert summary.corrections == 1 and summary.reprint_requests_waiting == 1
    assert summary.finished == (0, 0, 0, 0) and summary.overdue == 0


def test_forms_dir_is_where_the_close_is_kept(desk: Desk, boss: str, db: Database, tmp_path: Path) -> None:
    with db.write() as session:
        _s, path, _pdf = day_close.close_day(
            session, desk.clock, boss, day_close.SyncAttempt(False, False, "—")
        )
    assert forms.forms_dir() in path.parents
