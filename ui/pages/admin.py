"""The administration page ("Quản trị"): agency, catalogue, working calendar, users and sync tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from counter_app.i18n import _
from ui.context import AppContext
from ui.pages.agency_tab import AgencyTab
from ui.pages.calendar_tab import CalendarTab
from ui.pages.catalogue_tab import CatalogueTab
from ui.pages.diagnostics_tab import DiagnosticsTab
from ui.pages.sync_tab import SyncTab
from ui.pages.users_tab import UsersTab


class AdminPage(QWidget):
    """Agency identity, hours and printers (what the first-run wizard set), catalogue, calendar, users.

    Each tab is one (title, widget) entry below; a tab with a `refresh()` is reloaded with the page.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.agency_tab = AgencyTab(ctx)
        self.catalogue_tab = CatalogueTab(ctx)
        self.catalogue_view = self.catalogue_tab.view  # its column widths are remembered (window_state)
        self.calendar_tab = CalendarTab(ctx)
        self.users_tab = UsersTab(ctx)
        self.sync_tab = SyncTab(ctx)
        self.diagnostics_tab = DiagnosticsTab(ctx)
        self.tabs = QTabWidget()
        tabs: tuple[tuple[str, QWidget], ...] = (
            (_("Cơ quan"), self.agency_tab),
            (_("Danh mục thủ tục"), self.catalogue_tab),
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
        """Reload every tab that can reload itself (the catalogue included)."""
        diagnostics = self.tabs.indexOf(self.diagnostics_tab)  # admins and supervisors only
        self.tabs.setTabVisible(diagnostics, self.diagnostics_tab.allowed)
        for number in range(self.tabs.count()):
            refresh = getattr(self.tabs.widget(number), "refresh", None)
            if callable(refresh):
                refresh()
