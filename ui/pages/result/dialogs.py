"""What the return page asks before an action: a reason, the missing papers, a department, a new date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.text import nfc
from ui.pages.intake.notices import ask_supplement, ask_text

if TYPE_CHECKING:
    from ui.pages.result.work import ReturnView

_REASONS = {
    "withdrawn": (
        N_("Công dân rút hồ sơ"),
        N_("Lý do công dân rút hồ sơ (in trên thông báo dừng giải quyết):"),
    ),
    "stopped": (N_("Dừng xử lý hồ sơ"), N_("Lý do dừng xử lý (in trên thông báo dừng giải quyết):")),
    "refused": (
        N_("Từ chối giải quyết hồ sơ (Mẫu 03)"),
        N_("Lý do từ chối giải quyết (in trên Mẫu 03), ví dụ: không thuộc thẩm quyền, không đủ điều kiện:"),
    ),
}
OVERRIDE_TEXT = N_(
    "Hồ sơ đã được gia hạn một lần. Gia hạn lần nữa phải được lãnh đạo (giám sát) phê duyệt: "
    "lãnh đạo nhập tài khoản của mình tại đây."
)


def _buttons(ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
    return buttons


class ExtensionDialog(QDialog):
    """Gia hạn (Mẫu 04): the new appointment, the reason written on the form, and from the second
    extension on, the approving supervisor's user name and password."""

    def __init__(self, parent: QWidget | None, current: datetime | None, extensions: int = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Gia hạn, hẹn lại ngày trả (Mẫu 04)"))
        start = current or datetime.now()
        self.when = QDateTimeEdit(QDateTime(start.date(), start.time()).addDays(1))
        self.when.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.when.setCalendarPopup(True)
        self.reason = QLineEdit(placeholderText=_("ví dụ: cần xác minh thêm tại thực địa"))
        self.reason.setMinimumWidth(380)
        self.needs_override = extensions > 0
        self.override_box = QGroupBox(_("Lãnh đạo phê duyệt gia hạn lần thứ hai"))
        self.override_user = QLineEdit(placeholderText=_("tên đăng nhập của lãnh đạo (giám sát)"))
        self.override_password = QLineEdit(placeholderText=_("mật khẩu của lãnh đạo"))
        self.override_password.setEchoMode(QLineEdit.EchoMode.Password)
        note = QLabel(_(OVERRIDE_TEXT))
        note.setWordWrap(True)
        box_form = QFormLayout(self.override_box)
        box_form.addRow(note)
        box_form.addRow(_("Tên đăng &nhập:"), self.override_user)
        box_form.addRow(_("Mật &khẩu:"), self.override_password)
        self.override_box.setVisible(self.needs_override)
        buttons = _buttons(_("Gia hạn"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("Ngày hẹn trả &mới:"), self.when)
        form.addRow(_("&Lý do:"), self.reason)
        form.addRow(self.override_box)
        form.addRow(buttons)

    def fields(self) -> dict[str, Any]:
        """The keyword arguments of the extension, with the approval when one is needed."""
        new = self.when.dateTime().toPython()
        found: dict[str, Any] = {
            "new_appointment_local": new.replace(second=0, microsecond=0),
            "reason": nfc(self.reason.text()),
        }
        if self.needs_override:
            found["override_username"] = nfc(self.override_user.text())
            found["override_password"] = self.override_password.text()
        return found


class DepartmentDialog(QDialog):
    """Chuyển xử lý: where the dossier goes (printed on the Phiếu kiểm soát); the usual one is offered."""

    def __init__(self, parent: QWidget | None, choices: Sequence[str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Chuyển hồ sơ đến cơ quan, bộ phận giải quyết"))
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.addItems(list(choices))
        self.department.setMinimumWidth(420)
        self.department.lineEdit().setPlaceholderText(_("ví dụ: Công chức Tư pháp - Hộ tịch"))
        buttons = _buttons(_("Chuyển xử lý và in phiếu kiểm soát"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("&Chuyển đến:"), self.department)
        form.addRow(buttons)


class AmountDialog(QDialog):
    """Yêu cầu nghĩa vụ tài chính: the amount the applicant must pay (0 when not known yet)."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Yêu cầu thực hiện nghĩa vụ tài chính"))
        self.amount = QSpinBox(maximum=2_000_000_000, singleStep=10_000, suffix=_(" đ"))
        self.amount.setGroupSeparatorShown(True)
        buttons = _buttons(_("Yêu cầu"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(_("&Số tiền phải nộp:"), self.amount)
        form.addRow(buttons)


def _run(dialog: QDialog) -> bool:
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


def ask_fields(parent: QWidget | None, action: str, loaded: ReturnView) -> dict[str, Any] | None:
    """The keyword arguments of `transition` for `action` on the loaded dossier; None if cancelled."""
    if action in _REASONS:
        title, label = _REASONS[action]
        reason = ask_text(parent, _(title), _(label))
        return None if reason is None else {"reason": reason}
    if action == "supplement_requested":
        answer = ask_supplement(parent, [])
        return None if answer is None else {"missing": answer[0], "reason": nfc(answer[1])}
    if action == "processing":
        department_dialog = DepartmentDialog(parent, loaded.departments)
        if not _run(department_dialog):  # deleteLater: the fields can still be read below
            return None
        return {"department": nfc(department_dialog.department.currentText())}
    if action == "extended":
        dialog = ExtensionDialog(parent, loaded.view.detail.appointment_local, loaded.extensions)
        if not _run(dialog):
            return None
        return dialog.fields()
    if action == "payment_requested":
        amount_dialog = AmountDialog(parent)
        if not _run(amount_dialog):
            return None
        return {"fee_collected": amount_dialog.amount.value()}
    return {}
