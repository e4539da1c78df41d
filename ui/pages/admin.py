"""The administration page ("Quản trị"): agency, catalogue, working calendar and users tabs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QTableView, QTabWidget, QVBoxLayout, QWidget

from counter_app.catalogue.schema import format_deadline, format_fee
from counter_app.catalogue.service import CatalogueEntry, list_procedures
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.calendar_tab import CalendarTab
from ui.pages.users_tab import UsersTab

Index = QModelIndex | QPersistentModelIndex


class CatalogueModel(QAbstractTableModel):
    """The catalogue's procedures (a few hundred rows at most, so loaded whole)."""

    HEADERS = ("Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn", "Lệ phí", "Số giấy tờ")

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[CatalogueEntry] = []

    def set_entries(self, entries: list[CatalogueEntry]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._entries = entries
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        if not 0 <= index.row() < len(self._entries):
            return None
        spec = self._entries[index.row()].spec
        values = (
            spec.code,
            spec.name,
            spec.field_name,
            format_deadline(spec),
            format_fee(spec.fee_amount),
            str(len(spec.documents)),
        )
        return values[index.column()] if 0 <= index.column() < len(values) else None


class AdminPage(QWidget):
    """Agency identity (read-only here; set with counter-admin init), the catalogue and the calendar.

    Each tab is one (title, widget) entry below; a tab with a `refresh()` is reloaded with the page.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        identity = ctx.identity
        agency = QWidget()
        form = QFormLayout(agency)
        form.addRow("Mã định danh cơ quan:", QLabel(identity.agency_code))
        form.addRow("Cơ quan tiếp nhận:", QLabel(identity.agency_name))
        form.addRow("Cơ quan chủ quản:", QLabel(identity.parent_name))
        form.addRow("Địa danh:", QLabel(identity.place_name))
        form.addRow("Giờ làm việc:", QLabel(identity.working_hours.replace(",", "; ")))
        form.addRow("Cơ sở dữ liệu:", QLabel(str(ctx.db.path)))
        self.catalogue_model = CatalogueModel()
        self.catalogue_view = QTableView()
        self.catalogue_view.setModel(self.catalogue_model)
        self.catalogue_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.catalogue_view.setAlternatingRowColors(True)
        self.catalogue_view.verticalHeader().setVisible(False)
        self.catalogue_view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 420, 150, 260, 100)):
            self.catalogue_view.setColumnWidth(column, width)
        self.calendar_tab = CalendarTab(ctx)
        self.users_tab = UsersTab(ctx)
        self.tabs = QTabWidget()
        tabs: tuple[tuple[str, QWidget], ...] = (
            ("Cơ quan", agency),
            ("Danh mục thủ tục", self.catalogue_view),
            ("Lịch làm việc", self.calendar_tab),
            ("Người dùng", self.users_tab),
        )
        for title, widget in tabs:
            self.tabs.addTab(widget, title)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Quản trị</h2>"))
        layout.addWidget(self.tabs, 1)

    def refresh(self) -> None:
        """Reload the catalogue and every tab that can reload itself."""
        for number in range(self.tabs.count()):
            refresh = getattr(self.tabs.widget(number), "refresh", None)
            if callable(refresh):
                refresh()
        db = self._ctx.db

        def load() -> list[CatalogueEntry]:
            with db.read() as session:
                return list_procedures(session)

        self._ctx.runner.run_db(load, self.catalogue_model.set_entries, lambda exc: show_error(self, exc))
