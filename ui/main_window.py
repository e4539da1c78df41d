"""The main window: navigation (Tiếp nhận, Hồ sơ, Trả kết quả, Giám sát, Quản trị) and the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from counter_app import __version__
from counter_app.i18n import _, _p
from counter_app.services.dossier_query import DossierFilter
from ui.busy import BusyLabel
from ui.context import AppContext
from ui.elided_label import ElidedLabel
from ui.language_switch import HANDOVER_KEY
from ui.page_stack import PageStack, scrolling
from ui.pages.dossier_detail import DossierLookup
from ui.pages.dossier_list import DossierListPage
from ui.pages.intake import IntakePage
from ui.pages.result import ReturnPage
from ui.scanner import BarcodeScanner
from ui.signin import user_status_text
from ui.sync_bridge import EXTRAS_KEY, SyncBridge, SyncSnapshot
from ui.sync_status import SyncStatusWidget
from ui.window_state import name_known_views, restore_layout, restore_views, save_layout

if TYPE_CHECKING:
    from ui.pages.admin import AdminPage
    from ui.pages.supervisor import SupervisorPage

NAV_WIDTH = 190
FIRST_PAGE_KEY = 2  # the pages are F2–F6: F1 is help (docs/huong-dan)
SUPERVISOR_ROW, ADMIN_ROW = 3, 4
LAZY_ROWS = {"supervisor_page": SUPERVISOR_ROW, "admin_page": ADMIN_ROW}  # built on first visit


class MainWindow(QMainWindow):
    """One window per counter database; pages are switched with F2–F6 or the list; F1 is help.

    Tiếp nhận, Hồ sơ and Trả kết quả are built with the window; Giám sát and Quản trị (and their modules)
    only when first shown or asked for (`supervisor_page`, `admin_page`), so the window paints sooner.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        # Background sync (started below once someone is signed in); pages kick it after a change.
        self.sync = SyncBridge(ctx, parent=self)
        ctx.extras[EXTRAS_KEY] = self.sync
        self.setWindowTitle(_("{agency} — Phần mềm Một cửa").format(agency=ctx.identity.agency_name))
        self.resize(1200, 760)

        self.intake_page = IntakePage(ctx)
        self.dossier_page = DossierListPage(ctx)
        self.return_page = ReturnPage(ctx)
        for attribute in ("intake_page", "dossier_page", "return_page"):
            name_known_views(attribute, getattr(self, attribute))

        self.nav = QListWidget()
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setObjectName("navigation")
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 10px 8px; }")
        self.stack = PageStack()  # sized by the page shown; scrolls on a small screen
        self.stack.addWidget(self.intake_page)
        self.stack.addWidget(self.dossier_page)
        self.stack.addWidget(self.return_page)
        self.stack.addLazyPage(self._build_supervisor_page)
        self.stack.addLazyPage(self._build_admin_page)
        labels = (_("Tiếp nhận"), _p("page", "Hồ sơ"), _("Trả kết quả"), _("Giám sát"), _("Quản trị"))
        for number, label in enumerate(labels, start=FIRST_PAGE_KEY):
            self.nav.addItem(QListWidgetItem(f"{label}   (F{number})"))
            action = QAction(label, self)
            action.setShortcut(QKeySequence(f"F{number}"))
            action.triggered.connect(
                lambda _c=False, row=number - FIRST_PAGE_KEY: self.nav.setCurrentRow(row)
            )
            self.addAction(action)
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)

        # A scanned dossier code opens its detail from anywhere; Ctrl+F asks for a code.
        self.lookup = DossierLookup(ctx, self)
        self.lookup.sig_extend_requested.connect(self._on_lookup_extend_requested)
        self.dossier_page.table.activated.connect(self._on_dossier_table_activated)
        self.scanner = BarcodeScanner(self)
        self.scanner.sig_code_scanned.connect(self._on_scanner_code_scanned)
        self.scanner.install()
        self.find_action = QAction(_("Tìm mã hồ sơ"), self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self._on_find_action_triggered)
        self.addAction(self.find_action)
        from ui.help_window import HelpLauncher  # F1 opens the user guide at this page; Ctrl+/ the shortcuts

        self.help = HelpLauncher(self)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._nav_column())
        layout.addWidget(scrolling(self.stack), 1)
        self.setCentralWidget(central)

        # A narrow screen shortens the agency and the path (whole in their tooltips), never the sync state.
        self.status_agency = ElidedLabel(
            f"{ctx.identity.agency_code} · {ctx.identity.agency_name}", min_width=90
        )
        self.status_user = QLabel(user_status_text(ctx))
        self.status_user.setObjectName("statusUser")
        self.status_db = ElidedLabel(
            str(ctx.db.path), min_width=40, hint_width=160, mode=Qt.TextElideMode.ElideMiddle
        )
        self.status_db.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = self.statusBar()
        bar.addWidget(self.status_agency, 1)
        bar.addWidget(self.status_user)
        self.status_busy = BusyLabel(ctx.runner.busy)  # only for work over half a second
        bar.addWidget(self.status_busy)
        self.status_sync = SyncStatusWidget(self.sync, ctx.clock)
        bar.addPermanentWidget(self.status_sync)
        self.sync.sig_status.connect(self._on_sync_status)
        bar.addPermanentWidget(self.status_db)
        bar.addPermanentWidget(QLabel(f"v{__version__}"))
        from ui.queue.panel import attach_queue_panel  # the desk's calling panel (docs/queue.md)

        self.queue_dock = attach_queue_panel(self, ctx, lambda _label: self.nav.setCurrentRow(0))
        self.nav.setCurrentRow(1)
        restore_layout(self)  # the size and columns the clerk left last time
        if ctx.user_id:
            self.sync.start()

    @property
    def supervisor_page(self) -> SupervisorPage:
        """Giám sát, built on first use."""
        return cast("SupervisorPage", self.stack.page(SUPERVISOR_ROW))

    @property
    def admin_page(self) -> AdminPage:
        """Quản trị, built on first use."""
        return cast("AdminPage", self.stack.page(ADMIN_ROW))

    def built_page(self, attribute: str) -> QWidget | None:
        """The page held by `attribute` if it exists (a lazy page never visited is not built for this)."""
        row = LAZY_ROWS.get(attribute)
        if row is not None and not self.stack.isBuilt(row):
            return None
        page = getattr(self, attribute, None)
        return page if isinstance(page, QWidget) else None

    def build_pages(self) -> None:
        """Build every page not built yet (the shortcut list names the keys of all of them)."""
        self.stack.buildAll()

    def _build_supervisor_page(self) -> QWidget:
        from ui.pages.supervisor import SupervisorPage

        page = SupervisorPage(self.ctx)
        page.sig_open_list.connect(self._on_supervisor_open_list)
        page.sig_open_dossier.connect(self.lookup.open_code)
        self._remember_layout("supervisor_page", page)
        return page

    def _build_admin_page(self) -> QWidget:
        from ui.pages.admin import AdminPage

        page = AdminPage(self.ctx)
        page.agency_tab.sig_identity_changed.connect(self.show_identity)
        page.sync_tab.sig_identity_changed.connect(self.show_identity)
        self._remember_layout("admin_page", page)
        return page

    def _remember_layout(self, attribute: str, page: QWidget) -> None:
        # A page built after the window gets the columns the clerk left last time, like the others.
        name_known_views(attribute, page)
        restore_views(page)

    def _on_sync_status(self, snapshot: SyncSnapshot) -> None:
        # A round ended (or the queue was reread): the list's sync column and the Đồng bộ tab follow.
        if snapshot.worker is None or snapshot.worker.phase != "running":
            self.dossier_page.model.refresh_sync_states()
            if self.stack.isBuilt(ADMIN_ROW):  # a tab never built reads the state when first shown
                self.admin_page.sync_tab.show_snapshot(snapshot)

    def _on_nav_current_row_changed(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        page = self.stack.currentWidget()
        if page is self.dossier_page and not self.dossier_page.model.rowCount():
            self.dossier_page.refresh()
        if row == ADMIN_ROW:
            self.admin_page.refresh()

    def _on_supervisor_open_list(self, flt: DossierFilter, title: str) -> None:
        # A figure of the dashboard: the list shows exactly its dossiers.
        self.nav.setCurrentRow(1)
        self.dossier_page.show_filter(flt, title)

    def _on_scanner_code_scanned(self, code: str) -> None:
        # On "Trả kết quả" a scan is the citizen's receipt: load it there to act on it.
        if self.stack.currentWidget() is self.return_page:
            self.return_page.load_code(code)
        else:
            self.lookup.open_code(code)

    def _on_lookup_extend_requested(self, code: str) -> None:
        # Mẫu 04 proposed in a detail dialog: extend it on the return page, where the actions live.
        self.nav.setCurrentRow(2)
        self.return_page.load_code(code, then="extended")

    def _on_dossier_table_activated(self, index: QModelIndex) -> None:
        # Enter or a double click on a row of the list opens its detail.
        row = self.dossier_page.model.row_at(index.row())
        if row is not None:
            self.lookup.open_code(row.code)

    def _on_find_action_triggered(self) -> None:
        self.lookup.ask_code()

    def show_identity(self) -> None:
        """Show the agency again (an administrator changed it in Quản trị → Cơ quan)."""
        self.setWindowTitle(_("{agency} — Phần mềm Một cửa").format(agency=self.ctx.identity.agency_name))
        self.status_agency.setText(f"{self.ctx.identity.agency_code} · {self.ctx.identity.agency_name}")

    def _nav_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.nav, 1)
        column.addWidget(self.help.button)
        return column

    def show_user(self) -> None:
        """Show the signed-in user (it changes when another user signs in after a lock)."""
        self.status_user.setText(user_status_text(self.ctx))
        if self.stack.isBuilt(SUPERVISOR_ROW):  # a page never built checks the role when first shown
            self.supervisor_page.refresh()  # a clerk signing in after a lock must not see the figures

    def closeEvent(self, event: QCloseEvent) -> None:
        save_layout(self)
        self.scanner.uninstall()
        self.sync.stop()  # before the DB worker goes: the sync threads use it
        if self.ctx.extras.get(HANDOVER_KEY) is not self:  # a language switch hands the context on
            self.ctx.runner.shutdown()
        super().closeEvent(event)
