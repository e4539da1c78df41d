"""counter-admin export register: XLSX and PDF written to --out, exit codes, Vietnamese messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from counter_app.cli.admin import main
from counter_app.services import tracking_book

Texts = Callable[[bytes], list[str]]
PROCEDURE = "1.004873"
NAME = "Nguyễn Văn An"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "counter.db"
    init = [
        "init",
        "--db",
        str(path),
        "--agency-code",
        "000.00.31.H12",
        "--agency-name",
        "Trung tâm Phục vụ hành chính công xã Ỷ La",
        "--parent-name",
        "UBND xã Ỷ La",
        "--place",
        "Ỷ La",
    ]
    assert main(init) == 0
    return path


@pytest.fixture
def code(db_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    receive = ["receive", "--db", str(db_path), "--procedure", PROCEDURE, "--name", NAME]
    assert main([*receive, "--id-number", "001092012345"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def _export(db_path: Path, out: Path, start: str, end: str) -> int:
    return main(["export", "register", "--db", str(db_path), "--from", start, "--to", end, "--out", str(out)])


def _this_year() -> tuple[str, str]:
    year = date.today().year
    return f"{year}-01-01", f"{year}-12-31"


def test_export_xlsx_writes_the_book(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "so" / "so-theo-doi.xlsx"
    assert _export(db_path, out, *_this_year()) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("Đã xuất Sổ theo dõi hồ sơ (quyển số 01), 1 hồ sơ") and str(out) in line
    sheet = load_workbook(out).active
    assert sheet is not None
    first = [c.value for c in sheet[tracking_book.HEADER_ROW + 1]]
    assert first[:3] == [1, code, NAME]


def test_export_pdf_writes_the_book(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    out = tmp_path / "so.pdf"
    assert _export(db_path, out, *_this_year()) == 0
    page = pdf_text(out.read_bytes())[0]
    assert NAME in page and code in page


def test_reversed_range_fails_in_vietnamese(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "so.xlsx"
    assert _export(db_path, out, "2026-02-01", "2026-01-01") == 1
    err = capsys.readouterr().err.strip()
    assert err == "Lỗi: Khoảng ngày không hợp lệ: ngày bắt đầu 01/02/2026 ở sau ngày kết thúc 01/01/2026."
    assert not out.exists()


def test_bad_date_and_bad_suffix(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        _export(db_path, tmp_path / "so.xlsx", "2026-13-01", "2026-12-31")
    assert caught.value.code == 2
    assert "không hợp lệ; hãy ghi theo dạng YYYY-MM-DD" in capsys.readouterr().err
    assert _export(db_path, tmp_path / "so.csv", "2026-01-01", "2026-12-31") == 1
    assert "phải có đuôi .xlsx hoặc .pdf" in capsys.readouterr().err
