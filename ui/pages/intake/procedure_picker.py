"""Procedure picker: diacritic-free search over the catalogue, arrow keys + Enter to choose."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.catalogue.service import CatalogueEntry, describe_fee, format_deadline, search_procedures
from counter_app.i18n import _
from ui.context import AppContext
from ui.errors import show_error

RESULT_LIMIT = 30
_MOVE_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp)


class ProcedurePicker(QWidget):
    """A search box over name, code and field, the matching procedures, and the chosen one's terms."""

    sig_chosen = Signal(object)  # CatalogueEntry, or None when cleared

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self._generation = 0
        self.chosen: CatalogueEntry | None = None
        self.search = QLineEdit(
            placeholderText=_("Gõ tên, mã hoặc lĩnh vực thủ tục (không dấu được), ví dụ: khai sinh")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Tìm thủ tục hành chính"))
        self.results = QListWidget()
        self.results.setAccessibleName(_("Kết quả tìm thủ tục"))
        self.results.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # the arrows work from the search box
        self.results.setMaximumHeight(118)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names elide
        self.results.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.info = QLabel(_("Chưa chọn thủ tục."))
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setMinimumWidth(280)
        self.side = QVBoxLayout()  # the chosen procedure's terms; the page adds the appointment below
        self.side.addWidget(self.info)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.setHorizontalSpacing(16)
        layout.addWidget(self.search, 0, 0)
        layout.addWidget(self.results, 1, 0)
        layout.addLayout(self.side, 0, 1, 2, 1)
        layout.setColumnStretch(0, 3)
        layout.setColumnStretch(1, 2)
        self.search.textEdited.connect(self._on_search_text_edited)
        self.search.installEventFilter(self)
        self.results.itemActivated.connect(self._on_results_item_activated)
        self.results.itemClicked.connect(self._on_results_item_activated)

    # --- searching ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the search again for the current text (also fills the list when the page opens)."""
        self._on_search_text_edited(self.search.text())

    def _on_search_text_edited(self, text: str) -> None:
        self._generation += 1
        generation, db = self._generation, self._ctx.db

        def search() -> list[CatalogueEntry]:
            with db.read() as session:
                return search_procedures(session, text, RESULT_LIMIT)

        self._ctx.runner.run_db(
            search, lambda entries: self._show_results(generation, entries), lambda e: show_error(self, e)
        )

    def _show_results(self, generation: int, entries: list[CatalogueEntry]) -> None:
        if generation != self._generation:
            return  # a later keystroke asked again
        self.results.clear()
        for entry in entries:
            spec = entry.spec
            item = QListWidgetItem(f"{spec.name}   ·   {spec.code} · {spec.field_name}")
            item.setData(Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(spec.name)
            self.results.addItem(item)
        if entries:
            self.results.setCurrentRow(0)

    # --- choosing -------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _MOVE_KEYS and self.results.count():
                self._move(event.key())
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.results.currentItem()
                if item is not None:
                    self._on_results_item_activated(item)
                    return True
                return False
        return super().eventFilter(watched, event)

    def _move(self, key: int) -> None:
        step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 5, Qt.Key.Key_PageUp: -5}[
            Qt.Key(key)
        ]
        row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
        self.results.setCurrentRow(row)

    def _on_results_item_activated(self, item: QListWidgetItem) -> None:
        entry = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(entry, CatalogueEntry):
            self.choose(entry)

    def choose(self, entry: CatalogueEntry | None) -> None:
        """Make `entry` the procedure of the dossier (None: no procedure) and say its terms."""
        self.chosen = entry
        if entry is None:
            self.info.setText(_("Chưa chọn thủ tục."))
        else:
            spec = entry.spec
            self.info.setText(
                f"<b>{escape(spec.name)}</b> ({escape(spec.code)})<br>"
                + _("Thời hạn giải quyết: <b>{deadline}</b><br>Phí, lệ phí: <b>{fee}</b>").format(
                    deadline=escape(format_deadline(spec)), fee=escape(describe_fee(spec))
                )
            )
        self.sig_chosen.emit(entry)

    def reset(self) -> None:
        """Back to an empty search and no procedure."""
        self.search.clear()
        self.choose(None)
        self.refresh()
