"""The Mẫu 04 prompt: an amber box saying the dossier has at most one working day left (or is late)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from counter_app.deadlines import Timeliness
from counter_app.i18n import _
from counter_app.services.apology_advice import ApologyAdvice

_STYLE = (
    "QFrame#apologyPrompt { background: #fff3cd; border: 1px solid #e0a800; border-radius: 4px; }"
    " QFrame#apologyPrompt QLabel { color: #5c3c00; }"
)
_LATE_STYLE = (
    "QFrame#apologyPrompt { background: #fde3e3; border: 1px solid #b71c1c; border-radius: 4px; }"
    " QFrame#apologyPrompt QLabel { color: #7f0000; }"
)


class ApologyPrompt(QFrame):
    """Hidden unless `show_advice` gets a proposal; its button starts the extension (Mẫu 04)."""

    def __init__(self, button_text: str) -> None:
        super().__init__()
        self.setObjectName("apologyPrompt")
        self.setStyleSheet(_STYLE)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton(button_text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.advice: ApologyAdvice | None = None
        self.setVisible(False)

    def show_advice(self, advice: ApologyAdvice | None) -> None:
        """Show the proposal's sentence (red when late, amber when due soon), or hide the box."""
        self.advice = advice
        if advice is None:
            self.label.clear()
            self.setVisible(False)
            return
        late = advice.timeliness is Timeliness.QUA_HAN
        self.setStyleSheet(_LATE_STYLE if late else _STYLE)
        head = _("Quá hạn") if late else _("Sắp đến hạn")
        self.label.setText(f"<b>{head}.</b> {escape(advice.message)}")
        self.setVisible(True)

    def text(self) -> str:
        """The sentence shown (plain), "" when hidden."""
        return self.advice.message if self.advice else ""
