"""The dossier list's read side: keyset pages, and the time left computed for the fetched page only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, local_to_utc
from counter_app.deadlines import Timeliness
from counter_app.errors import FieldErrors
from counter_app.services import calendar_admin, dossier_query
from counter_app.services.dossier_query import DossierFilter, DossierRow, PageCursor
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import Dossier

# Wednesday 11/03/2026 09:00 in Vietnam; March 2026 has no public holiday.
NOW_UTC = local_to_utc(datetime(2026, 3, 11, 9, 0))
PROCEDURE = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 ngày làm việc
# (received, applicant, CCCD): due Fri 06/03 09:00 (overdue), Wed 11/03 10:00 (due soon), Mon 16/03 08:00.
RECEIPTS = (
    ("2026-03-03T09:00", "Trần Thị Quá", "001190000001"),
    ("2026-03-06T10:00", "Lê Văn Sắp", "001090000002"),
    ("2026-03-11T08:00", "Phạm Thị Còn", "001190000003"),
)


def receive_three(path: Path) -> dict[str, str]:
    """Register the three dossiers of RECEIPTS with `counter-admin receive`; applicant name → code."""
    codes = {}
    for received, name, id_number in RECEIPTS:
        args = ["receive", "--db", str(path), "--procedure", PROCEDURE, "--name", name]
        assert main([*args, "--id-number", id_number, "--received", received]) == 0
        codes[name] = _last_code(path)
    return codes


def _last_code(path: Path) -> str:
    db = open_database(path)
    try:
        with db.read() as session:
            return dossier_query.list_page(session, DossierFilter(), None, 1)[0].code
    finally:
        db.close()


@pytest.fixture
def three(db_path: Path) -> Iterator[tuple[Database, dict[str, str]]]:
    codes = receive_three(db_path)
    database = open_database(db_path)
    yield database, codes
    database.close()


def _by_name(rows: list[DossierRow]) -> dict[str, DossierRow]:
    return {row.applicant_name: row for row in rows}


def test_list_page_time_left_for_open_dossiers(three: tuple[Database, dict[str, str]]) -> None:
    db, _codes = three
    with db.read() as session:
        rows = _by_name(dossier_query.list_page(session, DossierFilter(), None, 50, now_utc=NOW_UTC))
    assert rows["Phạm Thị Còn"].time_left == dossier_query.TimeLeft(Timeliness.TRONG_HAN, "Còn 2 ngày 7 giờ")
    assert rows["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(
        Timeliness.SAP_DEN_HAN, "Sắp đến hạn: còn 1 giờ"
    )
    assert rows["Trần Thị Quá"].time_left == dossier_query.TimeLeft(Timeliness.QUA_HAN, "Quá hạn 3 ngày")


def test_list_page_without_a_time_has_no_time_left_and_pages_by_keyset(
    three: tuple[Database, dict[str, str]],
) -> None:
    db, codes = three
    with db.read() as session:
        first = dossier_query.list_page(session, DossierFilter(), None, 2)
        cursor = PageCursor(first[-1].received_at, first[-1].id)
        second = dossier_query.list_page(session, DossierFilter(), cursor, 2)
    assert [r.code for r in first + second] == [
        codes["Phạm Thị Còn"],
        codes["Lê Văn Sắp"],
        codes["Trần Thị Quá"],
    ]
    assert all(r.time_left is None for r in first + second)


def test_with_time_left_follows_the_clock(three: tuple[Database, dict[str, str]]) -> None:
    db, _codes = three
    clock = FixedClock(NOW_UTC)
    with db.read() as session:
        rows = dossier_query.list_page(session, DossierFilter(), None, 50, now_utc=clock.now_utc())
        clock.advance(timedelta(hours=2))  # 11:00: one working hour past the 10:00 appointment
        later = _by_name(dossier_query.with_time_left(session, rows, clock.now_utc()))
    assert later["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(Timeliness.QUA_HAN, "Quá hạn 1 giờ")
    assert later["Phạm Thị Còn"].time_left == dossier_query.TimeLeft(Timeliness.TRONG_HAN, "Còn 2 ngày 5 giờ")


def test_list_page_finished_paused_and_withdrawn_dossiers(three: tuple[Database, dict[str, str]]) -> None:
    db, codes = three
    finished = {  # finished on the due day after the due hour is still đúng hạn (dates are compared)
        "Trần Thị Quá": (9, datetime(2026, 3, 9, 8, 0)),
        "Lê Văn Sắp": (10, datetime(2026, 3, 11, 16, 0)),
        "Phạm Thị Còn": (9, datetime(2026, 3, 12, 9, 0)),
    }
    with db.write() as session:
        for name, (status, at) in finished.items():
            dossier = session.query(Dossier).filter_by(code=codes[name]).one()
            dossier.status, dossier.finished_at = status, local_to_utc(at)
    with db.read() as session:
        rows = _by_name(dossier_query.list_page(session, DossierFilter(), None, 50, now_utc=NOW_UTC))
    assert rows["Trần Thị Quá"].time_left == dossier_query.TimeLeft(Timeliness.QUA_HAN, "Quá hạn")
    assert rows["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(Timeliness.DUNG_HAN, "Đúng hạn")
    assert rows["Phạm Thị Còn"].time_left == dossier_query.TimeLeft(Timeliness.TRUOC_HAN, "Trước hạn")

    with db.write() as session:
        session.query(Dossier).filter_by(code=codes["Trần Thị Quá"]).one().status = 5
        session.query(Dossier).filter_by(code=codes["Lê Văn Sắp"]).one().status = 7
    with db.read() as session:
        rows = _by_name(dossier_query.list_page(session, DossierFilter(), None, 50, now_utc=NOW_UTC))
    assert rows["Trần Thị Quá"].time_left == dossier_query.TimeLeft(
        Timeliness.TAM_DUNG, "Tạm dừng chờ bổ sung"
    )
    assert rows["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(None, "")


def test_row_keeps_the_printed_appointment_after_a_late_day_off(
    three: tuple[Database, dict[str, str]],
) -> None:
    db, codes = three
    with db.write() as session:
        moved = calendar_admin.apply_day_change(
            session,
            FixedClock(NOW_UTC),
            day=date(2026, 3, 13),
            kind="off",
            name="Nghỉ do bão số 3",
            reason="Công điện 12/CĐ-UBND",
            user_id=None,
        )
    assert [m.code for m in moved] == [codes["Phạm Thị Còn"]]
    with db.read() as session:
        rows = _by_name(dossier_query.list_page(session, DossierFilter(), None, 50, now_utc=NOW_UTC))
    row = rows["Phạm Thị Còn"]
    assert row.appointment_moved
    assert row.appointment_at == local_to_utc(datetime(2026, 3, 17, 8, 0))
    assert row.printed_note() == "Giấy hẹn đã in: T2 16/03/2026 08:00"
    # One more working day to go: Friday 13/03 is now a day off.
    assert row.time_left == dossier_query.TimeLeft(Timeliness.TRONG_HAN, "Còn 2 ngày 7 giờ")
    assert not rows["Lê Văn Sắp"].appointment_moved and rows["Lê Văn Sắp"].printed_note() == ""


def test_list_page_computes_time_left_for_the_fetched_page_only(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["seed-demo", "--db", str(db_path), "--dossiers", "1500", "--seed", "3"]) == 0
    calls = []
    real = dossier_query.status_at
    monkeypatch.setattr(dossier_query, "status_at", lambda *a, **k: calls.append(1) or real(*a, **k))
    db = open_database(db_path)
    try:
        with db.read() as session:
            rows = dossier_query.list_page(session, DossierFilter(), None, 100, now_utc=NOW_UTC)
    finally:
        db.close()
    assert len(rows) == 100 and all(r.time_left is not None for r in rows)
    assert 0 < len(calls) <= 100


def test_validate_day_change_names_each_bad_field() -> None:
    with pytest.raises(FieldErrors) as info:
        calendar_admin.validate_day_change(date(2026, 3, 13), "off", " ", "")
    assert set(info.value.errors) == {"name", "reason"}
    calendar_admin.validate_day_change(date(2026, 3, 13), None, "", "Thu hồi TB 1")  # removing needs no name
