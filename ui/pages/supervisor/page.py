"""Giám sát (F5): for supervisors and admins only; a clerk is told plainly that the page is not theirs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from counter_app.i18n import N_, _
from ui.context import AppContext
from ui.pages.supervisor.actions_tab import ActionsTab
from ui.pages.supervisor.audit_tab import AuditTab
from ui.pages.supervisor.dashboard_view import DashboardView
from ui.pages.supervisor.report_tab import ReportTab

SUPERVISOR_ROLES = ("supervisor", "admin")
DENIED = N_(
    "<h2>Giám sát</h2><p>Trang này dành cho lãnh đạo (vai trò <b>giám sát</b>) và quản trị viên.</p>"
    "<p>Tài khoản đang đăng nhập là cán bộ tiếp nhận nên không xem được số liệu tổng hợp và không thực hiện "
    "được các thao tác duyệt. Nếu cần, hãy nhờ lãnh đạo đăng nhập (Ctrl+L khóa màn hình, rồi đăng nhập "
    "bằng tài khoản của lãnh đạo).</p>"
)


class SupervisorPage(QWidget):
    """Tabs Tổng quan / Báo cáo / Thao tác behind a role check; Ctrl+R refreshes the tab shown."""

    sig_open_list = Signal(object, str)  # a figure's DossierFilter and its title
    sig_open_dossier = Signal(str)  # a dossier code

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.dashboard = DashboardView(ctx)
        self.reports = ReportTab(ctx)
        self.actions = ActionsTab(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.dashboard, _("Tổng quan"))
        self.tabs.addTab(self.reports, _("Báo cáo định kỳ"))
        self.tabs.addTab(self.actions, _("Thao tác của lãnh đạo"))
        from ui.queue.stats_tab import QueueStatsTab  # issue 8: the citizen queue's figures

        self.queue_stats = QueueStatsTab(ctx)
        self.tabs.addTab(self.queue_stats, _("Hàng đợi"))
        self.audit = AuditTab(ctx)  # issue 9: the audit trail, read-only
        self.tabs.addTab(self.audit, _("Nhật ký kiểm toán"))
        self.denied = QLabel(_(DENIED))
        self.denied.setWordWrap(True)
        self.denied.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.denied.setObjectName("supervisorDenied")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.denied)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack)
        for source in (self.dashboard, self.reports):
            source.sig_open_list.connect(self.sig_open_list)
        self.dashboard.sig_open_dossier.connect(self.sig_open_dossier)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.refresh)

    @property
    def allowed(self) -> bool:
        """Whether the signed-in user may see this page."""
        return self._ctx.role in SUPERVISOR_ROLES

    def refresh(self) -> None:
        """Check the role (it changes when someone else signs in after a lock), then reload the tab shown."""
        self.stack.setCurrentWidget(self.tabs if self.allowed else self.denied)
        if not self.allowed or not self.isVisible():
            return  # a hidden page reloads when it is shown
        current = self.tabs.currentWidget()
        if current is self.dashboard:
            self.dashboard.refresh()
        elif current is self.audit:
            self.audit.refresh()
        elif current is self.actions:
            self.actions.refresh()
        elif current is self.reports and self.reports.model.report is not None:
            self.reports.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()
