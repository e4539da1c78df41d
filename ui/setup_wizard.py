"""First-run setup wizard: agency, working hours, printers, administrator, central server, then one save.

Shown when the data directory has no counter database. Each page checks its fields with the core's
rules when the admin presses Enter or "Tiếp theo" and puts the Vietnamese message under the field;
nothing is written until "Hoàn tất", which hands every answer to `services.first_run.apply_first_run`
(one transaction, one rename). Cancelling leaves the data directory as it was.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from counter_app import i18n
from counter_app.clock import Clock, SystemClock, utc_to_local
from counter_app.deadlines.hours import parse_periods
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _, _n
from counter_app.services import first_run
from counter_app.services.first_run import (
    AdminAnswers,
    AgencyAnswers,
    Enrol,
    FirstRunAnswers,
    FirstRunResult,
    HoursAnswers,
    PrinterAnswers,
    ServerAnswers,
)
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy
from ui import printers as system_printers
from ui.errors import show_error
from ui.language import apply_language
from ui.printers import PrinterFactory, PrinterList, default_printer_label, print_test_page
from ui.signin import ERROR_STYLE, error_label, password_edit, set_message
from ui.tasks import TaskRunner

PAGE_AGENCY, PAGE_HOURS, PAGE_PRINTERS, PAGE_ADMIN, PAGE_SERVER, PAGE_SUMMARY = range(6)
HINT_STYLE = "color: #555;"
LABEL_WIDTH = 190
# The enrolment's field names → the wizard's.
_ENROL_FIELDS = {"server_url": "server_url", "code": "enrol_code", "ca_bundle": "server_url"}


def hint_label(text: str) -> QLabel:
    """A grey, word-wrapped explanation under a field."""
    label = QLabel(text)
    label.setStyleSheet(HINT_STYLE)
    label.setWordWrap(True)
    return label


def describe_hours(weekday: str, saturday: str) -> str:
    """'Thứ Hai – thứ Sáu: 07:00–11:30, 13:30–17:00; thứ Bảy: nghỉ' (the text must already be valid)."""

    def spans(text: str) -> str:
        return ", ".join(f"{p.start:%H:%M}–{p.end:%H:%M}" for p in parse_periods(text)) or _("nghỉ")

    return _("Thứ Hai – thứ Sáu: {weekday}; thứ Bảy: {saturday}; Chủ nhật và ngày lễ: nghỉ.").format(
        weekday=spans(weekday), saturday=spans(saturday)
    )


def _inputs_of(page: FieldPage) -> dict[str, tuple[str, bool] | int]:
    """What the admin entered on a page: a line edit's text (and whether it was typed), a list's choice."""
    found: dict[str, tuple[str, bool] | int] = {}
    for name, widget in page.edits.items():
        if isinstance(widget, QLineEdit):
            found[name] = (widget.text(), widget.isModified())
        elif isinstance(widget, QComboBox) and name != "language":
            found[name] = widget.currentIndex()
    return found


def _restore_inputs(page: FieldPage, inputs: dict[str, tuple[str, bool] | int]) -> None:
    for name, value in inputs.items():
        widget = page.edits[name]
        if isinstance(widget, QLineEdit) and isinstance(value, tuple):
            widget.setText(value[0])
            widget.setModified(value[1])
        elif isinstance(widget, QComboBox) and isinstance(value, int):
            widget.setCurrentIndex(value)


class FieldPage(QWizardPage):
    """A page of labelled fields, each with an optional hint and a red message line under it."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setVerticalSpacing(10)
        self.form.setHorizontalSpacing(14)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QWidget] = {}
        self.field_errors: dict[str, QLabel] = {}
        self.page_layout = QVBoxLayout(self)
        self.page_layout.addLayout(self.form)
        self.message_label = error_label()

    def add_field(
        self, name: str, caption: str, widget: QWidget, hint: str = "", extra: QWidget | None = None
    ) -> None:
        """A row: caption (Alt+letter focuses the field), the field (and `extra` beside it), hint, message."""
        label = QLabel(caption)
        label.setBuddy(widget)
        label.setMinimumWidth(LABEL_WIDTH)  # the same column on every page: fields do not jump
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        if extra is None:
            column.addWidget(widget)
        else:
            line = QHBoxLayout()
            line.addWidget(widget, 1)
            line.addWidget(extra)
            column.addLayout(line)
        if hint:
            column.addWidget(hint_label(hint))
        self.field_errors[name] = error_label()
        column.addWidget(self.field_errors[name])
        self.form.addRow(label, cell)
        self.edits[name] = widget

    def finish_layout(self) -> None:
        """The page-wide message line, then the free space at the bottom."""
        self.page_layout.addWidget(self.message_label)
        self.page_layout.addStretch(1)

    def text(self, name: str) -> str:
        """The text of field `name` (a line edit)."""
        widget = self.edits[name]
        assert isinstance(widget, QLineEdit)
        return widget.text()

    def owns(self, field: str) -> bool:
        """True when `field` is one of this page's fields."""
        return field in self.field_errors

    def show_errors(self, errors: dict[str, str]) -> None:
        """Each message under its field (the others cleared); focus the first wrong field."""
        for name, label in self.field_errors.items():
            set_message(label, errors.get(name, ""))
        others = [message for name, message in errors.items() if name not in self.field_errors]
        set_message(self.message_label, " ".join(others))
        first = next((name for name in self.edits if name in errors), None)
        if first:
            widget = self.edits[first]
            widget.setFocus()
            if isinstance(widget, QLineEdit):
                widget.selectAll()

    def check(self) -> dict[str, str]:
        """This page's messages by field; {} when the page may be left."""
        return {}

    def validatePage(self) -> bool:
        errors = self.check()
        self.show_errors(errors)
        return not errors

    def initializePage(self) -> None:
        if self.edits:
            next(iter(self.edits.values())).setFocus()


class AgencyPage(FieldPage):
    """Page 1: the agency identifier code and the names printed on the form header."""

    def __init__(self) -> None:
        super().__init__(
            _("Bước 1/6 — Cơ quan tiếp nhận"),
            _(
                "Máy này chưa có dữ liệu của quầy. Phần mềm chỉ lưu khi bấm Hoàn tất ở bước cuối; "
                "mọi thông tin đều sửa được sau trong Quản trị."
            ),
        )
        self.code_edit = QLineEdit(placeholderText=_("ví dụ 000.00.31.H12"), maxLength=40)
        self.name_edit = QLineEdit(
            placeholderText=_("ví dụ Trung tâm Phục vụ hành chính công xã Ỷ La"), maxLength=200
        )
        self.parent_edit = QLineEdit(placeholderText=_("ví dụ UBND xã Ỷ La"), maxLength=200)
        self.place_edit = QLineEdit(placeholderText=_("ví dụ Ỷ La"), maxLength=80)
        self.catalogue_box = QCheckBox(
            _("&Nạp danh mục thủ tục mẫu (31 thủ tục cấp xã; tỉnh nhập danh mục riêng sau)")
        )
        self.catalogue_box.setChecked(True)
        self.language_combo = QComboBox()
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(self.language_combo.findData(i18n.language()))
        self.add_field(
            "language",
            _("Ngôn ngữ &giao diện:"),
            self.language_combo,
            _("Đổi được về sau bằng nút Ngôn ngữ ở thanh trạng thái."),
        )
        self.add_field(
            "agency_code",
            _("&Mã định danh cơ quan:"),
            self.code_edit,
            _("Theo Quyết định 20/2020/QĐ-TTg: chữ, số và dấu chấm. Đứng đầu mọi mã hồ sơ."),
        )
        self.add_field(
            "agency_name",
            _("&Tên cơ quan tiếp nhận:"),
            self.name_edit,
            _("In trên đầu Giấy tiếp nhận và mọi biểu mẫu."),
        )
        self.add_field("parent_name", _("Cơ quan &chủ quản:"), self.parent_edit)
        self.add_field(
            "place_name",
            _("Địa &danh:"),
            self.place_edit,
            _("In ở dòng ngày tháng: “Ỷ La, ngày … tháng … năm …”."),
        )
        self.form.addRow("", self.catalogue_box)
        self.finish_layout()

    def initializePage(self) -> None:
        self.code_edit.setFocus()  # the language is already right for most; the agency code comes first

    def answers(self) -> AgencyAnswers:
        """What page 1 collected."""
        return AgencyAnswers(
            self.text("agency_code"),
            self.text("agency_name"),
            self.text("parent_name"),
            self.text("place_name"),
            self.catalogue_box.isChecked(),
        )

    def check(self) -> dict[str, str]:
        return first_run.check_agency(self.answers())


class HoursPage(FieldPage):
    """Page 2: working hours on weekdays and Saturdays, as the deadline engine reads them."""

    def __init__(self) -> None:
        super().__init__(
            _("Bước 2/6 — Giờ làm việc"),
            _("Ngày hẹn trả kết quả được tính theo giờ làm việc này, lịch nghỉ lễ và ngày làm bù."),
        )
        self.weekday_edit = QLineEdit(first_run.HoursAnswers().working_hours, maxLength=120)
        self.saturday_edit = QLineEdit(placeholderText=_("để trống nếu thứ Bảy nghỉ"), maxLength=120)
        self.add_field(
            "working_hours",
            _("Thứ &Hai – thứ Sáu:"),
            self.weekday_edit,
            _("Dạng HH:MM-HH:MM, nhiều khoảng cách nhau bằng dấu phẩy, ví dụ 07:00-11:30,13:30-17:00."),
        )
        self.add_field(
            "saturday_hours",
            _("Thứ &Bảy:"),
            self.saturday_edit,
            _("Ví dụ 07:00-11:30 nếu quầy mở sáng thứ Bảy."),
        )
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.form.addRow(_("Áp dụng:"), self.preview_label)
        self.finish_layout()
        self.weekday_edit.textChanged.connect(self._on_hours_text_changed)
        self.saturday_edit.textChanged.connect(self._on_hours_text_changed)
        self._on_hours_text_changed()

    def answers(self) -> HoursAnswers:
        """What page 2 collected."""
        return HoursAnswers(self.text("working_hours"), self.text("saturday_hours"))

    def check(self) -> dict[str, str]:
        return first_run.check_hours(self.answers())

    def _on_hours_text_changed(self, _text: str = "") -> None:
        answers = self.answers()
        if first_run.check_hours(answers):
            self.preview_label.setText(_("(chưa đúng dạng)"))
        else:
            self.preview_label.setText(describe_hours(answers.working_hours, answers.saturday_hours))


class PrintersPage(FieldPage):
    """Page 3: the receipt and ticket printers, each with a test page."""

    def __init__(self, printers: PrinterList, make: PrinterFactory, clock: Clock) -> None:
        super().__init__(
            _("Bước 3/6 — Máy in"),
            _(
                "Chọn máy in cho từng loại giấy và in thử. Máy in chưa cài thì để máy in mặc định; đổi sau trong Quản trị."
            ),
        )
        self._make, self._clock = make, clock
        self.agency_name = ""
        names = printers()
        self.receipt_combo = self._combo(names)
        self.ticket_combo = self._combo(names)
        self.receipt_test = QPushButton(_("In &thử"))
        self.ticket_test = QPushButton(_("In t&hử"))
        self.add_field(
            "receipt_printer",
            _("Máy in &giấy tiếp nhận:"),
            self.receipt_combo,
            _("Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01), Mẫu 02, Mẫu 03: khổ A4."),
            self.receipt_test,
        )
        self.add_field(
            "ticket_printer",
            _("Máy in &phiếu số thứ tự:"),
            self.ticket_combo,
            _("Phiếu số thứ tự của công dân: thường là máy in nhiệt khổ 80 mm."),
            self.ticket_test,
        )
        self.test_label = QLabel()
        self.test_label.setWordWrap(True)
        self.test_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow("", self.test_label)
        if not names:
            self.form.addRow(
                "", hint_label(_("Máy này chưa cài máy in nào: trang in thử sẽ được lưu thành tệp PDF."))
            )
        self.finish_layout()
        self.receipt_test.clicked.connect(self._on_receipt_test_clicked)
        self.ticket_test.clicked.connect(self._on_ticket_test_clicked)

    @staticmethod
    def _combo(names: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(default_printer_label(), "")
        for name in names:
            combo.addItem(name, name)
        return combo

    def answers(self) -> PrinterAnswers:
        """What page 3 collected ("" = the system default)."""
        return PrinterAnswers(self.receipt_combo.currentData() or "", self.ticket_combo.currentData() or "")

    def check(self) -> dict[str, str]:
        return first_run.check_printers(self.answers())

    def print_test(self, which: str) -> str:
        """Print the test page on the printer chosen for `which` ("receipt" or "ticket"); the outcome."""
        answers = self.answers()
        name, purpose = (
            (answers.receipt_printer, _("Giấy tiếp nhận hồ sơ (Mẫu 01)"))
            if which == "receipt"
            else (answers.ticket_printer, _("Phiếu số thứ tự"))
        )
        try:
            outcome = print_test_page(
                name, purpose, self.agency_name, utc_to_local(self._clock.now_utc()), self._make
            )
        except UserFacingError as exc:
            outcome = exc.message
            self.test_label.setStyleSheet(ERROR_STYLE)
        else:
            self.test_label.setStyleSheet("")
        self.test_label.setText(outcome)
        return outcome

    def _on_receipt_test_clicked(self) -> None:
        self.print_test("receipt")

    def _on_ticket_test_clicked(self) -> None:
        self.print_test("ticket")


class AdminPage(FieldPage):
    """Page 4: the first administrator, signed in when the wizard finishes."""

    def __init__(self, policy: AccountPolicy) -> None:
        super().__init__(
            _("Bước 4/6 — Tài khoản quản trị"),
            _("Quản trị viên thêm tài khoản cho cán bộ, sửa danh mục, lịch và thông tin cơ quan."),
        )
        self._policy = policy
        self.username_edit = QLineEdit(placeholderText=_("chữ thường không dấu, ví dụ quantri"), maxLength=32)
        self.full_name_edit = QLineEdit(maxLength=120)
        self.password_edit = password_edit()
        self.password_edit.setPlaceholderText(
            _n("ít nhất {count} ký tự", policy.min_password_length).format(count=policy.min_password_length)
        )
        self.repeat_edit = password_edit()
        self.add_field("username", _("&Tên đăng nhập:"), self.username_edit)
        self.add_field("full_name", _("&Họ và tên:"), self.full_name_edit)
        self.add_field("password", _("&Mật khẩu:"), self.password_edit)
        self.add_field("password_repeat", _("&Nhập lại mật khẩu:"), self.repeat_edit)
        self.finish_layout()

    def answers(self) -> AdminAnswers:
        """What page 4 collected."""
        return AdminAnswers(
            self.text("username"), self.text("full_name"), self.text("password"), self.text("password_repeat")
        )

    def check(self) -> dict[str, str]:
        return first_run.check_admin(self.answers(), self._policy)


class ServerPage(FieldPage):
    """Page 5 (optional): enrol with the province's central server."""

    def __init__(self) -> None:
        super().__init__(
            _("Bước 5/6 — Máy chủ trung tâm (không bắt buộc)"),
            _(
                "Để trống cả hai ô nếu quầy chưa kết nối máy chủ của tỉnh; quầy vẫn làm việc bình thường khi mất mạng."
            ),
        )
        self.url_edit = QLineEdit(placeholderText=_("ví dụ https://motcua.tinh.gov.vn"), maxLength=300)
        self.code_edit = QLineEdit(placeholderText=_("mã một lần do quản trị máy chủ cấp"), maxLength=100)
        self.add_field("server_url", _("Địa chỉ &máy chủ:"), self.url_edit)
        self.add_field(
            "enrol_code",
            _("Mã đăng &ký:"),
            self.code_edit,
            _("Đăng ký sau cũng được: counter-admin enrol --server … --code …"),
        )
        self.finish_layout()

    def answers(self) -> ServerAnswers:
        """What page 5 collected."""
        return ServerAnswers(self.text("server_url"), self.text("enrol_code"))

    def check(self) -> dict[str, str]:
        return first_run.check_server(self.answers())


class SummaryPage(FieldPage):
    """Page 6: everything at a glance; "Hoàn tất" saves it all at once."""

    def __init__(self) -> None:
        super().__init__(
            _("Bước 6/6 — Xác nhận"),
            _("Kiểm tra lại rồi bấm Hoàn tất (Enter). Bấm Quay lại để sửa; Thoát thì không lưu gì."),
        )
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.progress_label = QLabel()
        self.page_layout.addWidget(self.summary_label)
        self.page_layout.addWidget(self.progress_label)
        self.finish_layout()

    def show_answers(self, answers: FirstRunAnswers, printer_labels: tuple[str, str]) -> None:
        """Fill the summary table (passwords never shown)."""
        agency, hours, server = answers.agency, answers.hours, answers.server
        rows = (
            (_("Mã định danh cơ quan"), agency.agency_code.strip()),
            (_("Cơ quan tiếp nhận"), agency.agency_name.strip()),
            (_("Cơ quan chủ quản"), agency.parent_name.strip()),
            (_("Địa danh"), agency.place_name.strip()),
            (
                _("Danh mục thủ tục"),
                _("nạp danh mục mẫu") if agency.load_catalogue else _("để trống, nhập sau"),
            ),
            (_("Giờ làm việc"), describe_hours(hours.working_hours, hours.saturday_hours)),
            (_("Máy in giấy tiếp nhận"), printer_labels[0]),
            (_("Máy in phiếu số thứ tự"), printer_labels[1]),
            (
                _("Quản trị viên"),
                f"{answers.admin.full_name.strip()} ({answers.admin.username.strip().lower()})",
            ),
            (_("Máy chủ trung tâm"), server.server_url.strip() if server.wanted else _("chưa đăng ký")),
        )
        cells = "".join(
            f"<tr><td style='padding:3px 14px 3px 0; color:#444'>{escape(k)}</td>"
            f"<td style='padding:3px 0'><b>{escape(v)}</b></td></tr>"
            for k, v in rows
        )
        self.summary_label.setText(f"<table>{cells}</table>")


class SetupWizard(QWizard):
    """The six pages, and the one save at the end (on the database worker); `outcome` once done."""

    def __init__(
        self,
        db_path: Path,
        *,
        clock: Clock | None = None,
        runner: TaskRunner | None = None,
        policy: AccountPolicy = ACCOUNT_POLICY,
        enrol: Enrol | None = None,
        printers: PrinterList | None = None,
        make: PrinterFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db_path = db_path
        self._clock = clock or SystemClock()
        self._runner = runner or TaskRunner(parent=self)
        self._own_runner = runner is None
        self._policy = policy
        self._enrol = enrol
        self._busy = False
        self.outcome: FirstRunResult | None = None
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self._printers = printers
        self._make = make
        self.pages: tuple[FieldPage, ...] = ()
        self._build_pages()
        self.currentIdChanged.connect(self._on_current_id_changed)
        # 1366×768 at 125 % leaves ~1090×570 logical pixels: fit the screen, whatever its scale.
        available = self.screen().availableGeometry()
        self.resize(min(860, available.width() - 40), min(600, available.height() - 40))

    def _build_pages(self) -> None:
        """The six pages and the window's texts, in the current interface language."""
        self.setWindowTitle(_("Thiết lập lần đầu — Phần mềm Một cửa"))
        for button, text in (
            (QWizard.WizardButton.BackButton, _("< &Quay lại")),
            (QWizard.WizardButton.NextButton, _("Tiếp theo >")),
            (QWizard.WizardButton.FinishButton, _("Hoàn &tất")),
            (QWizard.WizardButton.CancelButton, _("Thoát")),
        ):
            self.setButtonText(button, text)
        for number, old in enumerate(self.pages):
            self.removePage(number)
            old.deleteLater()
        self.agency_page = AgencyPage()
        self.hours_page = HoursPage()
        # Looked up now, not at import: tests replace the system's printer list.
        self.printers_page = PrintersPage(
            self._printers or system_printers.available_printers,
            self._make or system_printers.make_printer,
            self._clock,
        )
        self.admin_page = AdminPage(self._policy)
        self.server_page = ServerPage()
        self.summary_page = SummaryPage()
        self.pages = (
            self.agency_page,
            self.hours_page,
            self.printers_page,
            self.admin_page,
            self.server_page,
            self.summary_page,
        )
        for number, page in enumerate(self.pages):
            self.setPage(number, page)
        self.agency_page.language_combo.currentIndexChanged.connect(self._on_language_chosen)

    def _on_language_chosen(self, _index: int) -> None:
        code = self.agency_page.language_combo.currentData()
        if code != i18n.language():
            self.switch_language(code)

    def switch_language(self, code: str) -> None:
        """Show the wizard in `code` ("vi" or "en"), keeping everything typed or chosen so far; the
        choice is also the counter's interface language once set up (FirstRunAnswers.language)."""
        kept = [_inputs_of(page) for page in self.pages]
        catalogue = self.agency_page.catalogue_box.isChecked()
        apply_language(code)
        self._build_pages()
        for page, inputs in zip(self.pages, kept, strict=True):
            _restore_inputs(page, inputs)
        self.agency_page.catalogue_box.setChecked(catalogue)
        self.restart()
        self.agency_page.language_combo.setFocus()

    def answers(self) -> FirstRunAnswers:
        """Every page's answers together."""
        return FirstRunAnswers(
            agency=self.agency_page.answers(),
            admin=self.admin_page.answers(),
            hours=self.hours_page.answers(),
            printers=self.printers_page.answers(),
            server=self.server_page.answers(),
            language=i18n.language(),
        )

    def _on_current_id_changed(self, page_id: int) -> None:
        self.printers_page.agency_name = self.agency_page.text("agency_name").strip()
        if page_id == PAGE_SUMMARY:
            labels = (
                self.printers_page.receipt_combo.currentText(),
                self.printers_page.ticket_combo.currentText(),
            )
            self.summary_page.show_answers(self.answers(), labels)
            set_message(self.summary_page.message_label, "")

    def go_to(self, page_id: int) -> None:
        """Step back to page `page_id` (QWizard has no jump; Back keeps every answer)."""
        while self.currentId() > page_id:
            self.back()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Go back to the first page with a wrong field and show the messages there."""
        for number, page in enumerate(self.pages):
            mine = {k: v for k, v in errors.items() if page.owns(k)}
            if mine:
                self.go_to(number)
                page.show_errors(mine)
                return
        self.summary_page.show_errors(errors)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (
            QWizard.WizardButton.BackButton,
            QWizard.WizardButton.FinishButton,
            QWizard.WizardButton.CancelButton,
        ):
            self.button(button).setEnabled(not busy)
        self.summary_page.progress_label.setText(
            _("Đang tạo cơ sở dữ liệu, nạp danh mục và tài khoản…") if busy else ""
        )

    def accept(self) -> None:
        """Hoàn tất: check every page again, then save everything in one go on the database worker."""
        if self._busy:
            return
        answers = self.answers()
        errors = first_run.check_all(answers, self._policy)
        if errors:
            self.show_errors(errors)
            return
        path, clock, policy, enrol = self.db_path, self._clock, self._policy, self._enrol

        def apply() -> FirstRunResult:
            return first_run.apply_first_run(path, answers, clock, policy=policy, enrol=enrol)

        self._set_busy(True)
        set_message(self.summary_page.message_label, "")
        self._runner.run_db(apply, self._on_apply_done, self._on_apply_error)

    def _on_apply_done(self, result: FirstRunResult) -> None:
        self._set_busy(False)
        self.outcome = result
        super().accept()

    def _on_apply_error(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, FieldErrors):
            self.show_errors(error.errors)
        elif isinstance(error, UserFacingError):
            field = _ENROL_FIELDS.get(error.field or "")
            self.show_errors({field: error.message} if field else {"": error.message})
        else:
            show_error(self, error)

    def has_input(self) -> bool:
        """True once the admin typed anything worth asking about before throwing it away."""
        return any(
            isinstance(w, QLineEdit) and w.isModified() for page in self.pages for w in page.edits.values()
        )

    def confirm_cancel(self) -> bool:
        """Ask before throwing the answers away (nothing has been saved)."""
        answer = QMessageBox.question(
            self,
            _("Thoát thiết lập"),
            _("Thoát bây giờ thì chưa có gì được lưu và phần mềm sẽ đóng. Thoát?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        if self._busy or (self.has_input() and not self.confirm_cancel()):
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)

    def done(self, result: int) -> None:
        super().done(result)
        if self._own_runner:
            self._runner.shutdown()


def run_setup_wizard(db_path: Path, **options: object) -> FirstRunResult | None:
    """Show the wizard for a new counter at `db_path`; the result, or None when the admin cancelled."""
    wizard = SetupWizard(db_path, **options)  # type: ignore[arg-type]
    wizard.exec()
    return wizard.outcome
