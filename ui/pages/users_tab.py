"""The "Người dùng" tab of the admin page: list users; administrators add, deactivate, reset passwords."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _, _n, _p
from counter_app.services import users
from counter_app.services.users import ACCOUNT_POLICY, ROLES, AccountPolicy, UserDTO
from ui.context import AppContext
from ui.errors import show_error
from ui.signin import error_label, password_edit, role_title, set_message
from ui.table_model import Index, ListTableModel


class UsersModel(ListTableModel):
    """Every user of the counter (a few dozen at most, so loaded whole)."""

    def __init__(self) -> None:
        super().__init__((_("Tên đăng nhập"), _("Họ và tên"), _("Vai trò"), _("Trạng thái")))
        self.now_utc: datetime | None = None

    def set_users(self, found: list[UserDTO], now_utc: datetime) -> None:
        """Replace the rows; lock states are shown as of `now_utc`."""
        self.now_utc = now_utc
        self.set_rows(found)

    def state(self, user: UserDTO) -> str:
        """Active, deactivated, or locked until a local time."""
        if not user.active:
            return _p("user state", "Ngừng hoạt động")
        locked = user.locked_until_utc
        if locked is not None and self.now_utc is not None and locked > self.now_utc:
            return _("Bị khóa đến {time}").format(time=f"{utc_to_local(locked):%H:%M}")
        return _("Đang hoạt động")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        user = self.row_at(index.row()) if index.isValid() else None
        if role != Qt.ItemDataRole.DisplayRole or user is None:
            return None
        values = (user.username, user.full_name, role_title(user.role), self.state(user))
        return values[index.column()] if 0 <= index.column() < len(values) else None


class UserFormDialog(QDialog):
    """Add a user (with role) or reset a password; core FieldErrors are shown under their fields."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        target: UserDTO | None = None,
        policy: AccountPolicy = ACCOUNT_POLICY,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx, self._target, self._policy = ctx, target, policy
        adding = target is None
        name = target.username if target is not None else ""
        self.setWindowTitle(
            _("Thêm người dùng") if adding else _("Đặt lại mật khẩu cho {name}").format(name=name)
        )
        self.setMinimumWidth(480)
        self.username_edit = QLineEdit()
        self.full_name_edit = QLineEdit()
        self.role_combo = QComboBox()
        for role in ROLES:
            self.role_combo.addItem(role_title(role), role)
        self.password_edit = password_edit()
        self.password_edit.setPlaceholderText(
            _n("ít nhất {n} ký tự", policy.min_password_length).format(n=policy.min_password_length)
        )
        self.repeat_edit = password_edit()
        self.field_errors = {
            name: error_label() for name in ("username", "full_name", "role", "password", "password_repeat")
        }
        self.message_label = error_label()
        form = QFormLayout()
        rows: list[tuple[str, QWidget, str]] = []
        if adding:
            rows += [
                (_("&Tên đăng nhập:"), self.username_edit, "username"),
                (_("&Họ và tên:"), self.full_name_edit, "full_name"),
                (_("&Vai trò:"), self.role_combo, "role"),
            ]
        rows += [
            (_("&Mật khẩu mới:") if not adding else _("&Mật khẩu:"), self.password_edit, "password"),
            (_("&Nhập lại mật khẩu:"), self.repeat_edit, "password_repeat"),
        ]
        for caption, widget, name in rows:
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, widget)
            form.addRow("", self.field_errors[name])
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            _("Thêm") if adding else _("Đặt lại"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setDefault(True)
        buttons.addButton(_("Hủy"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)

    def show_field_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; anything else on the line above the buttons."""
        for name, label in self.field_errors.items():
            set_message(label, errors.get(name, ""))
        set_message(self.message_label, " ".join(m for n, m in errors.items() if n not in self.field_errors))
        self.adjustSize()

    def _on_ok_button_clicked(self) -> None:
        password = self.password_edit.text()
        if password != self.repeat_edit.text():
            self.show_field_errors({"password_repeat": _("Mật khẩu nhập lại không khớp")})
            return
        db, clock, by, policy = self._ctx.db, self._ctx.clock, self._ctx.user_id, self._policy
        target = self._target
        username, full_name = self.username_edit.text(), self.full_name_edit.text()
        role = str(self.role_combo.currentData())

        def save() -> None:
            with db.write() as session:
                if by is None:
                    raise UserFacingError(_("Hãy đăng nhập bằng tài khoản quản trị."))
                if target is None:
                    users.create_user(session, clock, username, full_name, role, password, by, policy=policy)
                else:
                    users.change_password(session, clock, target.id, password, by=by, policy=policy)

        self.ok_button.setEnabled(False)
        self._ctx.runner.run_db(save, self._on_save_done, self._on_save_error)

    def _on_save_done(self, _result: None) -> None:
        self.ok_button.setEnabled(True)
        self.accept()

    def _on_save_error(self, error: BaseException) -> None:
        self.ok_button.setEnabled(True)
        if isinstance(error, FieldErrors):
            self.show_field_errors(error.errors)
        elif isinstance(error, UserFacingError):
            self.show_field_errors({"": error.message})
        else:
            show_error(self, error)


class UsersTab(QWidget):
    """Users and their state; only an administrator may change anything (the core checks it too)."""

    def __init__(self, ctx: AppContext, *, policy: AccountPolicy = ACCOUNT_POLICY) -> None:
        super().__init__()
        self._ctx, self._policy = ctx, policy
        self.dialog: UserFormDialog | None = None
        self.model = UsersModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((140, 260, 160)):
            self.view.setColumnWidth(column, width)
        self.add_button = QPushButton(_("Thêm người dùng…"))
        self.reset_button = QPushButton(_("Đặt lại mật khẩu…"))
        self.deactivate_button = QPushButton(_("Ngừng hoạt động"))
        self.note_label = QLabel(
            _("Chỉ quản trị viên được thêm người dùng, đặt lại mật khẩu hoặc khóa tài khoản.")
        )
        self.note_label.setWordWrap(True)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.deactivate_button.clicked.connect(self._on_deactivate_button_clicked)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.reset_button, self.deactivate_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.note_label)
        layout.addWidget(self.view, 1)
        self.update_permissions()

    def update_permissions(self) -> None:
        """Enable the changes for administrators only (the signed-in user may change after a lock)."""
        admin = self._ctx.role == "admin"
        for button in (self.add_button, self.reset_button, self.deactivate_button):
            button.setEnabled(admin)
        self.note_label.setVisible(not admin)

    def refresh(self) -> None:
        """Reload the users."""
        db, clock = self._ctx.db, self._ctx.clock
        self.update_permissions()

        def load() -> tuple[list[UserDTO], datetime]:
            with db.read() as session:
                return users.list_users(session), clock.now_utc()

        self._ctx.runner.run_db(load, lambda found: self.model.set_users(*found), self._show_error)

    def selected_user(self) -> UserDTO | None:
        """The user on the selected row, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _show_error(self, error: BaseException) -> None:
        show_error(self, error)

    def _open(self, target: UserDTO | None) -> None:
        self.dialog = UserFormDialog(self._ctx, target=target, policy=self._policy, parent=self)
        self.dialog.accepted.connect(self.refresh)
        self.dialog.open()

    def _on_add_button_clicked(self) -> None:
        self._open(None)

    def _on_reset_button_clicked(self) -> None:
        user = self.selected_user()
        if user is None:
            QMessageBox.information(
                self, _("Đặt lại mật khẩu"), _("Hãy chọn một người dùng trong danh sách.")
            )
            return
        self._open(user)

    def _on_deactivate_button_clicked(self) -> None:
        user = self.selected_user()
        if user is None:
            QMessageBox.information(self, _("Ngừng hoạt động"), _("Hãy chọn một người dùng trong danh sách."))
            return
        answer = QMessageBox.question(
            self,
            _("Ngừng hoạt động"),
            _(
                "Ngừng hoạt động tài khoản {username} ({full_name})? "
                "Người này sẽ không đăng nhập được nữa; lịch sử làm việc vẫn được giữ."
            ).format(username=user.username, full_name=user.full_name),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.deactivate(user)

    def deactivate(self, user: UserDTO, on_done: Callable[[], None] | None = None) -> None:
        """Deactivate `user` (audited by the core), then reload."""
        db, clock, by = self._ctx.db, self._ctx.clock, self._ctx.user_id

        def run() -> None:
            with db.write() as session:
                if by is None:
                    raise UserFacingError(_("Hãy đăng nhập bằng tài khoản quản trị."))
                users.deactivate(session, clock, user.id, by=by)

        def done(_result: None) -> None:
            self.refresh()
            if on_done is not None:
                on_done()

        self._ctx.runner.run_db(run, done, self._show_error)
