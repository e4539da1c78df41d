"""Pages that fit a small screen: the page stack sized by the page shown, inside a scroll area.

At 1366×768 with a 125 % display scale a window has about 1093×614 logical pixels. A page that needs
more than the room left scrolls instead of pushing the window off the screen; a page that fits shows
no scroll bar, because the stack asks only for the current page's minimum, not the largest page's.
A page seldom used can be added lazily: a light placeholder holds its place until it is first shown or
asked for, and the window starts (and paints) without building it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QStackedLayout, QWidget


class _CurrentPageLayout(QStackedLayout):
    """A QStackedLayout whose sizes (and height for width) are those of the current page only."""

    def _page(self) -> QWidget | None:
        return self.currentWidget()

    def sizeHint(self) -> QSize:
        page = self._page()
        return page.sizeHint() if page is not None else QSize(0, 0)

    def minimumSize(self) -> QSize:
        page = self._page()
        if page is None:
            return QSize(0, 0)
        return page.minimumSizeHint().expandedTo(page.minimumSize())

    def hasHeightForWidth(self) -> bool:
        page = self._page()
        return page is not None and page.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        page = self._page()
        return page.heightForWidth(width) if page is not None else -1


class _Placeholder(QWidget):
    """Holds the place of a page not built yet: never shown, replaced by the page on first use."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.build = build


class PageStack(QWidget):
    """The pages of the main window, one shown at a time (the QStackedWidget calls that the window uses)."""

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = _CurrentPageLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.currentChanged.connect(self._on_current_changed)

    def _on_current_changed(self, index: int) -> None:
        self._layout.invalidate()
        self.updateGeometry()
        self.currentChanged.emit(index)

    def addWidget(self, page: QWidget) -> int:
        """Add a page; its index."""
        return self._layout.addWidget(page)

    def addLazyPage(self, build: Callable[[], QWidget]) -> int:
        """Add a page that `build` makes when it is first shown or asked for (`page`); its index."""
        return self._layout.addWidget(_Placeholder(build))

    def isBuilt(self, index: int) -> bool:
        """Whether the page at `index` exists (a lazy page not shown or asked for yet does not)."""
        return not isinstance(self._layout.widget(index), _Placeholder)

    def page(self, index: int) -> QWidget | None:
        """The page at `index`, built now if it is a lazy page not built yet."""
        widget = self._layout.widget(index)
        if not isinstance(widget, _Placeholder):
            return widget
        page = widget.build()
        self._layout.insertWidget(index, page)  # not current: the page shown stays as it is
        self._layout.removeWidget(widget)
        widget.deleteLater()
        return page

    def buildAll(self) -> None:
        """Build every lazy page not built yet."""
        for index in range(self.count()):
            self.page(index)

    def count(self) -> int:
        """How many pages."""
        return self._layout.count()

    def widget(self, index: int) -> QWidget | None:
        """The page at `index` as it is now (a placeholder for a lazy page not built yet)."""
        return self._layout.widget(index)

    def indexOf(self, page: QWidget) -> int:
        """The index of `page`, or -1."""
        return self._layout.indexOf(page)

    def currentIndex(self) -> int:
        """The index of the page shown."""
        return self._layout.currentIndex()

    def currentWidget(self) -> QWidget | None:
        """The page shown."""
        return self._layout.currentWidget()

    def setCurrentIndex(self, index: int) -> None:
        """Show the page at `index` (a lazy page is built first)."""
        self.page(index)
        self._layout.setCurrentIndex(index)

    def setCurrentWidget(self, page: QWidget) -> None:
        """Show `page`."""
        self._layout.setCurrentWidget(page)


def scrolling(widget: QWidget) -> QScrollArea:
    """`widget` in a frameless scroll area that resizes it (scroll bars only when it does not fit)."""
    area = QScrollArea()
    area.setObjectName("pageScroll")
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def fit_to_screen(window: QWidget) -> None:
    """Shrink `window` to the available area of its screen when it is larger (a first start on a laptop)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    size = window.size().boundedTo(room.size())
    if size != window.size():
        window.resize(size)
        window.move(room.topLeft())
