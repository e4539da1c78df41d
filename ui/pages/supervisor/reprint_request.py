"""A clerk's reprint that needs a supervisor: send the request to wait, or let the supervisor approve here."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _
from counter_app.services import reprints, users
from counter_app.services.forms import PrintedForm
from ui.context import AppContext
from ui.errors import show_error


@dataclass(frozen=True)
class ReprintOutcome:
    """What the dialog did: a request now waits (`printed` None), or the reprint was approved and printed."""

    request_sent: bool
    printed: PrintedForm | None


class ReprintRequestDialog(QDialog):
    """Reason, then either "Gửi lãnh đạo duyệt" (the request waits on the Giám sát page) or "Lãnh đạo
    duyệt ngay" (the supervisor types their account here; a wrong password counts toward their lock)."""

    def __init__(self, ctx: AppContext, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx, self.code = ctx, code
        self.outcome: ReprintOutcome | None = None
        self.setWindowTitle(_("In lại giấy tiếp nhận — cần lãnh đạo duyệt"))
        self.reason = QLineEdit(placeholderText=_("Ví dụ: công dân làm mất giấy hẹn"))
        self.send = QRadioButton(_("Gửi lãnh đạo duyệt (yêu cầu chờ ở trang Giám sát)"))
        self.now = QRadioButton(_("Lãnh đạo duyệt ngay tại quầy"))
        self.send.setChecked(True)
        self.username = QLineEdit(placeholderText=_("tên đăng nhập của lãnh đạo"))
        self.password = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b71c1c;")
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Lý do in lại"), self.reason)
        form.addRow(self.send)
        form.addRow(self.now)
        form.addRow(_("Tài khoản lãnh đạo"), self.username)
        form.addRow(_("Mật khẩu"), self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                _("Hồ sơ {code}: in lại giấy tiếp nhận phải được lãnh đạo duyệt.").format(
                    code=f"<b>{code}</b>"
                )
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.now.toggled.connect(self._sync_fields)
        self._sync_fields()

    def _sync_fields(self) -> None:
        self.username.setEnabled(self.now.isChecked())
        self.password.setEnabled(self.now.isChecked())

    def submit(self) -> None:
        """Send the request, or confirm the supervisor and reprint; the dialog closes when it is done."""
        db, clock, clerk = self._ctx.db, self._ctx.clock, self._ctx.user_id or ""
        code, reason = self.code, self.reason.text()
        approve_now = self.now.isChecked()
        username, password = self.username.text(), self.password.text()

        def work() -> ReprintOutcome:
            if not approve_now:
                with db.write() as session:
                    reprints.request_reprint(session, clock, code, clerk, reason)
                return ReprintOutcome(True, None)
            # The check is committed first, so a wrong password counts even though nothing is printed.
            with db.write() as session:
                checked = users.authenticate(session, clock, username, password, purpose="reprint_approval")
            supervisor = checked.user_or_raise()
            with db.write() as session:
                printed = reprints.reprint_with_approval(session, clock, code, clerk, supervisor.id, reason)
            return ReprintOutcome(False, printed)

        self._ctx.runner.run_db(work, self._done, self._failed)

    def _done(self, outcome: ReprintOutcome) -> None:
        self.outcome = outcome
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, FieldErrors):
            self.message.setText("; ".join(error.errors.values()))
        elif isinstance(error, UserFacingError):
            self.message.setText(error.message)
        else:
            show_error(self, error)
