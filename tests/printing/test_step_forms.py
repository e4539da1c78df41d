"""The forms of a dossier's later steps rendered by poppler: Mẫu 02 during processing, Mẫu 03 after intake,
the stop notice, the control slip's department; text and Code 128 read back, files kept, forms listed."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import Desk
from PIL import Image
from sqlalchemy import select

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import forms, step_forms, workflow
from counter_app.storage.models import AuditEntry

Raster = Callable[..., list[Image.Image]]
Texts = Callable[[bytes], list[str]]
Decode = Callable[[Image.Image], dict[str, str]]
Fonts = Callable[[bytes], list[dict[str, str]]]

NAME = "Nguyễn Thị Ánh"
PROCEDURE_NAME = "Cấp Giấy xác nhận tình trạng hôn nhân"
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
HANDED_OVER = datetime(2026, 1, 5, 14, 5)
TU_PHAP = "Công chức Tư pháp - Hộ tịch"
MISSING = ("Bản sao Giấy khai sinh có chứng thực", "Giấy xác nhận thông tin về cư trú")
SUPPLEMENT_REASON = "Bản sao chưa được chứng thực; thiếu giấy tờ chứng minh nơi cư trú"
STOP_REASON = "Có quyết định của Tòa án tạm đình chỉ việc giải quyết yêu cầu đăng ký kết hôn"
REFUSAL_REASON = "Người yêu cầu đã đăng ký kết hôn tại nơi khác; không thuộc thẩm quyền của UBND xã Ỷ La"


def _shot(image: Image.Image, name: str) -> None:
    """FORM_SHOTS=<folder> keeps the rendered pages to look at."""
    folder = os.environ.get("FORM_SHOTS")
    if folder:
        image.save(Path(folder) / f"{name}.png")


def _move(desk: Desk, code: str, to: str, at: datetime, **kw: object) -> None:
    desk.clock.advance(
        max(timedelta(0), at - desk.clock.now_utc() - timedelta(hours=7)) + timedelta(minutes=1)
    )
    with desk.db.write() as session:
        workflow.transition(session, desk.clock, code, to, desk.clerk_id, at_local=at, **kw)  # type: ignore[arg-type]


def _print(
    desk: Desk, code: str, kind: str, seq: int | None = None, reason: str | None = None
) -> forms.PrintedForm:
    with desk.db.write() as session:
        return step_forms.print_form(
            session, desk.clock, desk.clerk_id, code, kind, seq=seq, reprint_reason=reason
        )


@pytest.fixture
def in_processing(desk: Desk) -> str:
    code = desk.register(NAME, appointment=APPOINTMENT)
    _move(desk, code, "processing", HANDED_OVER, department=TU_PHAP)
    return code


def test_supplement_during_processing_prints_form_02_with_reason_items_and_barcode(
    desk: Desk, in_processing: str, pdf_text: Texts, rasterise: Raster, decode: Decode, pdf_fonts: Fonts
) -> None:
    code = in_processing
    _move(
        desk,
        code,
        "supplement_requested",
        datetime(2026, 1, 6, 8, 15),
        reason=SUPPLEMENT_REASON,
        missing=list(MISSING),
    )
    printed = _print(desk, code, "supplement")
    assert printed.kind == "supplement"
    assert printed.path == forms.forms_dir() / "2026" / "01" / f"{code}-mau-02-yeu-cau-bo-sung-3.pdf"
    assert printed.path.read_bytes() == printed.pdf
    pages = pdf_text(printed.pdf)
    assert len(pages) == 1
    page = pages[0]
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in page
    assert f"Mã hồ sơ: {code}" in page
    assert f"Tiếp nhận hồ sơ của: Bà {NAME}" in page
    assert f"Nội dung yêu cầu giải quyết: {PROCEDURE_NAME}" in page
    assert "Ỷ La, ngày 06 tháng 01 năm 2026" in page  # dated the day of the request
    for item in MISSING:
        assert item in page
    assert f"Lý do: {SUPPLEMENT_REASON}" in page
    assert "NGƯỜI HƯỚNG DẪN" in page and "Lò Thị Ưng" in page  # the clerk who asked
    assert all(row["emb"] == "yes" for row in pdf_fonts(printed.pdf))
    image = rasterise(printed.pdf, dpi=300)[0]
    _shot(image, "form-02-during-processing")
    assert decode(image).get("Code128") == code


def test_refusal_after_processing_prints_form_03_with_the_reason(
    desk: Desk, in_processing: str, pdf_text: Texts, rasterise: Raster, decode: Decode
) -> None:
    code = in_processing
    with pytest.raises(UserFacingError, match="không bị từ chối giải quyết"):
        _print(desk, code, "refusal")
    _move(desk, code, "refused", datetime(2026, 1, 6, 9, 0), reason=REFUSAL_REASON)
    printed = _print(desk, code, "refusal")
    assert printed.path.name == f"{code}-mau-03-tu-choi.pdf"
    page = pdf_text(printed.pdf)[0]
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in page and f"Mã hồ sơ: {code}" in page
    assert "thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:" in page
    assert REFUSAL_REASON in " ".join(page.split())
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in page and "Lò Thị Ưng" in page
    image = rasterise(printed.pdf, dpi=300)[0]
    _shot(image, "form-03-after-processing")
    assert decode(image).get("Code128") == code


def test_stop_notice_says_from_when_why_and_the_fee_paid(
    desk: Desk, in_processing: str, pdf_text: Texts, rasterise: Raster, decode: Decode
) -> None:
    code = in_processing
    with pytest.raises(UserFacingError, match="chưa dừng giải quyết"):
        _print(desk, code, "stop_notice")
    _move(desk, code, "stopped", datetime(2026, 1, 7, 10, 20), reason=STOP_REASON)
    printed = _print(desk, code, "stop_notice")
    assert printed.kind == "stop_notice"
    assert printed.path.name == f"{code}-thong-bao-dung-giai-quyet.pdf"
    page = pdf_text(printed.pdf)[0]
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in page and "Số: …/TB" in page
    assert f"Kính gửi: Bà {NAME}" in page
    assert f"Mã hồ sơ: {code}" in page
    assert "Thời gian hẹn trả kết quả: 09 giờ 32 phút, ngày 08 tháng 01 năm 2026." in page
    assert "Tình trạng hồ sơ khi dừng: Đang xử lý." in page
    assert "thông báo dừng giải quyết hồ sơ nêu trên kể từ 10 giờ 20 phút, ngày 07 tháng 01 năm 2026." in page
    assert f"Lý do: {STOP_REASON}" in page
    assert "Phí, lệ phí đã nộp: 3.000 đ; số tiền được hoàn trả (nếu có):" in page
    assert "CHỦ TỊCH" in page and "Nơi nhận:" in page  # the head of the commune signs
    assert "Theo đề nghị rút hồ sơ" not in page
    image = rasterise(printed.pdf, dpi=300)[0]
    _shot(image, "stop-notice")
    assert decode(image).get("Code128") == code


def test_stop_notice_after_a_withdrawal_names_the_applicant_request(desk: Desk, pdf_text: Texts) -> None:
    code = desk.register(NAME, appointment=APPOINTMENT)
    _move(desk, code, "withdrawn", datetime(2026, 1, 5, 15, 0), reason="Công dân xin rút để bổ sung sau")
    page = pdf_text(_print(desk, code, "stop_notice").pdf)[0]
    assert "Theo đề nghị rút hồ sơ của Bà, Trung tâm Phục vụ hành chính công xã Ỷ La thông báo dừng" in page
    assert "Tình trạng hồ sơ khi dừng: Được tiếp nhận." in page


def test_control_slip_names_the_department_the_dossier_went_to(
    desk: Desk, in_processing: str, pdf_text: Texts
) -> None:
    page = pdf_text(_print(desk, in_processing, "control_slip").pdf)[0]
    assert f"Cơ quan (bộ phận) giải quyết hồ sơ: {TU_PHAP}" in page
    assert "2. Nhận: Công chức Tư" in page  # the receiving cell (the name wraps inside it)
    # Before any transfer the slip names where it would go: the catalogue's body in charge.
    other = desk.register("Trần Văn Bảo", appointment=APPOINTMENT, id_number="008186001299")
    with desk.db.write() as session:
        data = forms.control_slip_data(session, other)
    assert data.processing_body == TU_PHAP  # the last department used for the procedure
    assert data.handovers[0].receiver == TU_PHAP and data.handovers[0].at is None


def test_control_slip_defaults_to_the_catalogue_body_in_charge(desk: Desk) -> None:
    code = desk.register(NAME, appointment=APPOINTMENT)
    _move(desk, code, "processing", HANDED_OVER)
    with desk.db.write() as session:
        data = forms.control_slip_data(session, code)
    assert (data.processing_body, data.handovers[0].receiver) == ("UBND cấp xã", "UBND cấp xã")


def test_printable_forms_follow_the_steps_and_each_prints(desk: Desk, in_processing: str) -> None:
    code = in_processing
    _move(
        desk,
        code,
        "extended",
        datetime(2026, 1, 6, 9, 0),
        reason="Cần xác minh",
        new_appointment_local=datetime(2026, 1, 12, 9, 0),
    )
    _move(desk, code, "supplement_requested", datetime(2026, 1, 6, 10, 0), reason="Thiếu", missing=["Ảnh"])
    _move(desk, code, "withdrawn", datetime(2026, 1, 6, 11, 0), reason="Công dân xin rút")
    with desk.db.read() as session:
        choices = step_forms.printable_forms(session, code)
    # Never printed, and withdrawn while paused (no appointment): no receipt to print.
    assert [(c.kind, c.seq) for c in choices] == [
        ("control_slip", None),
        ("apology", 3),
        ("supplement", 4),
        ("stop_notice", 5),
    ]
    assert choices[1].label == "Mẫu 04, gia hạn lần 1 lúc 09:00 06/01/2026"
    assert choices[2].label == "Mẫu 02, yêu cầu bổ sung lúc 10:00 06/01/2026"
    for choice in choices:
        printed = _print(desk, code, choice.kind, choice.seq)
        assert printed.kind == choice.kind and printed.path.is_file()


def test_receipt_reprint_from_a_dossier_needs_a_reason_and_is_audited(desk: Desk) -> None:
    code = desk.register(NAME, appointment=APPOINTMENT)
    with desk.db.read() as session:
        choice = step_forms.printable_forms(session, code)[0]
    assert (choice.kind, choice.needs_reason) == ("receipt", False)  # the first print needs no reason
    assert choice.label == "In Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)"
    first = _print(desk, code, "receipt")
    assert not first.reprint
    with desk.db.read() as session:
        choice = step_forms.printable_forms(session, code)[0]
    assert choice.needs_reason and choice.label.startswith("In lại Giấy tiếp nhận")
    with pytest.raises(FieldErrors) as caught:
        _print(desk, code, "receipt")
    assert "reprint_reason" in caught.value.errors
    again = _print(desk, code, "receipt", reason="Công dân làm mất giấy hẹn")
    assert again.reprint and again.path != first.path
    with desk.db.read() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "receipt_reprinted")).one()
        assert "Công dân làm mất giấy hẹn" in audit.detail


def test_an_unknown_form_or_step_is_a_vietnamese_error(desk: Desk, in_processing: str) -> None:
    with pytest.raises(UserFacingError, match="Không có mẫu “giay_phep”"):
        _print(desk, in_processing, "giay_phep")
    with pytest.raises(UserFacingError, match="không có lần yêu cầu bổ sung này"):
        _print(desk, in_processing, "supplement", seq=2)
    with pytest.raises(UserFacingError, match=r"Bước 2 .* không phải một lần gia hạn"):
        _print(desk, in_processing, "apology", seq=2)


def test_a_rolled_back_print_leaves_no_file(desk: Desk, in_processing: str) -> None:
    _move(desk, in_processing, "stopped", datetime(2026, 1, 7, 10, 20), reason=STOP_REASON)
    with desk.db.write() as session:
        printed = step_forms.print_form(session, desk.clock, desk.clerk_id, in_processing, "stop_notice")
        assert printed.path.is_file()
        session.rollback()
    assert not printed.path.exists()
