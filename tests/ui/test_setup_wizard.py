"""First start on an empty data directory: the setup wizard, page by page, then the working intake screen."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app import settings
from counter_app.errors import UserFacingError
from counter_app.paths import data_dir
from counter_app.services.users import AccountPolicy
from counter_app.storage.models import AuditEntry, Procedure
from ui.app import main
from ui.main_window import MainWindow
from ui.printers import TEST_CODE
from ui.setup_wizard import (
    PAGE_ADMIN,
    PAGE_AGENCY,
    PAGE_HOURS,
    PAGE_PRINTERS,
    PAGE_SERVER,
    PAGE_SUMMARY,
    SetupWizard,
)
from ui.tasks import TaskRunner

AGENCY_NAME = "Trung tâm Phục vụ hành chính công xã Ỷ La"
ADMIN_NAME = "Nguyễn Văn Quản"
PRINTERS = ["HP LaserJet (quầy 1)", "XP-80C nhiệt 80 mm"]
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


def fill_agency(wizard: SetupWizard, code: str = "000.00.31.H12") -> None:
    page = wizard.agency_page
    page.code_edit.setText(code)
    page.name_edit.setText(AGENCY_NAME)  # setText: QTest.keyClicks aborts on Vietnamese letters
    page.parent_edit.setText("UBND xã Ỷ La")
    page.place_edit.setText("Ỷ La")


def fill_admin(wizard: SetupWizard, password: str = "mat-khau-123", repeat: str | None = None) -> None:
    page = wizard.admin_page
    page.username_edit.setText("quantri")
    page.full_name_edit.setText(ADMIN_NAME)
    page.password_edit.setText(password)
    page.repeat_edit.setText(password if repeat is None else repeat)


def press_enter(qtbot: QtBot, wizard: SetupWizard) -> None:
    """Enter in the focused field: the wizard's default button (Tiếp theo, then Hoàn tất)."""
    target = QApplication.focusWidget() or wizard
    qtbot.keyClick(target, Qt.Key.Key_Return)


def complete(qtbot: QtBot, wizard: SetupWizard, *, server: tuple[str, str] = ("", "")) -> None:
    """Fill and leave every page with Enter, choosing the two listed printers; stop on the summary."""
    assert wizard.currentId() == PAGE_AGENCY
    fill_agency(wizard)
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_HOURS
    wizard.hours_page.saturday_edit.setText("07:00-11:30")
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_PRINTERS
    wizard.printers_page.receipt_combo.setCurrentIndex(1)
    wizard.printers_page.ticket_combo.setCurrentIndex(2)
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_ADMIN
    fill_admin(wizard)
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_SERVER
    wizard.server_page.url_edit.setText(server[0])
    wizard.server_page.code_edit.setText(server[1])
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_SUMMARY


def leftovers(folder: Path) -> list[str]:
    """Every file in the data directory that a setup could have left (databases, staging, sidecars)."""
    return sorted(p.name for p in folder.iterdir() if "counter.db" in p.name) if folder.exists() else []


def run_main_with(actions: Callable[[], bool], argv: list[str] | None = None) -> int:
    """Run `ui.app.main` while `actions` is retried every 20 ms until it returns True.

    A failure inside `actions` closes whatever is open (so main() returns) and is raised afterwards.
    """
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            if actions():
                return
        except BaseException as exc:  # re-raised below, after main() has returned
            errors.append(exc)
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, SetupWizard):
                    widget.done(0)
                elif isinstance(widget, MainWindow):
                    widget.close()
            return
        QTimer.singleShot(20, tick)

    QTimer.singleShot(0, tick)
    code = main(argv or [])
    if errors:
        raise errors[0]
    return code


def visible(kind: type) -> Any:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_first_run_wizard_ends_on_a_working_intake_screen(qtbot: QtBot) -> None:
    home = data_dir()
    assert leftovers(home) == []
    seen: dict[str, Any] = {}
    state = {"wizard_done": False}

    def drive() -> bool:
        if not state["wizard_done"]:
            wizard = visible(SetupWizard)
            if wizard is None:
                return False
            complete(qtbot, wizard)
            wizard.button(QWizard.WizardButton.FinishButton).click()
            state["wizard_done"] = True
            return False
        window = visible(MainWindow)
        if window is None:
            return False
        seen.update(
            title=window.windowTitle(),
            status_agency=window.status_agency.text(),
            status_user=window.status_user.text(),
            page=window.stack.currentWidget() is window.intake_page,
            page_visible=window.intake_page.isVisible(),
            nav=window.nav.currentItem().text(),
            role=window.ctx.role,
            user_id=window.ctx.user_id,
        )
        with window.ctx.db.read() as session:
            seen["procedures"] = session.scalar(select(func.count()).select_from(Procedure))
            seen["receipt_printer"] = settings.get(session, settings.RECEIPT_PRINTER)
            seen["ticket_printer"] = settings.get(session, settings.TICKET_PRINTER)
            seen["actions"] = set(session.scalars(select(AuditEntry.action)))
        window.close()
        return True

    import ui.printers

    original = ui.printers.available_printers
    ui.printers.available_printers = lambda: list(PRINTERS)
    try:
        assert run_main_with(drive) == 0
    finally:
        ui.printers.available_printers = original

    assert seen["title"].startswith(AGENCY_NAME)
    assert AGENCY_NAME in seen["status_agency"] and "000.00.31.H12" in seen["status_agency"]
    assert seen["page"] and seen["page_visible"] and seen["nav"].startswith("Tiếp nhận")
    assert seen["role"] == "admin" and seen["user_id"]
    assert ADMIN_NAME in seen["status_user"]
    assert seen["procedures"] == 31
    assert (seen["receipt_printer"], seen["ticket_printer"]) == tuple(PRINTERS)
    assert {"first_admin_created", "counter.first_run", "sign_in"} <= seen["actions"]
    files = leftovers(home)
    assert "counter.db" in files and not [f for f in files if "setup" in f]  # no staging file left


def test_cancelling_the_wizard_leaves_no_database(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(SetupWizard, "confirm_cancel", lambda self: asked.append(True) or True)

    def drive() -> bool:
        wizard = visible(SetupWizard)
        if wizard is None:
            return False
        fill_agency(wizard)
        wizard.agency_page.name_edit.setModified(True)  # as if typed: leaving asks first
        press_enter(qtbot, wizard)
        fill_admin(wizard)
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
        return True

    assert run_main_with(drive) == 0
    assert asked == [True]
    assert leftovers(data_dir()) == []


@pytest.fixture
def wizard(qtbot: QtBot, tmp_path: Path) -> SetupWizard:
    made = SetupWizard(
        tmp_path / "data" / "counter.db",
        runner=TaskRunner(synchronous=True),
        policy=FAST,
        printers=lambda: list(PRINTERS),
    )
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def test_wizard_cancel_can_be_refused(wizard: SetupWizard, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SetupWizard, "confirm_cancel", lambda self: False)
    wizard.agency_page.code_edit.setModified(True)
    wizard.reject()
    assert wizard.isVisible()


def _message(page: Any, field: str) -> str:
    label = page.field_errors[field]
    return str(label.text()) if not label.isHidden() else ""


AGENCY_REFUSALS = [
    ("agency_code", "abc def", "chỉ gồm chữ, số và dấu chấm"),
    ("agency_code", "", "chỉ gồm chữ, số và dấu chấm"),
    ("agency_name", "  ", "Hãy nhập tên cơ quan tiếp nhận"),
    ("parent_name", "", "Hãy nhập tên cơ quan chủ quản"),
    ("place_name", "", "Hãy nhập địa danh"),
]


@pytest.mark.parametrize(("field", "value", "expected"), AGENCY_REFUSALS)
def test_agency_page_refuses(
    qtbot: QtBot, wizard: SetupWizard, field: str, value: str, expected: str
) -> None:
    fill_agency(wizard)
    wizard.agency_page.edits[field].setText(value)  # type: ignore[attr-defined]
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_AGENCY
    assert expected in _message(wizard.agency_page, field)
    assert QApplication.focusWidget() is wizard.agency_page.edits[field]
    others = [f for f in wizard.agency_page.field_errors if f != field]
    assert all(_message(wizard.agency_page, f) == "" for f in others)


HOURS_REFUSALS = [
    ("working_hours", "7h-11h", "không hợp lệ"),
    ("working_hours", "", "ít nhất một khoảng giờ"),
    ("working_hours", "07:00-11:30,11:00-17:00", "chồng lên nhau"),
    ("working_hours", "11:30-07:00", "giờ kết thúc phải sau giờ bắt đầu"),
    ("saturday_hours", "25:00-26:00", "không tồn tại"),
]


@pytest.mark.parametrize(("field", "value", "expected"), HOURS_REFUSALS)
def test_hours_page_refuses(qtbot: QtBot, wizard: SetupWizard, field: str, value: str, expected: str) -> None:
    fill_agency(wizard)
    press_enter(qtbot, wizard)
    wizard.hours_page.edits[field].setText(value)  # type: ignore[attr-defined]
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_HOURS
    assert expected in _message(wizard.hours_page, field)
    assert wizard.hours_page.preview_label.text() == "(chưa đúng dạng)"


def test_hours_page_previews_valid_hours(qtbot: QtBot, wizard: SetupWizard) -> None:
    fill_agency(wizard)
    press_enter(qtbot, wizard)
    wizard.hours_page.saturday_edit.setText("7:00-11:00")
    assert wizard.hours_page.preview_label.text() == (
        "Thứ Hai – thứ Sáu: 07:00–11:30, 13:30–17:00; thứ Bảy: 07:00–11:00; Chủ nhật và ngày lễ: nghỉ."
    )


ADMIN_REFUSALS = [
    ("username", "Quản Trị", "", "2–32 chữ cái không dấu"),
    ("username", "", "", "Hãy nhập tên đăng nhập"),
    ("full_name", "", "", "Hãy nhập họ và tên"),
    ("password", "ngan", "", "ít nhất 8 ký tự"),
    ("password_repeat", "mat-khau-123", "mat-khau-124", "không khớp"),
]


@pytest.mark.parametrize(("field", "value", "repeat", "expected"), ADMIN_REFUSALS)
def test_admin_page_refuses(
    qtbot: QtBot, wizard: SetupWizard, field: str, value: str, repeat: str, expected: str
) -> None:
    fill_agency(wizard)
    for _ in range(3):
        press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_ADMIN
    fill_admin(wizard)
    if field == "password":
        fill_admin(wizard, password=value)
    elif field == "password_repeat":
        fill_admin(wizard, password=value, repeat=repeat)
    else:
        wizard.admin_page.edits[field].setText(value)  # type: ignore[attr-defined]
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_ADMIN
    assert expected in _message(wizard.admin_page, field)


SERVER_REFUSALS = [
    ("ftp://may-chu", "ABC123", "server_url", "không hợp lệ"),
    ("https://may-chu:99999", "ABC123", "server_url", "Cổng"),
    ("https://motcua.tinh.gov.vn", "", "enrol_code", "Hãy nhập mã đăng ký"),
    ("", "ABC123", "server_url", "Hãy nhập địa chỉ máy chủ"),
]


@pytest.mark.parametrize(("url", "code", "field", "expected"), SERVER_REFUSALS)
def test_server_page_refuses(
    qtbot: QtBot, wizard: SetupWizard, url: str, code: str, field: str, expected: str
) -> None:
    fill_agency(wizard)
    for _ in range(3):
        press_enter(qtbot, wizard)
    fill_admin(wizard)
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_SERVER
    wizard.server_page.url_edit.setText(url)
    wizard.server_page.code_edit.setText(code)
    press_enter(qtbot, wizard)
    assert wizard.currentId() == PAGE_SERVER
    assert expected in _message(wizard.server_page, field)


def test_wizard_enrols_with_the_central_server(qtbot: QtBot, tmp_path: Path) -> None:
    calls: list[tuple[str, str, str | None]] = []

    def enrol(db: Any, clock: Any, url: str, code: str, *, by_user_id: str | None = None) -> str:
        with db.read() as session:  # the counter and its admin exist when enrolment runs
            assert session.scalar(select(func.count()).select_from(Procedure)) == 31
        calls.append((url, code, by_user_id))
        return "đã đăng ký"

    made = SetupWizard(tmp_path / "counter.db", runner=TaskRunner(synchronous=True), policy=FAST, enrol=enrol)
    qtbot.addWidget(made)
    made.show()
    complete(qtbot, made, server=("https://motcua.tinh.gov.vn/", "MA-1234"))
    made.button(QWizard.WizardButton.FinishButton).click()
    assert made.outcome is not None and made.outcome.enrolment == "đã đăng ký"
    assert calls == [("https://motcua.tinh.gov.vn/", "MA-1234", made.outcome.user.id)]
    assert (tmp_path / "counter.db").is_file()


def test_enrolment_refusal_returns_to_the_server_page_and_saves_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    def enrol(db: Any, clock: Any, url: str, code: str, *, by_user_id: str | None = None) -> None:
        raise UserFacingError("Mã đăng ký không đúng, đã được dùng hoặc đã hết hạn.", field="code")

    made = SetupWizard(tmp_path / "counter.db", runner=TaskRunner(synchronous=True), policy=FAST, enrol=enrol)
    qtbot.addWidget(made)
    made.show()
    complete(qtbot, made, server=("https://motcua.tinh.gov.vn", "MA-SAI"))
    made.button(QWizard.WizardButton.FinishButton).click()
    assert made.outcome is None and made.isVisible()
    assert made.currentId() == PAGE_SERVER
    assert "Mã đăng ký không đúng" in _message(made.server_page, "enrol_code")
    assert leftovers(tmp_path) == []


def test_finish_refuses_an_existing_database(qtbot: QtBot, wizard: SetupWizard, db_path: Path) -> None:
    existing = wizard.db_path
    existing.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(db_path, existing)
    complete(qtbot, wizard)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.outcome is None
    assert "Đã có cơ sở dữ liệu" in wizard.summary_page.message_label.text()


def _pdf_printer(target: Path) -> Callable[[str], QPrinter]:
    def make(name: str) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    return make


def test_printer_test_page_prints_text_and_a_readable_barcode(
    qtbot: QtBot, tmp_path: Path, rasterise: Callable[..., list[Any]]
) -> None:
    target = tmp_path / "trang-thu.pdf"
    made = SetupWizard(
        tmp_path / "counter.db",
        runner=TaskRunner(synchronous=True),
        policy=FAST,
        printers=lambda: list(PRINTERS),
        make=_pdf_printer(target),
    )
    qtbot.addWidget(made)
    made.show()
    fill_agency(made)
    press_enter(qtbot, made)
    press_enter(qtbot, made)
    made.printers_page.ticket_test.click()
    assert "trang thử đã lưu thành tệp PDF" in made.printers_page.test_label.text()
    assert target.is_file()
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run([pdftotext, str(target), "-"], capture_output=True, check=True).stdout.decode()
        assert "TRANG IN THỬ" in text and AGENCY_NAME in " ".join(text.split())
        assert "Phiếu số thứ tự" in text
    from counter_app.code128 import GreyImage, read_code128

    page = rasterise(target.read_bytes())[0]
    assert TEST_CODE in read_code128(GreyImage(page.width, page.height, page.tobytes()))
    assert not os.path.exists(tmp_path / "counter.db")  # printing a test page saves nothing


def test_wizard_in_english_keeps_what_was_typed_and_sets_up_an_english_counter(
    qtbot: QtBot, wizard: SetupWizard
) -> None:
    from counter_app.storage.database import open_database
    from ui.language import apply_language

    page = wizard.agency_page
    page.code_edit.setText("000.00.31.H12")
    page.code_edit.setModified(True)
    page.catalogue_box.setChecked(False)
    assert page.title().startswith("Bước 1/6")
    try:
        page.language_combo.setCurrentIndex(page.language_combo.findData("en"))
        page = wizard.agency_page  # the pages were rebuilt in English
        assert page.title() == "Step 1/6 — Receiving agency"
        assert wizard.button(QWizard.WizardButton.NextButton).text() == "Next >"
        assert page.language_combo.currentData() == "en"
        assert page.code_edit.text() == "000.00.31.H12" and not page.catalogue_box.isChecked()
        assert wizard.has_input()  # what was typed still counts before quitting
        page.catalogue_box.setChecked(True)
        complete(qtbot, wizard)
        assert "Receipt printer" in wizard.summary_page.summary_label.text()
        wizard.button(QWizard.WizardButton.FinishButton).click()
        assert wizard.outcome is not None
        db = open_database(wizard.outcome.db_path)
        try:
            with db.read() as session:
                assert settings.get(session, settings.UI_LANGUAGE) == "en"  # the app opens in English
        finally:
            db.close()
    finally:
        apply_language("vi")
