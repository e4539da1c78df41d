"""Dossier codes: format, daily sequence per slot, the 999 limit, concurrent writers, the clock guard."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.errors import UserFacingError
from counter_app.services import audit, codes, users
from counter_app.services.counter_setup import initialise_counter
from counter_app.storage.database import Database, create_database, open_database
from counter_app.storage.models import CodeSequence

AGENCY = "000.00.31.H12"
DAY = date(2024, 6, 14)
CODE_RE = re.compile(r"^000\.00\.31\.H12-240614-(\d{4})$")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 14, 2, 0))  # 09:00 on 14/06/2024 in Vietnam


@pytest.fixture
def db_path(tmp_path: Path, clock: FixedClock) -> Path:
    path = tmp_path / "counter.db"
    create_database(path)
    database = open_database(path)
    with database.write() as session:
        initialise_counter(
            session,
            clock,
            agency_code=AGENCY,
            agency_name="UBND xã Ỷ La",
            parent_name="UBND TỈNH",
            place_name="Ỷ La",
        )
    database.close()
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(db_path)
    yield database
    database.close()


def _issue(db: Database, clock: FixedClock, day: date = DAY, slot: int = 1) -> str:
    with db.write() as session:
        return codes.issue_dossier_code(session, clock, AGENCY, slot, day)


def test_format_code() -> None:
    assert codes.format_code(AGENCY, DAY, 1, 1) == "000.00.31.H12-240614-1001"
    assert codes.format_code("H56.14", date(2024, 8, 23), 9, 999) == "H56.14-240823-9999"
    assert codes.CODE_PATTERN.match("000.00.31.H12-240614-1001")


def test_sequence_per_day_and_slot(db: Database, clock: FixedClock) -> None:
    assert _issue(db, clock) == "000.00.31.H12-240614-1001"
    assert _issue(db, clock) == "000.00.31.H12-240614-1002"
    assert _issue(db, clock, slot=2) == "000.00.31.H12-240614-2001"
    clock.advance(timedelta(days=1))
    assert _issue(db, clock, day=DAY + timedelta(days=1)) == "000.00.31.H12-240615-1001"


def test_999_codes_a_day_then_a_clear_refusal(db: Database, clock: FixedClock) -> None:
    with db.write() as session:
        issued = [codes.issue_dossier_code(session, clock, AGENCY, 1, DAY) for _ in range(999)]
    assert issued[0].endswith("-1001") and issued[-1].endswith("-1999")
    assert len(set(issued)) == 999
    with db.write() as session, pytest.raises(UserFacingError) as caught:
        codes.issue_dossier_code(session, clock, AGENCY, 1, DAY)
    assert "999" in caught.value.message
    with db.read() as session:
        assert session.scalar(select(CodeSequence.last_number)) == 999
    assert _issue(db, clock, slot=2).endswith("-2001")  # other slots are not affected


def test_a_rolled_back_transaction_gives_its_number_back(db: Database, clock: FixedClock) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        codes.issue_dossier_code(session, clock, AGENCY, 1, DAY)
        raise RuntimeError("printer on fire")
    assert _issue(db, clock).endswith("-1001")


def test_bad_slot_is_a_programming_error(db: Database, clock: FixedClock) -> None:
    with db.write() as session, pytest.raises(ValueError):
        codes.issue_dossier_code(session, clock, AGENCY, 10, DAY)


def _worker(path: Path, count: int, out: list[str], errors: list[BaseException]) -> None:
    try:
        database = open_database(path, lock=False, migrate=False, check=False)
        clock = FixedClock(datetime(2024, 6, 14, 2, 0))
        try:
            for _ in range(count):
                with database.write() as session:
                    out.append(codes.issue_dossier_code(session, clock, AGENCY, 1, DAY))
        finally:
            database.close()
    except BaseException as exc:  # reported to the main thread
        errors.append(exc)


def test_codes_are_unique_under_two_writers_in_threads(db_path: Path) -> None:
    results: list[list[str]] = [[], []]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_worker, args=(db_path, 150, results[i], errors)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    everything = results[0] + results[1]
    numbers = sorted(int(CODE_RE.match(code).group(1)) for code in everything)  # type: ignore[union-attr]
    assert numbers == list(range(1001, 1301))  # no duplicate, no gap


_PROCESS_SCRIPT = """
import sys
from datetime import date, datetime
from pathlib import Path
from counter_app.clock import FixedClock
from counter_app.services import codes
from counter_app.storage.database import open_database
database = open_database(Path(sys.argv[1]), lock=False, migrate=False, check=False)
clock = FixedClock(datetime(2024, 6, 14, 2, 0))
for _ in range(int(sys.argv[2])):
    with database.write() as session:
        print(codes.issue_dossier_code(session, clock, "000.00.31.H12", 1, date(2024, 6, 14)), flush=True)
database.close()
"""


def test_codes_are_unique_under_two_processes(db_path: Path) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS_SCRIPT, str(db_path), "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    everything: list[str] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        everything += out.split()
    numbers = sorted(int(CODE_RE.match(code).group(1)) for code in everything)  # type: ignore[union-attr]
    assert numbers == list(range(1001, 1121))


def test_clock_going_backwards_is_refused_and_consumes_nothing(db: Database, clock: FixedClock) -> None:
    _issue(db, clock)
    clock.advance(timedelta(days=1))
    _issue(db, clock, day=DAY + timedelta(days=1))
    clock.advance(timedelta(days=-1))  # the PC clock falls back to yesterday
    with db.write() as session, pytest.raises(UserFacingError) as caught:
        codes.issue_dossier_code(session, clock, AGENCY, 1, DAY)
    assert "Đồng hồ máy tính" in caught.value.message
    assert "15/06/2024" in caught.value.message
    with db.read() as session:
        assert (
            session.scalar(select(CodeSequence.last_number).where(CodeSequence.day == DAY.isoformat())) == 1
        )


def test_a_date_before_the_high_water_is_refused_even_with_a_good_clock(
    db: Database, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=1))
    _issue(db, clock, day=DAY + timedelta(days=1))
    with db.write() as session, pytest.raises(UserFacingError) as caught:
        codes.issue_dossier_code(session, clock, AGENCY, 1, DAY)
    assert "Không thể cấp mã hồ sơ cho ngày 14/06/2024" in caught.value.message


def test_a_future_date_is_refused(db: Database, clock: FixedClock) -> None:
    with db.write() as session, pytest.raises(UserFacingError) as caught:
        codes.issue_dossier_code(session, clock, AGENCY, 1, DAY + timedelta(days=1))
    assert "sau ngày hôm nay" in caught.value.message
    with db.read() as session:
        assert codes.high_water(session, AGENCY) is None


def test_guard_follows_the_highest_date(db: Database, clock: FixedClock) -> None:
    _issue(db, clock)
    with db.read() as session:
        assert codes.high_water(session, AGENCY) == DAY


def test_raise_high_water_after_a_restore(db: Database, clock: FixedClock) -> None:
    _issue(db, clock)
    with db.write() as session:
        codes.raise_high_water(session, clock, AGENCY, 1, DAY, 40)
        codes.raise_high_water(session, clock, AGENCY, 1, DAY, 7)  # never lowers
    assert _issue(db, clock).endswith("-1041")


def test_reset_date_guard_is_an_audited_admin_repair(db: Database, clock: FixedClock) -> None:
    fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with db.write() as session:
        admin = users.create_user(session, clock, "admin", "Quản Trị", "admin", "mat-khau-123", policy=fast)
        clerk = users.create_user(session, clock, "an", "Nguyễn An", "clerk", "mat-khau-123", policy=fast)
    clock.advance(timedelta(days=365))  # the clock ran a year ahead for a moment
    _issue(db, clock, day=DAY + timedelta(days=365))
    clock.advance(timedelta(days=-365))  # fixed
    with pytest.raises(UserFacingError):
        _issue(db, clock)
    with db.write() as session, pytest.raises(UserFacingError):
        codes.reset_date_guard(session, clock, AGENCY, DAY, clerk.id)
    with db.write() as session:
        codes.reset_date_guard(session, clock, AGENCY, DAY, admin.id)
    assert _issue(db, clock).endswith("-1001")
    with db.read() as session:
        last = [e for e in audit.history(session) if e.action == "code_date_guard_reset"]
    assert last[0].detail == {"from": "2025-06-14", "to": "2024-06-14"}
