"""Window size and layout remembered between runs: geometry, dock state, table columns, splitters.

Stored with QSettings in an INI file of the data directory (`ui-state.ini`), so each counter PC keeps its
own layout and tests (which set COUNTER_APP_HOME) never touch a real profile. Only views with an
`objectName` are remembered; a state written by another version that no longer fits is ignored. A page
built after the window (ui.page_stack lazy pages) gets its views back with `restore_views` when it is
built; until then the state saved for it stays in the file untouched.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QHeaderView, QMainWindow, QSplitter, QTableView, QWidget

from counter_app.paths import data_dir

STATE_FILE = "ui-state.ini"


def state_path() -> Path:
    """The INI file holding the remembered layout."""
    return data_dir() / STATE_FILE


def window_settings() -> QSettings:
    """The QSettings over `state_path()`."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


# The main window's tables remembered by name: (page attribute of the window, path in the page, object name).
KNOWN_VIEWS: tuple[tuple[str, str, str], ...] = (
    ("dossier_page", "table", "dossierList"),
    ("admin_page", "catalogue_view", "catalogue"),
    ("supervisor_page", "reports.table", "report"),
)


def name_known_views(attribute: str, page: QWidget) -> None:
    """Give the main tables of the window's page `attribute` their object names (named ones keep theirs)."""
    for page_attribute, path, name in KNOWN_VIEWS:
        if page_attribute != attribute:
            continue
        target: object = page
        for part in path.split("."):
            target = getattr(target, part, None)
        if isinstance(target, QWidget) and not target.objectName():
            target.setObjectName(name)


def _named_views(root: QWidget) -> list[tuple[str, QHeaderView | QSplitter]]:
    """(key, widget) of every named table header and splitter under `root`, keys unique."""
    found: list[tuple[str, QHeaderView | QSplitter]] = []
    seen: set[str] = set()
    for table in root.findChildren(QTableView):
        name = table.objectName()
        if name and name not in seen:
            seen.add(name)
            found.append((f"header/{name}", table.horizontalHeader()))
    for splitter in root.findChildren(QSplitter):
        name = splitter.objectName()
        if name and name not in seen:
            seen.add(name)
            found.append((f"splitter/{name}", splitter))
    return found


def save_layout(window: QMainWindow, settings: QSettings | None = None) -> None:
    """Remember the window's geometry, its docks and toolbars, and its named tables and splitters."""
    store = settings or window_settings()
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    for key, widget in _named_views(window):
        store.setValue(key, widget.saveState())
        store.setValue(f"{key}-count", widget.count())
    store.sync()


def restore_layout(window: QMainWindow, settings: QSettings | None = None) -> bool:
    """Apply what `save_layout` stored; False when nothing was stored yet (first start)."""
    store = settings or window_settings()
    geometry = store.value("window/geometry")
    if not isinstance(geometry, QByteArray) or geometry.isEmpty():
        return False
    window.restoreGeometry(geometry)
    state = store.value("window/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    restore_views(window, store)
    return True


def restore_views(root: QWidget, settings: QSettings | None = None) -> None:
    """Apply the stored states of the named tables and splitters under `root` (the window, or a late page)."""
    store = settings or window_settings()
    for key, widget in _named_views(root):
        saved = store.value(key)
        same_shape = str(store.value(f"{key}-count", "")) == str(widget.count())  # columns added since: skip
        if isinstance(saved, QByteArray) and not saved.isEmpty() and same_shape:
            widget.restoreState(saved)
