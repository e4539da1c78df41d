"""The dashboard ("Tổng quan"): queue, deadlines, intake, sync, finished dossiers, charts and the late list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.i18n import N_, _, _n
from counter_app.services.dashboard import (
    CHANNEL_NAMES,
    Breakdown,
    Dashboard,
    Figure,
    OverdueLine,
    load_dashboard,
)
from counter_app.services.dossier_query import STATUS_NAMES
from counter_app.services.periods import PERIOD_LABELS, Period, PeriodKind, checked_period, current_period
from counter_app.text import group_thousands
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.supervisor.charts import Bar, BarChart
from ui.pages.supervisor.widgets import LATE_COLOUR, LINK_COLOUR, SOON_COLOUR, FigureLink, box, percent
from ui.table_model import Index, RowsModel

REFRESH_MS = 60_000  # while shown, the figures are reloaded every minute
STATUS_SHOWN = (2, 4, 5, 6, 9, 10, 7, 8)  # two columns: open ones, then closed; 1 and 3 never recorded
BREAKDOWNS = (
    ("procedure", N_("Theo thủ tục")),
    ("field", N_("Theo lĩnh vực")),
    ("clerk", N_("Theo cán bộ tiếp nhận")),
)
BREAKDOWN_HEADERS = (N_("Tên"), N_("Tổng"), N_("Trước hạn"), N_("Đúng hạn"), N_("Quá hạn"), N_("% đúng hạn"))
OVERDUE_HEADERS = (
    N_("Mã hồ sơ"),
    N_("Thủ tục"),
    N_("Quá hạn"),
    N_("Cán bộ · bộ phận"),
    N_("Hẹn trả"),
    N_("Người nộp"),
)
# Short names where the national ones do not fit the card.
STATUS_LABELS = {**STATUS_NAMES, 5: N_("Chờ bổ sung"), 6: N_("Chờ nghĩa vụ tài chính"), 7: N_("Công dân rút")}


def _breakdown_cells(line: Breakdown) -> list[str]:
    f = line.figures
    values = (f.total, f.early, f.on_time, f.late)
    return [line.name, *(group_thousands(v.value) for v in values), percent(f.on_time_rate)]


def _breakdown_style(line: Breakdown, column: int) -> tuple[str | None, bool]:
    if 1 <= column <= 4 and line.figures.total.filter is not None:
        return (LATE_COLOUR if column == 4 and line.figures.late.value else LINK_COLOUR), column == 4
    return None, False


def _overdue_cells(line: OverdueLine) -> list[str]:
    return [
        line.code,
        line.procedure_name,
        line.late_text,
        " · ".join(part for part in (line.clerk_name, line.department) if part),
        f"{line.appointment_local:%d/%m/%y %H:%M}",
        line.applicant_name,
    ]


class NumbersModel(RowsModel):
    """A RowsModel whose columns after the first hold numbers, right-aligned."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


class DashboardView(QWidget):
    """All figures of `counter_app.services.dashboard`; every number opens exactly its dossiers."""

    sig_open_list = Signal(object, str)  # (DossierFilter, title)
    sig_open_dossier = Signal(str)  # a dossier code

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.dashboard: Dashboard | None = None
        self._loading = False
        self._again = False

        self.updated = QLabel(_("Đang tải…"))
        self.period_kind = QComboBox()
        for kind, label in PERIOD_LABELS.items():
            self.period_kind.addItem(_(label), kind)
        self.period_kind.addItem(_("Khoảng ngày…"), "custom")
        self.period_kind.setCurrentIndex(self.period_kind.findData("month"))
        today = QDate.currentDate()
        self.period_from = QDateEdit(
            today.addDays(1 - today.day()), calendarPopup=True, displayFormat="dd/MM/yyyy"
        )
        self.period_to = QDateEdit(today, calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.refresh_button = QPushButton(_("Làm mới (Ctrl+R)"))
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>" + _("Tổng quan Bộ phận Một cửa") + "</b>"))
        top.addWidget(self.updated, 1)
        top.addWidget(QLabel(_("Kỳ thống kê hồ sơ đã giải quyết:")))
        for widget in (self.period_kind, self.period_from, self.period_to, self.refresh_button):
            top.addWidget(widget)
        self._set_custom_visible(False)
        self.period_kind.currentIndexChanged.connect(self._on_period_kind_changed)
        self.period_from.dateChanged.connect(self._on_period_dates_changed)
        self.period_to.dateChanged.connect(self._on_period_dates_changed)

        self.status_links = {s: self._link() for s in STATUS_SHOWN}
        status_grid = QGridLayout()
        status_grid.setHorizontalSpacing(6)
        for index, status in enumerate(STATUS_SHOWN):
            row, column = index % 4, 2 * (index // 4)
            label = QLabel(_(STATUS_LABELS[status]))
            label.setToolTip(_("Trạng thái {code}: {name}").format(code=status, name=_(STATUS_NAMES[status])))
            status_grid.addWidget(label, row, column)
            status_grid.addWidget(self.status_links[status], row, column + 1)
        status_grid.setColumnMinimumWidth(2, 100)
        status_grid.setColumnStretch(1, 1)
        status_grid.setColumnStretch(3, 1)
        self.due_today, self.due_soon = self._link(SOON_COLOUR, 15), self._link(SOON_COLOUR, 15)
        self.overdue = self._link(LATE_COLOUR, 15)
        due_grid = QGridLayout()
        for row, (label, link) in enumerate(
            (
                (_("Đến hạn hôm nay"), self.due_today),
                (_("Sắp đến hạn (≤ 1 ngày)"), self.due_soon),
                (_("Quá hạn"), self.overdue),
            )
        ):
            due_grid.addWidget(QLabel(label), row, 0)
            due_grid.addWidget(link, row, 1)
        due_grid.setRowStretch(3, 1)
        self.received_links: dict[tuple[int, int], FigureLink] = {}
        received_grid = QGridLayout()
        received_grid.setHorizontalSpacing(4)
        for column, title in enumerate((N_("Tổng"), *CHANNEL_NAMES.values()), start=1):
            received_grid.addWidget(QLabel(f"<i>{_(title)}</i>"), 0, column, Qt.AlignmentFlag.AlignRight)
        for row, label in enumerate((_("Hôm nay"), _("Tuần này"), _("Tháng này")), start=1):
            received_grid.addWidget(QLabel(label), row, 0)
            for column in range(4):
                link = self._link()
                self.received_links[(row - 1, column)] = link
                received_grid.addWidget(link, row, column + 1)
        received_grid.setRowStretch(4, 1)
        self.sync_label = QLabel()
        self.sync_label.setWordWrap(True)
        self.sync_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        cards = QHBoxLayout()
        middle = QVBoxLayout()
        for title, layout, target in (
            (_("Hồ sơ theo trạng thái"), status_grid, cards),
            (_("Thời hạn"), due_grid, middle),
            (_("Tiếp nhận theo kênh"), received_grid, None),
        ):
            group = box(title)
            group.setLayout(layout)
            if target is cards:
                cards.addWidget(group, 4)
            elif target is middle:
                middle.addWidget(group)
            else:
                cards.addLayout(middle, 4)
                cards.addWidget(group, 5)
        middle.addWidget(box(_("Đồng bộ"), self.sync_label))

        self.per_day = BarChart(_("Hồ sơ tiếp nhận mỗi ngày (30 ngày)"))
        self.per_week = BarChart(
            _("Tỉ lệ giải quyết đúng hạn và trước hạn theo tuần"), maximum=1.0, colour="#2e7d32"
        )
        self.per_day.sig_bar_activated.connect(self._on_per_day_activated)
        self.per_week.sig_bar_activated.connect(self._on_per_week_activated)
        charts = QHBoxLayout()
        charts.addWidget(self.per_day, 1)
        charts.addWidget(self.per_week, 1)

        self.finished_title = QLabel()
        self.finished_links = {name: self._link(size=13) for name in ("total", "early", "on_time", "late")}
        self.finished_rates = {name: QLabel() for name in ("early", "on_time", "late")}
        figures = QGridLayout()
        for column, (name, label) in enumerate(
            (
                ("total", _("Đã giải quyết")),
                ("early", _("Trước hạn")),
                ("on_time", _("Đúng hạn")),
                ("late", _("Quá hạn")),
            )
        ):
            figures.addWidget(QLabel(label), 0, column, Qt.AlignmentFlag.AlignCenter)
            figures.addWidget(self.finished_links[name], 1, column, Qt.AlignmentFlag.AlignCenter)
            if name in self.finished_rates:
                figures.addWidget(self.finished_rates[name], 2, column, Qt.AlignmentFlag.AlignCenter)
        self.breakdown_kind = QComboBox()
        for key, label in BREAKDOWNS:
            self.breakdown_kind.addItem(_(label), key)
        self.breakdown_kind.currentIndexChanged.connect(self._show_breakdown)
        self.breakdown_model = NumbersModel(
            [_(h) for h in BREAKDOWN_HEADERS], _breakdown_cells, _breakdown_style
        )
        self.breakdown = self._table(self.breakdown_model, stretch=0)
        self.breakdown.clicked.connect(self._on_breakdown_activated)
        self.breakdown.activated.connect(self._on_breakdown_activated)
        finished_layout = QVBoxLayout()
        finished_layout.addWidget(self.finished_title)
        finished_layout.addLayout(figures)
        finished_layout.addWidget(self.breakdown_kind)
        finished_layout.addWidget(self.breakdown, 1)
        self.finished_box = box(_("Hồ sơ đã giải quyết"))
        self.finished_box.setLayout(finished_layout)

        self.overdue_model = RowsModel(
            [_(h) for h in OVERDUE_HEADERS],
            _overdue_cells,
            lambda _l, c: (LATE_COLOUR, True) if c == 2 else (None, False),
        )
        self.overdue_table = self._table(self.overdue_model, stretch=1)
        for column, width in enumerate((196, 150, 112, 170, 104, 150)):
            self.overdue_table.setColumnWidth(column, width)
        self.overdue_table.activated.connect(self._on_overdue_activated)
        self.overdue_table.doubleClicked.connect(self._on_overdue_activated)
        self.overdue_box = box(
            _("Hồ sơ quá hạn (quá hạn lâu nhất trước; Enter: xem hồ sơ)"), self.overdue_table
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.finished_box, 1)
        bottom.addWidget(self.overdue_box, 1)

        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(cards)
        column.addLayout(charts, 1)
        column.addLayout(bottom, 2)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.setMinimumHeight(600)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)

        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    # --- building -----------------------------------------------------------------------------------------
    def _link(self, colour: str = LINK_COLOUR, size: int = 10) -> FigureLink:
        link = FigureLink(colour=colour, size=size)
        link.sig_open.connect(self._open_figure)
        return link

    @staticmethod
    def _table(model: RowsModel, *, stretch: int) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(False)
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        table.setMinimumHeight(160)
        return table

    # --- period -------------------------------------------------------------------------------------------
    def _set_custom_visible(self, on: bool) -> None:
        self.period_from.setVisible(on)
        self.period_to.setVisible(on)

    def _on_period_kind_changed(self) -> None:
        self._set_custom_visible(self.period_kind.currentData() == "custom")
        self.refresh()

    def _on_period_dates_changed(self) -> None:
        if self.period_kind.currentData() == "custom":
            self.refresh()

    def period(self, now_utc: datetime) -> Period:
        """The period of the finished figures as chosen."""
        kind = self.period_kind.currentData()
        if kind == "custom":
            first: date = self.period_from.date().toPython()  # type: ignore[assignment]
            last: date = self.period_to.date().toPython()  # type: ignore[assignment]
            return checked_period(first, last)
        chosen: PeriodKind = kind
        return current_period(chosen, now_utc)

    # --- loading ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload every figure in the background (a refresh asked meanwhile runs once this one is back)."""
        if self._loading:
            self._again = True
            return
        db, clock = self._ctx.db, self._ctx.clock
        now = clock.now_utc()
        try:
            period = self.period(now)
        except Exception as exc:  # a reversed custom period: say so, keep the figures shown
            show_error(self, exc)
            return
        self._loading = True
        self.refresh_button.setEnabled(False)

        def load() -> Dashboard:
            with db.read() as session:
                return load_dashboard(session, now, period)

        self._ctx.runner.run_db(load, self._on_loaded, self._on_failed)

    def _finish_loading(self) -> None:
        self._loading = False
        self.refresh_button.setEnabled(True)
        if self._again:
            self._again = False
            self.refresh()

    def _on_failed(self, error: BaseException) -> None:
        self.updated.setText(_("Không tải được số liệu."))
        self._finish_loading()
        show_error(self, error)

    def _on_loaded(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.updated.setText(
            _("cập nhật lúc {time}").format(time=f"{utc_to_local(dashboard.now_utc):%H:%M:%S %d/%m/%Y}")
        )
        for status, link in self.status_links.items():
            link.set_figure(dashboard.by_status[status])
        self.due_today.set_figure(dashboard.due_today)
        self.due_soon.set_figure(dashboard.due_soon)
        self.overdue.set_figure(dashboard.overdue)
        for row, received in enumerate(dashboard.received):
            self.received_links[(row, 0)].set_figure(received.total)
            for column, channel in enumerate(CHANNEL_NAMES, start=1):
                self.received_links[(row, column)].set_figure(received.by_channel[channel])
        sync = dashboard.sync
        if sync.standalone:
            text = (
                _("Quầy chạy độc lập (chưa đăng ký máy chủ trung tâm).")
                + "<br>"
                + _("Thay đổi chờ gửi: {n}").format(n=f"<b>{group_thousands(sync.queue_depth)}</b>")
            )
        else:
            text = (
                _("Thay đổi chờ gửi: {n}").format(n=f"<b>{group_thousands(sync.queue_depth)}</b>")
                + "<br>"
                + _("Đồng bộ thành công gần nhất:")
                + f"<br><b>{sync.last_success_text}</b><br>"
                + _("Xung đột chờ xử lý: {n}").format(n=f"<b>{group_thousands(sync.open_conflicts)}</b>")
            )
            if sync.last_error:
                error = _("Lỗi gần nhất: {error}").format(error=sync.last_error)
                text += f"<br><span style='color:{LATE_COLOUR}'>{error}</span>"
        self.sync_label.setText(text)
        finished = dashboard.finished
        self.finished_title.setText(
            _("Kỳ: {period} ({dates})").format(
                period=f"<b>{_(dashboard.period.label) if dashboard.period.label else ''}</b>",
                dates=dashboard.period.text(),
            )
        )
        for name in ("total", "early", "on_time", "late"):
            figure: Figure = getattr(finished, name)
            self.finished_links[name].set_figure(figure, colour=LATE_COLOUR if name == "late" else None)
            if name in self.finished_rates:
                self.finished_rates[name].setText(percent(finished.rate(figure)))
        self._show_breakdown()
        self.overdue_model.set_rows(dashboard.overdue_lines)
        shown = len(dashboard.overdue_lines)
        total = group_thousands(dashboard.overdue.value)
        self.overdue_box.setTitle(
            _n("Hồ sơ quá hạn: {total}, {n} hồ sơ quá hạn lâu nhất (Enter: xem hồ sơ)", shown).format(
                total=total, n=shown
            )
            if shown < dashboard.overdue.value
            else _("Hồ sơ quá hạn: {total} (Enter: xem hồ sơ)").format(total=total)
        )
        self.per_day.set_bars(
            [
                Bar(
                    bar.figure.value,
                    group_thousands(bar.figure.value),
                    f"{bar.day:%d/%m}",
                    _n("{title}: {n} hồ sơ", bar.figure.value).format(
                        title=_(bar.figure.title), n=group_thousands(bar.figure.value)
                    ),
                )
                for bar in dashboard.received_per_day
            ]
        )
        self.per_week.set_bars(
            [
                Bar(
                    week.figures.on_time_rate,
                    percent(week.figures.on_time_rate).replace(",0 %", " %"),
                    f"{week.first:%d/%m}",
                    _n(
                        "Tuần từ {first}: {n} hồ sơ đã giải quyết, đúng hạn và trước hạn {rate}",
                        week.figures.total.value,
                    ).format(
                        first=f"{week.first:%d/%m/%Y}",
                        n=group_thousands(week.figures.total.value),
                        rate=percent(week.figures.on_time_rate),
                    ),
                )
                for week in dashboard.rate_per_week
            ]
        )
        self._finish_loading()

    def _show_breakdown(self) -> None:
        if self.dashboard is None:
            return
        kind = self.breakdown_kind.currentData()
        lines = {"procedure": self.dashboard.by_procedure, "field": self.dashboard.by_field}.get(
            kind, self.dashboard.by_clerk
        )
        self.breakdown_model.set_rows(lines)
        header = self.breakdown.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(BREAKDOWN_HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

    # --- links ----------------------------------------------------------------------------------------------
    def _open_figure(self, figure: Figure) -> None:
        if figure.filter is not None:
            self.sig_open_list.emit(figure.filter, figure.title)

    def _on_breakdown_activated(self, index: QModelIndex) -> None:
        line: Breakdown | None = self.breakdown_model.row_at(index.row())
        if line is None or not 1 <= index.column() <= 4:
            return
        f = line.figures
        self._open_figure((f.total, f.early, f.on_time, f.late)[index.column() - 1])

    def _on_overdue_activated(self, index: QModelIndex) -> None:
        line: OverdueLine | None = self.overdue_model.row_at(index.row())
        if line is not None:
            self.sig_open_dossier.emit(line.code)

    def _on_per_day_activated(self, index: int) -> None:
        if self.dashboard is not None and 0 <= index < len(self.dashboard.received_per_day):
            self._open_figure(self.dashboard.received_per_day[index].figure)

    def _on_per_week_activated(self, index: int) -> None:
        if self.dashboard is not None and 0 <= index < len(self.dashboard.rate_per_week):
            self._open_figure(self.dashboard.rate_per_week[index].figures.total)

    # --- timer ------------------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()
