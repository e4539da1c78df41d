"""Mẫu 04, Phiếu xin lỗi và hẹn lại ngày trả kết quả: rendered by poppler, text read back, file kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from conftest import Desk

from counter_app.errors import UserFacingError
from counter_app.services import forms, workflow

Texts = Callable[[bytes], list[str]]
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


REASON = "Cần xác minh thông tin hộ tịch tại nơi cư trú trước đây của người yêu cầu"
NEW_APPOINTMENT = datetime(2026, 1, 13, 16, 0)
EXTENDED_AT = datetime(2026, 1, 7, 10, 15)


def extend(desk: Desk, code: str) -> None:
    desk.clock.advance(EXTENDED_AT - desk.clock.now_utc() - timedelta(hours=7) + timedelta(minutes=1))
    with desk.db.write() as session:
        workflow.transition(
            session,
            desk.clock,
            code,
            "extended",
            desk.clerk_id,
            at_local=EXTENDED_AT,
            reason=REASON,
            new_appointment_local=NEW_APPOINTMENT,
        )


def _apology(desk: Desk, code: str) -> forms.PrintedForm:
    with desk.db.write() as session:
        return forms.apology_pdf(session, code)


def test_apology_names_the_applicant_the_reason_and_the_new_date(desk: Desk, pdf_text: Texts) -> None:
    code = register(desk)
    hand_over(desk, code)
    extend(desk, code)
    printed = _apology(desk, code)
    assert printed.kind == "apology"
    assert printed.path == forms.forms_dir() / "2026" / "01" / f"{code}-mau-04-xin-loi-1.pdf"
    assert printed.path.read_bytes() == printed.pdf
    pages = pdf_text(printed.pdf)
    assert len(pages) == 1
    page = pages[0]
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in page
    assert "Số: …/PXL" in page
    assert "Ỷ La, ngày 07 tháng 01 năm 2026" in page
    assert f"Kính gửi: Bà {NAME}" in page
    assert "Thôn Đồng Tâm, Xã Ỷ La, Tỉnh Tuyên Quang" in page and "0912345678" in page
    assert "Ngày 05 tháng 01 năm 2026" in page
    assert PROCEDURE_NAME in page
    assert f"Mã hồ sơ: {code}" in page
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 32 phút, ngày 08 tháng 01 năm 2026" in page
    assert f"Lý do: {REASON}" in page
    assert "trân trọng xin lỗi Bà" in page
    assert "Thời gian hẹn trả kết quả lại: 16 giờ 00 phút, ngày 13 tháng 01 năm 2026" in page
    assert "Trân trọng./." in page
    assert "CHỦ TỊCH" in page and "Nơi nhận:" in page


def test_apology_without_an_extension_is_a_user_error(desk: Desk) -> None:
    code = register(desk)
    with pytest.raises(UserFacingError, match="chưa được gia hạn"), desk.db.write() as session:
        forms.apology_pdf(session, code)
    assert not list(forms.forms_dir().rglob("*mau-04*"))


def test_apology_embeds_only_tinos(desk: Desk, pdf_fonts: Callable[[bytes], list[dict[str, str]]]) -> None:
    code = register(desk)
    extend(desk, code)
    rows = pdf_fonts(_apology(desk, code).pdf)
    assert rows and all(row["emb"] == "yes" and "Tinos" in row["name"] for row in rows)
