"""A page whose feature is not in this version yet: says so plainly, and what to use meanwhile."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ComingPage(QWidget):
    """Shows the page's title and an honest note instead of an empty screen."""

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(note)
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(body, 1)
