"""Applying the interface language: our catalogue (counter_app.i18n) and Qt's own texts together."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from counter_app import i18n
from counter_app.i18n import _
from ui.qt_translator import install_qt_translator


def apply_language(code: str) -> None:
    """Make `code` ("vi" or "en") the language of everything built from now on, Qt's dialogs included."""
    i18n.set_language(code)
    install_qt_translator(code)
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication) and app.applicationDisplayName() != app.applicationName():
        app.setApplicationDisplayName(_("Phần mềm Một cửa"))  # some desktops add it to window titles
