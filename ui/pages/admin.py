"""The administration page ("Quản trị"): agency, catalogue, working calendar, users and sync tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTableView, QTabWidget, QVBoxLayout, QWidget

from counter_app.catalogue.schema import format_deadline, format_fee
from counter_app.catalogue.service import CatalogueEntry, list_procedures
from counter_app.i18n import N_, _
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.agency_tab import AgencyTab
from ui.pages.calendar_tab import CalendarTab
from ui.pages.diagnostics_tab import DiagnosticsTab
from ui.pages.sync_tab import SyncTab
from ui.pages.users_tab import UsersTab
from ui.table_model import RowsModel

CATALOGUE_HEADERS = (
    N_("Mã thủ tục"),
    N_("Tên thủ tục"),
    N_("Lĩnh vực"),
    N_("Thời hạn"),
    N_("Lệ phí"),
    N_("Số giấy tờ"),
)


def catalogue_cells(entry: CatalogueEntry) -> tuple[str, ...]:
    """What the catalogue table shows of one procedure."""
    spec = entry.spec
    return (
        spec.code,
        spec.name,
        spec.field_name,
        format_deadline(spec),
        format_fee(spec.fee_amount),
        str(len(spec.documents)),
    )


class AdminPage(QWidget):
    """Agency identity, hours and printers (what the first-run wizard set), catalogue, calendar, users.

    Each tab is one (title, widget) entry below; a tab with a `refresh()` is reloaded with the page.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.agency_tab = AgencyTab(ctx)
        self.catalogue_model = RowsModel([_(h) for h in CATALOGUE_HEADERS], catalogue_cells)
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
        self.sync_tab = SyncTab(ctx)
        self.diagnostics_tab = DiagnosticsTab(ctx)
        self.tabs = QTabWidget()
        tabs: tuple[tuple[str, QWidget], ...] = (
            (_("Cơ quan"), self.agency_tab),
            (_("Danh mục thủ tục"), self.catalogue_view),
            (_("Lịch làm việc"), self.calendar_tab),
            (_("Người dùng"), self.users_tab),
            (_("Đồng bộ"), self.sync_tab),
            (_("Chẩn đoán"), self.diagnostics_tab),
        )
        for title, widget in tabs:
            self.tabs.addTab(widget, title)
        self.tabs.setTabVisible(self.tabs.indexOf(self.diagnostics_tab), self.diagnostics_tab.allowed)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>" + _("Quản trị") + "</h2>"))
        layout.addWidget(self.tabs, 1)

    def refresh(self) -> None:
        """Reload the catalogue and every tab that can reload itself."""
        diagnostics = self.tabs.indexOf(self.diagnostics_tab)  # admins and supervisors only
        self.tabs.setTabVisible(diagnostics, self.diagnostics_tab.allowed)
        for number in range(self.tabs.count()):
            refresh = getattr(self.tabs.widget(number), "refresh", None)
            if callable(refresh):
                refresh()
        db = self._ctx.db

        def load() -> list[CatalogueEntry]:
            with db.read() as session:
                return list_procedures(session)

        self._ctx.runner.run_db(load, self.catalogue_model.set_rows, lambda exc: show_error(self, exc))
