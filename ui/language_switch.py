"""Switching the interface language at run time: store the setting, apply it, rebuild the main window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton

from counter_app import i18n, settings
from counter_app.i18n import _
from ui.errors import show_error
from ui.idle_lock import IdleLock
from ui.language import apply_language
from ui.window_state import save_layout

if TYPE_CHECKING:
    from ui.main_window import MainWindow

BUTTON_NAME = "languageButton"
HANDOVER_KEY = "language_handover"  # ctx.extras: the window being replaced keeps the shared context alive
IDLE_LOCK_KEY = "idle_lock"
WINDOW_KEY = "language_window"  # ctx.extras: the window built by the last switch
DATA_PROPERTY = "i18n_data"  # a text that is data, the same in every language (a language's own name)


def language_button_text() -> str:
    """ "Ngôn ngữ: Tiếng Việt" / "Language: English" — the current language named in itself."""
    return _("Ngôn ngữ: {language}").format(language=i18n.LANGUAGES[i18n.language()])


def install_language_button(window: MainWindow) -> QToolButton:
    """A status-bar button whose menu lists the languages; choosing one switches the whole window."""
    button = QToolButton(window)
    button.setObjectName(BUTTON_NAME)
    button.setText(language_button_text())
    button.setToolTip(_("Đổi ngôn ngữ giao diện (lưu cho quầy này)"))
    button.setAutoRaise(True)
    button.setStyleSheet("QToolButton { padding-right: 12px; }")  # the menu arrow never covers the text
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    group = QActionGroup(menu)
    group.setExclusive(True)
    for code, name in i18n.LANGUAGES.items():
        action = QAction(name, menu)  # each language in its own words: findable whatever is shown now
        action.setData(code)
        action.setCheckable(True)
        action.setChecked(code == i18n.language())
        action.setProperty(DATA_PROPERTY, True)
        action.triggered.connect(lambda _checked=False, chosen=code: switch_language(window, chosen))
        group.addAction(action)
        menu.addAction(action)
    button.setMenu(menu)
    window.statusBar().addPermanentWidget(button)
    return button


def switch_language(window: MainWindow, code: str) -> None:
    """Store `code` as the counter's language (one audited transaction), then rebuild `window` in it."""
    if code == i18n.language():
        return
    ctx = window.ctx
    db, clock, by = ctx.db, ctx.clock, ctx.user_id

    def write() -> str:
        with db.write() as session:
            return settings.put(session, clock, settings.UI_LANGUAGE, code, by)

    def stored(value: str) -> None:
        rebuild_window(window, value)

    ctx.runner.run_db(write, stored, lambda exc: show_error(window, exc))


def rebuild_window(old: MainWindow, code: str) -> MainWindow:
    """A new main window in `code` over the same context (user, database, runner) replacing `old`."""
    from ui.app import window_for  # ui.app builds windows and imports this module

    ctx = old.ctx
    old_demo_suffix = _(" — DỮ LIỆU MẪU")
    demo = old.windowTitle().endswith(old_demo_suffix)
    row = old.nav.currentRow()
    visible, maximized = old.isVisible(), old.isMaximized()
    lock = ctx.extras.pop(IDLE_LOCK_KEY, None)
    idle_ms = None
    if isinstance(lock, IdleLock):
        idle_ms = lock.timer.interval()
        lock.dispose()
    old.sync.stop()  # the new window starts its own sync once: never two workers at a time
    save_layout(old)  # the new window restores the same geometry, docks and columns
    apply_language(code)
    new = window_for(ctx, idle_lock_ms=idle_ms)
    if demo:
        new.setWindowTitle(new.windowTitle() + _(" — DỮ LIỆU MẪU"))
    new.nav.setCurrentRow(row)
    if visible:
        if maximized:
            new.showMaximized()
        else:
            new.show()
    ctx.extras[WINDOW_KEY] = new
    ctx.extras[HANDOVER_KEY] = old
    old.close()
    ctx.extras.pop(HANDOVER_KEY, None)
    old.deleteLater()
    return new
