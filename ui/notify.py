"""Success is told in the status bar for a few seconds, never by a modal box (errors still get one)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

log = logging.getLogger(__name__)

SUCCESS_MS = 5000


def main_window_of(widget: QWidget | None) -> QMainWindow | None:
    """The main window holding `widget` (or, failing that, the application's first main window)."""
    top = widget.window() if widget is not None else None
    if isinstance(top, QMainWindow):
        return top
    if widget is not None:
        parent = widget.parentWidget()
        while parent is not None:
            if isinstance(parent, QMainWindow):
                return parent
            parent = parent.parentWidget()
    for candidate in QApplication.topLevelWidgets():
        if isinstance(candidate, QMainWindow) and candidate.isVisible():
            return candidate
    return None


def notify_success(widget: QWidget | None, text: str, ms: int = SUCCESS_MS) -> bool:
    """Show `text` in the status bar of `widget`'s main window for `ms`; False when there is none."""
    log.info("success: %s", text)
    window = main_window_of(widget)
    if window is None:
        return False
    window.statusBar().showMessage(text, ms)
    return True
