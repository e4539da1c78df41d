"""Dossier detail (data, papers, fees, timeline, the forms of each step) and the look-up that opens it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _, _p
from counter_app.printing.vn_format import format_money
from counter_app.services.dossier_view import DossierView, load_dossier_view
from counter_app.services.forms import PrintedForm
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.services.step_forms import FormChoice
from counter_app.services.validation import CHANNELS
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.intake.notices import ask_text
from ui.pages.intake.print_preview import preview_pdf
from ui.pages.printing import (
    FORM_NAMES,
    ApprovalHook,
    answer_needs_approval,
    ask_reprint_approval,
    print_failure,
    print_form,
)
from ui.pages.prompt import ApologyPrompt
from ui.scanner import PASSTHROUGH_PROPERTY, match_code

GENDERS = {"nam": N_("Nam"), "nu": N_("Nữ"), "khac": N_("Khác"), "": ""}
DELIVERY = {"counter": N_("Nhận tại Bộ phận Một cửa"), "post": N_("Qua bưu chính công ích")}
DOCUMENT_HEADERS = (
    N_("STT"),
    N_("Tên giấy tờ"),
    N_("Bản chính"),
    N_("Bản sao chứng thực"),
    N_("Bản sao"),
    N_("Đã nhận"),
)
WRAP_AT = 48
TIMELINE_HEADERS = (
    N_("Thời điểm"),
    N_("Người thực hiện"),
    N_("Nội dung"),
    N_("Trạng thái"),
    N_("Hạn của bước"),
    N_("Ghi chú"),
)


def when(moment: datetime | None) -> str:
    """A local time as the counter writes it: 09:32 05/01/2026; empty when there is none."""
    return f"{moment:%H:%M %d/%m/%Y}" if moment is not None else ""


def _value(text: str) -> QLabel:
    label = QLabel(text or "—")
    # Short values stay on one line: a wrapping label in a form may be given one line's height.
    label.setWordWrap(len(text) > WRAP_AT)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _form(title: str, rows: Sequence[tuple[str, str]]) -> QGroupBox:
    box = QGroupBox(title)
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    for label, text in rows:
        form.addRow(f"{label}:", _value(text))
    return box


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], stretch: int) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels([_(h) for h in headers])
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.resizeRowsToContents()
    table.setCurrentCell(-1, -1)
    return table


class DossierDetailDialog(QDialog):
    """Everything known about one dossier, and the forms of its steps to print again.

    Without a context (`ctx` None) the dialog only shows. With one, printing runs through the
    task runner, one transaction per print; a print failure is said on the dialog and undoes
    nothing. Dialogs go through `reason_hook`, `preview_hook` and `error_hook` (tests never wait).
    `sig_extend_requested(code)`: the clerk accepted the Mẫu 04 proposal (the window moves to the
    return page); `sig_changed(code, message)`: a print added to the history, reload the dialog.
    """

    sig_extend_requested = Signal(str)
    sig_changed = Signal(str, str)

    def __init__(
        self,
        view: DossierView,
        parent: QWidget | None = None,
        ctx: AppContext | None = None,
        message: str = "",
    ) -> None:
        super().__init__(parent)
        self.view = view
        self._ctx = ctx
        self.last_form: PrintedForm | None = None
        self.reason_hook: Callable[[str, str], str | None] = partial(ask_text, self)
        self.approval_hook: ApprovalHook = lambda code, why: (
            ask_reprint_approval(self, ctx, code, why) if ctx is not None else None
        )
        self._reprint_reason: str | None = None
        self.preview_hook: Callable[[PrintedForm], None] = self._preview
        self.error_hook: Callable[[BaseException], None] = partial(show_error, self)
        d, a = view.detail, view.detail.applicant
        self.setWindowTitle(_("Hồ sơ {code}").format(code=d.code))
        self.resize(1100, 780)

        self.title_label = QLabel("<h2>" + _("Hồ sơ {code}").format(code=d.code) + "</h2>")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel("<b>" + _("Trạng thái:") + f"</b> {d.status_name}")
        self.procedure_label = QLabel(f"{d.procedure_code} — {d.procedure_name}")
        self.procedure_label.setWordWrap(True)

        printed = when(d.printed_appointment_local)
        if printed and d.printed_appointment_local != d.appointment_local:
            printed += _(" (khác hẹn trả hiện tại)")
        dossier_box = _form(
            _p("one dossier", "Hồ sơ"),
            (
                (_("Lĩnh vực"), d.field_name),
                (_("Kênh nộp"), _(CHANNELS.get(d.channel, str(d.channel))).capitalize()),
                (_("Tiếp nhận lúc"), when(d.received_local)),
                (_("Cán bộ tiếp nhận"), d.clerk_name),
                (_("Hẹn trả kết quả"), when(d.appointment_local)),
                (_("Hẹn trả đã in"), printed or _("chưa in giấy tiếp nhận")),
                (_("Số lần in giấy"), str(d.receipt_prints)),
                (_("Số bộ hồ sơ"), str(d.sets_count)),
                (_("Nhận kết quả"), _(DELIVERY.get(d.delivery, d.delivery))),
                (_("Địa chỉ nhận"), d.delivery_address),
            ),
        )
        applicant_box = _form(
            _("Người nộp hồ sơ"),
            (
                (_("Họ và tên"), a.full_name),
                (_("Ngày sinh"), f"{a.birth_date:%d/%m/%Y}" if a.birth_date else ""),
                (_("Giới tính"), _(GENDERS.get(a.gender, a.gender))),
                (_("Số CCCD"), a.id_number),
                (_("Điện thoại"), a.phone),
                (_("Thư điện tử"), a.email),
                (_("Địa chỉ"), a.address),
                (_("Người nộp thay"), d.submitter_name),
                (_("CCCD người nộp thay"), d.submitter_id_number),
                (_("Giấy ủy quyền"), d.authorisation_note),
            ),
        )
        fee_box = _form(
            _("Lệ phí"),
            (
                (_("Theo danh mục"), format_money(d.catalogue_fee)),
                (_("Đã thu"), format_money(d.fee_collected)),
                (_("Ghi chú"), d.fee_note),
            ),
        )
        self.documents_table = _table(
            DOCUMENT_HEADERS,
            [
                (
                    str(n),
                    doc.name,
                    str(doc.originals),
                    str(doc.certified_copies),
                    str(doc.copies),
                    _("Có") if doc.received else _("Chưa"),
                )
                for n, doc in enumerate(d.documents, start=1)
            ],
            stretch=1,
        )
        self.timeline_table = _table(
            TIMELINE_HEADERS,
            [
                (
                    when(e.at_local),
                    e.user_name,
                    e.label,
                    f"{e.status_from} → {e.status_to}" if e.status_from else e.status_to,
                    when(e.step_deadline_local),
                    e.note,
                )
                for e in view.events
            ],
            stretch=5,
        )

        top = QHBoxLayout()
        top.addWidget(dossier_box, 1)
        top.addWidget(applicant_box, 1)
        papers = QGroupBox(_("Giấy tờ đã nhận"))
        papers_layout = QVBoxLayout(papers)
        papers_layout.addWidget(self.documents_table)
        middle = QHBoxLayout()
        middle.addWidget(papers, 3)
        middle.addWidget(fee_box, 1, Qt.AlignmentFlag.AlignTop)
        timeline = QGroupBox(_("Quá trình xử lý"))
        timeline_layout = QVBoxLayout(timeline)
        timeline_layout.addWidget(self.timeline_table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Đóng"))
        buttons.rejected.connect(self.close)

        self.apology_prompt = ApologyPrompt(_("&Gia hạn, lập Mẫu 04…"))
        self.apology_prompt.show_advice(view.advice if ctx is not None else None)
        self.apology_prompt.button.clicked.connect(self._on_apology_button_clicked)
        self.form_combo = QComboBox()
        for choice in view.forms:
            self.form_combo.addItem(choice.label)
        self.print_button = QPushButton(_("&In và xem trước"))
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.print_status = QLabel(message)
        self.print_status.setWordWrap(True)
        self.print_status.setObjectName("printStatus")
        self.print_status.setVisible(bool(message))
        # The forms of the dossier's steps, on the row of the Close button to leave the history its room.
        bottom = QHBoxLayout()
        form_label = QLabel(_("Giấy &tờ cần in:"))
        form_label.setBuddy(self.form_combo)
        printing = (form_label, self.form_combo, self.print_button)
        for widget in printing:
            bottom.addWidget(widget, 1 if widget is self.form_combo else 0)
            widget.setVisible(ctx is not None and bool(view.forms))
        bottom.addStretch(0)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.procedure_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.apology_prompt)
        layout.addLayout(top)
        layout.addLayout(middle, 3)
        layout.addWidget(timeline, 2)
        layout.addWidget(self.print_status)
        layout.addLayout(bottom)

    # --- printing -------------------------------------------------------------------------------------
    def say(self, text: str, *, error: bool = False) -> None:
        """One line under the print box: what was printed, or why not."""
        self.print_status.setStyleSheet("color: #b71c1c; font-weight: bold;" if error else "color: #1b5e20;")
        self.print_status.setText(text)
        self.print_status.setVisible(bool(text))

    def choose_form(self, kind: str, seq: int | None = None) -> FormChoice:
        """Select the form `kind` (for step `seq`, else its last one) in the list; KeyError if absent."""
        for index, choice in reversed(list(enumerate(self.view.forms))):
            if choice.kind == kind and (seq is None or choice.seq == seq):
                self.form_combo.setCurrentIndex(index)
                return choice
        raise KeyError(kind)

    def print_selected(self) -> None:
        """Print the selected form in one transaction; a reprint of the receipt asks for its reason."""
        ctx, index = self._ctx, self.form_combo.currentIndex()
        if ctx is None or not 0 <= index < len(self.view.forms):
            return
        choice = self.view.forms[index]
        reason: str | None = None
        if choice.needs_reason:
            reason = self.reason_hook(
                _("In lại giấy tiếp nhận"), _("Lý do in lại (ví dụ: công dân làm mất giấy hẹn):")
            )
            if not reason:
                self.say(_("Đã hủy in lại giấy tiếp nhận."))
                return
        job = partial(print_form, ctx, self.view.detail.code, choice.kind, choice.seq, reason)
        self._reprint_reason = reason  # kept for the approval dialog if a supervisor must approve
        ctx.runner.run_db(job, self._on_printed, partial(self._on_print_failed, choice.kind))

    def _on_print_button_clicked(self) -> None:
        self.print_selected()

    def _on_printed(self, printed: PrintedForm) -> None:
        self.last_form = printed
        template = _("Đã in lại {form}. Tệp: {path}") if printed.reprint else _("Đã in {form}. Tệp: {path}")
        message = template.format(form=_(FORM_NAMES.get(printed.kind, printed.kind)), path=printed.path)
        self.say(message)
        try:
            self.preview_hook(printed)
        except UserFacingError as exc:  # the PDF is kept; say why it cannot be shown
            self.say(exc.message + " " + _("Tệp đã lưu: {path}").format(path=printed.path), error=True)
        except Exception as exc:
            self.say(_("Không xem trước được; tệp đã lưu: {path}").format(path=printed.path), error=True)
            self.error_hook(exc)
        if printed.kind == "receipt":  # the history now shows this print
            self.sig_changed.emit(self.view.detail.code, message)

    def _on_print_failed(self, kind: str, error: BaseException) -> None:
        if isinstance(error, ReprintNeedsApproval):
            answer_needs_approval(self.approval_hook, error, self._reprint_reason, self._on_printed, self.say)
            return
        self.say(print_failure(kind, error), error=True)
        if not isinstance(error, (UserFacingError, OSError)):
            self.error_hook(error)

    def _preview(self, printed: PrintedForm) -> None:
        preview_pdf(self, printed.path, _(FORM_NAMES.get(printed.kind, printed.kind)))

    def _on_apology_button_clicked(self) -> None:
        self.sig_extend_requested.emit(self.view.detail.code)
        self.close()

    def texts(self) -> list[str]:
        """Every text on the dialog (labels and table cells), for tests and accessibility checks."""
        found = [label.text() for label in self.findChildren(QLabel)]
        for table in (self.documents_table, self.timeline_table):
            for r in range(table.rowCount()):
                items = (table.item(r, c) for c in range(table.columnCount()))
                found += [item.text() for item in items if item is not None]
        return found


class CodeEntryDialog(QDialog):
    """The "Tìm mã hồ sơ" entry: type (or scan) a code, Enter opens the dossier."""

    sig_code_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Tìm mã hồ sơ"))
        self.code_edit = QLineEdit(placeholderText=_("ví dụ 000.00.31.H12-261123-1001"))
        self.code_edit.setMinimumWidth(360)
        self.code_edit.setProperty(PASSTHROUGH_PROPERTY, True)  # a scan here is just typing
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Open).setText(_("Mở hồ sơ"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Hủy"))
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        label = QLabel(_("&Mã hồ sơ:"))
        label.setBuddy(self.code_edit)
        layout.addWidget(label)
        layout.addWidget(self.code_edit)
        layout.addWidget(buttons)

    def _on_buttons_accepted(self) -> None:
        text = self.code_edit.text().strip()
        if not text:
            return
        self.accept()
        self.sig_code_entered.emit(match_code(text) or text)


class DossierLookup(QObject):
    """Opens dossiers by code for a window: reads through the runner, shows one detail per code.

    `notify` shows a short message (not found); tests replace it so nothing waits for a click.
    """

    sig_opened = Signal(object)  # the DossierDetailDialog shown
    sig_extend_requested = Signal(str)  # a detail's Mẫu 04 proposal was accepted: extend this code

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._parent = parent
        self.dialogs: dict[str, DossierDetailDialog] = {}
        self.entry: CodeEntryDialog | None = None
        self.notify: Callable[[str], None] = self._message_box

    def open_code(self, code: str, message: str = "") -> None:
        """Read the dossier `code` and show its detail (with `message` on it), or say it is not found."""
        db, clock = self._ctx.db, self._ctx.clock

        def load() -> DossierView:
            with db.read() as session:
                return load_dossier_view(session, code, clock.now_utc())

        self._ctx.runner.run_db(load, partial(self._on_load_done, message), self._on_load_error)

    def ask_code(self) -> CodeEntryDialog:
        """The small "Tìm mã hồ sơ" entry (non-modal); Enter opens the dossier."""
        if self.entry is None:
            self.entry = CodeEntryDialog(self._parent)
            self.entry.sig_code_entered.connect(self.open_code)
        self.entry.code_edit.clear()
        self.entry.open()
        self.entry.code_edit.setFocus()
        return self.entry

    def _on_load_done(self, message: str, view: DossierView) -> None:
        code = view.detail.code
        old = self.dialogs.pop(code, None)
        if old is not None:
            old.close()
            old.deleteLater()
        dialog = DossierDetailDialog(view, self._parent, self._ctx, message)
        dialog.sig_changed.connect(self.open_code)
        dialog.sig_extend_requested.connect(self.sig_extend_requested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None, c=code, d=dialog: self._forget(c, d))
        self.dialogs[code] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.sig_opened.emit(dialog)

    def _forget(self, code: str, dialog: DossierDetailDialog) -> None:
        if self.dialogs.get(code) is dialog:
            del self.dialogs[code]

    def _on_load_error(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.notify(error.message)
        else:
            show_error(self._parent, error)

    def _message_box(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, _("Tìm mã hồ sơ"), message, parent=self._parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
