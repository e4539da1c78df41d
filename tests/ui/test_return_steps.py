"""The return page's later steps: where a transfer goes, Mẫu 02, refusal (Mẫu 03), the stop notice,
the Mẫu 04 prompt and a supervisor approving a second extension.

The page, its clerk and its dossier come from the `s` fixture of test_return_page (imported, hence F811).
"""
# ruff: noqa: F401, F811

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from test_return_page import FAST, Setup, Texts, _enabled, _extend, _row, _step, _type_code, s

from counter_app.clock import local_to_utc
from counter_app.services import step_forms, users
from counter_app.services.forms import PrintedForm
from counter_app.storage.database import Database
from counter_app.storage.models import DossierEvent
from ui.pages.result.dialogs import DepartmentDialog, ExtensionDialog

TU_PHAP = "Công chức Tư pháp - Hộ tịch"
SHOTS = os.environ.get("FORM_SHOTS")


def _kinds(s: Setup) -> list[str]:
    return [p.kind for p in s.previews]


def test_transfer_asks_where_the_dossier_goes_and_the_slip_names_it(
    qtbot: QtBot, s: Setup, pdf_text: Texts
) -> None:
    _type_code(qtbot, s)
    assert s.page.loaded is not None and s.page.loaded.departments == ("UBND cấp xã",)  # the catalogue's
    s.answers["processing"] = {"department": TU_PHAP}
    _step(s, "processing")
    assert _kinds(s) == ["control_slip"]
    text = pdf_text(s.previews[0].pdf)[0]
    assert f"Cơ quan (bộ phận) giải quyết hồ sơ: {TU_PHAP}" in text
    assert s.page.loaded is not None and s.page.loaded.departments[0] == TU_PHAP  # offered first next time


def test_supplement_request_prints_form_02_with_the_missing_papers(
    qtbot: QtBot, s: Setup, pdf_text: Texts
) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    assert not s.page.print_buttons["supplement"].isEnabled()
    s.answers["supplement_requested"] = {
        "missing": ["Bản sao Giấy khai sinh có chứng thực", "Giấy xác nhận thông tin về cư trú"],
        "reason": "Thiếu giấy tờ chứng minh nơi cư trú",
    }
    _step(s, "supplement_requested")
    assert _kinds(s) == ["control_slip", "supplement"]
    assert "Đã in Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)" in s.page.status.text()
    text = " ".join(pdf_text(s.previews[-1].pdf))
    assert "Giấy xác nhận thông tin về cư trú" in text and "Thiếu giấy tờ chứng minh nơi cư trú" in text
    assert s.code in text
    assert s.page.print_buttons["supplement"].isEnabled()
    s.page.print_buttons["supplement"].click()  # printed again on demand
    assert _kinds(s) == ["control_slip", "supplement", "supplement"]


def test_refusal_after_processing_prints_form_03_and_closes_the_dossier(
    qtbot: QtBot, s: Setup, db: Database, pdf_text: Texts
) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    s.answers["refused"] = None  # the clerk cancels the reason: nothing happens
    _step(s, "refused")
    assert s.page.status.text() == "Đã hủy thao tác." and _row(db, s.code).status == 4
    s.answers["refused"] = {"reason": ""}
    _step(s, "refused")
    assert s.page.status.text() == (
        "Thông tin chưa hợp lệ: Hãy ghi lý do từ chối giải quyết (ghi trên Mẫu 03)."
    )
    s.answers["refused"] = {"reason": "Không thuộc thẩm quyền giải quyết của UBND xã"}
    _step(s, "refused")
    assert _row(db, s.code).status == 3
    assert s.page.summary["status"].text() == "Không được tiếp nhận"
    assert _enabled(s.page) == set()
    assert _kinds(s) == ["control_slip", "refusal"]
    assert "Không thuộc thẩm quyền giải quyết của UBND xã" in " ".join(pdf_text(s.previews[-1].pdf))
    assert s.page.print_buttons["refusal"].isEnabled()


def test_stopping_prints_the_stop_notice_and_a_failed_print_keeps_the_stop(
    qtbot: QtBot, s: Setup, db: Database, pdf_text: Texts, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: object, _code: str) -> PrintedForm:
        raise OSError(28, "No space left on device")

    _type_code(qtbot, s)
    _step(s, "processing")
    monkeypatch.setattr(step_forms, "stop_notice_pdf", broken)
    s.answers["stopped"] = {"reason": "Có quyết định dừng giải quyết của cơ quan có thẩm quyền"}
    _step(s, "stopped")
    assert _row(db, s.code).status == 8  # not undone
    text = s.page.status.text()
    assert (
        "Chưa in được Thông báo dừng giải quyết hồ sơ: không ghi được tệp (No space left on device)" in text
    )
    assert "In thông báo dừng (Mẫu 05)" in text  # the button to try again
    monkeypatch.undo()
    s.page.print_buttons["stop_notice"].click()
    assert _kinds(s) == ["control_slip", "stop_notice"]
    assert "Tình trạng hồ sơ khi dừng: Đang xử lý." in pdf_text(s.previews[-1].pdf)[0]


def _to_due_soon(s: Setup) -> None:
    """Move the clock to one working hour before the loaded dossier's appointment."""
    assert s.page.loaded is not None
    due = s.page.loaded.view.detail.appointment_local
    assert due is not None
    target = due - timedelta(hours=1)
    s.clock.advance(local_to_utc(target) - s.clock.now_utc())


def test_apology_prompt_with_one_working_day_left_starts_the_extension(
    qtbot: QtBot, s: Setup, db: Database
) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    assert not s.page.apology_prompt.isVisibleTo(s.page)  # three working days left
    _to_due_soon(s)
    s.page.load_code(s.code)
    prompt = s.page.apology_prompt
    assert prompt.isVisibleTo(s.page)
    assert prompt.text().startswith("Hồ sơ còn không quá 1 ngày làm việc (còn 1 giờ, hẹn trả")
    assert (
        prompt.label.text().startswith("<b>Sắp đến hạn.</b> Hồ sơ còn") and "(Mẫu 04)" in prompt.label.text()
    )
    if SHOTS:
        s.window.resize(1280, 800)
        qtbot.wait(50)
        assert s.window.grab().save(str(Path(SHOTS) / "return-page-apology-prompt.png"))
    assert s.page.loaded is not None and s.page.loaded.view.detail.appointment_local is not None
    later = s.page.loaded.view.detail.appointment_local + timedelta(days=3)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    s.answers["extended"] = {
        "new_appointment_local": later.replace(hour=9, minute=0),
        "reason": "Chờ xác minh",
    }
    prompt.button.click()
    assert s.asked[-1] == "extended"
    assert s.page.status.text().startswith("Đã thực hiện: Gia hạn")
    assert _kinds(s)[-1] == "apology"
    assert not prompt.isVisibleTo(s.page)  # the new date leaves more than a working day


def test_a_second_extension_is_approved_with_the_supervisor_password(
    qtbot: QtBot, s: Setup, db: Database
) -> None:
    with db.write() as session:
        boss = users.create_user(
            session, s.clock, "binh", "Lê Văn Bình", "supervisor", "lanh-dao-123", policy=FAST
        )
    s.page.policy = FAST
    _type_code(qtbot, s)
    _extend(s, "Cần xác minh")
    assert s.page.loaded is not None and s.page.loaded.extensions == 1
    second = {"new_appointment_local": datetime(2026, 1, 20, 9, 0), "reason": "Chưa có kết quả xác minh"}
    s.answers["extended"] = {**second, "override_username": "binh", "override_password": "sai"}
    _step(s, "extended")
    assert s.page.status.text().startswith("Lãnh đạo phê duyệt: Tên đăng nhập hoặc mật khẩu không đúng.")
    with db.read() as session:
        assert session.get(users.User, boss.id).failed_count == 1  # type: ignore[attr-defined]
        assert session.scalar(select(func.count()).where(DossierEvent.kind == "extended")) == 1
    s.answers["extended"] = {**second, "override_username": "binh", "override_password": "lanh-dao-123"}
    _step(s, "extended")
    assert s.page.status.text() == (
        "Đã thực hiện: Gia hạn, hẹn lại ngày trả (Mẫu 04). Hẹn trả mới: 09:00 20/01/2026."
        " Đã in Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)."
    )
    with db.read() as session:
        payloads = session.scalars(select(DossierEvent.payload).where(DossierEvent.kind == "extended")).all()
    assert json.loads(payloads[-1])["override_by_name"] == "Lê Văn Bình"


def test_extension_dialog_asks_the_supervisor_only_for_a_second_extension(qtbot: QtBot) -> None:
    first = ExtensionDialog(None, datetime(2026, 1, 8, 9, 32), extensions=0)
    qtbot.addWidget(first)
    first.reason.setText("Cần xác minh")  # setText: keyClicks aborts on Vietnamese letters
    assert not first.override_box.isVisibleTo(first)
    assert first.fields() == {"new_appointment_local": datetime(2026, 1, 9, 9, 32), "reason": "Cần xác minh"}

    second = ExtensionDialog(None, datetime(2026, 1, 9, 9, 32), extensions=1)
    qtbot.addWidget(second)
    assert second.override_box.isVisibleTo(second)
    labels = [label.text() for label in second.findChildren(QLabel) if "&" in label.text()]
    keys = [text[text.index("&") + 1].lower() for text in labels]
    assert len(labels) == 4 and len(set(keys)) == len(keys), labels  # every field has its own Alt key
    assert second.override_password.echoMode() == QLineEdit.EchoMode.Password
    second.reason.setText("Chưa có kết quả xác minh")
    qtbot.keyClicks(second.override_user, "binh")
    qtbot.keyClicks(second.override_password, "lanh-dao-123")
    assert second.fields() == {
        "new_appointment_local": datetime(2026, 1, 10, 9, 32),
        "reason": "Chưa có kết quả xác minh",
        "override_username": "binh",
        "override_password": "lanh-dao-123",
    }
    departments = DepartmentDialog(None, [TU_PHAP, "UBND cấp xã"])
    qtbot.addWidget(departments)
    assert departments.department.currentText() == TU_PHAP  # the usual one: Enter accepts it
    if SHOTS:
        second.show()
        departments.show()
        qtbot.waitExposed(second)
        assert second.grab().save(str(Path(SHOTS) / "extension-dialog-override.png"))
        assert departments.grab().save(str(Path(SHOTS) / "department-dialog.png"))
