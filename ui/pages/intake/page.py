"""The intake page: pick the procedure, identify the applicant, tick the papers, save, print the receipt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from counter_app.catalogue.service import CatalogueEntry
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _, _n
from counter_app.services.cccd import CccdData
from counter_app.services.forms import PrintedForm
from counter_app.services.intake import ApplicantInfo, IntakeForm, RegisteredDossier
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.services.validation import validate_intake
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.intake import work
from ui.pages.intake.applicant_form import ApplicantForm
from ui.pages.intake.documents import DocumentsSection
from ui.pages.intake.fields import ErrorMarks, error_label
from ui.pages.intake.layout import build_layout
from ui.pages.intake.notices import ask_supplement, ask_text
from ui.pages.intake.print_preview import preview_pdf
from ui.pages.intake.procedure_picker import ProcedurePicker
from ui.pages.intake.saved_panel import SavedPanel
from ui.pages.intake.scan import ScanWatcher
from ui.pages.intake.texts import appointment_line, duration
from ui.pages.printing import ApprovalHook, answer_needs_approval, ask_reprint_approval
from ui.sync_bridge import local_change

APPOINTMENT_REFRESH_MS = 60_000  # the appointment moves with the clock (cut-off hours, end of day)
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_FORM_TITLES = {"receipt": N_("Giấy tiếp nhận hồ sơ"), "supplement": N_("Mẫu 02"), "refusal": N_("Mẫu 03")}


class IntakePage(QWidget):
    """The reception form. Dialogs go through the `*_hook` attributes so tests can answer them."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.saved: RegisteredDossier | None = None
        self.printed = False
        self.last_form: PrintedForm | None = None
        self._concluded = False  # a notice was given: nothing left to lose on "new"
        self._looked_up = ""
        # Dialogs, replaceable in tests.
        self.preview_hook: Callable[[PrintedForm], None] = self._preview
        self.error_hook: Callable[[BaseException], None] = partial(show_error, self)
        self.confirm_hook: Callable[[str], bool] = self._confirm
        self.reason_hook: Callable[[str, str], str | None] = partial(ask_text, self)
        self.approval_hook: ApprovalHook = partial(ask_reprint_approval, self, ctx)
        self._reprint_reason: str | None = None
        self.supplement_hook: Callable[[list[str]], tuple[list[str], str] | None] = partial(
            ask_supplement, self
        )

        self.marks = ErrorMarks()
        self.picker = ProcedurePicker(ctx)
        picker_error = error_label()
        self.marks.add("procedure_id", self.picker.search, picker_error)
        self.appointment_label = QLabel(_("Hẹn trả: chọn thủ tục để tính ngày hẹn."))
        self.appointment_label.setObjectName("appointment")
        self.appointment_label.setWordWrap(True)
        font = QFont(self.appointment_label.font())
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.appointment_label.setFont(font)
        self.picker.side.addWidget(self.appointment_label)
        self.picker.side.addStretch(1)
        self.scan_box = QLineEdit(
            placeholderText=_("Quét mã QR trên thẻ căn cước (quét vào ô nào cũng được)")
        )
        self.scan_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.applicant = ApplicantForm(self.marks)
        self.documents = DocumentsSection(self.marks)
        self.status = QLabel()
        self.status.setObjectName("statusLine")
        self.status.setWordWrap(True)
        self.save_button = QPushButton(_("Lưu hồ sơ (Ctrl+S)"))
        self.save_button.setDefault(True)
        self.supplement_button = QPushButton(_("Yêu cầu bổ sung (Mẫu 02)"))
        self.refuse_button = QPushButton(_("Từ chối (Mẫu 03)"))
        self.new_button = QPushButton(_("Nhập lại (Esc)"))
        self.saved_panel = SavedPanel()
        self.stack, self._scroll, self.clerk_label = build_layout(self, picker_error)
        self.update_clerk()
        self._install_keyboard()

        self.scan = ScanWatcher(self)
        for edit in (self.scan_box, self.picker.search, *self.applicant.line_edits()):
            self.scan.watch(edit)
        self.scan.sig_card_read.connect(self._on_scan_card_read)
        self.scan.sig_scan_failed.connect(self._on_scan_scan_failed)
        self.picker.sig_chosen.connect(self._on_picker_chosen)
        self.applicant.sig_id_entered.connect(self._on_applicant_id_entered)
        self.documents.sig_delivery_changed.connect(self._on_documents_delivery_changed)
        self.save_button.clicked.connect(self.save)
        self.supplement_button.clicked.connect(self.request_supplement)
        self.refuse_button.clicked.connect(self.refuse)
        self.new_button.clicked.connect(self.new_dossier)
        self.saved_panel.print_button.clicked.connect(self.print_receipt)
        self.saved_panel.new_button.clicked.connect(self.new_dossier)
        self._appointment_timer = QTimer(self, interval=APPOINTMENT_REFRESH_MS)
        self._appointment_timer.timeout.connect(self._refresh_appointment)
        self._appointment_timer.start()
        self.picker.refresh()

    # --- layout and keyboard --------------------------------------------------------------------------
    def _install_keyboard(self) -> None:
        for keys, slot in (
            (("Ctrl+S",), self.save),
            (("Ctrl+P",), self.print_receipt),
            (("Ctrl+N", "Esc"), self.new_dossier),
        ):
            action = QAction(self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, run=slot: run())
            self.addAction(action)
        a, d = self.applicant, self.documents
        moving: list[QWidget] = [self.scan_box, self.picker.search, *a.line_edits(), a.gender, a.province]
        moving += [d.sets_count, d.delivery, d.delivery_address, d.fee_collected, d.fee_reason]
        for widget in moving:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter takes a scanned payload if there is one, otherwise moves on to the next field."""
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER_KEYS and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                if isinstance(watched, QLineEdit) and self.scan.watches(watched) and self.scan.take(watched):
                    return True
                if watched is self.picker.search:
                    return False  # the picker chooses the highlighted procedure
                if isinstance(watched, QLineEdit | QComboBox | QAbstractSpinBox):
                    self.focusNextChild()
                    return True
        return super().eventFilter(watched, event)

    def update_clerk(self) -> None:
        """Show who receives (the signed-in user)."""
        name = self._ctx.user_name
        self.clerk_label.setText(
            _("Cán bộ tiếp nhận: <b>{name}</b>").format(name=name) if name else _("Chưa đăng nhập")
        )

    def showEvent(self, event: Any) -> None:
        self.update_clerk()
        super().showEvent(event)
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            self.picker.search.setFocus()  # F2 from another page: ready to type the procedure

    # --- status line ----------------------------------------------------------------------------------
    def say(self, text: str, *, error: bool = False) -> None:
        """One line at the bottom of the form: what just happened, or why it did not."""
        self.status.setStyleSheet("color: #b71c1c; font-weight: bold;" if error else "color: #1b5e20;")
        self.status.setText(text)

    def _fail(self, error: BaseException) -> None:
        self.say(error.message if isinstance(error, UserFacingError) else _("Lỗi ngoài dự kiến."), error=True)
        self.error_hook(error)

    # --- procedure and appointment --------------------------------------------------------------------
    def _on_picker_chosen(self, entry: CatalogueEntry | None) -> None:
        self.documents.load(entry)
        self.appointment_label.setText(_("Hẹn trả: chọn thủ tục để tính ngày hẹn."))
        if entry is not None:
            self._refresh_appointment()
            self.applicant.id_number.setFocus()

    def _refresh_appointment(self) -> None:
        entry = self.picker.chosen
        if entry is None or self.stack.currentWidget() is self.saved_panel:
            return
        self._ctx.runner.run_db(
            partial(work.appointment_now, self._ctx, entry.id),
            partial(self._show_appointment, entry),
            lambda exc: self.appointment_label.setText(
                _("Không tính được ngày hẹn: {reason}").format(
                    reason=exc.message if isinstance(exc, UserFacingError) else str(exc)
                )
            ),
        )

    def _show_appointment(self, entry: CatalogueEntry, due: datetime) -> None:
        if self.picker.chosen is entry:
            self.appointment_label.setText(appointment_line(due, entry.spec))

    # --- applicant: scan and look-up ------------------------------------------------------------------
    def _on_scan_card_read(self, card: CccdData, _edit: QLineEdit) -> None:
        self.applicant.fill_from_card(card)
        self.say(
            _("Đã đọc mã QR thẻ căn cước của {name}. Hãy kiểm tra lại với thẻ.").format(name=card.full_name)
        )
        self._on_applicant_id_entered(card.id_number)
        self.applicant.phone.setFocus()

    def _on_scan_scan_failed(self, message: str, edit: QLineEdit) -> None:
        self.say(message, error=True)
        edit.setFocus()

    def _on_applicant_id_entered(self, number: str) -> None:
        if number == self._looked_up:
            return
        self._looked_up = number
        self._ctx.runner.run_db(
            partial(work.find_applicant, self._ctx, number), self._on_applicant_found, self._fail
        )

    def _on_applicant_found(self, info: ApplicantInfo | None) -> None:
        if info is None:
            return
        filled = self.applicant.fill_missing(info)
        if filled:
            self.say(
                _("Đã điền từ lần nộp trước của công dân: {fields}. Hãy hỏi lại nếu đã đổi.").format(
                    fields=", ".join(filled)
                )
            )

    def _on_documents_delivery_changed(self, mode: str) -> None:
        if mode == "post" and not self.documents.delivery_address.text().strip():
            self.documents.delivery_address.setText(self.applicant.address_line())

    # --- reading the form -----------------------------------------------------------------------------
    def form(self) -> tuple[IntakeForm, dict[str, str]]:
        """The form as the core takes it, and the problems the page finds itself (unreadable date)."""
        values, errors = self.applicant.values()
        values.update(self.documents.values())
        entry = self.picker.chosen
        return IntakeForm(procedure_id=entry.id if entry else 0, **values), errors

    def is_dirty(self) -> bool:
        """True when something would be lost by starting again."""
        if self.stack.currentWidget() is self.saved_panel:
            return not self.printed
        if self._concluded:
            return False
        return self.picker.chosen is not None or not self.applicant.is_blank()

    def show_errors(self, errors: dict[str, str]) -> None:
        """Mark every bad field, focus the first, and say how many there are."""
        first, others = self.marks.show(errors)
        count = len(errors)
        text = _n("Chưa lưu: có {count} chỗ cần sửa (đánh dấu đỏ).", count).format(count=count)
        if others:
            text += " " + " ".join(others)
        self.say(text, error=True)
        if first is not None:
            # A hidden row (fee override, authorised submitter) is opened first.
            if first in (self.documents.fee_collected, self.documents.fee_reason):
                self.documents.fee_override.setChecked(True)
            a = self.applicant
            if first in (a.submitter_name, a.submitter_id_number, a.authorisation_note):
                a.by_proxy.setChecked(True)
            first.setFocus()
            self._scroll.ensureWidgetVisible(first)

    # --- save -----------------------------------------------------------------------------------------
    def save(self) -> None:
        """Register the dossier in one transaction; on any problem mark the fields and save nothing."""
        if self.stack.currentWidget() is self.saved_panel:
            return
        form, page_errors = self.form()
        if page_errors:
            entry = self.picker.chosen
            found = validate_intake(form, catalogue_fee=entry.spec.fee_amount if entry else None)
            self.show_errors({**found, **page_errors})
            return
        clerk = self._ctx.user_id
        if not clerk:
            self._fail(UserFacingError(_("Hãy đăng nhập trước khi tiếp nhận hồ sơ.")))
            return
        self.marks.clear()
        self.save_button.setEnabled(False)
        self.say(_("Đang lưu…"))
        self._ctx.runner.run_db(
            partial(work.save_dossier, self._ctx, form, clerk), self._on_saved, self._on_save_failed
        )

    def _on_save_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, FieldErrors):
            self.show_errors(error.errors)
        else:
            self._fail(error)

    def _on_saved(self, saved: RegisteredDossier) -> None:
        self.save_button.setEnabled(True)
        local_change(self._ctx)  # the new dossier goes to the central server soon
        self.saved, self.printed = saved, False
        entry = self.picker.chosen
        assert entry is not None
        name = self.applicant.full_name.text().strip()
        self.saved_panel.show_dossier(saved, name, entry.spec.name, duration(entry.spec))
        self.stack.setCurrentWidget(self.saved_panel)
        self.saved_panel.print_button.setFocus()

    # --- print ----------------------------------------------------------------------------------------
    def print_receipt(self, reason: str | None = None) -> None:
        """Print the receipt (Mẫu 01) of the dossier just saved; a reprint asks for a reason first."""
        if self.saved is None:
            self.say(_("Chưa có hồ sơ nào vừa lưu để in giấy tiếp nhận."), error=True)
            return
        if self.printed and not reason:
            reason = self.reason_hook(_("In lại giấy tiếp nhận"), _("Lý do in lại (ví dụ: máy in kẹt giấy):"))
            if not reason:
                return
        code, user = self.saved.code, self._ctx.user_id or ""
        self._reprint_reason = reason  # kept for the approval dialog if a supervisor must approve
        self._ctx.runner.run_db(
            partial(work.print_receipt, self._ctx, code, user, reason),
            self._on_printed,
            self._on_print_failed,
        )

    def _on_printed(self, printed: PrintedForm) -> None:
        self.printed, self.last_form = True, printed
        if printed.reprint:
            state = _("Đã in lại Giấy tiếp nhận (2 liên). Tệp: {path}")
        else:
            state = _("Đã in Giấy tiếp nhận (2 liên). Tệp: {path}")
        self.saved_panel.set_print_state(state.format(path=printed.path))
        self._show_form(printed)

    def _on_print_failed(self, error: BaseException) -> None:
        if isinstance(error, FieldErrors) and "reprint_reason" in error.errors:
            self.printed = True  # the database knows of an earlier print: ask for the reason
            self.print_receipt()
            return
        if isinstance(error, ReprintNeedsApproval):
            answer_needs_approval(self.approval_hook, error, self._reprint_reason, self._on_printed, self.say)
            return
        self.saved_panel.set_print_state(
            _("Chưa in được. Hồ sơ đã lưu; bấm Ctrl+P để in lại khi sẵn sàng."), error=True
        )
        self.error_hook(error)

    def _show_form(self, printed: PrintedForm) -> None:
        try:
            self.preview_hook(printed)
        except BaseException as exc:  # the PDF is kept; say why it cannot be shown
            self.error_hook(exc)

    def _preview(self, printed: PrintedForm) -> None:
        preview_pdf(self, printed.path, _(_FORM_TITLES.get(printed.kind, printed.kind)))

    # --- notices at the counter (no dossier) ----------------------------------------------------------
    def _notice_inputs(self) -> tuple[int, tuple[str, str], dict[str, str]]:
        a = self.applicant
        contact = {
            "address": a.address_line(),
            "phone": a.phone.text().strip(),
            "email": a.email.text().strip(),
        }
        entry = self.picker.chosen
        return (entry.id if entry else 0), (a.full_name.text(), a.id_number.text()), contact

    def request_supplement(self) -> None:
        """Mẫu 02: list every paper not ticked (editable), record the request, preview the form."""
        answer = self.supplement_hook(self.documents.missing())
        if answer is None:
            return
        missing, note = answer
        procedure_id, applicant, contact = self._notice_inputs()
        job = partial(work.supplement, self._ctx, self._ctx.user_id or "", procedure_id, applicant, missing)
        self._run_notice(
            partial(job, note, contact), _("Đã lập Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02).")
        )

    def refuse(self) -> None:
        """Mẫu 03: ask the reason, record the refusal, preview the form."""
        reason = self.reason_hook(_("Từ chối tiếp nhận hồ sơ (Mẫu 03)"), _("Lý do không tiếp nhận:"))
        if not reason:
            return
        procedure_id, applicant, contact = self._notice_inputs()
        job = partial(
            work.refuse, self._ctx, self._ctx.user_id or "", procedure_id, applicant, reason, contact
        )
        self._run_notice(job, _("Đã lập Phiếu từ chối tiếp nhận giải quyết hồ sơ (Mẫu 03)."))

    def _run_notice(self, job: Callable[[], PrintedForm], done_text: str) -> None:
        self.marks.clear()

        def done(printed: PrintedForm) -> None:
            self.last_form, self._concluded = printed, True
            self.say(_("{done} Bấm Esc để tiếp nhận hồ sơ mới.").format(done=done_text))
            self._show_form(printed)

        def failed(error: BaseException) -> None:
            if isinstance(error, FieldErrors):
                self.show_errors(error.errors)
            else:
                self._fail(error)

        self._ctx.runner.run_db(job, done, failed)

    # --- new dossier ----------------------------------------------------------------------------------
    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, _("Tiếp nhận hồ sơ mới"), question)
        return answer == QMessageBox.StandardButton.Yes

    def new_dossier(self) -> None:
        """Start an empty form (asking first if something would be lost)."""
        if self.is_dirty():
            if self.saved is not None and self.stack.currentWidget() is self.saved_panel:
                question = _("Chưa in Giấy tiếp nhận của hồ sơ {code}. Vẫn tiếp nhận hồ sơ mới?").format(
                    code=self.saved.code
                )
            else:
                question = _("Bỏ những thông tin đang nhập để tiếp nhận hồ sơ mới?")
            if not self.confirm_hook(question):
                return
        self.reset()

    def reset(self) -> None:
        """The empty form, focus in the procedure search."""
        self.saved, self.printed, self._concluded, self._looked_up = None, False, False, ""
        self.marks.clear()
        self.applicant.reset()
        self.documents.reset()
        self.scan_box.clear()
        self.picker.reset()
        self.say("")
        self.stack.setCurrentIndex(0)
        self.picker.search.setFocus()
