"""The dossier list ("Hồ sơ"): a lazily paged table model over small DTOs, searched in SQL."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from counter_app.clock import utc_to_local
from counter_app.services import dossier_query
from counter_app.services.dossier_query import DossierFilter, DossierRow, PageCursor
from counter_app.text import group_thousands
from ui.context import AppContext
from ui.errors import show_error

PAGE_SIZE = 200
Index = QModelIndex | QPersistentModelIndex


class DossierTableModel(QAbstractTableModel):
    """Rows arrive page by page (keyset paging) as the view scrolls; data() never raises."""

    HEADERS = ("Mã hồ sơ", "Người nộp", "Thủ tục", "Ngày nhận", "Hẹn trả", "Trạng thái")

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self._rows: list[DossierRow] = []
        self._filter = DossierFilter()
        self._exhausted = False
        self._loading = False
        self._generation = 0

    # --- loading --------------------------------------------------------------------------------------
    def set_filter(self, flt: DossierFilter) -> None:
        """Start again from the first page with a new filter."""
        self.beginResetModel()
        self._filter = flt
        self._rows = []
        self._exhausted = False
        self._loading = False
        self._generation += 1
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        after = PageCursor(self._rows[-1].received_at, self._rows[-1].id) if self._rows else None
        flt, generation, db = self._filter, self._generation, self._ctx.db

        def load() -> list[DossierRow]:
            with db.read() as session:
                return dossier_query.list_page(session, flt, after, PAGE_SIZE)

        self._ctx.runner.run_db(load, lambda rows: self._append(generation, rows), self._failed)

    def _append(self, generation: int, rows: list[DossierRow]) -> None:
        if generation != self._generation:
            return  # a newer filter replaced this request
        self._loading = False
        if len(rows) < PAGE_SIZE:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        self._exhausted = True
        show_error(None, error)

    # --- Qt model API ---------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, index.column())
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    @staticmethod
    def _display(row: DossierRow, column: int) -> str | None:
        if column == 0:
            return row.code
        if column == 1:
            return row.applicant_name
        if column == 2:
            return row.procedure_name
        if column == 3:
            return utc_to_local(row.received_at).strftime("%d/%m/%Y %H:%M")
        if column == 4:
            return utc_to_local(row.appointment_at).strftime("%d/%m/%Y %H:%M") if row.appointment_at else ""
        if column == 5:
            return dossier_query.STATUS_NAMES.get(row.status, str(row.status))
        return None

    def row_at(self, row: int) -> DossierRow | None:
        """The DTO shown on `row`, if loaded."""
        return self._rows[row] if 0 <= row < len(self._rows) else None


class DossierListPage(QWidget):
    """Search box + table; the search runs in SQL (code, name without diacritics, CCCD, phone)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.search = QLineEdit(
            placeholderText="Tìm theo mã hồ sơ, tên (gõ không dấu được), số CCCD, điện thoại…"
        )
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.model = DossierTableModel(ctx)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((205, 190, 300, 125, 125, 150)):
            self.table.setColumnWidth(column, width)
        # The procedure name takes whatever width is left, so no horizontal scrolling at 1200 px.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())

    def refresh(self) -> None:
        """Reload the list and the match count for the current search text."""
        flt = DossierFilter(text=self.search.text())
        self.model.set_filter(flt)
        db = self._ctx.db

        def total() -> int:
            with db.read() as session:
                return dossier_query.count(session, flt)

        self._ctx.runner.run_db(
            total,
            lambda n: self.count_label.setText(f"{group_thousands(n)} hồ sơ"),
            lambda exc: show_error(self, exc),
        )
