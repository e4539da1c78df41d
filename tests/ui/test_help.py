"""Trợ giúp (F1): the guide opens at the page in view; the shortcuts are the window's own; the guide is whole."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock
from counter_app.paths import project_root
from counter_app.services import users
from counter_app.services.users import AccountPolicy
from counter_app.storage.database import Database
from ui.app import build_window
from ui.help_window import (
    CONTEXT_PAGES,
    INDEX,
    SHORTCUTS_PAGE,
    HelpWindow,
    collect_shortcuts,
    guide_dir,
    guide_pages,
)
from ui.main_window import MainWindow

FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)#]+\.md)\)")


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    """The main window of an administrator (every page and tab open), with the screen lock."""
    with db.write() as session:
        admin = users.create_user(
            session, SystemClock(), "quantri", "Nguyễn Văn Quản", "admin", "mk-123456", policy=FAST
        )
    win = build_window(db, synchronous=True, user=admin, idle_lock_ms=3_600_000, policy=FAST)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win


def _keys(obj: QAction | QShortcut) -> list[str]:
    sequences = obj.shortcuts() if isinstance(obj, QAction) else [obj.key()]
    return [s.toString(QKeySequence.SequenceFormat.PortableText) for s in sequences if not s.isEmpty()]


def test_f1_opens_the_guide_at_the_page_in_view(qtbot: QtBot, window: MainWindow) -> None:
    for row, (attribute, page_file) in enumerate(CONTEXT_PAGES):
        window.nav.setCurrentRow(row)
        assert window.stack.currentWidget() is getattr(window, attribute)
        qtbot.keyClick(window, Qt.Key.Key_F1)
        help_window = window.help.help_window
        assert isinstance(help_window, HelpWindow)
        assert help_window.isVisible() and not help_window.isModal()
        assert help_window.current_page == page_file
        title = next(
            line[2:]
            for line in (guide_dir() / page_file).read_text("utf-8").splitlines()
            if line.startswith("# ")
        )
        assert title.strip() in help_window.heading_blocks()
        current = help_window.toc.currentItem()
        assert current is not None and current.data(0, Qt.ItemDataRole.UserRole)[0] == page_file
        window.activateWindow()


def test_f1_on_a_tab_scrolls_to_the_tab_s_section(qtbot: QtBot, window: MainWindow) -> None:
    """Giám sát and Quản trị: every tab has its own section, named like the tab."""
    for row, page in ((3, window.supervisor_page), (4, window.admin_page)):
        window.nav.setCurrentRow(row)
        for index in range(page.tabs.count()):
            page.tabs.setCurrentIndex(index)
            name, heading = window.help.context()
            assert heading == page.tabs.tabText(index)
            help_window = window.help.open_context()
            assert heading in help_window.heading_blocks(), (name, heading)
            assert help_window.scroll_to(heading)
            assert help_window.browser.textCursor().block().text().strip() == heading


def test_the_shortcuts_section_lists_every_shortcut_of_the_window(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Slash, Qt.KeyboardModifier.ControlModifier)
    help_window = window.help.help_window
    assert help_window is not None and help_window.current_page == SHORTCUTS_PAGE
    shown = help_window.browser.toPlainText()
    rows = collect_shortcuts(window)
    registered = {key for action in window.actions() for key in _keys(action)}
    assert {
        "F1",
        "F2",
        "F3",
        "F4",
        "F5",
        "F6",
        "F9",
        "Ctrl+F",
        "Ctrl+L",
        "Ctrl+/",
    } <= registered
    everywhere = {row.keys for row in rows if row.where == "Mọi nơi"}
    assert registered <= everywhere  # window.actions() work on every page
    inner = [obj for obj in window.findChildren(QAction) + window.findChildren(QShortcut) if _keys(obj)]
    for obj in inner:
        if obj.parent() is not None and obj.parent().window() is not window:  # type: ignore[union-attr]
            continue
        assert set(_keys(obj)) <= {row.keys for row in rows}, obj
    for key in (
        "Ctrl+Shift+S",
        "Ctrl+S",
        "Ctrl+P",
        "Ctrl+N",
        "Esc",
        "F7",
        "F8",
        "Ctrl+R",
        "Ctrl+E",
        "Ctrl+K",
    ):
        assert key in {row.keys for row in rows}, key
    for row in rows:
        assert row.action and row.action != "(chưa có mô tả)", row  # DESCRIPTIONS lacks a new shortcut
        assert row.keys in shown and row.action in shown
    assert "Ctrl+F" not in {r.keys for r in rows if r.action.startswith("Tìm trong")}  # the help's own keys


def test_the_help_button_and_the_search_box(qtbot: QtBot, window: MainWindow) -> None:
    window.nav.setCurrentRow(2)
    qtbot.mouseClick(window.help.button, Qt.MouseButton.LeftButton)
    help_window = window.help.help_window
    assert help_window is not None and help_window.current_page == "tra-ket-qua.md"
    assert help_window.find_text("mã vạch")
    assert help_window.browser.textCursor().selectedText().lower() == "mã vạch"
    assert not help_window.find_text("chuỗi không có trong trang")
    assert help_window.found.text() == "Không thấy"
    toc = help_window.toc
    titles = [toc.topLevelItem(i).text(0) for i in range(toc.topLevelItemCount())]  # type: ignore[union-attr]
    assert titles[0] == "Hướng dẫn sử dụng Phần mềm Một cửa" and titles[-1] == "Phím tắt"
    item = toc.topLevelItem(titles.index("Giám sát"))
    assert item is not None
    help_window.toc.itemClicked.emit(item.child(0), 0)
    assert help_window.current_page == "giam-sat.md"


def test_every_guide_page_is_reachable_from_the_index() -> None:
    folder = guide_dir()
    pages = guide_pages(folder)
    assert pages[0] == INDEX
    on_disk = {p.name for p in folder.glob("*.md")}
    assert set(pages) == on_disk
    for name in pages:
        for target in LINK.findall((folder / name).read_text("utf-8")):
            assert (folder / target).is_file(), (name, target)
    for _attribute, name in CONTEXT_PAGES:
        assert name in pages


def test_every_image_the_guide_shows_exists() -> None:
    folder = guide_dir()
    shown = 0
    for page in folder.glob("*.md"):
        for target in IMAGE.findall(page.read_text("utf-8")):
            assert (folder / target).is_file(), (page.name, target)
            shown += 1
    assert shown >= 30


def test_the_guide_is_found_in_the_checkout_and_in_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert guide_dir() == project_root() / "docs" / "huong-dan"
    spec = (project_root() / "build.spec").read_text("utf-8")
    assert '"docs/huong-dan")' in spec  # shipped with the frozen app
    bundle = tmp_path / "_internal"
    (bundle / "docs" / "huong-dan").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert guide_dir() == bundle / "docs" / "huong-dan"
