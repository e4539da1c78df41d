"""Sign-in dialogs: the first administrator on a new counter, then everyday sign-in with lockout."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _, _n
from counter_app.services import users
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy, SignInResult, UserDTO
from ui.context import AppContext
from ui.errors import show_error

# How the status bar and the dialogs name a role (the core's ROLE_LABELS are lower-case, for sentences).
ROLE_TITLES = {"clerk": N_("Cán bộ tiếp nhận"), "supervisor": N_("Lãnh đạo"), "admin": N_("Quản trị")}
ERROR_STYLE = "color: #b00020;"


def role_title(role: str) -> str:
    """The Vietnamese name of a role, capitalised for labels."""
    return _(ROLE_TITLES[role]) if role in ROLE_TITLES else role


def user_status_text(ctx: AppContext) -> str:
    """'Full name (vai trò)' for the status bar, or a plain note when nobody is signed in."""
    if not ctx.user_id:
        return ctx.user_name or _("Chưa đăng nhập")
    return f"{ctx.user_name} ({role_title(ctx.role)})"


def apply_user(ctx: AppContext, user: UserDTO | None) -> None:
    """Make `user` the signed-in user of the window (None: nobody)."""
    ctx.user_id = user.id if user else None
    ctx.user_name = user.full_name if user else ""
    ctx.role = user.role if user else ""
    if user:
        ctx.extras["username"] = user.username
    else:
        ctx.extras.pop("username", None)


def refusal_text(result: SignInResult, ctx: AppContext) -> str:
    """The core's refusal, with the minutes left when the account is locked."""
    if result.locked_until_utc is None:
        return result.refusal
    seconds = (result.locked_until_utc - ctx.clock.now_utc()).total_seconds()
    minutes = max(1, math.ceil(seconds / 60))
    return _n("{refusal} (còn khoảng {count} phút)", minutes).format(refusal=result.refusal, count=minutes)


def error_label() -> QLabel:
    """A red, word-wrapped, initially hidden message line."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def set_message(label: QLabel, text: str) -> None:
    """Show `text` on `label`, or hide the label when there is nothing to say."""
    label.setText(text)
    label.setVisible(bool(text))


def password_edit() -> QLineEdit:
    """A password field that never shows what is typed."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(256)
    return edit


class _DbDialog(QDialog):
    """A dialog whose one action runs on the database worker; inputs are disabled meanwhile."""

    def __init__(self, ctx: AppContext, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._busy = False
        self.user: UserDTO | None = None

    def fit_to_messages(self) -> None:
        """Grow to show every message line (wrapped labels do not resize a shown dialog by themselves)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        wanted = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        height = max(wanted, layout.totalSizeHint().height())
        if height > self.height():
            self.resize(self.width(), height)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for edit in self.findChildren(QLineEdit):
            edit.setReadOnly(busy)  # read-only, not disabled: the focus stays where the user typed
        for button in self.findChildren(QPushButton):
            button.setEnabled(not busy)

    def reject(self) -> None:
        if not self._busy:  # a sign-in in flight finishes first; its result must not be lost
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


class SignInDialog(_DbDialog):
    """Username and password; Enter signs in; the refusal (or lock) is shown under the fields."""

    sig_signed_in = Signal(object)  # UserDTO

    def __init__(
        self,
        ctx: AppContext,
        *,
        username: str = "",
        hint: str = "",
        policy: AccountPolicy = ACCOUNT_POLICY,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self._policy = policy
        self.setWindowTitle(_("Đăng nhập — Phần mềm Một cửa"))
        self.setMinimumWidth(460)

        heading = QLabel(f"<h3>{ctx.identity.agency_name}</h3>")
        heading.setWordWrap(True)
        intro = QLabel(_("Đăng nhập để làm việc tại Bộ phận Một cửa."))
        self.username_edit = QLineEdit(username)
        self.username_edit.setMaxLength(64)
        self.username_edit.setPlaceholderText(_("ví dụ: canbo1"))
        self.password_edit = password_edit()
        self.message_label = error_label()
        self.hint_label = QLabel(hint)
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #555;")
        self.hint_label.setVisible(bool(hint))

        form = QFormLayout()
        user_label = QLabel(_("&Tên đăng nhập:"))
        user_label.setBuddy(self.username_edit)
        pass_label = QLabel(_("&Mật khẩu:"))
        pass_label.setBuddy(self.password_edit)
        form.addRow(user_label, self.username_edit)
        form.addRow(pass_label, self.password_edit)

        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton(_("Đăng nhập"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(_("Thoát"), QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.hint_label)
        layout.addWidget(buttons)
        (self.password_edit if username else self.username_edit).setFocus()

    def _on_sign_in_button_clicked(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        # An empty field is a slip of the Enter key, not an attempt: it must not count toward the lock.
        if not username:
            set_message(self.message_label, _("Hãy nhập tên đăng nhập."))
            self.username_edit.setFocus()
            return
        if not password:
            set_message(self.message_label, _("Hãy nhập mật khẩu."))
            self.password_edit.setFocus()
            return
        db, clock, policy = self._ctx.db, self._ctx.clock, self._policy

        def sign_in() -> SignInResult:
            with db.write() as session:  # commits the failure counter and audit row too
                return users.authenticate(session, clock, username, password, policy=policy)

        self._set_busy(True)
        set_message(self.message_label, "")
        self._ctx.runner.run_db(sign_in, self._on_sign_in_done, self._on_sign_in_error)

    def _on_sign_in_done(self, result: SignInResult) -> None:
        self._set_busy(False)
        if result.user is not None:
            self.user = result.user
            self.sig_signed_in.emit(result.user)
            self.accept()
            return
        set_message(self.message_label, refusal_text(result, self._ctx))
        self.fit_to_messages()
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _on_sign_in_error(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, UserFacingError):
            set_message(self.message_label, error.message)
        else:
            show_error(self, error)


class FirstAdminDialog(_DbDialog):
    """First start: create the administrator (who is then signed in); messages sit next to each field."""

    sig_signed_in = Signal(object)  # UserDTO

    FIELDS = ("username", "full_name", "password", "password_repeat")

    def __init__(
        self, ctx: AppContext, *, policy: AccountPolicy = ACCOUNT_POLICY, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, parent)
        self._policy = policy
        self.setWindowTitle(_("Tạo tài khoản quản trị — Phần mềm Một cửa"))
        self.setMinimumWidth(520)

        heading = QLabel(_("<h3>Thiết lập lần đầu: tài khoản quản trị</h3>"))
        intro = QLabel(
            _(
                "{agency} chưa có quản trị viên. Hãy tạo tài khoản quản trị đầu tiên; "
                "quản trị viên sẽ thêm tài khoản cho các cán bộ."
            ).format(agency=ctx.identity.agency_name)
        )
        intro.setWordWrap(True)
        self.username_edit = QLineEdit()
        self.username_edit.setMaxLength(32)
        self.username_edit.setPlaceholderText(_("chữ không dấu, ví dụ: quantri"))
        self.full_name_edit = QLineEdit()
        self.full_name_edit.setMaxLength(120)
        self.password_edit = password_edit()
        self.password_edit.setPlaceholderText(
            _n("ít nhất {count} ký tự", policy.min_password_length).format(count=policy.min_password_length)
        )
        self.repeat_edit = password_edit()
        self.edits: dict[str, QLineEdit] = dict(
            zip(
                self.FIELDS,
                (self.username_edit, self.full_name_edit, self.password_edit, self.repeat_edit),
                strict=True,
            )
        )
        self.field_errors: dict[str, QLabel] = {name: error_label() for name in self.FIELDS}
        self.message_label = error_label()

        form = QFormLayout()
        captions = (_("&Tên đăng nhập:"), _("&Họ và tên:"), _("&Mật khẩu:"), _("&Nhập lại mật khẩu:"))
        for name, caption in zip(self.FIELDS, captions, strict=True):
            label = QLabel(caption)
            label.setBuddy(self.edits[name])
            form.addRow(label, self.edits[name])
            form.addRow("", self.field_errors[name])

        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton(_("Tạo tài khoản"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(_("Thoát"), QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.username_edit.setFocus()

    def show_field_errors(self, errors: dict[str, str]) -> None:
        """Put each message under its field (others cleared) and focus the first wrong field."""
        for name, label in self.field_errors.items():
            set_message(label, errors.get(name, ""))
        unknown = [msg for name, msg in errors.items() if name not in self.field_errors]
        set_message(self.message_label, " ".join(unknown))
        self.fit_to_messages()
        first = next((name for name in self.FIELDS if name in errors), None)
        if first:
            self.edits[first].setFocus()
            self.edits[first].selectAll()

    def _on_create_button_clicked(self) -> None:
        username = self.username_edit.text()
        full_name = self.full_name_edit.text()
        password = self.password_edit.text()
        errors: dict[str, str] = {}
        problem = users.check_password_rule(password, self._policy)
        if problem:
            errors["password"] = problem
        elif self.repeat_edit.text() != password:
            errors["password_repeat"] = _("Mật khẩu nhập lại không khớp")
        if not username.strip():
            errors["username"] = _("Hãy nhập tên đăng nhập")
        if not full_name.strip():
            errors["full_name"] = _("Hãy nhập họ và tên")
        if errors:
            self.show_field_errors(errors)
            return
        db, clock, policy = self._ctx.db, self._ctx.clock, self._policy

        def create() -> SignInResult:
            # One action, one transaction: the administrator is created and signed in (both audited).
            with db.write() as session:
                users.create_first_admin(session, clock, username, full_name, password, policy=policy)
                return users.authenticate(session, clock, username, password, policy=policy)

        self._set_busy(True)
        self.show_field_errors({})
        self._ctx.runner.run_db(create, self._on_create_done, self._on_create_error)

    def _on_create_done(self, result: SignInResult) -> None:
        self._set_busy(False)
        if result.user is None:  # cannot happen just after creation, but never sign in on a refusal
            set_message(self.message_label, result.refusal)
            return
        self.user = result.user
        self.sig_signed_in.emit(result.user)
        self.accept()

    def _on_create_error(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, FieldErrors):
            self.show_field_errors(error.errors)
        elif isinstance(error, UserFacingError):
            set_message(self.message_label, error.message)
        else:
            show_error(self, error)
