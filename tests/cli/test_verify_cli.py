"""counter-admin verify: a clean database passes; each kind of tampering fails and names the rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import add_procedure

from counter_app.cli.admin import main
from counter_app.clock import SystemClock
from counter_app.services import codes
from counter_app.services.counter_setup import load_identity
from counter_app.storage.database import open_database


@pytest.fixture
def received(db_path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """Three dossiers received through the real CLI path; the second moved to processing."""
    add_procedure(db_path, "T.VERIFY", "Thủ tục thử kiểm tra")
    found = []
    people = (
        ("Nguyễn Văn An", "001092012345"),
        ("Trần Thị Bình", "001192012346"),
        ("Lò Thị Ưng", "011192012347"),
    )
    for name, number in people:
        args = [
            "receive",
            "--db",
            str(db_path),
            "--procedure",
            "T.VERIFY",
            "--name",
            name,
            "--id-number",
            number,
        ]
        assert main(args) == 0
        found.append(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["dossier", "transition", found[1], "--db", str(db_path), "--to", "processing"]) == 0
    capsys.readouterr()
    return found


def _verify(db_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(["verify", "--db", str(db_path), "--json"])
    return status, json.loads(capsys.readouterr().out)


def _findings(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return next(c for c in report["checks"] if c["name"] == check)["findings"]


def _tamper(db_path: Path, *statements: str) -> None:
    """What someone with the file and the sqlite3 shell could do, bypassing the app's triggers."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        conn.execute(sql)
    for _, sql in triggers:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_a_clean_database_passes(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = _verify(db_path, capsys)
    assert status == 0, report
    assert report["ok"] and report["errors"] == 0
    by_name = {c["name"]: c for c in report["checks"]}
    assert set(by_name) == {"file", "audit", "codes", "events", "outbox"}
    assert by_name["codes"]["examined"] == 3
    assert main(["verify", "--db", str(db_path)]) == 0
    assert "Kết quả: không phát hiện lỗi." in capsys.readouterr().out


def test_an_edited_audit_row_is_named(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(db_path, "UPDATE audit_log SET detail = replace(detail, 'T.VERIFY', 'T.KHAC') WHERE id = 3")
    status, report = _verify(db_path, capsys)
    assert status == 1 and not report["ok"]
    findings = _findings(report, "audit")
    assert [f["rows"] for f in findings] == [["3"]]
    assert "Dòng nhật ký 3 đã bị sửa" in findings[0]["message"]


def test_a_deleted_audit_row_is_named(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(db_path, "DELETE FROM audit_log WHERE id = 2")
    status, report = _verify(db_path, capsys)
    assert status == 1
    findings = _findings(report, "audit")
    assert findings and findings[0]["rows"] == ["3"]
    assert "không nối với dòng trước" in findings[0]["message"]


def test_a_deleted_dossier_leaves_an_unexplained_gap(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(
        db_path,
        f"DELETE FROM dossier_events WHERE dossier_id = (SELECT id FROM dossiers WHERE code = '{received[0]}')",
        f"DELETE FROM dossier_documents WHERE dossier_id = (SELECT id FROM dossiers WHERE code = '{received[0]}')",
        f"DELETE FROM dossiers WHERE code = '{received[0]}'",
    )
    status, report = _verify(db_path, capsys)
    assert status == 1
    gap = _findings(report, "codes")
    assert len(gap) == 1 and gap[0]["severity"] == "error"
    assert f"số {int(received[0][-3:])} đã cấp nhưng không còn hồ sơ" in gap[0]["message"]
    orphan = _findings(report, "outbox")
    assert len(orphan) == 1 and "không còn trong cơ sở dữ liệu" in orphan[0]["message"]


def test_a_status_changed_by_hand_is_found(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(db_path, f"UPDATE dossiers SET status = 10 WHERE code = '{received[2]}'")
    status, report = _verify(db_path, capsys)
    assert status == 1
    findings = _findings(report, "events")
    assert [f["rows"] for f in findings] == [[received[2]]]
    assert "trạng thái khác với sự kiện cuối cùng" in findings[0]["message"]


def test_a_dossier_without_its_outbox_op_is_found(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _tamper(
        db_path,
        f"DELETE FROM outbox WHERE entity_id = (SELECT id FROM dossiers WHERE code = '{received[1]}')",
    )
    status, report = _verify(db_path, capsys)
    assert status == 1
    assert [f["rows"] for f in _findings(report, "outbox")] == [[received[1]]]


def test_a_high_water_raise_is_an_explained_gap(
    db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    match = codes.CODE_PATTERN.match(received[0])
    assert match
    database = open_database(db_path)
    try:
        with database.write() as session:
            identity = load_identity(session)
            received_day = date(2000 + int(match["day"][:2]), int(match["day"][2:4]), int(match["day"][4:]))
            codes.raise_high_water(
                session, SystemClock(), identity.agency_code, identity.code_slot, received_day, 9
            )
    finally:
        database.close()
    status, report = _verify(db_path, capsys)
    assert status == 0, report
    findings = _findings(report, "codes")
    assert len(findings) == 1 and findings[0]["severity"] == "warning"
    assert "số 4–9 không có hồ sơ ở máy này" in findings[0]["message"]
    assert report["warnings"] == 1


def test_a_damaged_file_fails(db_path: Path, received: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'ix_dossiers_name_received'"
    ).fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with db_path.open("r+b") as handle:  # scribble over one index page: the tables stay readable
        handle.seek((root - 1) * page_size + 8)
        handle.write(b"\xff" * 64)
    status = main(["verify", "--db", str(db_path), "--json"])
    out = capsys.readouterr()
    assert status == 1
    report = json.loads(out.out)
    assert not report["ok"]
    assert _findings(report, "file")[0]["message"].startswith("Tệp cơ sở dữ liệu bị hỏng")
