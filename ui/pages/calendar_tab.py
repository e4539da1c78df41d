"""The "Lịch làm việc" tab of Quản trị: the days in force, a late-announced change with its preview, history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.deadlines import DayKind, DayOverride, WorkingCalendar, format_instant
from counter_app.deadlines.display import weekday_name
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _, _n
from counter_app.services import calendar_admin, users
from counter_app.services.calendar_admin import CalendarChangeDTO, MovedDossier
from ui.context import AppContext
from ui.errors import show_error
from ui.table_model import RowsModel

Index = QModelIndex | QPersistentModelIndex
EDIT_ROLES = ("supervisor", "admin")
KINDS: tuple[tuple[str, str | None], ...] = (
    (N_("Ngày nghỉ"), DayKind.OFF.value),
    (N_("Ngày làm việc (làm bù)"), DayKind.WORK.value),
    (N_("Bỏ ngày của quản trị (về lịch chung)"), None),
)
_KIND_WORDS = {"off": N_("nghỉ"), "work": N_("làm việc"), None: N_("lịch chung")}
CLI_NAME = N_("Dòng lệnh (counter-admin)")
ERROR_STYLE = "color: #b71c1c;"


def day_text(day: date) -> str:
    """ "Thứ Sáu, 13/03/2026"."""
    return f"{weekday_name(day)}, {day:%d/%m/%Y}"


def _to_date(qdate: QDate) -> date:
    return date(qdate.year(), qdate.month(), qdate.day())


def _moment(value: datetime | None) -> str:
    return format_instant(value) if value else "—"


@dataclass(frozen=True)
class CalendarSnapshot:
    """What the tab shows, read in one transaction: calendar in force, admin days, history, user names."""

    calendar: WorkingCalendar
    admin_days: dict[date, DayOverride]
    history: list[CalendarChangeDTO]
    user_names: dict[str, str]


def load_snapshot(ctx: AppContext) -> CalendarSnapshot:
    """Read the counter's calendar state (runs on the database worker)."""
    with ctx.db.read() as session:
        return CalendarSnapshot(
            calendar_admin.counter_calendar(session),
            {d.day: d for d in calendar_admin.admin_days(session)},
            calendar_admin.history(session),
            {u.id: u.full_name for u in users.list_users(session)},
        )


def _day_cells(entry: DayOverride) -> tuple[str, ...]:
    weekend = entry.day.weekday() >= 5
    kind = _("Nghỉ") if entry.kind is DayKind.OFF else _("Làm bù") if weekend else _("Làm việc")
    source = _("Quản trị thêm") if entry.source == "admin" else _("Có sẵn")
    return (day_text(entry.day), kind, entry.name, entry.legal_ref, source)


def _day_style(entry: DayOverride, column: int) -> tuple[str | None, bool]:
    colour = None
    if column == 1:
        colour = "#b71c1c" if entry.kind is DayKind.OFF else "#1b5e20"
    return colour, entry.source == "admin"


def _moved_cells(item: MovedDossier) -> tuple[str, ...]:
    return (
        item.code,
        item.applicant_name,
        item.procedure_name,
        _moment(item.old),
        _moment(item.new),
        _moment(item.printed),
    )


def _moved_style(_item: MovedDossier, column: int) -> tuple[str | None, bool]:
    return ("#0d47a1", True) if column == 4 else (None, False)


class CalendarTab(QWidget):
    """Supervisors and admins change a day (with preview and confirmation); everyone else can only look."""

    sig_calendar_changed = Signal(int)  # number of open dossiers whose appointment moved

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self._snapshot: CalendarSnapshot | None = None
        self._preview_key: tuple[date, str | None] | None = None

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.year = QSpinBox(prefix=_("Năm "), minimum=2000, maximum=2100)
        self.year.setValue(utc_to_local(ctx.clock.now_utc()).year)
        self.year.valueChanged.connect(self._on_year_value_changed)
        self.days_model = RowsModel(
            (_("Ngày"), _("Loại"), _("Tên ngày"), _("Căn cứ"), _("Nguồn")), _day_cells, _day_style
        )
        self.days_view = self._table(self.days_model, (160, 60, 160, 126, 92), stretch=2)
        self.days_view.clicked.connect(self._on_days_view_clicked)

        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.date_edit.setDate(QDate(utc_to_local(ctx.clock.now_utc()).date()))
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self.day_state = QLabel()
        self.day_state.setWordWrap(True)
        self.kind = QComboBox()
        for label, value in KINDS:
            self.kind.addItem(_(label), value)
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.name_edit = QLineEdit(placeholderText=_("Ví dụ: Nghỉ do bão số 3"))
        self.reason_edit = QLineEdit(placeholderText=_("Số thông báo, công điện, văn bản…"))
        self.errors = {key: self._error_label() for key in ("day", "kind", "name", "reason")}
        self.preview_button = QPushButton(_("Xem trước"))
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.apply_button = QPushButton(_("Áp dụng…"))
        self.apply_button.clicked.connect(self._on_apply_button_clicked)
        self.message = QLabel()
        self.message.setWordWrap(True)

        form_box = QGroupBox(_("Thêm hoặc đổi một ngày"))
        form = QFormLayout(form_box)
        form.addRow(_("Ngày:"), self.date_edit)
        form.addRow("", self.day_state)
        form.addRow("", self.errors["day"])
        form.addRow(_("Loại:"), self.kind)
        form.addRow("", self.errors["kind"])
        form.addRow(_("Tên ngày:"), self.name_edit)
        form.addRow("", self.errors["name"])
        form.addRow(_("Căn cứ:"), self.reason_edit)
        form.addRow("", self.errors["reason"])
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        form.addRow(self.message)
        form_box.setFixedWidth(350)

        self.preview_summary = QLabel(_("Bấm “Xem trước” để thấy các hồ sơ đang giải quyết bị dời ngày hẹn."))
        self.preview_summary.setWordWrap(True)
        self.moved_model = RowsModel(
            (_("Mã hồ sơ"), _("Người nộp"), _("Thủ tục"), _("Hẹn cũ"), _("Hẹn mới"), _("Giấy hẹn đã in")),
            _moved_cells,
            _moved_style,
        )
        self.moved_view = self._table(self.moved_model, (195, 160, 220, 150, 150, 150), stretch=2)
        moved_page = QWidget()
        moved_layout = QVBoxLayout(moved_page)
        moved_layout.addWidget(self.preview_summary)
        moved_layout.addWidget(self.moved_view, 1)
        self.history_model = RowsModel(
            (
                _("Thời điểm"),
                _("Người thay đổi"),
                _("Ngày"),
                _("Thay đổi"),
                _("Tên ngày"),
                _("Căn cứ"),
                _("Hồ sơ dời hẹn"),
            ),
            self._history_cells,
        )
        self.history_view = self._table(self.history_model, (125, 170, 165, 150, 180, 160, 100), stretch=4)
        self.lower_tabs = QTabWidget()
        self.lower_tabs.addTab(moved_page, _("Hồ sơ bị dời hẹn"))
        self.lower_tabs.addTab(self.history_view, _("Lịch sử thay đổi"))

        top = QWidget()
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        year_row = QHBoxLayout()
        year_row.addWidget(QLabel(_("Các ngày nghỉ, ngày làm bù đang áp dụng:")))
        year_row.addStretch(1)
        year_row.addWidget(self.year)
        left.addLayout(year_row)
        left.addWidget(self.days_view, 1)
        top_layout.addLayout(left, 1)
        top_layout.addWidget(form_box)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.lower_tabs)
        splitter.setSizes([380, 260])
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)
        self._update_permissions()
        self._on_kind_current_index_changed(0)

    # --- building blocks ------------------------------------------------------------------------------
    @staticmethod
    def _table(model: RowsModel, widths: Sequence[int], *, stretch: int) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.verticalHeader().setVisible(False)
        for column, width in enumerate(widths):
            view.setColumnWidth(column, width)
        view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return view

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    def _history_cells(self, change: CalendarChangeDTO) -> tuple[str, ...]:
        names = self._snapshot.user_names if self._snapshot else {}
        who = names.get(change.changed_by, change.changed_by) if change.changed_by else _(CLI_NAME)
        return (
            utc_to_local(change.changed_at).strftime("%d/%m/%Y %H:%M"),
            who,
            day_text(change.day),
            f"{_(_KIND_WORDS.get(change.old_kind, '?'))} → {_(_KIND_WORDS.get(change.new_kind, '?'))}",
            change.name,
            change.reason,
            str(change.dossiers_moved),
        )

    # --- state ----------------------------------------------------------------------------------------
    def can_edit(self) -> bool:
        """Only a signed-in supervisor or admin may change the calendar."""
        return self._ctx.user_id is not None and self._ctx.role in EDIT_ROLES

    def _update_permissions(self) -> None:
        editable = self.can_edit()
        self.apply_button.setEnabled(editable)
        self.name_edit.setReadOnly(not editable)
        self.reason_edit.setReadOnly(not editable)
        if editable:
            self.note.setText(
                _(
                    "Ngày nghỉ công bố muộn: chọn ngày, bấm “Xem trước” để thấy hồ sơ nào bị dời ngày hẹn, rồi "
                    "“Áp dụng”. Mọi thay đổi được ghi lại: ai, lúc nào, bao nhiêu hồ sơ dời hẹn."
                )
            )
            self.note.setStyleSheet("")
            return
        who = (
            _("Bạn đang làm việc với vai trò {role}").format(
                role=_(users.ROLE_LABELS.get(self._ctx.role, self._ctx.role))
            )
            if self._ctx.user_id
            else _("Bạn chưa đăng nhập")
        )
        self.note.setText(
            _(
                "Chỉ xem: {who}. Chỉ người dùng có vai trò giám sát hoặc quản trị được thay đổi lịch làm "
                "việc; bạn vẫn có thể “Xem trước” hồ sơ nào sẽ bị dời hẹn."
            ).format(who=who)
        )
        self.note.setStyleSheet("color: #7a4b00; background: #fff4d6; padding: 6px;")

    def refresh(self) -> None:
        """Reload the calendar, the admin's days and the history."""
        self._update_permissions()
        self._ctx.runner.run_db(lambda: load_snapshot(self._ctx), self._set_snapshot, self._on_failed)

    def _set_snapshot(self, snapshot: CalendarSnapshot) -> None:
        self._snapshot = snapshot
        self._show_year()
        self.history_model.set_rows(snapshot.history)
        self._on_date_edit_date_changed(self.date_edit.date())

    def _show_year(self) -> None:
        if self._snapshot is not None:
            self.days_model.set_rows(self._snapshot.calendar.entries(self.year.value()))

    def _day(self) -> date:
        return _to_date(self.date_edit.date())

    def _kind(self) -> str | None:
        value = self.kind.currentData()
        return str(value) if value else None

    def _clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        self.message.clear()

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, text in errors.items():
            label = self.errors.get(key)
            if label is None:
                self._show_message(text, error=True)
            else:
                label.setText(text)
                label.show()

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "color: #1b5e20;")

    def _check_form(self, *, full: bool) -> bool:
        """Field messages for what cannot work; `full` also checks the name and the legal reference."""
        self._clear_errors()
        day, kind = self._day(), self._kind()
        errors: dict[str, str] = {}
        if full:
            try:
                calendar_admin.validate_day_change(day, kind, self.name_edit.text(), self.reason_edit.text())
            except FieldErrors as exc:
                errors.update(exc.errors)
        if kind is None and self._snapshot is not None and day not in self._snapshot.admin_days:
            errors["day"] = _("Ngày này không có mục do quản trị đặt nên không có gì để bỏ.")
        self._show_errors(errors)
        return not errors

    # --- slots ----------------------------------------------------------------------------------------
    def _on_year_value_changed(self, _year: int) -> None:
        self._show_year()

    def _on_days_view_clicked(self, index: QModelIndex) -> None:
        entry = self.days_model.row_at(index.row())
        if not isinstance(entry, DayOverride):
            return
        self.date_edit.setDate(QDate(entry.day))
        self.kind.setCurrentIndex(0 if entry.kind is DayKind.OFF else 1)
        self.name_edit.setText(entry.name)
        self.reason_edit.setText(entry.legal_ref)

    def _on_date_edit_date_changed(self, qdate: QDate) -> None:
        if self._snapshot is None:
            return
        day = _to_date(qdate)
        if day.year != self.year.value():
            self.year.setValue(day.year)
        calendar = self._snapshot.calendar
        entry = calendar.entry(day)
        working = calendar.is_working_day(day)
        if entry is not None:
            state = (_("ngày làm việc: {name}") if working else _("ngày nghỉ: {name}")).format(
                name=entry.name
            )
            if entry.source == "admin":
                state += _(" (quản trị đã đặt)")
        else:
            state = _("ngày làm việc bình thường") if working else _("ngày nghỉ cuối tuần")
        self.day_state.setText(_("Hiện tại: {day} là {state}.").format(day=day_text(day), state=state))

    def _on_kind_current_index_changed(self, _index: int) -> None:
        removing = self._kind() is None
        self.name_edit.setEnabled(not removing)
        if removing:
            self.name_edit.clear()

    def _on_preview_button_clicked(self) -> None:
        if not self._check_form(full=False):
            return
        day, kind, name = self._day(), self._kind(), self.name_edit.text()

        def preview() -> list[MovedDossier]:
            with self._ctx.db.read() as session:
                return calendar_admin.preview_day_change(session, day, kind, name)

        self._ctx.runner.run_db(preview, lambda moved: self._show_moved(moved, saved=False), self._on_failed)

    def _show_moved(self, moved: list[MovedDossier], *, saved: bool) -> None:
        self.moved_model.set_rows(moved)
        self.lower_tabs.setCurrentIndex(0)
        if saved:
            text = _n("Đã lưu. {n} hồ sơ đang giải quyết đã được dời ngày hẹn", len(moved)).format(
                n=len(moved)
            )
        else:
            text = _n(
                "Xem trước (chưa lưu): {n} hồ sơ đang giải quyết sẽ bị dời ngày hẹn", len(moved)
            ).format(n=len(moved))
        if not moved:
            text = (
                _("Đã lưu. không hồ sơ nào bị dời ngày hẹn.")
                if saved
                else _("Xem trước (chưa lưu): không hồ sơ nào bị dời ngày hẹn.")
            )
        elif any(m.printed and m.printed != m.new for m in moved):
            text += _("; cột “Giấy hẹn đã in” là ngày công dân đang giữ: hãy báo ngày hẹn mới.")
        else:
            text += "."
        self.preview_summary.setText(text)

    def _on_apply_button_clicked(self) -> None:
        if not self.can_edit():
            self._show_message(_("Chỉ giám sát hoặc quản trị được thay đổi lịch làm việc."), error=True)
            return
        if not self._check_form(full=True):
            return
        day, kind = self._day(), self._kind()
        name, reason, user_id = self.name_edit.text(), self.reason_edit.text(), self._ctx.user_id

        def preview() -> list[MovedDossier]:
            with self._ctx.db.read() as session:
                return calendar_admin.preview_day_change(session, day, kind, name)

        def confirm_and_apply(moved: list[MovedDossier]) -> None:
            self._show_moved(moved, saved=False)
            change = (
                _("thành ngày {kind}").format(kind=_(_KIND_WORDS[kind]))
                if kind
                else _("về lịch chung (bỏ ngày của quản trị)")
            )
            question = (
                _("Đặt {day} {change}?").format(day=day_text(day), change=change)
                + "\n"
                + _n(
                    "{n} hồ sơ đang giải quyết sẽ được dời ngày hẹn; ngày hẹn đã in vẫn được giữ để đối chiếu.",
                    len(moved),
                ).format(n=len(moved))
            )
            if not self._confirm(question):
                return

            def apply() -> list[MovedDossier]:
                with self._ctx.db.write() as session:
                    return calendar_admin.apply_day_change(
                        session,
                        self._ctx.clock,
                        day=day,
                        kind=kind,
                        name=name,
                        reason=reason,
                        user_id=user_id,
                    )

            self._ctx.runner.run_db(apply, self._on_applied, self._on_failed)

        self._ctx.runner.run_db(preview, confirm_and_apply, self._on_failed)

    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, _("Áp dụng thay đổi lịch làm việc"), question)
        return answer == QMessageBox.StandardButton.Yes

    def _on_applied(self, moved: list[MovedDossier]) -> None:
        self._show_moved(moved, saved=True)
        self._show_message(_("Đã lưu thay đổi lịch ngày {day}.").format(day=f"{self._day():%d/%m/%Y}"))
        self.refresh()
        self.sig_calendar_changed.emit(len(moved))

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, FieldErrors):
            self._show_errors(error.errors)
        elif isinstance(error, UserFacingError):
            self._show_message(error.message, error=True)
        else:
            show_error(self, error)
