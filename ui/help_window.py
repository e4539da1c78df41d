"""Trợ giúp (F1): the Vietnamese user guide (docs/huong-dan) in a window, opened at the page in view."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QImage,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.paths import project_root

if TYPE_CHECKING:
    from ui.main_window import MainWindow

INDEX = "README.md"
SHORTCUTS_PAGE = "phim-tat"  # the generated page: not a file, built from the running window
HELP_KEY = "F1"
SHORTCUTS_KEY = "Ctrl+/"
_LINK = re.compile(r"\]\(([^)#\s]+\.md)\)")
_MAX_IMAGE_WIDTH = 1000

# What a shortcut without a text of its own does, by (class of the widget it belongs to, key).
# tests/ui/test_help.py fails when a shortcut of the main window has no description here or in its text.
DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("IntakePage", "Ctrl+S"): N_("Lưu hồ sơ đang tiếp nhận (cấp mã hồ sơ)"),
    ("IntakePage", "Ctrl+P"): N_("In Giấy tiếp nhận (Mẫu 01) của hồ sơ vừa lưu"),
    ("IntakePage", "Ctrl+N"): N_("Tiếp nhận hồ sơ mới (xoá biểu mẫu)"),
    ("IntakePage", "Esc"): N_("Tiếp nhận hồ sơ mới (xoá biểu mẫu)"),
    ("SupervisorPage", "Ctrl+R"): N_("Tải lại số liệu giám sát"),
    ("ReportTab", "Ctrl+E"): N_("Xuất báo cáo ra Excel"),
    ("ActionsTab", "Ctrl+K"): N_("Chốt sổ hôm nay"),
    ("AgencyTab", "Ctrl+S"): N_("Lưu thông tin cơ quan"),
    ("QueuePanel", "F7"): N_("Gọi số tiếp theo"),
    ("QueuePanel", "F8"): N_("Gọi lại số đang phục vụ"),
}


def guide_dir() -> Path:
    """The guide's folder: docs/huong-dan of the checkout, or of the bundle (build.spec ships it)."""
    return project_root() / "docs" / "huong-dan"


def guide_pages(folder: Path | None = None) -> list[str]:
    """README.md, then every page it links to, in the order of the index."""
    folder = folder or guide_dir()
    pages = [INDEX]
    index = folder / INDEX
    text = index.read_text(encoding="utf-8") if index.is_file() else ""
    for name in _LINK.findall(text):
        if name not in pages and "/" not in name:
            pages.append(name)
    return pages


def page_outline(path: Path) -> tuple[str, list[str]]:
    """The page's title (its `# ` line) and its `## ` headings."""
    title, headings = path.stem, []
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("# ") and title == path.stem:
            title = line[2:].strip()
        elif not in_code and line.startswith("## "):
            headings.append(line[3:].strip())
    return title, headings


@dataclass(frozen=True)
class ShortcutRow:
    """One line of the Phím tắt section."""

    keys: str
    action: str
    where: str


def _owner_class(obj: QObject) -> str:
    parent = obj.parent()
    return type(parent).__name__ if parent is not None else ""


def _where(window: MainWindow, obj: QObject) -> str:
    """The page (and tab) a shortcut belongs to, or "Mọi nơi" for the whole window."""
    widget = obj.parent()
    previous: QObject | None = None
    tab = ""
    while isinstance(widget, QWidget) and widget is not window:
        parent = widget.parentWidget()
        if isinstance(widget, QStackedWidget) and isinstance(parent, QTabWidget) and previous is not None:
            index = parent.indexOf(previous)  # type: ignore[arg-type]
            tab = parent.tabText(index) if index >= 0 and not tab else tab
        if widget.parentWidget() is window.stack:
            row = window.stack.indexOf(widget)
            label = window.nav.item(row).text().split("   (", 1)[0]
            return f"{label} → {tab}" if tab else label
        if isinstance(widget, QDockWidget):
            return widget.windowTitle()
        previous, widget = widget, parent
    return _("Mọi nơi")


def _describe(obj: QAction | QShortcut, key: str) -> str:
    text = obj.text().replace("&", "") if isinstance(obj, QAction) else ""
    if text:
        return text
    described = DESCRIPTIONS.get((_owner_class(obj), key))
    return _(described) if described else _("(chưa có mô tả)")


def collect_shortcuts(window: MainWindow) -> list[ShortcutRow]:
    """Every keyboard shortcut registered in the main window and its pages (all built for this)."""
    window.build_pages()
    rows: list[ShortcutRow] = []
    seen: set[tuple[str, str, str]] = set()
    objects: list[QAction | QShortcut] = [*window.actions(), *window.findChildren(QAction)]
    objects += window.findChildren(QShortcut)
    for obj in objects:
        owner = obj.parent()
        if isinstance(owner, QWidget) and owner.window() is not window:
            continue  # another window's own keys (this help window's Ctrl+F and Esc)
        sequences = obj.shortcuts() if isinstance(obj, QAction) else [obj.key()]
        for sequence in sequences:
            key = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            if not key:
                continue
            if isinstance(owner, QDockWidget) and obj is owner.toggleViewAction():
                toggle = _("Ẩn/hiện khung {title}").format(title=owner.windowTitle())
                row = ShortcutRow(key, toggle, _("Mọi nơi"))
            else:
                row = ShortcutRow(key, _describe(obj, key), _where(window, obj))
            if (row.keys, row.action, row.where) not in seen:
                seen.add((row.keys, row.action, row.where))
                rows.append(row)
    everywhere = _("Mọi nơi")
    return sorted(rows, key=lambda r: (r.where != everywhere, r.where, len(r.keys), r.keys))


def shortcuts_html(rows: list[ShortcutRow]) -> str:
    """The Phím tắt page: a table of keys, what they do and where."""
    cells = "".join(f"<tr><td><b>{r.keys}</b></td><td>{r.action}</td><td>{r.where}</td></tr>" for r in rows)
    return (
        f"<h1>{_('Phím tắt')}</h1>"
        f"<p>{_('Danh sách này lấy từ chính phần mềm đang chạy, nên luôn đúng với phiên bản này.')}</p>"
        f"<p>{_('Quét mã vạch hoặc mã QR ở bất kỳ đâu trong cửa sổ cũng được: máy quét gõ thay bạn.')}</p>"
        "<table border='1' cellspacing='0' cellpadding='6' width='100%'>"
        f"<tr><th align='left'>{_('Phím')}</th><th align='left'>{_('Việc')}</th>"
        f"<th align='left'>{_('Ở đâu')}</th></tr>{cells}</table>"
    )


class HelpWindow(QWidget):
    """A table of contents, the page (markdown with its pictures), and a search box for the page."""

    def __init__(self, shortcuts: Callable[[], list[ShortcutRow]], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("helpWindow")
        self.setWindowTitle(_("Hướng dẫn sử dụng — Phần mềm Một cửa"))
        self._shortcuts = shortcuts
        self.folder = guide_dir()
        self.current_page = ""
        self._pictures: dict[str, QImage] = {}

        self.toc = QTreeWidget()
        self.toc.setHeaderHidden(True)
        self.toc.setMinimumWidth(230)
        self.toc.itemActivated.connect(self._on_toc_item)
        self.toc.itemClicked.connect(self._on_toc_item)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(self.folder)])
        self.browser.sourceChanged.connect(self._on_source_changed)

        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm trong trang này…"))
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(lambda: self.find_text(self.search.text()))
        self.previous_button = QPushButton(_("Trước"))
        self.previous_button.clicked.connect(lambda: self.find_text(self.search.text(), backward=True))
        self.next_button = QPushButton(_("Tiếp"))
        self.next_button.clicked.connect(lambda: self.find_text(self.search.text()))
        self.found = QLabel("")
        find_row = QHBoxLayout()
        find_row.addWidget(QLabel(_("Tìm:")))
        find_row.addWidget(self.search, 1)
        find_row.addWidget(self.previous_button)
        find_row.addWidget(self.next_button)
        find_row.addWidget(self.found)
        QShortcut(QKeySequence("Ctrl+F"), self, lambda: self.search.setFocus())
        QShortcut(QKeySequence("Esc"), self, self.close)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(find_row)
        right_layout.addWidget(self.browser, 1)
        splitter = QSplitter()
        splitter.addWidget(self.toc)
        splitter.addWidget(right)
        splitter.setSizes([260, 840])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self.resize(1100, 720)
        self._build_toc()

    def _build_toc(self) -> None:
        self.toc.clear()
        for name in guide_pages(self.folder):
            path = self.folder / name
            if not path.is_file():
                continue
            title, headings = page_outline(path)
            item = QTreeWidgetItem([title])
            item.setData(0, Qt.ItemDataRole.UserRole, (name, ""))
            for heading in headings:
                child = QTreeWidgetItem([heading])
                child.setData(0, Qt.ItemDataRole.UserRole, (name, heading))
                item.addChild(child)
            self.toc.addTopLevelItem(item)
        item = QTreeWidgetItem([_("Phím tắt")])
        item.setData(0, Qt.ItemDataRole.UserRole, (SHORTCUTS_PAGE, ""))
        self.toc.addTopLevelItem(item)

    def _on_toc_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        name, heading = item.data(0, Qt.ItemDataRole.UserRole)
        self.open_page(name, heading)

    def open_page(self, name: str, heading: str = "") -> None:
        """Show one page of the guide (or the shortcuts), scrolled to `heading` when it is found."""
        if name == SHORTCUTS_PAGE:
            self.current_page = SHORTCUTS_PAGE
            self.browser.setHtml(shortcuts_html(self._shortcuts()))
        else:
            path = self.folder / name
            if not path.is_file():
                self.current_page = ""
                self.browser.setHtml(
                    "<p>" + _("Không tìm thấy tài liệu hướng dẫn ({path}).").format(path=path) + "</p>"
                )
                return
            url = QUrl.fromLocalFile(str(path))
            if self.browser.source() == url:
                self._on_source_changed(url)
            else:
                self.browser.setSource(url, QTextDocument.ResourceType.MarkdownResource)
        self.scroll_to(heading)
        self._select_toc(self.current_page, heading)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.current_page and self.current_page != SHORTCUTS_PAGE:
            self._fit_images()  # the pictures follow the window's width

    def _on_source_changed(self, url: QUrl) -> None:
        # A link inside the guide was followed (or a page opened): fit the pictures to the window.
        self.current_page = Path(url.toLocalFile()).name if url.isLocalFile() else ""
        self._fit_images()
        self._select_toc(self.current_page, "")
        self.found.setText("")

    def _fit_images(self) -> None:
        doc = self.browser.document()
        limit = min(_MAX_IMAGE_WIDTH, max(320, self.browser.viewport().width() - 30))
        base = self.folder
        changes: list[tuple[int, int, QTextImageFormat]] = []
        block = doc.begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    image = fmt.toImageFormat()
                    picture = self._pictures.get(image.name())
                    if picture is None:  # read from the file once, then given to each page showing it
                        picture = self._pictures[image.name()] = QImage(str(base / image.name()))
                    size = picture.size()
                    if not picture.isNull():
                        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(image.name()), picture)
                        width = min(limit, size.width())
                        image.setWidth(width)
                        image.setHeight(size.height() * width / size.width())
                        changes.append((fragment.position(), fragment.length(), image))
                fragments += 1
            block = block.next()
        cursor = QTextCursor(doc)
        for position, length, image in changes:
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(image)

    def heading_blocks(self) -> list[str]:
        """The headings of the page shown, in order."""
        doc = self.browser.document()
        found, block = [], doc.begin()
        while block.isValid():
            if block.blockFormat().headingLevel() > 0:
                found.append(block.text().strip())
            block = block.next()
        return found

    def scroll_to(self, heading: str) -> bool:
        """Scroll so that `heading` is at the top; False (and the top of the page) when there is none."""
        doc = self.browser.document()
        block = doc.begin()
        while heading and block.isValid():
            if block.blockFormat().headingLevel() > 0 and block.text().strip() == heading:
                self.browser.setTextCursor(QTextCursor(block))
                top = doc.documentLayout().blockBoundingRect(block).top()
                self.browser.verticalScrollBar().setValue(int(top))
                return True
            block = block.next()
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        self.browser.verticalScrollBar().setValue(0)
        return False

    def _select_toc(self, name: str, heading: str) -> None:
        for top in range(self.toc.topLevelItemCount()):
            item = self.toc.topLevelItem(top)
            if item is None:
                continue
            candidates = [item] + [item.child(i) for i in range(item.childCount())]
            for candidate in candidates:
                if candidate is not None and candidate.data(0, Qt.ItemDataRole.UserRole) == (name, heading):
                    self.toc.setCurrentItem(candidate)
                    item.setExpanded(True)
                    return

    def find_text(self, text: str, *, backward: bool = False) -> bool:
        """Select the next (or previous) occurrence of `text` in the page, wrapping around."""
        if not text:
            self.found.setText("")
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        hit = self.browser.find(text, flags)
        if not hit:
            self.browser.moveCursor(
                QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start
            )
            hit = self.browser.find(text, flags)
        self.found.setText("" if hit else _("Không thấy"))
        return hit


# The page shown by F1, by the attribute of the main window that holds it; the supervisor's and the
# administrator's pages open at the heading named like their current tab.
CONTEXT_PAGES: tuple[tuple[str, str], ...] = (
    ("intake_page", "tiep-nhan.md"),
    ("dossier_page", "ho-so.md"),
    ("return_page", "tra-ket-qua.md"),
    ("supervisor_page", "giam-sat.md"),
    ("admin_page", "quan-tri.md"),
)


class HelpLauncher(QObject):
    """F1 (help at this page's section), Ctrl+/ (the shortcuts) and the Trợ giúp button under the navigation."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.help_window: HelpWindow | None = None
        self.help_action = QAction(_("Trợ giúp: hướng dẫn sử dụng trang đang xem"), window)
        self.help_action.setShortcut(QKeySequence(HELP_KEY))
        self.help_action.triggered.connect(self.open_context)
        window.addAction(self.help_action)
        self.shortcuts_action = QAction(_("Xem danh sách phím tắt"), window)
        self.shortcuts_action.setShortcut(QKeySequence(SHORTCUTS_KEY))
        self.shortcuts_action.triggered.connect(self.open_shortcuts)
        window.addAction(self.shortcuts_action)
        self.button = QPushButton(_("Trợ giúp (F1)"))
        self.button.setObjectName("helpButton")
        self.button.setToolTip(_("Hướng dẫn sử dụng; Ctrl+/ xem các phím tắt"))
        self.button.setFixedWidth(190)
        self.button.setMinimumHeight(34)
        self.button.clicked.connect(self.open_context)

    def context(self) -> tuple[str, str]:
        """The guide page and heading for the page in view."""
        current = self._window.stack.currentWidget()
        for attribute, name in CONTEXT_PAGES:
            page = self._window.built_page(attribute)
            if page is current:
                tabs = getattr(page, "tabs", None)
                heading = tabs.tabText(tabs.currentIndex()) if isinstance(tabs, QTabWidget) else ""
                return name, heading
        return INDEX, ""

    def window_(self) -> HelpWindow:
        """The one help window of this main window, created on first use."""
        if self.help_window is None:
            self.help_window = HelpWindow(lambda: collect_shortcuts(self._window), self._window)
        return self.help_window

    def _show(self, name: str, heading: str = "") -> HelpWindow:
        help_window = self.window_()
        help_window.show()
        help_window.raise_()
        help_window.activateWindow()
        help_window.open_page(name, heading)
        return help_window

    def open_context(self) -> HelpWindow:
        """F1: the guide at the section of the page in view."""
        return self._show(*self.context())

    def open_shortcuts(self) -> HelpWindow:
        """Ctrl+/: the shortcuts of this window."""
        return self._show(SHORTCUTS_PAGE)
