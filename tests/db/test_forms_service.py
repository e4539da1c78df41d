"""Saved dossier → printed forms: files kept under forms/, text and codes read back, prints recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import Desk
from PIL import Image
from sqlalchemy import select

from counter_app import settings
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.paths import data_dir
from counter_app.services import forms, intake, users
from counter_app.storage.models import AuditEntry, Dossier, DossierEvent, Procedure

Raster = Callable[..., list[Image.Image]]
Texts = Callable[[bytes], list[str]]
Decode = Callable[[Image.Image], dict[str, str]]

PROCEDURE = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân, 3 working days, 3.000 đ (built-in catalogue)
NAME = "Nguyễn Thị Ánh"
RECEIVED = datetime(2026, 1, 5, 9, 32)  # Monday, Vietnam time
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
APPOINTMENT_TEXT = "09 giờ 32 phút, ngày 08 tháng 01 năm 2026"  # NĐ 30/2020: months 1 and 2 padded


def _register(desk: Desk, name: str = NAME, appointment: datetime = APPOINTMENT) -> str:
    """A dossier received at RECEIVED by the desk's clerk, with every paper of the procedure."""
    return desk.register(name, appointment=appointment, procedure_code=PROCEDURE)


def _print(desk: Desk, code: str, reason: str | None = None, user_id: str | None = None) -> forms.PrintedForm:
    with desk.db.write() as session:
        return forms.print_receipt(session, desk.clock, code, user_id or desk.clerk_id, reason)


def _supervisor(desk: Desk) -> str:
    fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with desk.db.write() as session:
        return users.create_user(
            session, desk.clock, "lanhdao", "Phạm Quốc Việt", "supervisor", "mat-khau-456", policy=fast
        ).id


def _events(desk: Desk, code: str) -> list[str]:
    with desk.db.read() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        return [e.kind for e in dossier.events]


def test_forms_dir_is_inside_the_data_directory() -> None:
    assert forms.forms_dir() == data_dir() / "forms"
    assert forms.forms_dir().is_dir()


def test_print_receipt_keeps_the_pdf_with_every_field(desk: Desk, pdf_text: Texts) -> None:
    code = _register(desk)
    printed = _print(desk, code)
    assert printed.kind == "receipt" and not printed.reprint
    assert printed.path == forms.forms_dir() / "2026" / "01" / f"{code}-giay-tiep-nhan.pdf"
    assert printed.path.read_bytes() == printed.pdf
    assert not list(printed.path.parent.glob("*.tmp"))
    pages = pdf_text(printed.path.read_bytes())
    assert len(pages) == 2
    assert "Liên 1" in pages[0] and "Liên 2" in pages[1]
    for page in pages:
        assert f"Bà {NAME}" in page
        assert "Cấp Giấy xác nhận tình trạng hôn nhân" in page
        assert code in page
        assert f"Thời gian trả kết quả giải quyết hồ sơ: {APPOINTMENT_TEXT}" in page
        assert "Thời gian nhận hồ sơ: 09 giờ 32 phút, ngày 05 tháng 01 năm 2026" in page
        assert "3 ngày làm việc" in page
        assert "Đã thu 3.000 đ" in page
        assert "Quyển số: 01 Số thứ tự: 1" in page
        assert "Lò Thị Ưng" in page
    assert _events(desk, code) == ["received", "receipt_printed"]


def test_print_receipt_barcode_and_qr_decode_at_300_dpi(
    desk: Desk, rasterise: Raster, decode: Decode
) -> None:
    code = _register(desk)
    printed = _print(desk, code)
    page = rasterise(printed.path.read_bytes(), dpi=300, first=1, last=1)[0]
    found = decode(page)
    assert found.get("Code128") == code
    assert found.get("QRCode") == settings.STATUS_PAGE_URL.default + code


def test_reprint_needs_a_reason_then_keeps_a_new_file_and_an_audit_row(desk: Desk) -> None:
    code = _register(desk)
    first = _print(desk, code)
    with pytest.raises(FieldErrors) as caught:
        _print(desk, code)
    assert "reprint_reason" in caught.value.errors
    assert _events(desk, code) == ["received", "receipt_printed"]
    assert sorted(p.name for p in first.path.parent.iterdir()) == [first.path.name]

    desk.clock.advance(timedelta(days=1))
    boss = _supervisor(desk)  # a day later a reprint is the supervisor's (see test_reprint_gate.py)
    again = _print(desk, code, "Công dân làm mất giấy hẹn", boss)
    assert again.reprint
    assert again.path.name == f"{code}-giay-tiep-nhan-in-lai-1.pdf"
    assert first.path.is_file() and again.path.is_file()
    third = _print(desk, code, "Máy in kẹt giấy", boss)
    assert third.path.name.endswith("-in-lai-2.pdf")
    assert _events(desk, code) == ["received", "receipt_printed", "receipt_reprinted", "receipt_reprinted"]
    with desk.db.read() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "receipt_reprinted")).all()
        assert [row.entity_id for row in rows] == [intake.get_dossier_by_code(session, code).id] * 2
        assert "Công dân làm mất giấy hẹn" in rows[0].detail


def test_rolled_back_print_leaves_no_event_and_no_file(desk: Desk) -> None:
    code = _register(desk)
    written: list[Path] = []
    with pytest.raises(RuntimeError), desk.db.write() as session:
        printed = forms.print_receipt(session, desk.clock, code, desk.clerk_id)
        written.append(printed.path)
        assert printed.path.is_file()  # written before the commit …
        raise RuntimeError("the caller fails after printing")
    assert not written[0].exists()  # … and deleted by the rollback
    assert _events(desk, code) == ["received"]
    # The next print is again the first one, under the same name.
    assert _print(desk, code).path == written[0]


def test_rolled_back_savepoint_deletes_only_its_own_file(desk: Desk) -> None:
    code, other = _register(desk), _register(desk, "Đặng Văn Ỷ")
    with desk.db.write() as session:
        kept = forms.print_receipt(session, desk.clock, code, desk.clerk_id)
        savepoint = session.begin_nested()
        dropped = forms.print_receipt(session, desk.clock, other, desk.clerk_id)
        savepoint.rollback()
    assert kept.path.is_file() and not dropped.path.exists()
    assert _events(desk, code)[-1] == "receipt_printed"
    assert _events(desk, other) == ["received"]


def test_receipt_data_reads_settings_book_number_and_printed_appointment(desk: Desk) -> None:
    first, second = _register(desk), _register(desk, "Đặng Văn Ỷ")
    with desk.db.write() as session:
        settings.put(session, desk.clock, settings.TRACKING_BOOK_VOLUME, 3, desk.clerk_id)
        settings.put(
            session, desk.clock, settings.STATUS_PAGE_URL, "https://dvc.example.vn/tra-cuu?mhs=", None
        )
    _print(desk, second)
    with desk.db.write() as session:  # the appointment moves after the receipt was printed
        dossier = session.scalar(select(Dossier).where(Dossier.code == second))
        assert dossier is not None
        dossier.appointment_at = dossier.appointment_at + timedelta(days=2)  # type: ignore[operator]
    with desk.db.read() as session:
        data = forms.receipt_data(session, second)
        assert forms.receipt_data(session, first).tracking_book_number == 1
    assert data.tracking_book_volume == 3 and data.tracking_book_number == 2
    assert data.status_url == f"https://dvc.example.vn/tra-cuu?mhs={second}"
    assert data.appointment_at == APPOINTMENT  # the promise on paper, not the moved date
    assert data.applicant_title == "Bà"
    assert data.header.parent_name == "UBND xã Ỷ La"
    assert data.received_at == RECEIVED and data.clerk_name == "Lò Thị Ưng"


def test_receipt_data_unknown_code_is_user_facing(desk: Desk) -> None:
    with desk.db.read() as session, pytest.raises(UserFacingError, match="Không tìm thấy hồ sơ mã X-1"):
        forms.receipt_data(session, "X-1")


def test_supplement_pdf_lists_the_missing_papers_and_the_guide(desk: Desk, pdf_text: Texts) -> None:
    with desk.db.write() as session:
        settings.put(session, desk.clock, settings.GUIDE_OFFICER, "Đặng Văn Ỷ", None)
        settings.put(session, desk.clock, settings.GUIDE_PHONE, "0207 3822 123", None)
        procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == PROCEDURE))
        assert procedure_id is not None
        notice = intake.request_supplement_at_intake(
            session,
            desk.clock,
            clerk_id=desk.clerk_id,
            procedure_id=procedure_id,
            applicant_name=NAME,
            applicant_id_number="",
            missing=["Giấy chứng tử của chồng", "Bản án ly hôn"],
        )
        printed = forms.supplement_pdf(session, notice, address="Thôn Đồng Tâm", phone="0912345678")
    assert printed.kind == "supplement" and not printed.reprint
    assert printed.path.parent == forms.forms_dir() / "2026" / "01" and printed.path.is_file()
    text = " ".join(pdf_text(printed.path.read_bytes()))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Giấy chứng tử của chồng" in text and "Bản án ly hôn" in text
    assert f"Ông/Bà {NAME}" in text and "Thôn Đồng Tâm" in text
    assert "liên hệ với công chức Đặng Văn Ỷ, số điện thoại 0207 3822 123 để được hướng dẫn./." in text


def test_refusal_pdf_carries_the_reason_and_falls_back_to_the_clerk(desk: Desk, pdf_text: Texts) -> None:
    with desk.db.write() as session:
        procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == PROCEDURE))
        assert procedure_id is not None
        notice = intake.refuse_intake(
            session,
            desk.clock,
            clerk_id=desk.clerk_id,
            procedure_id=procedure_id,
            applicant_name="Đặng Văn Ỷ",
            applicant_id_number="",
            reason="Người yêu cầu không cư trú tại xã.",
        )
        printed = forms.refusal_pdf(session, notice)
    text = " ".join(pdf_text(printed.path.read_bytes()))
    assert printed.kind == "refusal" and printed.path.name == f"mau-03-tu-choi-{notice.audit_id}.pdf"
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Người yêu cầu không cư trú tại xã." in text
    assert "liên hệ với công chức Lò Thị Ưng để được hướng dẫn./." in text


def test_notice_of_the_wrong_kind_is_refused(desk: Desk) -> None:
    with desk.db.write() as session:
        procedure_id = session.scalar(select(Procedure.id).where(Procedure.code == PROCEDURE))
        assert procedure_id is not None
        notice = intake.refuse_intake(
            session,
            desk.clock,
            clerk_id=desk.clerk_id,
            procedure_id=procedure_id,
            applicant_name=NAME,
            applicant_id_number="",
            reason="Không thuộc thẩm quyền.",
        )
        with pytest.raises(ValueError):
            forms.supplement_pdf(session, notice)


def test_print_events_count_matches_files(desk: Desk) -> None:
    code = _register(desk)
    _print(desk, code)
    _print(desk, code, "Bản cũ bị nhòe")
    with desk.db.read() as session:
        prints = session.scalars(
            select(DossierEvent.kind).where(DossierEvent.kind.in_(("receipt_printed", "receipt_reprinted")))
        ).all()
    assert len(prints) == len(list((forms.forms_dir() / "2026" / "01").glob(f"{code}-*.pdf")))
