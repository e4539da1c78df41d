"""Phiếu kiểm soát quá trình giải quyết hồ sơ: rendered by poppler, text and barcode read back, file kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from conftest import Desk
from PIL import Image

from counter_app.errors import UserFacingError
from counter_app.services import forms, workflow

Raster = Callable[..., list[Image.Image]]
Texts = Callable[[bytes], list[str]]
Decode = Callable[[Image.Image], dict[str, str]]

PROCEDURE = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân, 3 working days (built-in catalogue)
PROCEDURE_NAME = "Cấp Giấy xác nhận tình trạng hôn nhân"
NAME = "Nguyễn Thị Ánh"
RECEIVED = datetime(2026, 1, 5, 9, 32)  # Monday, Vietnam time
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
HANDED_OVER = datetime(2026, 1, 5, 14, 5)


def register(desk: Desk, name: str = NAME, appointment: datetime = APPOINTMENT) -> str:
    """A dossier received at RECEIVED by the desk's clerk, with every paper of the procedure."""
    return desk.register(name, appointment=appointment, procedure_code=PROCEDURE)


def hand_over(desk: Desk, code: str, at: datetime = HANDED_OVER) -> None:
    desk.clock.advance(at - RECEIVED + timedelta(minutes=1))
    with desk.db.write() as session:
        workflow.transition(session, desk.clock, code, "processing", desk.clerk_id, at_local=at)


def _slip(desk: Desk, code: str) -> forms.PrintedForm:
    with desk.db.write() as session:
        return forms.control_slip_pdf(session, code)


def test_control_slip_prints_the_dossier_and_the_first_handover(desk: Desk, pdf_text: Texts) -> None:
    code = register(desk)
    hand_over(desk, code)
    printed = _slip(desk, code)
    assert printed.kind == "control_slip"
    assert printed.path == forms.forms_dir() / "2026" / "01" / f"{code}-phieu-kiem-soat.pdf"
    assert printed.path.read_bytes() == printed.pdf
    pages = pdf_text(printed.pdf)
    assert len(pages) == 1
    page = pages[0]
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in page
    assert f"Kèm theo hồ sơ của: Bà {NAME}" in page
    assert f"Loại thủ tục: {PROCEDURE_NAME}" in page
    assert f"Mã hồ sơ: {code}" in page
    assert "Thời gian nhận hồ sơ: 09 giờ 32 phút, ngày 05 tháng 01 năm 2026" in page
    assert "Thời gian hẹn trả kết quả: 09 giờ 32 phút, ngày 08 tháng 01 năm 2026" in page
    for column in ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "KẾT QUẢ", "GHI CHÚ"):
        assert column in page
    assert "1. Giao: Bộ phận TN&TKQ" in page
    assert "14 giờ 05 phút, ngày 05 tháng 01 năm 2026" in page  # the processing event
    assert "Lò Thị Ưng" in page  # who handed it over
    # The first row plus the rows left for the departments, each with its giver and receiver.
    assert page.count("1. Giao:") == 1 + forms.CONTROL_SLIP_BLANK_ROWS
    assert page.count("2. Nhận:") == 1 + forms.CONTROL_SLIP_BLANK_ROWS


def test_control_slip_before_the_handover_leaves_the_time_blank(desk: Desk, pdf_text: Texts) -> None:
    code = register(desk)
    page = pdf_text(_slip(desk, code).pdf)[0]
    assert "1. Giao: Bộ phận TN&TKQ" in page
    assert "14 giờ 05 phút" not in page
    assert page.count("… giờ … phút, ngày … tháng … năm …") == 1 + forms.CONTROL_SLIP_BLANK_ROWS


def test_control_slip_barcode_decodes_at_300_dpi(desk: Desk, rasterise: Raster, decode: Decode) -> None:
    code = register(desk)
    hand_over(desk, code)
    page = rasterise(_slip(desk, code).pdf, dpi=300)[0]
    assert decode(page).get("Code128") == code


def test_control_slip_embeds_its_fonts(
    desk: Desk, pdf_fonts: Callable[[bytes], list[dict[str, str]]]
) -> None:
    code = register(desk)
    rows = pdf_fonts(_slip(desk, code).pdf)
    assert rows and all(row["emb"] == "yes" for row in rows)
    assert all("Tinos" in row["name"] for row in rows)


def test_control_slip_of_an_unknown_code_is_a_user_error(desk: Desk) -> None:
    with pytest.raises(UserFacingError, match="Không tìm thấy hồ sơ"), desk.db.write() as session:
        forms.control_slip_pdf(session, "000.00.31.H12-260105-9999")


def test_control_slip_file_is_removed_when_the_transaction_rolls_back(desk: Desk) -> None:
    code = register(desk)
    with desk.db.write() as session:
        printed = forms.control_slip_pdf(session, code)
        assert printed.path.is_file()
        session.rollback()
    assert not printed.path.exists()
