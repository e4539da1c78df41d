"""The interface language: the switch in the running window, and every main screen without Vietnamese in English.

The counter of these tests has an ASCII identity and ASCII people, so that what is left in Vietnamese on an
English screen is interface text, not data. Catalogue data (procedure, field and document names, queue
names, the provinces, the calendar's names of public holidays) and the Vietnamese examples of proper names
are removed from the texts before looking.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QTextEdit,
    QToolButton,
    QWidget,
    QWizardPage,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from counter_app import i18n, settings
from counter_app.catalogue.service import list_procedures
from counter_app.clock import FixedClock, SystemClock
from counter_app.deadlines.calendar import builtin_calendar_files
from counter_app.paths import data_dir
from counter_app.queue.config import QueueConfig, save_config
from counter_app.queue.local import LocalQueue
from counter_app.queue.service import DeskRequest
from counter_app.services import users
from counter_app.services.counter_setup import initialise_counter
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database, create_database, open_database
from counter_app.storage.models import AuditEntry, CalendarDay
from tests.i18n_scan import VIETNAMESE
from ui.app import build_window
from ui.language import apply_language
from ui.language_switch import BUTTON_NAME, DATA_PROPERTY, WINDOW_KEY
from ui.main_window import MainWindow
from ui.pages.intake.applicant_form import PROVINCES_2025
from ui.queue.display import DisplayWindow
from ui.queue.kiosk import KioskWindow
from ui.queue.panel import QueuePanel
from ui.setup_wizard import SetupWizard
from ui.signin import FirstAdminDialog, SignInDialog
from ui.tasks import TaskRunner

AGENCY = {
    "agency_code": "000.00.31.H12",
    "agency_name": "Commune Public Service Centre",
    "parent_name": "Commune People's Committee",
    "place_name": "Y La",
}
ADMIN = ("admin1", "Tran Thi Hoa")
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
NOW = datetime(2026, 11, 26, 2, 30)
# Vietnamese proper names quoted as examples (an agency's name is Vietnamese whatever the interface
# speaks), legal references, and the way money is written: data, not interface text.
EXAMPLES = (
    "Trung tâm Phục vụ hành chính công xã Ỷ La",
    "UBND xã Ỷ La",
    "ngày … tháng … năm …",
    "Ỷ La",
    "QĐ-TTg",
    "khai sinh",
)
MONEY = re.compile(r"(\d[\d.]*\s*)?\bđ\b")


@pytest.fixture
def english_db(tmp_path: Path) -> Iterator[Database]:
    """A counter with an ASCII identity, the built-in catalogue and an ASCII administrator."""
    from counter_app.catalogue.service import load_builtin_catalogue

    path = tmp_path / "counter.db"
    create_database(path)
    db = open_database(path)
    with db.write() as session:
        initialise_counter(session, SystemClock(), **AGENCY)
        load_builtin_catalogue(session, SystemClock())
    yield db
    db.close()


@pytest.fixture
def admin(english_db: Database) -> UserDTO:
    with english_db.write() as session:
        return users.create_user(
            session, SystemClock(), ADMIN[0], ADMIN[1], "admin", "mat-khau-123", policy=FAST
        )


@pytest.fixture(autouse=True)
def vietnamese_afterwards() -> Iterator[None]:
    """Every test leaves the process in Vietnamese, the source language the other tests expect."""
    yield
    apply_language("vi")


def _stored_language(db: Database) -> str:
    with db.read() as session:
        return settings.get(session, settings.UI_LANGUAGE)


def _button(window: MainWindow) -> QToolButton:
    button = window.findChild(QToolButton, BUTTON_NAME)
    assert isinstance(button, QToolButton)
    return button


def _language_action(window: MainWindow, code: str) -> tuple[QToolButton, object]:
    button = _button(window)
    assert button.isVisible()
    menu = button.menu()
    assert menu is not None
    [action] = [a for a in menu.actions() if a.data() == code]
    return button, action


def _switch(window: MainWindow, code: str) -> MainWindow:
    """Choose `code` in the window's language menu, as a clerk would; the rebuilt window."""
    _button, action = _language_action(window, code)
    action.trigger()  # type: ignore[attr-defined]
    new = window.ctx.extras[WINDOW_KEY]
    assert isinstance(new, MainWindow) and new is not window
    return new


def _nav_labels(window: MainWindow) -> list[str]:
    return [window.nav.item(row).text().split("   (F")[0] for row in range(window.nav.count())]


def test_switching_to_english_and_back_rebuilds_the_window_and_is_stored(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    window = build_window(english_db, synchronous=True, user=admin, idle_lock_ms=600_000)
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(4)
    ctx = window.ctx
    assert _nav_labels(window) == ["Tiếp nhận", "Hồ sơ", "Trả kết quả", "Giám sát", "Quản trị"]
    assert _button(window).text() == "Ngôn ngữ: Tiếng Việt"

    english = _switch(window, "en")
    qtbot.addWidget(english)
    assert _nav_labels(english) == [
        "Intake",
        "Dossiers",
        "Return of results",
        "Supervision",
        "Administration",
    ]
    assert english.windowTitle() == "Commune Public Service Centre — One-Stop Counter"
    assert _button(english).text() == "Language: English"
    assert english.isVisible() and not window.isVisible()
    assert english.ctx is ctx and ctx.user_id == admin.id  # same user, same database, no new sign-in
    assert english.nav.currentRow() == 4  # the clerk stays where they were
    assert english.status_user.text() == "Tran Thi Hoa (Administration)"
    assert _stored_language(english_db) == "en"
    with english_db.read() as session:
        audit = session.scalars(
            select(AuditEntry.user_id).where(
                AuditEntry.action == "setting.change", AuditEntry.entity_id == "ui.language"
            )
        ).all()
    assert audit == [admin.id]
    # The shared context survived the old window: the database worker still answers, the lock follows.
    answers: list[int] = []
    failures: list[BaseException] = []
    ctx.runner.run_db(lambda: 42, answers.append, failures.append)
    assert answers == [42] and failures == []
    lock = ctx.extras["idle_lock"]
    assert getattr(lock, "_window", None) is english

    back = _switch(english, "vi")
    qtbot.addWidget(back)
    assert _nav_labels(back) == ["Tiếp nhận", "Hồ sơ", "Trả kết quả", "Giám sát", "Quản trị"]
    assert back.windowTitle() == "Commune Public Service Centre — Phần mềm Một cửa"
    assert _stored_language(english_db) == "vi"
    assert not english.isVisible() and back.isVisible()


def test_the_stored_language_is_used_by_the_next_start(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    window = build_window(english_db, synchronous=True, user=admin)
    qtbot.addWidget(window)
    window.show()
    qtbot.addWidget(_switch(window, "en"))
    apply_language("vi")  # a fresh process starts in Vietnamese until the counter's setting is read
    again = build_window(english_db, synchronous=True, user=admin)
    qtbot.addWidget(again)
    assert i18n.language() == "en"
    assert _nav_labels(again)[0] == "Intake"


# --- the walk over every main screen, in English ------------------------------------------------------


def _texts_of(obj: QObject) -> list[str]:
    """The interface texts one widget shows (never its data cells)."""
    if obj.property(DATA_PROPERTY):
        return []
    out: list[str] = []
    if isinstance(obj, QWidget):
        out += [obj.toolTip(), obj.whatsThis()]
        if obj.isWindow() or isinstance(obj, QDockWidget):
            out.append(obj.windowTitle())
        for action in QWidget.actions(obj):  # unbound: some widgets name an attribute `actions`
            if not action.property(DATA_PROPERTY):
                out += [action.text(), action.toolTip()]
    if isinstance(obj, QLabel):
        out.append(obj.text())
    if isinstance(obj, QAbstractButton):
        out.append(obj.text())
        menu = obj.menu() if isinstance(obj, QToolButton) else None
        if menu is not None:
            out += _texts_of(menu)
    if isinstance(obj, QGroupBox):
        out.append(obj.title())
    if isinstance(obj, QTabWidget):
        out += [obj.tabText(i) for i in range(obj.count())] + [obj.tabToolTip(i) for i in range(obj.count())]
    if isinstance(obj, QLineEdit | QTextEdit | QPlainTextEdit):
        out.append(obj.placeholderText())
    if isinstance(obj, QSpinBox):
        out += [obj.prefix(), obj.suffix()]
    if isinstance(obj, QAbstractSpinBox):
        out.append(obj.specialValueText())
    if isinstance(obj, QComboBox):
        out += [obj.itemText(i) for i in range(obj.count())]
    if isinstance(obj, QWizardPage):
        out += [obj.title(), obj.subTitle()]
    if isinstance(obj, QAbstractItemView) and not isinstance(obj, QListWidget):
        model = obj.model()
        if model is not None:
            for column in range(model.columnCount()):
                out.append(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
    return [text for text in out if text]


def _walk(root: QWidget) -> list[tuple[str, str]]:
    """(widget, text) for the root and every widget under it, hidden tabs and pages included."""
    found: list[tuple[str, str]] = []
    for obj in [root, *root.findChildren(QWidget)]:
        name = f"{type(obj).__name__}({obj.objectName()})"
        found += [(name, text) for text in _texts_of(obj)]
    return found


def _data_strings(db: Database, extra: tuple[str, ...] = ()) -> list[str]:
    with db.read() as session:
        entries = list_procedures(session)
        holidays = set(session.scalars(select(CalendarDay.name)))  # the calendar's own names of days off
    for path in builtin_calendar_files():  # the shipped calendars' official names of public holidays
        holidays |= {
            day.get("name", "") for day in tomllib.loads(path.read_text(encoding="utf-8")).get("day", [])
        }
    names = {e.spec.name for e in entries} | {e.spec.field_name for e in entries}
    names |= {doc.name for e in entries for doc in e.spec.documents}
    names |= set(PROVINCES_2025) | set(EXAMPLES) | set(extra) | holidays
    names |= set(i18n.LANGUAGES.values())  # a language is offered under its own name ("Tiếng Việt")
    return sorted((n for n in names if n), key=len, reverse=True)


def _vietnamese_left(found: list[tuple[str, str]], data: list[str]) -> list[str]:
    left = []
    for widget, text in found:
        stripped = text
        for name in data:
            stripped = stripped.replace(name, "")
        stripped = MONEY.sub("", stripped)
        if VIETNAMESE.search(stripped):
            left.append(f"{widget}: {text!r}")
    return sorted(set(left))


def _assert_english(found: list[tuple[str, str]], data: list[str]) -> None:
    left = _vietnamese_left(found, data)
    assert not left, "Vietnamese left on an English screen:\n" + "\n".join(left)


def _english_window(qtbot: QtBot, db: Database, user: UserDTO) -> MainWindow:
    save_config(QueueConfig(desk=2, agency_name=AGENCY["agency_name"]))  # the queue dock shows
    queue = LocalQueue(data_dir() / "queue.db", FixedClock(NOW))
    queue.close()
    with db.write() as session:
        settings.put(session, SystemClock(), settings.UI_LANGUAGE, "en", None)
    window = build_window(db, synchronous=True, user=user)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert i18n.language() == "en"
    return window


def _show_page(window: MainWindow, row: int) -> QWidget:
    window.nav.setCurrentRow(row)
    page = window.stack.currentWidget()
    assert page is not None
    for tabs in page.findChildren(QTabWidget):  # every tab once, so that lazy tabs fill themselves
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
    return page


def _queue_lines() -> tuple[str, ...]:
    queue = LocalQueue(data_dir() / "queue.db", FixedClock(NOW))
    try:
        return tuple(line.name for line in queue.lines())
    finally:
        queue.close()


PAGES = {"intake": 0, "dossiers": 1, "return": 2, "supervision": 3, "administration": 4}


@pytest.mark.parametrize("page", list(PAGES))
def test_english_page_has_no_vietnamese_interface_text(
    qtbot: QtBot, english_db: Database, admin: UserDTO, page: str
) -> None:
    window = _english_window(qtbot, english_db, admin)
    shown = _show_page(window, PAGES[page])
    _assert_english(_walk(shown), _data_strings(english_db))


def test_english_window_frame_has_no_vietnamese_interface_text(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    """Navigation, status bar, the window's own shortcuts and titles (the pages have their own cases)."""
    window = _english_window(qtbot, english_db, admin)
    found = [("nav", window.nav.item(row).text()) for row in range(window.nav.count())]
    found += [("window", window.windowTitle())]
    found += [(f"action({a.shortcut().toString()})", a.text()) for a in window.actions()]
    found += _walk(window.statusBar())
    _assert_english(found, _data_strings(english_db))


def test_english_queue_panel_has_no_vietnamese_interface_text(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    window = _english_window(qtbot, english_db, admin)
    panel = window.queue_dock.widget()
    assert isinstance(panel, QueuePanel)
    panel.refresh()
    found = _walk(window.queue_dock)
    assert any("Call next" in text for _w, text in found)
    _assert_english(found, _data_strings(english_db, _queue_lines()))


def _queue_window(make: Callable[[LocalQueue], QWidget], qtbot: QtBot) -> tuple[QWidget, LocalQueue]:
    apply_language("en")
    queue = LocalQueue(data_dir() / "queue.db", FixedClock(NOW))
    window = make(queue)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window, queue


def test_english_kiosk_has_no_vietnamese_interface_text(qtbot: QtBot, english_db: Database) -> None:
    printed: list[object] = []
    kiosk, queue = _queue_window(
        lambda q: KioskWindow(
            q, AGENCY["agency_name"], printer=printed.append, clock=q.clock, synchronous=True
        ),
        qtbot,
    )
    assert isinstance(kiosk, KioskWindow)
    lines = tuple(line.name for line in queue.lines())
    choices = _walk(kiosk)
    kiosk.take("A")
    kiosk.take("A")  # a ticket with somebody ahead
    ticket = _walk(kiosk)
    queue.close()
    assert any("person ahead of you" in text for _w, text in ticket)
    _assert_english(choices + ticket, _data_strings(english_db, lines))


def test_english_display_has_no_vietnamese_interface_text(qtbot: QtBot, english_db: Database) -> None:
    class Silent:
        def announce(self, label: str, desk: int) -> None:
            pass

    display, queue = _queue_window(
        lambda q: DisplayWindow(q, AGENCY["agency_name"], announce=Silent(), clock=q.clock, synchronous=True),
        qtbot,
    )
    assert isinstance(display, DisplayWindow)
    display.timer.stop()
    lines = tuple(line.name for line in queue.lines())
    empty = _walk(display)
    queue.issue("A")
    queue.issue("B")
    queue.act(DeskRequest("next", desk=2, clerk=ADMIN[1]))
    display.poll()
    calling = _walk(display)
    queue.close()
    assert any("Counter 2" in text for _w, text in calling)
    _assert_english(empty + calling, _data_strings(english_db, lines))


def test_english_sign_in_dialogs_have_no_vietnamese_interface_text(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    window = _english_window(qtbot, english_db, admin)
    sign_in = SignInDialog(window.ctx)
    first = FirstAdminDialog(window.ctx)
    for dialog in (sign_in, first):
        qtbot.addWidget(dialog)
        dialog.show()
    found = _walk(sign_in) + _walk(first)
    assert ("SignInDialog()", "Sign in — One-Stop Counter") in found
    _assert_english(found, _data_strings(english_db))


def test_english_setup_wizard_pages_have_no_vietnamese_interface_text(
    qtbot: QtBot, english_db: Database, tmp_path: Path
) -> None:
    apply_language("en")
    wizard = SetupWizard(
        tmp_path / "new" / "counter.db",
        runner=TaskRunner(synchronous=True),
        policy=FAST,
        printers=lambda: ["Office Printer"],
    )
    qtbot.addWidget(wizard)
    wizard.show()
    found: list[tuple[str, str]] = []
    for page_id in wizard.pageIds():
        page = wizard.page(page_id)
        page.initializePage()
        found += _walk(page)
    found += _walk(wizard)
    assert any(text.startswith("Step 1/6") for _w, text in found)
    _assert_english(found, _data_strings(english_db))


def test_back_in_vietnamese_the_screens_speak_vietnamese_again(
    qtbot: QtBot, english_db: Database, admin: UserDTO
) -> None:
    window = _english_window(qtbot, english_db, admin)
    back = _switch(window, "vi")
    qtbot.addWidget(back)
    texts = [text for _w, text in _walk(_show_page(back, 0))]
    assert "Lưu hồ sơ (Ctrl+S)" in texts and "Save dossier (Ctrl+S)" not in texts
    assert any(VIETNAMESE.search(text) for _w, text in _walk(back.queue_dock))
