"""Sổ theo dõi hồ sơ: rows read from the database, numbered as the receipt numbers them, XLSX and PDF."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Desk
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from counter_app import settings
from counter_app.errors import UserFacingError
from counter_app.services import forms, tracking_book, workflow
from counter_app.storage.models import Dossier

Texts = Callable[[bytes], list[str]]
PROCEDURE = "1.004873"
NAMES = ("Nguyễn Thị Ánh", "Trần Văn Bảo", "Lê Thị Cúc", "Phạm Đức Dũng")
START = datetime(2026, 1, 5, 8, 0)  # Monday, Vietnam time


def _register(desk: Desk, name: str, received: datetime, id_number: str) -> str:
    desk.clock.advance(received - timedelta(hours=7) - desk.clock.now_utc())
    return desk.register(
        name, appointment=received + timedelta(days=3), id_number=id_number, procedure_code=PROCEDURE
    )


@pytest.fixture
def codes(desk: Desk) -> list[str]:
    """Four dossiers on four days; the first is handed over, finished on its appointment day and returned."""
    found = [
        _register(desk, name, START + timedelta(days=i), f"00818600123{i}") for i, name in enumerate(NAMES)
    ]
    desk.clock.advance(timedelta(hours=1))
    now = START + timedelta(days=3, hours=1)
    with desk.db.write() as session:
        for action in ("processing", "result_ready", "returned"):
            workflow.transition(session, desk.clock, found[0], action, desk.clerk_id, at_local=now)
    return found


def test_rows_follow_the_database_and_the_receipt_numbering(desk: Desk, codes: list[str]) -> None:
    with desk.db.read() as session:
        rows = tracking_book.book_rows(session, date(2026, 1, 1), date(2026, 1, 31), clock=desk.clock)
        numbers = {code: forms.receipt_data(session, code).tracking_book_number for code in codes}
    assert [r.code for r in rows] == codes
    assert [r.applicant_name for r in rows] == list(NAMES)
    assert [r.number for r in rows] == [numbers[c] for c in codes] == [1, 2, 3, 4]
    first = rows[0]
    assert first.transferred_at == first.result_at == first.returned_at == START + timedelta(days=3, hours=1)
    assert first.timeliness == "Đúng hạn"
    assert rows[1].transferred_at is None and rows[1].timeliness == "Trong hạn"
    assert first.address_phone == "Thôn Đồng Tâm, Xã Ỷ La, Tỉnh Tuyên Quang; 0912345678"
    assert first.procedure_name.startswith("Cấp Giấy xác nhận tình trạng hôn nhân")


def test_a_later_period_keeps_the_year_numbering(desk: Desk, codes: list[str]) -> None:
    with desk.db.read() as session:
        rows = tracking_book.book_rows(session, date(2026, 1, 7), date(2026, 1, 8), clock=desk.clock)
    assert [(r.number, r.code) for r in rows] == [(3, codes[2]), (4, codes[3])]


def test_reversed_range_is_a_vietnamese_error(desk: Desk) -> None:
    expected = "ngày bắt đầu 31/01/2026 ở sau ngày kết thúc 01/01/2026"
    with pytest.raises(UserFacingError, match=expected), desk.db.read() as session:
        tracking_book.book_rows(session, date(2026, 1, 31), date(2026, 1, 1))


def test_xlsx_rows_equal_the_database(desk: Desk, codes: list[str], tmp_path: Path) -> None:
    with desk.db.write() as session:
        settings.put(session, desk.clock, settings.TRACKING_BOOK_VOLUME, 3, desk.clerk_id)
    with desk.db.read() as session:
        rows = tracking_book.book_rows(session, date(2026, 1, 1), date(2026, 1, 31), clock=desk.clock)
        volume = tracking_book.book_volume(session)
        stored = session.execute(select(Dossier.code, Dossier.name_fold)).all()
    path = tmp_path / "so.xlsx"
    tracking_book.export_xlsx(rows, path, volume=volume, period=(date(2026, 1, 1), date(2026, 1, 31)))
    sheet = load_workbook(path).active
    assert sheet is not None
    assert sheet["A1"].value == "SỔ THEO DÕI HỒ SƠ"
    assert sheet["A2"].value == "Quyển số: 03"
    header = [c.value for c in sheet[tracking_book.HEADER_ROW]]
    assert header == list(tracking_book.COLUMNS)
    assert sheet.freeze_panes == f"A{tracking_book.HEADER_ROW + 1}"
    assert sheet.column_dimensions["E"].width == 40
    data = [[c.value for c in line] for line in sheet.iter_rows(min_row=tracking_book.HEADER_ROW + 1)]
    assert len(data) == len(stored) == 4
    assert [d[0] for d in data] == [1, 2, 3, 4]
    assert [d[1] for d in data] == codes
    assert [d[2] for d in data] == list(NAMES)
    assert [d[5] for d in data] == [1, 1, 1, 1]  # Số bộ hồ sơ, as received
    assert data[0][6] == START and data[0][11] == "Đúng hạn"
    assert [d[12] for d in data] == [None] * 4  # Ký nhận: left for the signature by hand


def test_pdf_is_landscape_with_the_header_and_names(
    desk: Desk, codes: list[str], pdf_text: Texts, rasterise: Callable[..., list[Image.Image]]
) -> None:
    with desk.db.read() as session:
        rows = tracking_book.book_rows(session, date(2026, 1, 1), date(2026, 1, 31), clock=desk.clock)
    pdf = tracking_book.export_pdf(rows * 15, volume=1)  # 60 lines: more than one page
    pages = pdf_text(pdf)
    assert len(pages) >= 2
    assert all("Tên cá nhân, tổ chức" in page for page in pages)  # the header repeats
    assert NAMES[0] in pages[0] and codes[0] in pages[0]
    first = rasterise(pdf, dpi=20, first=1, last=1)[0]
    assert first.width > first.height  # landscape A4


def test_sets_count_and_signature_column_in_both_exports(
    desk: Desk,
    codes: list[str],
    tmp_path: Path,
    pdf_text: Texts,
    rasterise: Callable[..., list[Image.Image]],
) -> None:
    with desk.db.write() as session:  # the second dossier was handed in as two sets
        dossier = session.scalar(select(Dossier).where(Dossier.code == codes[1]))
        assert dossier is not None
        dossier.sets_count = 2
    with desk.db.read() as session:
        rows = tracking_book.book_rows(session, date(2026, 1, 1), date(2026, 1, 31), clock=desk.clock)
    assert [r.sets_count for r in rows] == [1, 2, 1, 1]
    assert tracking_book.COLUMNS[5] == "Số bộ hồ sơ"
    assert tracking_book.COLUMNS[tracking_book.SIGNATURE_COLUMN] == "Ký nhận"
    assert tracking_book.COLUMNS[-1] == "Ghi chú"

    path = tmp_path / "so.xlsx"
    tracking_book.export_xlsx(rows, path)
    sheet = load_workbook(path).active
    assert sheet is not None
    header = [c.value for c in sheet[tracking_book.HEADER_ROW]]
    sets_col, sign_col = header.index("Số bộ hồ sơ"), header.index("Ký nhận")
    lines = list(sheet.iter_rows(min_row=tracking_book.HEADER_ROW + 1))
    assert [line[sets_col].value for line in lines] == [1, 2, 1, 1]
    assert all(line[sign_col].value is None for line in lines)  # signed by hand on paper
    assert all(line[sign_col].border.left.style == "thin" for line in lines)  # a ruled box to sign in

    pdf = tracking_book.export_pdf(rows, volume=1)
    image = rasterise(pdf, dpi=110, first=1, last=1)[0]
    shots = os.environ.get("FORM_SHOTS")
    if shots:
        image.save(Path(shots) / "tracking-book.png")
    page = pdf_text(pdf)[0]  # -layout keeps a wrapped header cell's lines apart: look for each line
    assert "Số bộ" in page and "Ký nhận" in page and "Ghi chú" in page
    assert image.width > image.height
