"""Nhật ký kiểm toán: the audit trail, read-only, for supervisors and admins (issue 9 point 4).

The chain's status on top, filters (dates, user, action), one page of rows at a time, "Xuất tệp…" to
.xlsx/.csv (the export is itself audited). A clerk sees a refusal instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from counter_app.clock import utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _, _n, _p
from counter_app.services import audit_trail
from counter_app.storage.models import AuditEntry, User
from ui.context import AppContext
from ui.errors import show_error
from ui.notify import notify_success
from ui.progress import ProgressJob

ROLES = ("supervisor", "admin")
REFUSAL = N_("Chỉ lãnh đạo (vai trò giám sát) và quản trị viên được xem nhật ký kiểm toán.")
# The column titles; "Đối tượng" (what an entry is about) has a context: the queue uses the word otherwise.
HEADERS = (N_("Số"), N_("Thời gian"), N_("Người thực hiện"), N_("Thao tác"), "entity", N_("Chi tiết"))
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Choices:
    """What the filters offer and the chain's status, read on the database worker."""

    users: list[tuple[str, str]]  # (username, full name)
    actions: list[str]
    intact: bool
    status: str


@dataclass(frozen=True)
class Page:
    """One page of rows for a filter and offset, with the filter's total."""

    offset: int
    total: int
    rows: list[audit_trail.AuditRow]


class AuditModel(QAbstractTableModel):
    """One page of audit rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[audit_trail.AuditRow] = []

    def set_rows(self, rows: list[audit_trail.AuditRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        values = (
            str(row.id),
            f"{row.at_local:%d/%m/%Y %H:%M}",
            row.user_name,
            row.action_label,
            row.entity,
            row.detail,
        )
        return values[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _p("audit", "Đối tượng") if HEADERS[section] == "entity" else _(HEADERS[section])
        return None


class AuditTab(QWidget):
    """The audit trail behind the role check."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.offset = 0
        self.total = 0
        self._loads = 0  # the newest page request; an older answer arriving late is dropped
        self.chain = QLabel()
        self.chain.setObjectName("auditChain")
        self.chain.setWordWrap(True)
        today = utc_to_local(ctx.clock.now_utc()).date()
        self.date_from = QDateEdit(_qdate(today - timedelta(days=30)))
        self.date_to = QDateEdit(_qdate(today))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.user = QComboBox()
        self.action = QComboBox()
        self.show_button = QPushButton(_("Xem"))
        self.prev_button = QPushButton(_("‹ Trang trước"))
        self.next_button = QPushButton(_("Trang sau ›"))
        self.export_button = QPushButton(_("Xuất tệp…"))
        self.page_label = QLabel()
        self.page_label.setMinimumWidth(220)
        self.model = AuditModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        filters = QHBoxLayout()
        for label, widget in (
            (_("Từ ngày"), self.date_from),
            (_("đến"), self.date_to),
            (_("Người thực hiện"), self.user),
            (_("Thao tác"), self.action),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.show_button)
        filters.addStretch(1)
        filters.addWidget(self.export_button)
        paging = QHBoxLayout()
        paging.addWidget(self.prev_button)
        paging.addWidget(self.next_button)
        paging.addWidget(self.page_label)
        paging.addStretch(1)
        self.refusal = QLabel(_(REFUSAL))
        self.refusal.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.refusal)
        layout.addWidget(self.chain)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(paging)
        self.show_button.clicked.connect(self._first_page)
        self.prev_button.clicked.connect(lambda: self._move(-audit_trail.PAGE_SIZE))
        self.next_button.clicked.connect(lambda: self._move(audit_trail.PAGE_SIZE))
        self.export_button.clicked.connect(self.export_dialog)

    @property
    def allowed(self) -> bool:
        return self._ctx.role in ROLES

    def current_filter(self) -> audit_trail.AuditFilter:
        return audit_trail.AuditFilter(
            self.date_from.date().toPython(),  # type: ignore[arg-type]
            self.date_to.date().toPython(),  # type: ignore[arg-type]
            self.user.currentData() or None,
            self.action.currentData() or None,
        )

    def refresh(self) -> None:
        """Check the role, refill the choices, show the chain status and the current page."""
        allowed = self.allowed
        self.refusal.setVisible(not allowed)
        for widget in (self.chain, self.table, self.export_button, self.show_button):
            widget.setEnabled(allowed)
        if not allowed:
            self._loads += 1  # a page still on its way is not shown any more
            self.model.set_rows([])
            self.chain.setText("")
            return
        db = self._ctx.db

        def read() -> Choices:
            with db.read() as session:
                users = [
                    (str(u), str(n))
                    for u, n in session.execute(
                        select(User.username, User.full_name).order_by(User.full_name)
                    )
                ]
                actions = sorted(session.scalars(select(AuditEntry.action).distinct()))
                intact, status = audit_trail.chain_status(session)
            return Choices(users, actions, intact, status)

        self._ctx.runner.run_db(read, self._on_choices, self._on_failed)

    def _on_choices(self, choices: Choices) -> None:
        _fill(self.user, _("(tất cả)"), [(u, f"{n} ({u})") for u, n in choices.users])
        _fill(self.action, _("(tất cả)"), [(a, audit_trail.action_label(a)) for a in choices.actions])
        colour = "#1b5e20" if choices.intact else "#b71c1c"
        self.chain.setText(f"<b style='color:{colour}'>{choices.status}</b>")
        self._load()

    def _first_page(self) -> None:
        self.offset = 0
        self._load()

    def _move(self, delta: int) -> None:
        self.offset = max(0, min(self.offset + delta, max(self.total - 1, 0)))
        self._load()

    def _load(self) -> None:
        """Ask the database worker for the page at `offset`; `_on_page` shows it."""
        if not self.allowed:
            return
        flt, offset, db = self.current_filter(), self.offset, self._ctx.db
        self._loads += 1
        ticket = self._loads

        def read() -> Page:
            with db.read() as session:
                return Page(
                    offset, audit_trail.count(session, flt), audit_trail.page(session, flt, offset=offset)
                )

        self._ctx.runner.run_db(read, lambda page: self._on_page(ticket, page), self._on_failed)

    def _on_failed(self, error: BaseException) -> None:
        show_error(self, error)

    def _on_page(self, ticket: int, page: Page) -> None:
        if ticket != self._loads:
            return  # the filter or the page changed since this was asked for
        self.offset, self.total, rows = page.offset, page.total, page.rows
        self.model.set_rows(rows)
        last = self.offset + len(rows)
        self.page_label.setText(
            _("Dòng {first}–{last} / {total}").format(
                first=self.offset + 1 if rows else 0, last=last, total=self.total
            )
        )
        self.prev_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(last < self.total)

    def export_dialog(self) -> None:
        path, _chosen = QFileDialog.getSaveFileName(
            self, _("Xuất nhật ký kiểm toán"), "nhat-ky-kiem-toan.xlsx", "Excel (*.xlsx);;CSV (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> int | None:
        """Export the current filter's rows on the database worker; a message on refusal or failure.

        Returns the row count if the export is already done when this returns (always with a
        synchronous runner); otherwise None, and the list refreshes when it is done.
        """
        if not self.allowed:
            QMessageBox.warning(self, _("Nhật ký kiểm toán"), _(REFUSAL))
            return None
        ctx, flt = self._ctx, self.current_filter()
        done: list[int] = []

        def finished(n: int) -> None:
            done.append(n)
            notify_success(self, _n("Đã xuất {n} dòng nhật ký vào {path}.", n).format(n=n, path=path))
            self.refresh()

        def failed(error: BaseException) -> None:
            if isinstance(error, UserFacingError):
                QMessageBox.warning(self, _("Nhật ký kiểm toán"), error.message)
            else:
                show_error(self, error)

        # A long export shows its progress with "Huỷ"; a cancelled one leaves no file (ui/progress.py).
        label = _("Đang ghi {name}…").format(name=path.name)
        self.export_job = ProgressJob(self, ctx.runner, _("Xuất nhật ký kiểm toán"), label)
        self.export_job.start(
            lambda control: audit_trail.export(ctx.db, ctx.clock, path, flt, ctx.user_id, control),
            finished,
            failed,
        )
        return done[0] if done else None


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _fill(box: QComboBox, everything: str, items: list[tuple[str, str]]) -> None:
    chosen = box.currentData()
    box.blockSignals(True)
    box.clear()
    box.addItem(everything, "")
    for data, text in items:
        box.addItem(text, data)
    index = box.findData(chosen) if chosen else 0
    box.setCurrentIndex(max(index, 0))
    box.blockSignals(False)
