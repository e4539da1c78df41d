"""What the desk shows right after saving: the dossier code, large and selectable, and what to do next."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_app.i18n import _
from counter_app.services.intake import RegisteredDossier
from ui.pages.intake.texts import when

CODE_POINT_SIZE = 28


class SavedPanel(QWidget):
    """The code of the dossier just received, its appointment, and the print / next-dossier buttons."""

    def __init__(self) -> None:
        super().__init__()
        heading = QLabel(_("Đã tiếp nhận hồ sơ"))
        heading_font = QFont(heading.font())
        heading_font.setPointSize(heading_font.pointSize() + 5)
        heading_font.setBold(True)
        heading.setFont(heading_font)
        heading.setStyleSheet("color: #1b5e20;")
        self.code_label = QLabel()
        self.code_label.setObjectName("dossierCode")
        code_font = QFont(self.code_label.font())
        code_font.setPointSize(CODE_POINT_SIZE)
        code_font.setBold(True)
        self.code_label.setFont(code_font)
        self.code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.code_label.setAccessibleName(_("Mã hồ sơ"))
        self.details = QLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setWordWrap(True)
        self.print_state = QLabel()
        self.print_state.setWordWrap(True)
        self.print_button = QPushButton(_("In giấy tiếp nhận (Ctrl+P)"))
        self.new_button = QPushButton(_("Tiếp nhận hồ sơ mới (Ctrl+N)"))
        for button in (self.print_button, self.new_button):
            button.setMinimumHeight(40)
        self.print_button.setDefault(True)

        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setObjectName("savedFrame")
        frame.setStyleSheet("QFrame#savedFrame { background: #f1f8e9; border: 1px solid #aed581; }")
        inner = QVBoxLayout(frame)
        inner.setContentsMargins(28, 22, 28, 22)
        inner.setSpacing(10)
        inner.addWidget(heading)
        inner.addWidget(QLabel(_("Mã hồ sơ:")))
        inner.addWidget(self.code_label)
        inner.addWidget(self.details)
        inner.addWidget(self.print_state)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(frame)
        layout.addStretch(1)

    def show_dossier(self, saved: RegisteredDossier, applicant: str, procedure: str, duration: str) -> None:
        """Show `saved`; printing is still to do."""
        self.code_label.setText(saved.code)
        self.details.setText(
            _(
                "Người nộp: <b>{applicant}</b><br>"
                "Thủ tục: {procedure}<br>"
                "Tiếp nhận: {received}<br>"
                "<span style='font-size: 13pt'>Hẹn trả: <b>{appointment}</b> ({duration})</span>"
            ).format(
                applicant=escape(applicant),
                procedure=escape(procedure),
                received=when(saved.received_local),
                appointment=when(saved.appointment_local),
                duration=escape(duration),
            )
        )
        self.set_print_state(_("Chưa in Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01, 2 liên)."))

    def set_print_state(self, text: str, *, error: bool = False) -> None:
        """One line under the details: printed, not yet printed, or why printing failed."""
        self.print_state.setStyleSheet("color: #b71c1c;" if error else "")
        self.print_state.setText(text)
