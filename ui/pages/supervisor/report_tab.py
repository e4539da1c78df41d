"""The "Báo cáo" tab: the periodic report (Mẫu 06a) of any period, on screen with links, to XLSX or PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.i18n import N_, _, _n
from counter_app.jobs import JobControl
from counter_app.services import report_export, reports
from counter_app.services.counter_setup import load_identity
from counter_app.services.periods import checked_period
from counter_app.services.reports import COLUMNS, PeriodReport, ReportLine
from counter_app.text import group_thousands
from ui.context import AppContext
from ui.errors import show_error
from ui.notify import notify_success
from ui.pages.supervisor.widgets import LINK_COLOUR
from ui.progress import ProgressJob
from ui.table_model import Index, ListTableModel

KINDS = (
    ("field", N_("Theo lĩnh vực")),
    ("procedure", N_("Theo thủ tục")),
    ("clerk", N_("Theo cán bộ tiếp nhận")),
)
# The table's column titles: the group on the first line, kept short so more columns fit the screen.
HEADERS = {
    "total": N_("Tiếp nhận\nTổng số"),
    "carried": N_("Tiếp nhận\nKỳ trước"),
    "received_online": N_("Tiếp nhận\nTrực tuyến"),
    "received_direct": N_("Tiếp nhận\nTrực tiếp"),
    "received_post": N_("Tiếp nhận\nBưu chính"),
    "settled": N_("Đã giải quyết\nTổng số"),
    "settled_early": N_("Đã giải quyết\nTrước hạn"),
    "settled_on_time": N_("Đã giải quyết\nĐúng hạn"),
    "settled_late": N_("Đã giải quyết\nQuá hạn"),
    "in_progress": N_("Đang giải quyết\nTổng số"),
    "in_progress_on_time": N_("Đang giải quyết\nTrong hạn"),
    "in_progress_late": N_("Đang giải quyết\nQuá hạn"),
    "returned": N_("Trả lại\n(dừng xử lý)"),
    "withdrawn": N_("Công dân\nrút"),
}
SavePath = Callable[[str, str], str]  # (suggested file name, file filter) → chosen path, "" to cancel


class ReportModel(ListTableModel):
    """The report's lines (the total first); each number knows the filter of exactly its dossiers."""

    def __init__(self) -> None:
        super().__init__([_("Tên"), *(_(HEADERS[key]) for key, _g, _t in COLUMNS)])
        self.report: PeriodReport | None = None
        self.kind = "field"

    def show(self, report: PeriodReport | None, kind: str) -> None:
        """Show the lines of one breakdown of `report`."""
        self.report, self.kind = report, kind
        lines: list[ReportLine] = []
        if report is not None:
            lines = [
                report.total,
                *{"field": report.by_field, "procedure": report.by_procedure}.get(kind, report.by_clerk),
            ]
        self.set_rows(lines)

    def cell(self, index: Index) -> tuple[ReportLine, str] | None:
        """The line and the column key of a number cell."""
        line: ReportLine | None = self.row_at(index.row())
        if line is None or not 1 <= index.column() <= len(COLUMNS):
            return None
        return line, COLUMNS[index.column() - 1][0]

    def cell_filter(self, index: Index) -> Any:
        """The DossierFilter of a number cell, or None (a sum, or no list)."""
        found = self.cell(index)
        if found is None or self.report is None:
            return None
        line, column = found
        kind = "total" if index.row() == 0 else self.kind
        return reports.cell_filter(self.report, line, kind, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        line: ReportLine | None = self.row_at(index.row()) if index.isValid() else None
        if line is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return line.name if column == 0 else group_thousands(line.value(COLUMNS[column - 1][0]))
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and index.row() == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column > 0:
            try:
                linked = self.cell_filter(index) is not None
            except Exception:  # data() never raises
                linked = False
            return QBrush(QColor(LINK_COLOUR)) if linked else None
        if role == Qt.ItemDataRole.ToolTipRole and column > 0:
            return f"{line.name} — {_(COLUMNS[column - 1][1])}: {_(COLUMNS[column - 1][2])}"
        return None


class DateBox(QDateEdit):
    """A DD/MM/YYYY date box with a calendar, telling when Enter is pressed in it."""

    sig_enter = Signal()

    def __init__(self, day: QDate) -> None:
        super().__init__(day, calendarPopup=True, displayFormat="dd/MM/yyyy")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.sig_enter.emit()


def _month_start(day: date) -> date:
    return day.replace(day=1)


class ReportTab(QWidget):
    """Choose the days, see the report, click a number for its dossiers, export it."""

    sig_open_list = Signal(object, str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.save_path_hook: SavePath = self._ask_path
        today = utc_to_local(ctx.clock.now_utc()).date()
        self.date_from = DateBox(QDate(_month_start(today)))
        self.date_to = DateBox(QDate(today))
        self.show_button = QPushButton(_("Xem báo cáo"))
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.load)
        quick = QHBoxLayout()
        quick.addWidget(QLabel(_("Từ ngày")))
        quick.addWidget(self.date_from)
        quick.addWidget(QLabel(_("đến ngày")))
        quick.addWidget(self.date_to)
        for label, first, last in self._presets(today):
            button = QPushButton(label)
            button.clicked.connect(lambda _c=False, a=first, b=last: self.set_period(a, b))
            quick.addWidget(button)
        quick.addWidget(self.show_button)
        quick.addStretch(1)
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(_(label), key)
        self.kind.currentIndexChanged.connect(self._show_kind)
        self.xlsx_button = QPushButton(_("Xuất Excel… (Ctrl+E)"))
        self.pdf_button = QPushButton(_("Xuất PDF…"))
        self.xlsx_button.clicked.connect(lambda: self.export(".xlsx"))
        self.pdf_button.clicked.connect(lambda: self.export(".pdf"))
        QShortcut(QKeySequence("Ctrl+E"), self, activated=lambda: self.export(".xlsx"))
        for edit in (self.date_from, self.date_to):  # Enter in a date box shows the report
            edit.sig_enter.connect(self.load)
        self.summary = QLabel(_("Chọn kỳ báo cáo rồi bấm «Xem báo cáo»."))
        self.summary.setWordWrap(True)
        tools = QHBoxLayout()
        tools.addWidget(self.kind)
        tools.addWidget(self.summary, 1)
        tools.addWidget(self.xlsx_button)
        tools.addWidget(self.pdf_button)
        self.model = ReportModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setMinimumHeight(48)
        self.table.clicked.connect(self._on_cell_activated)
        self.table.activated.connect(self._on_cell_activated)
        self.status = QLabel()
        self.export_job: ProgressJob | None = None  # the last export, with its "Huỷ"
        layout = QVBoxLayout(self)
        layout.addLayout(quick)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._set_export_enabled(False)

    @staticmethod
    def _presets(today: date) -> list[tuple[str, date, date]]:
        month = _month_start(today)
        last_month_end = month - timedelta(days=1)
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return [
            (_("Tháng này"), month, today),
            (_("Tháng trước"), _month_start(last_month_end), last_month_end),
            (_("Quý này"), quarter, today),
            (_("Năm nay"), date(today.year, 1, 1), today),
        ]

    def set_period(self, first: date, last: date) -> None:
        """Put the days in the date boxes and load the report."""
        self.date_from.setDate(QDate(first))
        self.date_to.setDate(QDate(last))
        self.load()

    def _period(self) -> Any:
        first: date = self.date_from.date().toPython()  # type: ignore[assignment]
        last: date = self.date_to.date().toPython()  # type: ignore[assignment]
        return checked_period(first, last)

    def _set_export_enabled(self, on: bool) -> None:
        self.xlsx_button.setEnabled(on)
        self.pdf_button.setEnabled(on)

    def load(self) -> None:
        """Compute the report of the chosen days in the background."""
        try:
            period = self._period()
        except Exception as exc:
            show_error(self, exc)
            return
        db, now = self._ctx.db, self._ctx.clock.now_utc()
        self.status.setText(_("Đang tính báo cáo…"))
        self.show_button.setEnabled(False)

        def compute() -> PeriodReport:
            with db.read() as session:
                return reports.period_report(session, period, now)

        self._ctx.runner.run_db(compute, self._on_loaded, self._on_failed)

    def _on_failed(self, error: BaseException) -> None:
        self.show_button.setEnabled(True)
        self.status.setText("")
        show_error(self, error)

    def _on_loaded(self, report: PeriodReport) -> None:
        self.show_button.setEnabled(True)
        self.model.show(report, self.kind.currentData())
        self._fit_columns()
        t = report.total
        self.summary.setText(
            _n(
                "{period}: {n} hồ sơ phải giải quyết; đã giải quyết {settled} (đúng hạn và trước hạn {rate}); "
                "đang giải quyết {in_progress}.",
                t.total,
            ).format(
                period=f"<b>{report.period.text().capitalize()}</b>",
                n=group_thousands(t.total),
                settled=group_thousands(t.settled),
                rate="–"
                if t.on_time_rate is None
                else f"{t.on_time_rate * 100:.1f}".replace(".", ",") + " %",
                in_progress=group_thousands(t.in_progress),
            )
        )
        self.status.setText(_("Bấm vào một số (màu xanh) để xem đúng các hồ sơ đó."))
        self._set_export_enabled(True)

    def _show_kind(self) -> None:
        self.model.show(self.model.report, self.kind.currentData())
        self._fit_columns()

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, max(220, min(self.table.columnWidth(0), 340)))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)

    def _on_cell_activated(self, index: QModelIndex) -> None:
        found = self.model.cell(index)
        flt = self.model.cell_filter(index)
        if found is None or flt is None or self.model.report is None:
            return
        line, column = found
        title = next(t for k, _g, t in COLUMNS if k == column)
        group = next(g for k, g, _t in COLUMNS if k == column)
        scope = "" if index.row() == 0 else f" — {line.name}"
        self.sig_open_list.emit(flt, f"{_(group)}: {_(title)}{scope}, {self.model.report.period.text()}")

    # --- export -----------------------------------------------------------------------------------------
    def _ask_path(self, suggested: str, file_filter: str) -> str:
        path, _chosen = QFileDialog.getSaveFileName(self, _("Lưu báo cáo"), suggested, file_filter)
        return path

    def export(self, suffix: str) -> None:
        """Ask where to save, then write the report shown as XLSX or PDF in the background."""
        report = self.model.report
        if report is None:
            self.status.setText(_("Hãy xem báo cáo trước khi xuất."))
            return
        name = f"bao-cao-{report.period.first:%Y%m%d}-{report.period.last:%Y%m%d}{suffix}"
        file_filter = _("Bảng tính Excel (*.xlsx)") if suffix == ".xlsx" else _("Tệp PDF (*.pdf)")
        chosen = self.save_path_hook(str(Path.home() / name), file_filter)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        self.export_to(path)

    def export_to(self, path: Path) -> None:
        """Write the report shown to `path` on the database worker, with progress and "Huỷ"."""
        report = self.model.report
        if report is None:
            return
        db = self._ctx.db

        def write(control: JobControl) -> Path:
            with db.read() as session:
                identity = load_identity(session)
            return report_export.write(report, identity, path, control)

        label = _("Đang ghi {name}…").format(name=path.name)
        self.export_job = ProgressJob(self, self._ctx.runner, _("Xuất báo cáo"), label)
        self.export_job.start(write, self._on_exported, lambda e: show_error(self, e))

    def _on_exported(self, done: Path) -> None:
        text = _("Đã xuất báo cáo: {path}").format(path=done)
        self.status.setText(text)
        notify_success(self, text)  # the status bar too; never a pop-up
