"""What the return page asks before an action: a reason, the missing papers, a new appointment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from counter_app.text import nfc
from ui.pages.intake.notices import ask_supplement, ask_text

_REASONS = {
    "withdrawn": ("Công dân rút hồ sơ", "Lý do công dân rút hồ sơ:"),
    "stopped": ("Dừng xử lý hồ sơ", "Lý do dừng xử lý:"),
}


class ExtensionDialog(QDialog):
    """Gia hạn (Mẫu 04): the new appointment and the reason written on the form."""

    def __init__(self, parent: QWidget | None, current: datetime | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Gia hạn, hẹn lại ngày trả (Mẫu 04)")
        start = current or datetime.now()
        self.when = QDateTimeEdit(QDateTime(start.date(), start.time()).addDays(1))
        self.when.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.when.setCalendarPopup(True)
        self.reason = QLineEdit(placeholderText="ví dụ: cần xác minh thêm tại thực địa")
        self.reason.setMinimumWidth(380)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Gia hạn")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Ngày hẹn trả mới:", self.when)
        form.addRow("&Lý do:", self.reason)
        form.addRow(buttons)


class AmountDialog(QDialog):
    """Yêu cầu nghĩa vụ tài chính: the amount the applicant must pay (0 when not known yet)."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Yêu cầu thực hiện nghĩa vụ tài chính")
        self.amount = QSpinBox(maximum=2_000_000_000, singleStep=10_000, suffix=" đ")
        self.amount.setGroupSeparatorShown(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Yêu cầu")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Số tiền phải nộp:", self.amount)
        form.addRow(buttons)


def _run(dialog: QDialog) -> bool:
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


def ask_fields(parent: QWidget | None, action: str, appointment: datetime | None) -> dict[str, Any] | None:
    """The keyword arguments of `transition` for `action`, asked from the clerk; None if cancelled."""
    if action in _REASONS:
        reason = ask_text(parent, *_REASONS[action])
        return None if reason is None else {"reason": reason}
    if action == "supplement_requested":
        answer = ask_supplement(parent, [])
        return None if answer is None else {"missing": answer[0], "reason": nfc(answer[1])}
    if action == "extended":
        dialog = ExtensionDialog(parent, appointment)
        if not _run(dialog):  # deleteLater: the fields can still be read below
            return None
        new = dialog.when.dateTime().toPython()
        reason = nfc(dialog.reason.text())
        return {"new_appointment_local": new.replace(second=0, microsecond=0), "reason": reason}
    if action == "payment_requested":
        amount_dialog = AmountDialog(parent)
        if not _run(amount_dialog):
            return None
        return {"fee_collected": amount_dialog.amount.value()}
    return {}
