"""Bundled Vietnamese UI font: set explicitly so a machine without fonts never shows empty boxes."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from counter_app.paths import resources_dir

UI_FAMILY = "Be Vietnam Pro"


def install_fonts(app: QApplication, point_size: int = 10) -> str:
    """Register the shipped TTFs and make the UI font the application default; returns the family."""
    family = None
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if UI_FAMILY in families:
            family = UI_FAMILY
    chosen = family or app.font().family()
    font = QFont(chosen, point_size)
    app.setFont(font)
    return chosen
