"""Screen lock: after idle minutes (or Ctrl+L) the main window is covered until the user's password."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from counter_app.services import users
from counter_app.services.audit import append_audit
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy, SignInResult
from ui.context import AppContext
from ui.errors import show_error
from ui.signin import SignInDialog, apply_user, error_label, password_edit, refusal_text, set_message

log = logging.getLogger(__name__)

# Input that counts as "someone is at the desk" and restarts the idle countdown.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)
# Input that must not reach the covered window while it is locked.
BLOCKED_WHILE_LOCKED = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.ShortcutOverride,
        QEvent.Type.Shortcut,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
    }
)


PANEL_WIDTH = 460


def minutes_to_ms(minutes: int) -> int:
    """The timer interval for a setting in minutes."""
    return minutes * 60_000


class LockOverlay(QWidget):
    """An opaque cover over the whole main window with the password field and "Đăng xuất"."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lockOverlay")
        self.setAutoFillBackground(True)
        self.title_label = QLabel(_("<h2>Màn hình đã khóa</h2>"))
        self.user_label = QLabel()
        self.user_label.setWordWrap(True)
        self.password_edit = password_edit()
        self.password_edit.setPlaceholderText(_("Mật khẩu của bạn"))
        self.message_label = error_label()
        self.unlock_button = QPushButton(_("Mở khóa"))
        self.sign_out_button = QPushButton(_("Đăng xuất"))
        self.unlock_button.setDefault(True)

        self.panel = panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setFixedWidth(PANEL_WIDTH)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.sign_out_button)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(20, 16, 20, 16)
        inner.setSpacing(10)
        inner.addWidget(self.title_label)
        inner.addWidget(self.user_label)
        password_label = QLabel(_("&Mật khẩu:"))
        password_label.setBuddy(self.password_edit)
        inner.addWidget(password_label)
        inner.addWidget(self.password_edit)
        inner.addWidget(self.message_label)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.hide()

    def set_texts(self, user_text: str, message: str = "") -> None:
        """The line about the user and the red message; the panel grows to show both whole."""
        self.user_label.setText(user_text)
        set_message(self.message_label, message)
        # A fixed-width panel inside a centring layout ignores the height its wrapped lines need.
        self.panel.setFixedHeight(max(self.panel.heightForWidth(PANEL_WIDTH), 0))

    def set_busy(self, busy: bool) -> None:
        """Disable the inputs while the password is being checked."""
        for widget in (self.password_edit, self.unlock_button, self.sign_out_button):
            widget.setEnabled(not busy)


class IdleLock(QObject):
    """Watches the application's input; locks `window` after `interval_ms` without any, or on Ctrl+L.

    Unlocking checks the signed-in user's password with `authenticate` (so wrong passwords count
    toward the account lock); "Đăng xuất" signs the user out and asks for another sign-in.
    Locking, unlocking and signing out are audited.
    """

    sig_locked = Signal()
    sig_unlocked = Signal()
    sig_user_changed = Signal(object)  # UserDTO of the user who signed in after a sign-out

    def __init__(
        self,
        window: QMainWindow,
        ctx: AppContext,
        *,
        interval_ms: int,
        policy: AccountPolicy = ACCOUNT_POLICY,
        on_user_changed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._ctx = ctx
        self._policy = policy
        self._on_user_changed = on_user_changed
        self._locked = False
        self._disabled_actions: list[QAction] = []
        self.sign_in_dialog: SignInDialog | None = None

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)

        self.overlay = LockOverlay(window)
        self.overlay.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.overlay.password_edit.returnPressed.connect(self._on_unlock_button_clicked)
        self.overlay.sign_out_button.clicked.connect(self._on_sign_out_button_clicked)

        self.lock_action = QAction(_("Khóa màn hình"), window)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self._on_lock_action_triggered)
        window.addAction(self.lock_action)

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if ctx.user_id:
            self.timer.start()

    @property
    def is_locked(self) -> bool:
        """True while the window is covered."""
        return self._locked

    def dispose(self) -> None:
        """Stop watching (the window is being replaced, e.g. after a language switch)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._window.removeAction(self.lock_action)
        self.overlay.hide()

    def set_interval(self, interval_ms: int) -> None:
        """Change the idle time (e.g. after the setting changed); restarts the countdown."""
        self.timer.setInterval(interval_ms)
        if not self._locked and self._ctx.user_id:
            self.timer.start()

    # --- input watching -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._locked:
            if kind in BLOCKED_WHILE_LOCKED and self._is_covered(watched):
                return True
            if kind == QEvent.Type.Resize and watched is self._window:
                self.overlay.setGeometry(self._window.rect())
        elif kind in ACTIVITY_EVENTS and self._ctx.user_id and self._window.isVisible():
            self.timer.start()
        return False

    def _is_covered(self, watched: QObject) -> bool:
        """True for the window's own widgets and actions, but not the overlay nor dialogs above it."""
        owner: Any = watched.parent() if isinstance(watched, QAction) else watched
        if not isinstance(owner, QWidget):
            return False
        if owner is self.overlay or self.overlay.isAncestorOf(owner):
            return False
        return owner.window() is self._window

    # --- locking ----------------------------------------------------------------------------------

    def _on_timer_timeout(self) -> None:
        if self._window.isVisible():  # a closed window has nothing to hide and no worker left
            self.lock("idle")

    def _on_lock_action_triggered(self) -> None:
        self.lock("manual")

    def lock(self, reason: str = "manual") -> None:
        """Cover the window and disable it; audited with the reason ("idle" or "manual")."""
        user_id = self._ctx.user_id
        if self._locked or not user_id:
            return
        self._locked = True
        self.timer.stop()
        central = self._window.centralWidget()
        if central is not None:
            central.setEnabled(False)
        menu = self._window.menuWidget()
        if menu is not None:
            menu.setEnabled(False)
        self._disabled_actions = [a for a in self._window.actions() if a.isEnabled()]
        for action in self._disabled_actions:
            action.setEnabled(False)
        self.overlay.set_texts(
            _(
                "Đang làm việc: {name}. Nhập mật khẩu của bạn để tiếp tục, "
                "hoặc đăng xuất để người khác đăng nhập."
            ).format(name=self._ctx.user_name)
        )
        self.overlay.password_edit.clear()
        self.overlay.set_busy(False)
        self.overlay.setGeometry(self._window.rect())
        self.overlay.show()
        self.overlay.raise_()
        self.overlay.password_edit.setFocus()
        self._audit(user_id, "screen_locked", {"reason": reason})
        self.sig_locked.emit()

    def _unlock(self) -> None:
        self._locked = False
        self.overlay.hide()
        self.overlay.password_edit.clear()
        central = self._window.centralWidget()
        if central is not None:
            central.setEnabled(True)
        menu = self._window.menuWidget()
        if menu is not None:
            menu.setEnabled(True)
        for action in self._disabled_actions:
            action.setEnabled(True)
        self._disabled_actions = []
        self.timer.start()
        self.sig_unlocked.emit()

    def _audit(self, user_id: str, action: str, detail: dict[str, Any]) -> None:
        db, clock = self._ctx.db, self._ctx.clock

        def write() -> None:
            with db.write() as session:
                append_audit(session, clock, user_id, action, "user", user_id, detail)

        self._ctx.runner.run_db(write, lambda _none: None, lambda exc: show_error(self._window, exc))

    # --- unlocking --------------------------------------------------------------------------------

    def _on_unlock_button_clicked(self) -> None:
        if not self._locked or not self.overlay.unlock_button.isEnabled():
            return
        password = self.overlay.password_edit.text()
        user_id = self._ctx.user_id
        if not password or not user_id:
            self.overlay.set_texts(self.overlay.user_label.text(), _("Hãy nhập mật khẩu."))
            return
        db, clock, policy = self._ctx.db, self._ctx.clock, self._policy

        def unlock() -> SignInResult:
            with db.write() as session:
                username = users.get_user(session, user_id).username
                result = users.authenticate(session, clock, username, password, policy=policy)
                if result.user is not None:
                    append_audit(session, clock, user_id, "screen_unlocked", "user", user_id, {})
                return result

        self.overlay.set_busy(True)
        self._ctx.runner.run_db(unlock, self._on_unlock_done, self._on_unlock_error)

    def _on_unlock_done(self, result: SignInResult) -> None:
        self.overlay.set_busy(False)
        if result.user is not None:
            self._unlock()
            return
        self.overlay.set_texts(self.overlay.user_label.text(), refusal_text(result, self._ctx))
        self.overlay.password_edit.clear()
        self.overlay.password_edit.setFocus()

    def _on_unlock_error(self, error: BaseException) -> None:
        self.overlay.set_busy(False)
        show_error(self._window, error)

    # --- signing out ------------------------------------------------------------------------------

    def _on_sign_out_button_clicked(self) -> None:
        user_id = self._ctx.user_id
        if not self._locked or not user_id:
            return
        self._audit(user_id, "sign_out", {"from": "screen_lock"})
        apply_user(self._ctx, None)
        self._notify_user_changed()
        self.overlay.set_texts(_("Đã đăng xuất. Người dùng tiếp theo hãy đăng nhập."))
        self.overlay.password_edit.clear()
        self.overlay.set_busy(True)
        dialog = SignInDialog(self._ctx, policy=self._policy, parent=self._window)
        dialog.accepted.connect(self._on_sign_in_dialog_accepted)
        dialog.rejected.connect(self._on_sign_in_dialog_rejected)
        self.sign_in_dialog = dialog
        dialog.open()

    def _on_sign_in_dialog_accepted(self) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        if dialog is None or dialog.user is None:
            return
        user = dialog.user
        dialog.deleteLater()
        apply_user(self._ctx, user)
        self._notify_user_changed()
        self._unlock()
        self.sig_user_changed.emit(user)

    def _on_sign_in_dialog_rejected(self) -> None:
        # Nobody signed in: the counter's data must not stay on screen, so the window closes.
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.deleteLater()
        self.sign_in_dialog = None
        self._window.close()

    def _notify_user_changed(self) -> None:
        if self._on_user_changed is not None:
            self._on_user_changed()
