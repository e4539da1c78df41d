"""The "Cơ quan" tab of the admin page: change what the first-run wizard set (header, hours, printers)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _
from counter_app.services import first_run
from counter_app.services.counter_setup import CounterIdentity
from counter_app.services.first_run import AgencyAnswers, CounterSettings, HoursAnswers, PrinterAnswers
from ui import printers as system_printers
from ui.context import AppContext
from ui.errors import show_error
from ui.printers import PrinterFactory, PrinterList, default_printer_label, print_test_page
from ui.signin import ERROR_STYLE, error_label, set_message

HINT_STYLE = "color: #555;"
FIELDS = (
    "agency_code",
    "agency_name",
    "parent_name",
    "place_name",
    "working_hours",
    "saturday_hours",
    "receipt_printer",
    "ticket_printer",
)


def select_printer(combo: QComboBox, name: str) -> None:
    """Select the stored printer `name`; one no longer installed stays listed, marked as missing."""
    index = combo.findData(name)
    if index < 0:
        combo.addItem(_("{name} (không thấy trên máy này)").format(name=name), name)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


class AgencyTab(QWidget):
    """Agency identity, working hours and printers; administrators edit and save (Ctrl+S), others read."""

    sig_identity_changed = Signal(object)  # CounterIdentity

    def __init__(
        self,
        ctx: AppContext,
        *,
        printers: PrinterList | None = None,
        make: PrinterFactory | None = None,
    ) -> None:
        super().__init__()
        self._ctx, self._make = ctx, make or system_printers.make_printer
        self.editable = ctx.role == "admin"
        self.edits: dict[str, QLineEdit] = {
            name: QLineEdit(maxLength=200) for name in FIELDS if not name.endswith("printer")
        }
        names = (printers or system_printers.available_printers)()
        self.receipt_combo, self.ticket_combo = self._combo(names), self._combo(names)
        self.field_errors = {name: error_label() for name in FIELDS}
        self.receipt_test = QPushButton(_("In thử"))
        self.ticket_test = QPushButton(_("In thử"))
        form = QFormLayout()
        rows: tuple[tuple[str, str, QWidget, QWidget | None, str], ...] = (
            ("agency_code", _("&Mã định danh cơ quan:"), self.edits["agency_code"], None, ""),
            ("agency_name", _("&Tên cơ quan tiếp nhận:"), self.edits["agency_name"], None, ""),
            ("parent_name", _("Cơ quan &chủ quản:"), self.edits["parent_name"], None, ""),
            ("place_name", _("Địa &danh:"), self.edits["place_name"], None, ""),
            (
                "working_hours",
                _("Giờ làm việc thứ &Hai – thứ Sáu:"),
                self.edits["working_hours"],
                None,
                _(
                    "Dạng 07:00-11:30,13:30-17:00. Giờ mới áp dụng cho hồ sơ nhận từ nay; ngày hẹn đã cho giữ nguyên."
                ),
            ),
            (
                "saturday_hours",
                _("Giờ làm việc thứ &Bảy:"),
                self.edits["saturday_hours"],
                None,
                _("Để trống: thứ Bảy nghỉ."),
            ),
            ("receipt_printer", _("Máy in &giấy tiếp nhận:"), self.receipt_combo, self.receipt_test, ""),
            ("ticket_printer", _("Máy in &phiếu số thứ tự:"), self.ticket_combo, self.ticket_test, ""),
        )
        for name, caption, widget, extra, hint in rows:
            label = QLabel(caption)
            label.setBuddy(widget)
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            line = QHBoxLayout()
            line.addWidget(widget, 1)
            if extra is not None:
                line.addWidget(extra)
            column.addLayout(line)
            if hint:
                note = QLabel(hint)
                note.setStyleSheet(HINT_STYLE)
                note.setWordWrap(True)
                column.addWidget(note)
            column.addWidget(self.field_errors[name])
            form.addRow(label, cell)
        self.db_label = QLabel(str(ctx.db.path))
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_("Cơ sở dữ liệu:"), self.db_label)
        self.save_button = QPushButton(_("&Lưu thay đổi (Ctrl+S)"))
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        if self.editable:
            layout.addLayout(buttons)
        else:
            layout.addWidget(QLabel(_("Chỉ quản trị viên sửa được thông tin này.")))
        layout.addStretch(1)
        for edit in self.edits.values():
            edit.setReadOnly(not self.editable)
        for widget in (self.receipt_combo, self.ticket_combo, self.save_button):
            widget.setEnabled(self.editable)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.receipt_test.clicked.connect(self._on_receipt_test_clicked)
        self.ticket_test.clicked.connect(self._on_ticket_test_clicked)
        shortcut = QShortcut(
            QKeySequence("Ctrl+S"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        shortcut.activated.connect(self._on_save_button_clicked)
        identity = ctx.identity  # shown at once; refresh() adds the printers from the database
        self.show_settings(
            CounterSettings(
                AgencyAnswers(
                    identity.agency_code, identity.agency_name, identity.parent_name, identity.place_name
                ),
                HoursAnswers(identity.working_hours, identity.saturday_hours),
                PrinterAnswers(),
            )
        )

    @staticmethod
    def _combo(names: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(default_printer_label(), "")
        for name in names:
            combo.addItem(name, name)
        return combo

    def show_settings(self, current: CounterSettings) -> None:
        """Put the values in force into the fields."""
        values = {
            "agency_code": current.agency.agency_code,
            "agency_name": current.agency.agency_name,
            "parent_name": current.agency.parent_name,
            "place_name": current.agency.place_name,
            "working_hours": current.hours.working_hours,
            "saturday_hours": current.hours.saturday_hours,
        }
        for name, value in values.items():
            self.edits[name].setText(value)
        select_printer(self.receipt_combo, current.printers.receipt_printer)
        select_printer(self.ticket_combo, current.printers.ticket_printer)

    def entered(self) -> CounterSettings:
        """What the fields say now."""
        text = {name: edit.text() for name, edit in self.edits.items()}
        return CounterSettings(
            AgencyAnswers(text["agency_code"], text["agency_name"], text["parent_name"], text["place_name"]),
            HoursAnswers(text["working_hours"], text["saturday_hours"]),
            PrinterAnswers(self.receipt_combo.currentData() or "", self.ticket_combo.currentData() or ""),
        )

    def refresh(self) -> None:
        """Reload from the database (the admin page calls this when shown)."""
        db = self._ctx.db

        def load() -> CounterSettings:
            with db.read() as session:
                return first_run.load_counter_settings(session)

        self._ctx.runner.run_db(load, self.show_settings, lambda exc: show_error(self, exc))

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field; focus the first wrong one."""
        for name, label in self.field_errors.items():
            set_message(label, errors.get(name, ""))
        others = " ".join(msg for name, msg in errors.items() if name not in self.field_errors)
        self._status(others, error=True)
        first = next((name for name in FIELDS if name in errors and name in self.edits), None)
        if first:
            self.edits[first].setFocus()
            self.edits[first].selectAll()

    def _status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setStyleSheet(ERROR_STYLE if error else "")
        self.status_label.setText(text)

    def _on_save_button_clicked(self) -> None:
        if not self.editable:
            return
        new, db, clock, user_id = self.entered(), self._ctx.db, self._ctx.clock, self._ctx.user_id

        def save() -> CounterIdentity:
            with db.write() as session:
                return first_run.change_counter_settings(session, clock, user_id, new)

        self.show_errors({})
        self._ctx.runner.run_db(save, self._on_saved, self._on_save_error)

    def _on_saved(self, identity: CounterIdentity) -> None:
        self._ctx.identity = identity
        printers = self.entered().printers
        system_printers.remember_choice(printers.receipt_printer, printers.ticket_printer)
        self._status(_("Đã lưu lúc {time}.").format(time=f"{utc_to_local(self._ctx.clock.now_utc()):%H:%M}"))
        self.sig_identity_changed.emit(identity)

    def _on_save_error(self, error: BaseException) -> None:
        if isinstance(error, FieldErrors):
            self.show_errors(error.errors)
        elif isinstance(error, UserFacingError):
            self._status(error.message, error=True)
        else:
            show_error(self, error)

    def print_test(self, which: str) -> str:
        """Print the test page on the printer chosen for `which` ("receipt" or "ticket"); the outcome."""
        printers = self.entered().printers
        name, purpose = (
            (printers.receipt_printer, _("Giấy tiếp nhận hồ sơ (Mẫu 01)"))
            if which == "receipt"
            else (printers.ticket_printer, _("Phiếu số thứ tự"))
        )
        try:
            outcome = print_test_page(
                name,
                purpose,
                self._ctx.identity.agency_name,
                utc_to_local(self._ctx.clock.now_utc()),
                self._make,
            )
        except UserFacingError as exc:
            self._status(exc.message, error=True)
            return exc.message
        self._status(outcome)
        return outcome

    def _on_receipt_test_clicked(self) -> None:
        self.print_test("receipt")

    def _on_ticket_test_clicked(self) -> None:
        self.print_test("ticket")
