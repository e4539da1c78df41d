"""Qt's own texts in Vietnamese: standard buttons translated, every other Qt string left intact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from ui.language import apply_language


@pytest.fixture
def vietnamese(qtbot: QtBot) -> Iterator[None]:
    apply_language("vi")
    yield
    apply_language("vi")


def test_standard_buttons_speak_vietnamese_then_english(vietnamese: None) -> None:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert [b.text() for b in box.buttons()] == ["Đồng ý", "Huỷ"]
    message = QMessageBox()
    message.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    assert [b.text().replace("&", "") for b in message.buttons()] == ["Có", "Không"]
    apply_language("en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert [b.text() for b in box.buttons()] == ["OK", "Cancel"]


def test_qt_strings_without_a_vietnamese_entry_are_left_alone(vietnamese: None) -> None:
    """An empty answer would count as a translation: page sizes lost their names and a printed PDF
    came out blank. Untranslated strings must come back unchanged."""
    assert QCoreApplication.translate("QPageSize", "A4") == "A4"
    assert QCoreApplication.translate("AnyContext", "Some text") == "Some text"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    assert printer.pageLayout().pageSize().isValid()
    assert printer.pageLayout().pageSize().name() != ""
