"""counter-admin enrol | sync | sync status | outbox export | conflicts, against the real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_server import LiveServer
from sqlalchemy import text

from counter_app.cli.admin import main
from counter_app.storage.database import open_database
from tests.sync.synchelp import person, server_dossiers


def _receive(capsys: pytest.CaptureFixture[str], db: str, n: int, start: int = 0) -> None:
    """Receive dossiers through `counter-admin receive` (the real intake path)."""
    for i in range(start, start + n):
        args = [
            "receive",
            "--db",
            db,
            "--procedure",
            "1.004873",
            "--name",
            person(i),
            "--id-number",
            "008186001234",
        ]
        assert main(args) == 0, capsys.readouterr().err
    capsys.readouterr()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_enrol_sync_status_export_and_conflicts(
    db_path: Path, central: LiveServer, agency: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    code, out, err = _run(capsys, "sync", "--once", "--db", db)
    assert code == 1 and "chưa đăng ký" in err

    enrol_code = central.create_counter(agency, "Quầy CLI", agency_name="UBND xã Ỷ La")
    code, out, _ = _run(capsys, "enrol", "--db", db, "--server", central.url, "--code", enrol_code)
    assert code == 0 and "Quầy CLI" in out and "số quầy 1" in out
    code, _, err = _run(capsys, "enrol", "--db", db, "--server", central.url, "--code", enrol_code)
    assert code == 1 and "--force" in err

    _receive(capsys, db, 3)
    code, out, _ = _run(capsys, "sync", "--once", "--json", "--db", db)
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["applied"] == 3
    assert server_dossiers(central, agency) == 3
    code, out, _ = _run(capsys, "sync", "status", "--json", "--db", db)
    status = json.loads(out)
    assert code == 0 and status["depth"] == 0 and status["healthy"] and status["server_url"] == central.url
    code, out, _ = _run(capsys, "sync", "status", "--db", db)
    assert "Hàng đợi: 0 thao tác" in out

    _receive(capsys, db, 1, start=3)
    target = tmp_path / "usb.json"
    code, out, _ = _run(capsys, "outbox", "export", str(target), "--db", db)
    assert code == 0 and "Đã ghi 1 thao tác" in out
    assert len(json.loads(target.read_text(encoding="utf-8"))["ops"]) == 1

    code, out, _ = _run(capsys, "conflicts", "list", "--db", db)
    assert code == 0 and "Không có xung đột" in out


def test_cli_sync_reports_refusals_and_an_unreachable_server(
    db_path: Path, central: LiveServer, agency: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    enrol_code = central.create_counter(agency, "Quầy CLI")
    assert _run(capsys, "enrol", "--db", db, "--server", central.url, "--code", enrol_code)[0] == 0
    database = open_database(db_path)
    with database.write() as session:  # codes outside the counter's slot: the server rejects them
        session.execute(text("UPDATE counter_config SET code_slot = 8"))
    database.close()
    _receive(capsys, db, 1)

    code, out, err = _run(capsys, "sync", "--once", "--db", db)
    assert code == 1 and "bị từ chối 1" in out and "conflicts list" in err
    code, out, _ = _run(capsys, "conflicts", "list", "--json", "--db", db)
    (row,) = json.loads(out)
    assert row["kind"] == "rejected" and row["error_code"] == "code_not_in_slot"
    code, out, _ = _run(capsys, "conflicts", "resolve", str(row["id"]), "--accept-server", "--db", db)
    assert code == 0 and "Đã xử lý" in out

    database = open_database(db_path)
    with database.write() as session:
        session.execute(text("UPDATE sync_enrolment SET server_url = 'http://127.0.0.1:9'"))
    database.close()
    code, out, err = _run(capsys, "sync", "--once", "--db", db)
    assert code == 1 and "Không kết nối được máy chủ" in err
