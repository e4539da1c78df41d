"""Finishing touches: the busy cue, success in the status bar, the remembered layout, deadline states
that do not rest on colour, and the administrator's diagnostics tab."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
from pytestqt.qtbot import QtBot

from counter_app import __version__, applog
from counter_app.clock import SystemClock
from counter_app.deadlines import Timeliness
from counter_app.services import users
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database
from tests.ui.test_dossier_list import _cell, page, three  # noqa: F401  (fixtures: the three dossiers)
from ui.app import build_window
from ui.busy import BusyLabel
from ui.deadline_style import MIN_CONTRAST, contrast_ratio
from ui.main_window import MainWindow
from ui.notify import notify_success
from ui.pages.dossier_list import COL_TIME_LEFT, DossierListPage
from ui.tasks import TaskRunner
from ui.window_state import state_path

FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


def _add(db: Database, username: str, role: str) -> UserDTO:
    with db.write() as session:
        return users.create_user(
            session, SystemClock(), username, "Người Thử", role, "mat-khau-du-dai", policy=FAST
        )


# --- 1. busy cue ---------------------------------------------------------------------------------------
def test_busy_cue_only_after_half_a_second_and_gone_when_done(qtbot: QtBot) -> None:
    runner = TaskRunner()
    label = BusyLabel(runner.busy)
    qtbot.addWidget(label)
    seen: list[bool] = []
    runner.busy.sig_busy.connect(seen.append)
    results: list[object] = []

    # A fast operation: finished before the timer, never any cue.
    runner.run_db(lambda: 42, results.append, results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=2000)
    assert seen == [] and not runner.busy.shown and QApplication.overrideCursor() is None

    # A slow one: held by the test until released.
    release = threading.Event()
    runner.run_db(lambda: release.wait(20) and "slow", results.append, results.append)
    assert not runner.busy.shown and label.isHidden()  # at 0 ms: nothing yet
    qtbot.waitUntil(lambda: runner.busy.shown, timeout=3000)
    assert seen == [True] and not label.isHidden() and label.text() == "Đang xử lý…"
    cursor = QApplication.overrideCursor()
    assert cursor is not None and cursor.shape() == Qt.CursorShape.WaitCursor
    release.set()
    qtbot.waitUntil(lambda: not runner.busy.shown, timeout=3000)
    assert results == [42, "slow"] and seen == [True, False]
    assert label.isHidden() and QApplication.overrideCursor() is None
    runner.shutdown()


def test_main_window_has_the_busy_label_hidden(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    window.show()
    labels = window.statusBar().findChildren(QLabel, "statusBusy")
    assert labels == [window.status_busy] and window.status_busy.isHidden()


# --- 3. success in the status bar -----------------------------------------------------------------------
def test_success_goes_to_the_status_bar_not_a_box(qtbot: QtBot) -> None:
    window = QMainWindow()
    child = QLabel("x")
    window.setCentralWidget(child)
    qtbot.addWidget(window)
    window.show()
    assert notify_success(child, "Đã xuất báo cáo")
    assert window.statusBar().currentMessage() == "Đã xuất báo cáo"
    assert QApplication.activeModalWidget() is None


# --- 4. remembered layout -----------------------------------------------------------------------------
def test_window_size_and_columns_are_remembered(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    window.show()
    # The offscreen screen is 800×800 px: a shorter window than the default 1200×760 fits it.
    window.resize(window.minimumSizeHint().width(), 700)
    window.dossier_page.table.setColumnWidth(COL_TIME_LEFT, 233)
    left = (window.width(), window.height())
    assert left[1] == 700
    window.close()
    assert state_path().is_file()

    again = build_window(db, synchronous=True)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == left
    assert again.dossier_page.table.columnWidth(COL_TIME_LEFT) == 233
    again.close()


def test_first_start_keeps_the_default_size(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == (1200, 760) and not state_path().exists()


# --- 6. deadline states: icon and words besides colour -------------------------------------------------
STATES = {
    "Trần Thị Quá": Timeliness.QUA_HAN,
    "Lê Văn Sắp": Timeliness.SAP_DEN_HAN,
    "Phạm Thị Còn": Timeliness.TRONG_HAN,
}


def test_deadline_states_have_icons_words_and_contrast(page: DossierListPage) -> None:  # noqa: F811
    palette = page.table.palette()
    keys = set()
    for applicant, state in STATES.items():
        icon = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon) and not icon.isNull(), applicant
        keys.add(icon.cacheKey())
        spoken = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.AccessibleTextRole)
        assert isinstance(spoken, str) and spoken.startswith(state.label), spoken
        shown = str(_cell(page, applicant, COL_TIME_LEFT))
        assert shown and (state is Timeliness.TRONG_HAN or shown.startswith(state.label)), shown
        fg = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.ForegroundRole).color()  # type: ignore[attr-defined]
        fill = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.BackgroundRole)
        backgrounds = (
            [fill.color()] if fill is not None else [palette.base().color(), palette.alternateBase().color()]
        )
        for bg in backgrounds:
            ratio = contrast_ratio(QColor(fg), QColor(bg))
            assert ratio >= MIN_CONTRAST, (applicant, fg.name(), bg.name(), ratio)
    assert len(keys) == 3  # overdue, due soon and on time each have their own icon


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


# --- 7. diagnostics -----------------------------------------------------------------------------------
@pytest.fixture
def file_log(tmp_path: Path) -> Iterator[Path]:
    path = applog.install_file_log()
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "baseFilename", None) == str(path.resolve()):
            root.removeHandler(handler)
            handler.close()


def test_diagnostics_tab_for_the_admin(qtbot: QtBot, db: Database, file_log: Path) -> None:
    logging.getLogger("counter_app.test").error("in báo cáo thất bại cho 0912345678")
    window = build_window(db, synchronous=True, user=_add(db, "quantri", "admin"))
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(4)
    admin = window.admin_page
    tab = admin.diagnostics_tab
    assert admin.tabs.isTabVisible(admin.tabs.indexOf(tab))
    assert admin.tabs.tabText(admin.tabs.indexOf(tab)) == "Chẩn đoán"
    text = tab.text.toPlainText()
    assert f"phiên bản {__version__}" in text and str(db.path) in text
    assert str(file_log) in text and "Phiên bản lược đồ" in text and "PySide6" in text
    assert "in báo cáo thất bại cho *******678" in text and "0912345678" not in text
    QApplication.clipboard().clear()
    qtbot.mouseClick(tab.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == text
    assert window.statusBar().currentMessage() == "Đã sao chép thông tin chẩn đoán."


def test_a_clerk_does_not_see_diagnostics(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True, user=_add(db, "vanthu", "clerk"))
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(4)
    admin = window.admin_page
    assert not admin.tabs.isTabVisible(admin.tabs.indexOf(admin.diagnostics_tab))
    assert admin.diagnostics_tab.text.toPlainText() == ""


def test_last_errors_keep_tracebacks_and_skip_info(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text(
        "2026-11-23 10:00:00,001 INFO x: fine\n"
        "2026-11-23 10:00:01,002 ERROR x: broke\nTraceback (most recent call last):\n  boom 001190000001\n"
        "2026-11-23 10:00:02,003 WARNING x: meh\n",
        encoding="utf-8",
    )
    assert applog.last_errors(50, log) == [
        "2026-11-23 10:00:01,002 ERROR x: broke\nTraceback (most recent call last):\n  boom *********001"
    ]


def test_window_is_a_main_window(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    assert isinstance(window, MainWindow)
