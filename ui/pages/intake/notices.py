"""Dialogs of the intake page: missing papers (Mẫu 02), refusal reason (Mẫu 03), reprint reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.text import nfc


class SupplementDialog(QDialog):
    """Every paper still missing, one per line (editable), and an optional note."""

    def __init__(self, parent: QWidget | None, missing: list[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)"))
        self.missing = QPlainTextEdit("\n".join(missing))
        self.missing.setTabChangesFocus(True)
        self.note = QLineEdit(placeholderText=_("ví dụ: bản sao chưa được chứng thực"))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Lập phiếu và xem trước"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Giấy tờ công dân cần bổ sung (mỗi dòng một giấy tờ):")))
        layout.addWidget(self.missing)
        layout.addWidget(QLabel(_("Lý do, ghi chú:")))
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(560, 360)

    def items(self) -> list[str]:
        """The non-empty lines, NFC."""
        return [nfc(line) for line in self.missing.toPlainText().splitlines() if nfc(line)]


def ask_supplement(parent: QWidget | None, missing: list[str]) -> tuple[list[str], str] | None:
    """The papers to ask for and the note, or None if the clerk cancels."""
    dialog = SupplementDialog(parent, missing)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.items(), dialog.note.text()
    finally:
        dialog.deleteLater()


def ask_text(parent: QWidget | None, title: str, label: str) -> str | None:
    """A short multi-line text from the clerk (a reason), or None if cancelled or left empty."""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return nfc(text) if ok and nfc(text) else None
