"""The dossier list's read side: keyset pages, and the time left computed for the fetched page only."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, local_to_utc, utc_to_local
from counter_app.deadlines import Timeliness, status_at
from counter_app.errors import FieldErrors
from counter_app.services import calendar_admin, dossier_query
from counter_app.services.dossier_query import DossierFilter, DossierRow, PageCursor, SortKey
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import Dossier, Procedure

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
    # At most one working day left, or late: Mẫu 04 (apology, new appointment) is proposed.
    assert rows["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(
        Timeliness.SAP_DEN_HAN, "Sắp đến hạn: còn 1 giờ", propose_apology=True
    )
    assert rows["Trần Thị Quá"].time_left == dossier_query.TimeLeft(
        Timeliness.QUA_HAN, "Quá hạn 3 ngày", propose_apology=True
    )


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
    assert later["Lê Văn Sắp"].time_left == dossier_query.TimeLeft(
        Timeliness.QUA_HAN, "Quá hạn 1 giờ", propose_apology=True
    )
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


# --- filters, sorting and alerts on a seeded database -------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """One dossier as the reference (brute-force Python) evaluation sees it."""

    id: str
    code: str
    name_fold: str
    id_number: str
    phone: str
    status: int
    procedure_id: int
    field_code: str
    received_at: datetime
    appointment_at: datetime | None
    clerk_id: str | None


@dataclass(frozen=True)
class Seeded:
    db: Database
    now: datetime
    refs: list[_Ref]


@pytest.fixture(scope="module")
def seeded(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """3,000 demo dossiers; 600 of them made open with appointments spread over ±5 days around `now`."""
    path = tmp_path_factory.mktemp("seeded") / "counter.db"
    shutil.copy(pristine_db, path)
    assert main(["seed-demo", "--db", str(path), "--dossiers", "3000", "--seed", "5"]) == 0
    db = open_database(path)
    rng = random.Random(11)
    with db.read() as session:
        latest = session.execute(select(func.max(Dossier.received_at))).scalar_one()
    now = local_to_utc(datetime.combine(utc_to_local(latest).date(), time(9, 0)))
    with db.write() as session:
        ids = list(session.scalars(select(Dossier.id).order_by(Dossier.id)))
        for dossier_id in rng.sample(ids, 600):
            dossier = session.get(Dossier, dossier_id)
            assert dossier is not None
            dossier.status = rng.choice((2, 2, 4, 4, 5, 6))
            dossier.appointment_at = now + timedelta(minutes=rng.randint(-5 * 1440, 5 * 1440))
        for dossier_id in rng.sample(ids, 40):
            dossier = session.get(Dossier, dossier_id)
            assert dossier is not None
            dossier.status, dossier.appointment_at = 1, None
    with db.read() as session:
        rows = session.execute(
            select(
                Dossier.id, Dossier.code, Dossier.name_fold, Dossier.id_number, Dossier.phone, Dossier.status,
                Dossier.procedure_id, Procedure.field_code, Dossier.received_at, Dossier.appointment_at,
                Dossier.clerk_id,
            ).join(Procedure, Procedure.id == Dossier.procedure_id)
        ).all()  # fmt: skip
    yield Seeded(db, now, [_Ref(*r) for r in rows])
    db.close()


def _all_pages(session: Session, flt: DossierFilter, now: datetime, limit: int = 97) -> list[DossierRow]:
    rows: list[DossierRow] = []
    after = None
    while True:
        page = dossier_query.list_page(session, flt, after, limit, now_utc=now)
        assert len(page) <= limit
        rows.extend(page)
        if len(page) < limit:
            return rows
        after = dossier_query.cursor_after(page[-1], flt.sort)


def _live(seeded: Seeded, ref: _Ref) -> Timeliness | None:
    """The engine's own verdict for a running dossier (what the "Thời hạn" column shows)."""
    if ref.status not in dossier_query.RUNNING_STATUSES or ref.appointment_at is None:
        return None
    with seeded.db.read() as session:
        calendar, hours = calendar_admin.counter_calendar(session), calendar_admin.counter_hours(session)
    due, now = utc_to_local(ref.appointment_at), utc_to_local(seeded.now)
    return status_at(due, now, calendar=calendar, hours=hours).timeliness


def _expected(seeded: Seeded, name: str) -> tuple[DossierFilter, Callable[[_Ref], bool]]:
    refs, now = seeded.refs, seeded.now
    some = refs[len(refs) // 3]
    today = utc_to_local(now).date()
    frm, to = today - timedelta(days=20), today - timedelta(days=10)
    cases: dict[str, tuple[DossierFilter, Callable[[_Ref], bool]]] = {
        "statuses": (DossierFilter(statuses=(2, 6)), lambda r: r.status in (2, 6)),
        "procedure": (
            DossierFilter(procedure_id=some.procedure_id),
            lambda r: r.procedure_id == some.procedure_id,
        ),
        "field": (DossierFilter(field_code=some.field_code), lambda r: r.field_code == some.field_code),
        "clerk": (DossierFilter(clerk_id=some.clerk_id), lambda r: r.clerk_id == some.clerk_id),
        "received": (
            DossierFilter(received_from=frm, received_to=to),
            lambda r: frm <= utc_to_local(r.received_at).date() <= to,
        ),
        "overdue": (DossierFilter(due="overdue"), lambda r: _live(seeded, r) is Timeliness.QUA_HAN),
        "soon": (DossierFilter(due="soon"), lambda r: _live(seeded, r) is Timeliness.SAP_DEN_HAN),
        "today": (
            DossierFilter(due="today"),
            lambda r: (
                r.status in dossier_query.RUNNING_STATUSES
                and r.appointment_at is not None
                and r.appointment_at >= now
                and utc_to_local(r.appointment_at).date() == today
            ),
        ),
        "code_prefix": (
            DossierFilter(text=some.code[:-2].lower()),
            lambda r: r.code.startswith(some.code[:-2]),
        ),
        "code": (DossierFilter(text=some.code), lambda r: r.code == some.code),
        "name": (
            DossierFilter(text=" ".join(some.name_fold.split()[:2]).upper()),
            lambda r: r.name_fold.startswith(" ".join(some.name_fold.split()[:2])),
        ),
        "cccd": (DossierFilter(text=some.id_number), lambda r: some.id_number in (r.id_number, r.phone)),
        "phone": (DossierFilter(text=some.phone), lambda r: some.phone in (r.id_number, r.phone)),
        "combined": (
            DossierFilter(due="overdue", clerk_id=some.clerk_id, sort="appointment"),
            lambda r: r.clerk_id == some.clerk_id and _live(seeded, r) is Timeliness.QUA_HAN,
        ),
    }
    return cases[name]


FILTER_CASES = (
    "statuses", "procedure", "field", "clerk", "received", "overdue", "soon", "today", "code_prefix", "code",
    "name", "cccd", "phone", "combined",
)  # fmt: skip


@pytest.mark.parametrize("case", FILTER_CASES)
def test_each_filter_returns_exactly_the_matching_dossiers(seeded: Seeded, case: str) -> None:
    flt, matches = _expected(seeded, case)
    expected = {r.id for r in seeded.refs if matches(r)}
    assert 0 < len(expected) < len(seeded.refs)
    with seeded.db.read() as session:
        rows = _all_pages(session, flt, seeded.now)
        total = dossier_query.count(session, flt, now_utc=seeded.now)
    assert len(rows) == len({r.id for r in rows})
    assert {r.id for r in rows} == expected
    assert total == len(expected)


@pytest.mark.parametrize("sort", ["appointment", "received"])
def test_keyset_paging_has_no_duplicates_or_gaps(seeded: Seeded, sort: SortKey) -> None:
    with seeded.db.read() as session:
        rows = _all_pages(session, DossierFilter(sort=sort), seeded.now, limit=37)
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids)) == len(seeded.refs)
    if sort == "appointment":
        timed = sorted(
            (r for r in seeded.refs if r.appointment_at is not None), key=lambda r: (r.appointment_at, r.id)
        )
        untimed = sorted((r for r in seeded.refs if r.appointment_at is None), key=lambda r: r.id)
        assert untimed and ids == [r.id for r in timed + untimed]
    else:
        assert ids == [r.id for r in sorted(seeded.refs, key=lambda r: (r.received_at, r.id), reverse=True)]


def test_alert_counts_equal_the_filters_and_the_engine(seeded: Seeded) -> None:
    with seeded.db.read() as session:
        counts = dossier_query.alert_counts(session, seeded.now)
    overdue = sum(1 for r in seeded.refs if _live(seeded, r) is Timeliness.QUA_HAN)
    today = _expected(seeded, "today")[1]
    assert counts == dossier_query.AlertCounts(sum(1 for r in seeded.refs if today(r)), overdue)
    assert counts.overdue > 0 and counts.due_today > 0


def test_soon_cutoff_is_one_working_day_ahead(seeded: Seeded) -> None:
    # Wednesday 11/03/2026 09:00 → Thursday 09:00; Friday 15:00 → Monday 15:00 (weekend skipped).
    with seeded.db.read() as session:
        wednesday = dossier_query.soon_cutoff(session, NOW_UTC)
        friday = dossier_query.soon_cutoff(session, local_to_utc(datetime(2026, 3, 13, 15, 0)))
    assert utc_to_local(wednesday) == datetime(2026, 3, 12, 9, 0)
    assert utc_to_local(friday) == datetime(2026, 3, 16, 15, 0)


def test_a_due_filter_needs_now(seeded: Seeded) -> None:
    with seeded.db.read() as session, pytest.raises(ValueError):
        dossier_query.count(session, DossierFilter(due="overdue"))
