"""counter-admin init/info: create, describe, and refuse files that are not counter databases."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.storage.migrations import latest_version
from tests.i18n_scan import VIETNAMESE

INIT = [
    "--agency-code",
    "000.00.31.H12",
    "--agency-name",
    "Trung tâm Phục vụ hành chính công xã Ỷ La",
    "--parent-name",
    "UBND xã Ỷ La",
    "--place",
    "Ỷ La",
]


def test_cli_init_then_info_json_shows_schema_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.db"
    assert main(["init", "--db", str(path), *INIT]) == 0
    capsys.readouterr()
    assert main(["info", "--db", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == latest_version()
    assert data["agency_name"] == "Trung tâm Phục vụ hành chính công xã Ỷ La"
    assert data["counts"]["dossiers"] == 0
    # A new counter starts with the shipped catalogue, ready to receive dossiers.
    assert data["counts"]["procedures"] >= 25


def test_cli_init_empty_catalogue_loads_no_procedures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.db"
    assert main(["init", "--db", str(path), *INIT, "--empty-catalogue"]) == 0
    capsys.readouterr()
    assert main(["info", "--db", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["procedures"] == 0


def test_cli_init_refuses_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.db"
    path.write_text("ghi chú quan trọng", encoding="utf-8")
    assert main(["init", "--db", str(path), *INIT]) != 0
    assert "đã tồn tại" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "ghi chú quan trọng"


def test_cli_init_rejects_bad_agency_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "c.db"
    args = ["init", "--db", str(path), *INIT]
    args[args.index("000.00.31.H12")] = "mã có dấu cách"
    assert main(args) != 0
    assert "Mã định danh" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_cli_info_on_foreign_or_corrupt_file_fails_cleanly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli.admin", "info", "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("Lỗi: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_cli_backup_while_the_database_is_open_makes_a_checked_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from counter_app.storage.database import open_database

    path = tmp_path / "c.db"
    assert main(["init", "--db", str(path), *INIT]) == 0
    capsys.readouterr()
    running = open_database(path)  # the desk application holds the instance lock
    try:
        out = tmp_path / "usb" / "sao-luu.db"
        assert main(["backup", "--db", str(path), "--out", str(out)]) == 0
        assert "Đã sao lưu" in capsys.readouterr().out
        assert main(["info", "--db", str(out), "--json"]) == 0
        copy = json.loads(capsys.readouterr().out)
        assert copy["agency_name"] == "Trung tâm Phục vụ hành chính công xã Ỷ La"
        assert copy["counts"]["procedures"] >= 25
        # The same target twice is refused rather than overwritten.
        assert main(["backup", "--db", str(path), "--out", str(out)]) != 0
        assert "đã tồn tại" in capsys.readouterr().err
    finally:
        running.close()


def test_cli_backup_refuses_a_foreign_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "other.db"
    foreign.write_bytes(b"not a database at all" * 10)
    assert main(["backup", "--db", str(foreign), "--out", str(tmp_path / "x.db")]) != 0
    assert "không phải cơ sở dữ liệu" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_cli_speaks_english_with_counter_lang_and_vietnamese_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "counter.db"
    assert main(["init", "--db", str(db), *INIT]) == 0
    capsys.readouterr()
    monkeypatch.setenv("COUNTER_LANG", "en")
    assert main(["init", "--db", str(db), *INIT]) != 0  # the file exists already
    english = capsys.readouterr().err
    monkeypatch.delenv("COUNTER_LANG")
    assert main(["init", "--db", str(db), *INIT]) != 0
    vietnamese = capsys.readouterr().err
    assert english != vietnamese
    assert not VIETNAMESE.search(english.replace(str(db), "")), english
    assert VIETNAMESE.search(vietnamese), vietnamese
