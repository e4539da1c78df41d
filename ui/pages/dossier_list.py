"""The dossier list ("Hồ sơ"): a lazily paged table model over small DTOs with time left, searched in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QHideEvent, QIcon, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.deadlines import Timeliness, format_instant
from counter_app.i18n import N_, _, _n
from counter_app.services import dossier_query
from counter_app.services.dossier_query import AlertCounts, DossierFilter, DossierRow, DueKind, FilterChoices
from counter_app.sync.status import DossierSyncState, dossier_sync_states
from counter_app.text import group_thousands
from ui.alert_banner import AlertBanner
from ui.context import AppContext
from ui.deadline_style import COLOURS, state_icon
from ui.errors import show_error
from ui.pages.list_filters import ListFilters
from ui.sync_status import SYNC_CELL_ROLES, sync_cell_data
from ui.table_model import Index, ListTableModel

PAGE_SIZE = 200
TICK_MS = 60_000  # the "Thời hạn" texts are recomputed once a minute while the list is shown
ALERT_MS = 5 * 60_000  # the banner's counts are refreshed every five minutes while the list is shown
TIMELINESS_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Timeliness value ("qua_han", …) or None
# The "Thời hạn" cell of a dossier with at most one working day left (or late) carries a warning icon.
APOLOGY_TIP = N_(
    "Còn không quá 1 ngày làm việc hoặc đã quá hạn: đề nghị lập Phiếu xin lỗi và hẹn lại ngày trả "
    "kết quả (Mẫu 04). Nhấn Enter để mở hồ sơ, rồi bấm «Gia hạn, lập Mẫu 04»."
)

COL_CODE, COL_APPLICANT, COL_PROCEDURE, COL_RECEIVED, COL_APPOINTMENT, COL_TIME_LEFT, COL_STATUS = range(7)
COL_SYNC = 7  # "Đồng bộ": the dossier's sync state (sync.status), loaded with each page
# At 1200 px the procedure (stretched) keeps what is left; long texts are elided, the tooltip has them whole.
COLUMN_WIDTHS = (198, 150, 150, 106, 116, 172, 112, 130)


def _short(instant: datetime | None) -> str:
    """ "16/03/26 08:00": two-digit year so the list keeps room for the procedure name."""
    return utc_to_local(instant).strftime("%d/%m/%y %H:%M") if instant else ""


def _full(instant: datetime | None) -> str:
    """ "T2 16/03/2026 08:00" for tooltips."""
    return format_instant(utc_to_local(instant)) if instant else ""


class DossierTableModel(ListTableModel):
    """Rows arrive page by page (keyset paging) as the view scrolls; data() never raises."""

    HEADERS = (
        N_("Mã hồ sơ"),
        N_("Người nộp"),
        N_("Thủ tục"),
        N_("Ngày nhận"),
        N_("Hẹn trả"),
        N_("Thời hạn"),
        N_("Trạng thái"),
        N_("Đồng bộ"),
    )

    def __init__(self, ctx: AppContext) -> None:
        super().__init__([_(h) for h in self.HEADERS])
        self._ctx = ctx
        self._filter = DossierFilter()
        self._exhausted = False
        self._loading = False
        self._generation = 0
        self._icon: QIcon | None = None
        self._sync: dict[str, DossierSyncState] = {}

    # --- loading --------------------------------------------------------------------------------------
    def set_filter(self, flt: DossierFilter) -> None:
        """Start again from the first page with a new filter."""
        self.beginResetModel()
        self._filter = flt
        self._rows = []
        self._sync = {}
        # Views answer modelReset by asking for more rows; "loading" until the reset is over keeps them
        # from inserting rows while other listeners still handle the reset.
        self._exhausted = False
        self._loading = True
        self._generation += 1
        self.endResetModel()
        self._loading = False
        self.fetchMore(QModelIndex())

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        flt, generation, db, clock = self._filter, self._generation, self._ctx.db, self._ctx.clock
        after = dossier_query.cursor_after(self._rows[-1], flt.sort) if self._rows else None

        def load() -> tuple[list[DossierRow], dict[str, DossierSyncState]]:
            with db.read() as session:
                rows = dossier_query.list_page(session, flt, after, PAGE_SIZE, now_utc=clock.now_utc())
                return rows, dossier_sync_states(session, [r.id for r in rows])

        self._ctx.runner.run_db(load, lambda page: self._append(generation, *page), self._failed)

    def _append(
        self, generation: int, rows: list[DossierRow], sync: dict[str, DossierSyncState] | None = None
    ) -> None:
        if generation != self._generation:
            return  # a newer filter replaced this request
        self._sync.update(sync or {})
        self._loading = False
        if len(rows) < PAGE_SIZE:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def refresh_time_left(self) -> None:
        """Recompute the "Thời hạn" column of the loaded rows at the clock's current time."""
        if not self._rows or self._loading:
            return
        rows, generation, db, clock = list(self._rows), self._generation, self._ctx.db, self._ctx.clock

        def load() -> list[DossierRow]:
            with db.read() as session:
                return dossier_query.with_time_left(session, rows, clock.now_utc())

        self._ctx.runner.run_db(load, lambda fresh: self._replace(generation, fresh), self._failed)

    def _replace(self, generation: int, fresh: list[DossierRow]) -> None:
        if generation != self._generation or len(fresh) > len(self._rows):
            return
        self._rows[: len(fresh)] = fresh
        if fresh:
            top, bottom = self.index(0, COL_TIME_LEFT), self.index(len(fresh) - 1, COL_TIME_LEFT)
            self.dataChanged.emit(top, bottom)

    def refresh_sync_states(self) -> None:
        """Reread the "Đồng bộ" column of the loaded rows (after a sync round)."""
        if not self._rows or self._loading:
            return
        ids, generation, db = [r.id for r in self._rows], self._generation, self._ctx.db

        def load() -> dict[str, DossierSyncState]:
            with db.read() as session:
                return dossier_sync_states(session, ids)

        def done(states: dict[str, DossierSyncState]) -> None:
            if generation == self._generation and self._rows:
                self._sync.update(states)
                self.dataChanged.emit(self.index(0, COL_SYNC), self.index(len(self._rows) - 1, COL_SYNC))

        self._ctx.runner.run_db(load, done, lambda exc: show_error(None, exc))

    def sync_state(self, row: int) -> DossierSyncState | None:
        """The sync state shown on `row`, if loaded."""
        dto = self.row_at(row)
        return self._sync.get(dto.id) if dto is not None else None

    def _failed(self, error: BaseException) -> None:
        self._loading = False
        self._exhausted = True
        show_error(None, error)

    # --- Qt model API ---------------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if column == COL_SYNC and role in SYNC_CELL_ROLES:
            return sync_cell_data(self._sync.get(row.id), role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == TIMELINESS_ROLE:
            return row.time_left.timeliness.value if row.time_left and row.time_left.timeliness else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column == COL_TIME_LEFT:
            # Each state has its own icon (never colour alone); any dossier to apologise for, the warning.
            if row.time_left and row.time_left.propose_apology and row.time_left.timeliness is None:
                return self._apology_icon()
            return state_icon(row.time_left.timeliness) if row.time_left else None
        if role == Qt.ItemDataRole.AccessibleTextRole and column == COL_TIME_LEFT and row.time_left:
            state = row.time_left.timeliness
            return f"{state.label}: {row.time_left.text}" if state else row.time_left.text
        if column == COL_TIME_LEFT and role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
        ):
            colours = (
                COLOURS.get(row.time_left.timeliness) if row.time_left and row.time_left.timeliness else None
            )
            if colours is None:
                return None
            colour = colours[0] if role == Qt.ItemDataRole.ForegroundRole else colours[1]
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and (
            (column == COL_TIME_LEFT and row.time_left and row.time_left.timeliness is Timeliness.QUA_HAN)
            or (column == COL_APPOINTMENT and row.appointment_moved)
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _display(row: DossierRow, column: int) -> str | None:
        if column == COL_CODE:
            return row.code
        if column == COL_APPLICANT:
            return row.applicant_name
        if column == COL_PROCEDURE:
            return row.procedure_name
        if column == COL_RECEIVED:
            return _short(row.received_at)
        if column == COL_APPOINTMENT:
            # The star says "the printed receipt shows another date": the tooltip gives it.
            return _short(row.appointment_at) + (" *" if row.appointment_moved else "")
        if column == COL_TIME_LEFT:
            return row.time_left.text if row.time_left else ""
        if column == COL_STATUS:
            return _(dossier_query.STATUS_NAMES.get(row.status, str(row.status)))
        return None

    @staticmethod
    def _tooltip(row: DossierRow, column: int) -> str | None:
        moved = (
            row.printed_note()
            + "\n"
            + _("Hẹn trả theo lịch làm việc hiện hành: {when}").format(when=_full(row.appointment_at))
            + "\n"
            + _("Lịch làm việc đã thay đổi sau khi in: hãy báo cho người nộp.")
        )
        if column == COL_APPOINTMENT:
            if row.appointment_moved:
                return moved
            return _("Hẹn trả: {when}").format(when=_full(row.appointment_at)) if row.appointment_at else None
        if column == COL_TIME_LEFT:
            text = row.time_left.text if row.time_left else ""
            if row.time_left and row.time_left.propose_apology:
                text += "\n" + _(APOLOGY_TIP)
            return f"{text}\n{moved}" if row.appointment_moved else (text or None)
        if column == COL_RECEIVED:
            return _("Tiếp nhận: {when}").format(when=_full(row.received_at))
        if column in (COL_APPLICANT, COL_PROCEDURE, COL_STATUS):
            return DossierTableModel._display(row, column)
        return None

    def _apology_icon(self) -> QIcon:
        if self._icon is None:
            self._icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._icon

    def row_at(self, row: int) -> DossierRow | None:
        """The DTO shown on `row`, if loaded."""
        return self._rows[row] if 0 <= row < len(self._rows) else None


class DossierListPage(QWidget):
    """Alert banner, search box, filters and table; searching and filtering run in SQL."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.banner = AlertBanner()
        self.search = QLineEdit(
            placeholderText=_("Tìm theo mã hồ sơ, tên (gõ không dấu được), số CCCD, điện thoại…")
        )
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()
        self.filters = ListFilters()
        self.model = DossierTableModel(ctx)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate(COLUMN_WIDTHS):
            self.table.setColumnWidth(column, width)
        # The procedure name takes whatever width is left, so no horizontal scrolling at 1200 px.
        header.setSectionResizeMode(COL_PROCEDURE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.filters.changed.connect(self.refresh)
        self.banner.picked.connect(self.show_due)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self.model.refresh_time_left)
        self._alerts = QTimer(self, interval=ALERT_MS)
        self._alerts.timeout.connect(self.refresh_alerts)
        self._shown_before = False
        self._choices_loaded = False

    def showEvent(self, event: QShowEvent) -> None:
        # Coming back to the page reloads it: new intakes, returned results and appointments moved by a
        # calendar change all show up, and the time left is as of now. The first showing is loaded by
        # the main window.
        super().showEvent(event)
        if not event.spontaneous():
            if self._shown_before:
                self.refresh()
            self._shown_before = True
        self._tick.start()
        self._alerts.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._tick.stop()
        self._alerts.stop()

    def refresh(self) -> None:
        """Reload the list, the match count and the alert banner for the current search and filters."""
        self._debounce.stop()
        if not self._choices_loaded:
            self._load_choices()
        flt = self.filters.current(self.search.text())
        self.model.set_filter(flt)
        db, clock = self._ctx.db, self._ctx.clock

        def total() -> int:
            with db.read() as session:
                return dossier_query.count(session, flt, now_utc=clock.now_utc())

        self._ctx.runner.run_db(
            total,
            lambda n: self.count_label.setText(_n("{n} hồ sơ", n).format(n=group_thousands(n))),
            lambda exc: show_error(self, exc),
        )
        self.refresh_alerts()

    def refresh_alerts(self) -> None:
        """Recount the dossiers due today and late, for the banner."""
        db, clock = self._ctx.db, self._ctx.clock

        def counts() -> AlertCounts:
            with db.read() as session:
                return dossier_query.alert_counts(session, clock.now_utc())

        self._ctx.runner.run_db(counts, self.banner.show_counts, lambda exc: show_error(self, exc))

    def show_due(self, kind: str) -> None:
        """The banner's click: only the dossiers due today (or late), soonest appointment first."""
        due: DueKind = "overdue" if kind == "overdue" else "today"
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.filters.set_due(due)  # emits changed → refresh

    def show_filter(self, flt: DossierFilter, title: str) -> None:
        """Show exactly the dossiers of `flt` (a figure clicked on the supervisor's dashboard), named `title`."""
        self.search.blockSignals(True)
        self.search.setText(flt.text)
        self.search.blockSignals(False)
        self.filters.set_preset(flt, title)  # emits changed → refresh

    def _load_choices(self) -> None:
        db = self._ctx.db

        def load() -> FilterChoices:
            with db.read() as session:
                return dossier_query.filter_choices(session)

        def done(choices: FilterChoices) -> None:
            self._choices_loaded = True
            self.filters.set_choices(choices)

        self._ctx.runner.run_db(load, done, lambda exc: show_error(self, exc))
