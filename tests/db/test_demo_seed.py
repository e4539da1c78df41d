"""seed-demo: realistic, deterministic, all-or-nothing demo data that the rest of the app can use."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.clock import SystemClock, utc_to_local
from counter_app.deadlines import default_calendar
from counter_app.demo.names import PROVINCES
from counter_app.services.codes import CODE_PATTERN

PROVINCE_CODES = {code for code, _name in PROVINCES}


def _seed(path: Path, dossiers: int, seed: int) -> None:
    assert main(["seed-demo", "--db", str(path), "--dossiers", str(dossiers), "--seed", str(seed)]) == 0


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_seeded_dossiers_look_like_a_real_counter_year(db_path: Path) -> None:
    _seed(db_path, 3000, 5)
    dossiers = _rows(
        db_path,
        "SELECT d.code, d.status, d.received_at, d.appointment_at, a.full_name, a.id_number, a.phone "
        "FROM dossiers d JOIN applicants a ON a.id = d.applicant_id",
    )
    assert len(dossiers) == 3000
    codes = [str(r[0]) for r in dossiers]
    assert len(set(codes)) == 3000 and all(CODE_PATTERN.match(c) for c in codes)
    statuses = {int(str(r[1])) for r in dossiers}
    assert {4, 9, 10} <= statuses <= set(range(1, 11))  # in progress, finished, returned
    now = utc_to_local(SystemClock().now_utc())  # the counter's local time (UTC+7)
    calendar = default_calendar()  # weekends and holidays off, make-up Saturdays worked
    for _code, _status, received_text, due_text, name, id_number, phone in dossiers:
        received = datetime.fromisoformat(str(received_text)) + timedelta(hours=7)  # stored UTC
        due = datetime.fromisoformat(str(due_text)) + timedelta(hours=7)
        minute = received.hour * 60 + received.minute  # within 07:00–11:30 or 13:30–17:00
        assert calendar.is_working_day(received.date()) and (
            7 * 60 <= minute < 11 * 60 + 30 or 13 * 60 + 30 <= minute < 17 * 60
        )
        assert now - timedelta(days=367) < received < now + timedelta(minutes=1)
        assert due >= received
        assert unicodedata.is_normalized("NFC", str(name)) and len(str(name).split()) >= 3
        assert re.fullmatch(r"\d{12}", str(id_number)) and str(id_number)[:3] in PROVINCE_CODES
        assert re.fullmatch(r"0\d{9}", str(phone))
    names = " ".join(str(r[4]) for r in dossiers)
    assert any(ch in names for ch in "ễịứờĐ")  # real Vietnamese names, with diacritics
    events = _rows(db_path, "SELECT count(*) FROM dossier_events")[0][0]
    assert int(str(events)) > 3000  # every dossier has at least its "received" event, most have more
    assert _rows(db_path, "PRAGMA foreign_key_check") == []  # the bulk load skips the per-row checks


def test_same_seed_gives_the_same_data(db_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    other.write_bytes(db_path.read_bytes())
    _seed(db_path, 500, 11)
    _seed(other, 500, 11)
    query = "SELECT code, status, received_at, applicant_id FROM dossiers ORDER BY code"
    assert _rows(db_path, query) == _rows(other, query)


def test_a_refused_count_writes_nothing(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed-demo", "--db", str(db_path), "--dossiers", "0"]) != 0
    assert "số hồ sơ" in capsys.readouterr().err
    assert _rows(db_path, "SELECT count(*) FROM dossiers") == [(0,)]


def test_a_real_intake_on_a_seeded_day_takes_the_next_number(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(db_path, 500, 3)
    codes = [str(r[0]) for r in _rows(db_path, "SELECT code FROM dossiers")]
    busiest = max({c.split("-")[-2] for c in codes}, key=lambda d: sum(c.split("-")[-2] == d for c in codes))
    day = datetime.strptime(busiest, "%y%m%d")
    seeded = sorted(int(c[-4:]) for c in codes if c.split("-")[-2] == busiest and c[-4] == "1")
    procedure = str(_rows(db_path, "SELECT code FROM procedures WHERE active = 1 LIMIT 1")[0][0])
    capsys.readouterr()
    args = ["receive", "--db", str(db_path), "--procedure", procedure, "--name", "Lò Thị Ưng"]
    at = day.replace(hour=16, minute=30).strftime("%Y-%m-%dT%H:%M")
    assert main([*args, "--id-number", "011192012347", "--received", at]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert code not in codes
    assert int(code[-4:]) == seeded[-1] + 1
