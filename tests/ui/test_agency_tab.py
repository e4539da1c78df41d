"""Quản trị → Cơ quan: an administrator changes what the first-run wizard set; others only read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from counter_app import settings
from counter_app.clock import SystemClock
from counter_app.services.counter_setup import load_identity
from counter_app.storage.database import Database
from tests.ui.signed_in import window_as
from ui.main_window import MainWindow
from ui.pages.agency_tab import AgencyTab
from ui.printers import chosen_printer

PRINTERS = ["HP LaserJet (quầy 1)", "XP-80C"]


def _tab(window: MainWindow) -> AgencyTab:
    window.nav.setCurrentRow(4)
    return window.admin_page.agency_tab


def test_admin_changes_the_agency_hours_and_printer(
    qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.printers.available_printers", lambda: list(PRINTERS))
    monkeypatch.setattr("ui.printers._chosen", {"receipt": "", "ticket": ""})
    window = window_as(qtbot, db, "admin")
    tab = _tab(window)
    assert tab.editable and tab.edits["agency_code"].text() == "000.00.31.H12"
    assert tab.receipt_combo.count() == 3 and tab.receipt_combo.currentData() == ""
    tab.edits["agency_name"].setText("Bộ phận Một cửa xã Ỷ La")
    tab.edits["saturday_hours"].setText("07:00-11:30")
    tab.receipt_combo.setCurrentIndex(1)
    tab.save_button.click()
    assert tab.status_label.text().startswith("Đã lưu")
    assert window.windowTitle().startswith("Bộ phận Một cửa xã Ỷ La")
    assert "Bộ phận Một cửa xã Ỷ La" in window.status_agency.text()
    with db.read() as session:
        assert load_identity(session).saturday_hours == "07:00-11:30"
        assert settings.get(session, settings.RECEIPT_PRINTER) == PRINTERS[0]
    assert chosen_printer("receipt") == PRINTERS[0]  # the print preview now starts on that printer


def test_admin_sees_refusals_next_to_the_fields(qtbot: QtBot, db: Database) -> None:
    tab = _tab(window_as(qtbot, db, "admin"))
    tab.edits["agency_code"].setText("mã sai")
    tab.edits["working_hours"].setText("8h-17h")
    tab.save_button.click()
    assert "chữ, số và dấu chấm" in tab.field_errors["agency_code"].text()
    assert "không hợp lệ" in tab.field_errors["working_hours"].text()
    with db.read() as session:
        assert load_identity(session).agency_code == "000.00.31.H12"


def test_a_missing_printer_stays_listed(qtbot: QtBot, db: Database) -> None:
    with db.write() as session:
        settings.put(session, SystemClock(), settings.TICKET_PRINTER, "Máy đã tháo", None)
    tab = _tab(window_as(qtbot, db, "admin"))
    assert tab.ticket_combo.currentText() == "Máy đã tháo (không thấy trên máy này)"
    assert tab.ticket_combo.currentData() == "Máy đã tháo"


def test_clerk_only_reads(qtbot: QtBot, db: Database) -> None:
    tab = _tab(window_as(qtbot, db, "clerk"))
    assert not tab.editable and tab.edits["agency_name"].isReadOnly()
    assert not tab.save_button.isEnabled() and not tab.receipt_combo.isEnabled()


def test_test_page_button_prints_to_the_chosen_printer(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    window = window_as(qtbot, db, "admin")
    target = tmp_path / "thu.pdf"

    def make(name: str) -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    tab = AgencyTab(window.ctx, printers=lambda: [], make=make)
    qtbot.addWidget(tab)
    assert "PDF" in tab.print_test("receipt")
    assert target.stat().st_size > 1000
