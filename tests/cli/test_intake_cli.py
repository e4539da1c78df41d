"""counter-admin receive / user: a dossier registered from the command line, users added and listed."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.clock import SystemClock, utc_to_local
from counter_app.services import audit, intake
from counter_app.storage.database import open_database
from counter_app.storage.models import Procedure, ProcedureDocument, User

CODE = re.compile(r"^000\.00\.31\.H12-\d{6}-1\d{3}$")


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COUNTER_APP_HOME", str(tmp_path / "home"))
    path = tmp_path / "counter.db"
    assert (
        main(
            [
                "init",
                "--db",
                str(path),
                "--agency-code",
                "000.00.31.H12",
                "--agency-name",
                "UBND xã Ỷ La",
                "--parent-name",
                "UBND TỈNH TUYÊN QUANG",
                "--place",
                "Ỷ La",
            ]
        )
        == 0
    )
    database = open_database(path)
    try:
        with database.write() as session:
            procedure = Procedure(
                code="1.001",
                name="Chứng thực bản sao từ bản chính",
                name_fold="chung thuc ban sao tu ban chinh",
                field_name="Chứng thực",
                deadline_amount=0,
                deadline_unit="same_day",
                fee_amount=2_000,
                updated_at=SystemClock().now_utc(),
            )
            procedure.documents = [
                ProcedureDocument(position=1, name="Bản chính giấy tờ", originals=1),
                ProcedureDocument(position=2, name="Bản sao cần chứng thực", copies=1),
            ]
            session.add(procedure)
    finally:
        database.close()
    return path


def _receive(db_path: Path, *extra: str) -> int:
    return main(
        [
            "receive",
            "--db",
            str(db_path),
            "--procedure",
            "1.001",
            "--name",
            "Nguyễn Văn An",
            "--id-number",
            "001092012345",
            *extra,
        ]
    )


def test_receive_prints_the_code_on_the_last_line(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = _receive(
        db_path,
        "--birth-date",
        "1992-06-15",
        "--phone",
        "0912 345 678",
        "--address",
        "Số 5 ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang",
    )
    out = capsys.readouterr().out
    assert code == 0
    last = out.strip().splitlines()[-1]
    assert CODE.match(last), out
    database = open_database(db_path, lock=False)
    try:
        with database.read() as session:
            detail = intake.get_dossier_by_code(session, last)
            assert detail.applicant.address_commune == "Phường Ỷ La"
            assert detail.applicant.phone == "0912345678"
            assert [d.received for d in detail.documents] == [True, True]
            assert detail.clerk_name == "Dòng lệnh (counter-admin)"
            assert detail.appointment_local is not None and detail.appointment_local >= detail.received_local
            assert audit.verify_chain(session) == []
    finally:
        database.close()


def test_receive_json_and_explicit_time(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An explicit time, truncated to the minute: same local day as now, never in the future.
    received = utc_to_local(SystemClock().now_utc()).replace(second=0, microsecond=0)
    capsys.readouterr()
    assert _receive(db_path, "--json", "--received", received.isoformat(timespec="minutes")) == 0
    data = json.loads(capsys.readouterr().out)
    assert CODE.match(data["code"]) and data["code"].endswith("-1001")
    assert data["received_local"] == received.isoformat(timespec="minutes")
    assert data["procedure_code"] == "1.001"
    assert _receive(db_path, "--json") == 0
    assert json.loads(capsys.readouterr().out)["code"].endswith("-1002")
    database = open_database(db_path, lock=False)
    try:
        with database.read() as session:
            cli_users = [u for u in session.query(User).all() if u.username == "cli"]
            assert len(cli_users) == 1 and cli_users[0].role == "clerk"
    finally:
        database.close()


def test_receive_refuses_bad_input_with_every_field(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(["receive", "--db", str(db_path), "--procedure", "1.001", "--name", "A", "--id-number", "12"])
        == 1
    )
    err = capsys.readouterr().err
    assert "full_name" in err and "id_number" in err
    assert (
        main(["receive", "--db", str(db_path), "--procedure", "X", "--name", "An", "--id-number", "1"]) == 1
    )
    assert "Không có thủ tục mã X" in capsys.readouterr().err


def test_user_add_and_list(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-123\n"))
    args = [
        "user",
        "add",
        "--db",
        str(db_path),
        "--username",
        "binh",
        "--full-name",
        "Trần Bình",
        "--role",
        "supervisor",
    ]
    assert main([*args, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main([*args, "--password-stdin"]) == 1
    assert "ít nhất 8 ký tự" in capsys.readouterr().err

    monkeypatch.setattr("getpass.getpass", lambda prompt="": "mat-khau-456")
    assert (
        main(
            [
                "user",
                "add",
                "--db",
                str(db_path),
                "--username",
                "an",
                "--full-name",
                "Nguyễn An",
                "--role",
                "clerk",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["user", "list", "--db", str(db_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["role"], u["active"]) for u in listed] == [
        ("an", "clerk", True),
        ("binh", "supervisor", True),
    ]
    assert all("password" not in key for u in listed for key in u)
    assert main(["user", "list", "--db", str(db_path)]) == 0
    assert "binh\tTrần Bình\tgiám sát\tđang hoạt động" in capsys.readouterr().out


def test_receive_uses_a_day_off_the_admin_added(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A late-announced day off applies to the appointment printed at the very next intake."""
    # Same-day procedure received after the 15:00 cut-off on Tuesday 17 Nov 2026: due at closing time
    # of the next working day, Wednesday 18 Nov ...
    assert _receive(db_path, "--json", "--received", "2026-11-17T16:00") == 0
    before = json.loads(capsys.readouterr().out)
    assert before["appointment_local"] == "2026-11-18T17:00"
    # ... until the supervisor declares Wednesday a day off: then Thursday.
    assert (
        main(
            [
                "calendar",
                "set-day",
                "--db",
                str(db_path),
                "--date",
                "2026-11-18",
                "--kind",
                "off",
                "--name",
                "Nghỉ đột xuất do bão",
                "--reason",
                "Công điện số 12/CĐ-UBND",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert _receive(db_path, "--json", "--received", "2026-11-17T16:30") == 0
    after = json.loads(capsys.readouterr().out)
    assert after["appointment_local"] == "2026-11-19T17:00"
