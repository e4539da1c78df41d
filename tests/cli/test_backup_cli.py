"""counter-admin backup --auto/--list, restore --from, codes release: the IT admin's way back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.clock import SystemClock
from counter_app.services import users
from counter_app.storage.database import open_database


def _backups(db_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["backup", "--db", str(db_path), "--list", "--json"]) == 0
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return found


def test_auto_backup_once_a_day_then_list(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _backups(db_path, capsys) == []
    assert main(["backup", "--db", str(db_path), "--auto"]) == 0
    assert "Đã sao lưu vào" in capsys.readouterr().out
    assert main(["backup", "--db", str(db_path), "--auto"]) == 0
    assert "Đã có bản sao lưu trong 24 giờ qua" in capsys.readouterr().out
    found = _backups(db_path, capsys)
    assert [b["kind"] for b in found] == ["daily"]
    assert main(["backup", "--db", str(db_path), "--list"]) == 0
    assert "tự động hằng ngày" in capsys.readouterr().out


def test_restore_then_release_with_the_admin_password(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(db_path)
    try:
        with database.write() as session:
            users.create_user(session, SystemClock(), "quantri", "Hà Văn Quản", "admin", "mat-khau-456")
    finally:
        database.close()
    assert main(["backup", "--db", str(db_path), "--json"]) == 0
    backup = json.loads(capsys.readouterr().out)["path"]

    assert main(["restore", "--db", str(db_path), "--from", backup]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "tạm dừng" in out and "trước đó được giữ nguyên" in out

    release = ["codes", "release", "--db", str(db_path), "--none", "--admin", "quantri", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("sai-mat-khau\n"))
    assert main(release) == 1
    assert "Lỗi:" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-456\n"))
    assert main(release) == 0
    assert "Đã cho phép cấp mã hồ sơ trở lại" in capsys.readouterr().out


def test_restore_refuses_a_file_that_is_not_a_backup(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "ghi-chu.txt"
    other.write_text("không phải cơ sở dữ liệu", encoding="utf-8")
    before = db_path.read_bytes()
    assert main(["restore", "--db", str(db_path), "--from", str(other)]) == 1
    assert "không phải bản sao lưu" in capsys.readouterr().err
    assert db_path.read_bytes() == before
