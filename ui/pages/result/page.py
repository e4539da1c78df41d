"""The return page: a code field, the dossier's summary and timeline, its allowed actions, the hand-over."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _, _p
from counter_app.printing.vn_format import format_money
from counter_app.services.forms import PrintedForm
from counter_app.services.intake import STATUS_NAMES
from counter_app.services.reprint_gate import ReprintNeedsApproval
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy
from counter_app.services.workflow import ACTION_LABELS, TransitionResult, allowed_actions
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.dossier_detail import TIMELINE_HEADERS, _table, when
from ui.pages.intake.notices import ask_text
from ui.pages.intake.print_preview import preview_pdf
from ui.pages.printing import (
    ApprovalHook,
    answer_needs_approval,
    ask_reprint_approval,
    print_failure,
    print_form,
)
from ui.pages.prompt import ApologyPrompt
from ui.pages.result import work
from ui.pages.result.dialogs import ask_fields
from ui.pages.result.handover import HandoverPanel
from ui.scanner import PASSTHROUGH_PROPERTY, match_code
from ui.sync_bridge import local_change

# Button texts, with their Alt+letter mnemonics; "returned" sits in the hand-over panel.
BUTTON_TEXTS = {
    "processing": N_("&Chuyển xử lý"),
    "supplement_requested": N_("Yêu cầu &bổ sung"),
    "supplement_received": N_("&Nhận bổ sung"),
    "payment_requested": N_("Yêu cầu nghĩa vụ tà&i chính"),
    "paid": N_("Đã nộ&p nghĩa vụ tài chính"),
    "result_ready": N_("Có &kết quả"),
    "withdrawn": N_("&Rút hồ sơ"),
    "stopped": N_("&Dừng xử lý"),
    "refused": N_("Từ chối giải &quyết"),
    "extended": N_("&Gia hạn"),
}
# The papers printed again on demand (each step's first print follows its action by itself).
PRINT_TEXTS = {
    "control_slip": N_("In lại phiếu kiểm &soát"),
    "supplement": N_("In Mẫu 0&2"),
    "apology": N_("In Mẫu &04"),
    "refusal": N_("In Mẫu 0&3"),
    "stop_notice": N_("In thông báo dừng (Mẫu 0&5)"),
    "receipt": N_("In &lại giấy tiếp nhận"),
}
# Which event of the timeline each paper is printed from (the receipt follows its own print events).
PRINT_AFTER_EVENT = {
    "control_slip": ("processing",),
    "supplement": ("supplement_requested",),
    "apology": ("extended",),
    "refusal": ("refused",),
    "stop_notice": ("stopped", "withdrawn"),
}
SUMMARY_ROWS = (
    ("code", N_("Mã hồ sơ")),
    ("applicant", N_("Người nộp")),
    ("procedure", N_("Thủ tục")),
    ("status", N_("Trạng thái")),
    ("appointment", N_("Hẹn trả kết quả")),
    ("printed", N_("Hẹn trả đã in")),
    ("left", N_("Thời gian còn lại")),
)
SUPERVISOR_NEEDED = N_(
    "Hồ sơ đã được gia hạn một lần; gia hạn lần nữa phải được lãnh đạo (giám sát) phê duyệt."
)


class ReturnPage(QWidget):
    """F4. Dialogs go through `fields_hook`, `reason_hook`, `preview_hook` and `error_hook` (tests never wait).

    `policy` is the account policy used to check a supervisor's password for a second extension.
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.loaded: work.ReturnView | None = None
        self.last_result: TransitionResult | None = None
        self.last_form: PrintedForm | None = None
        self.policy: AccountPolicy = ACCOUNT_POLICY
        self.fields_hook: Callable[[str, work.ReturnView], dict[str, Any] | None] = partial(ask_fields, self)
        self.error_hook: Callable[[BaseException], None] = partial(show_error, self)
        self.reason_hook: Callable[[str, str], str | None] = partial(ask_text, self)
        self.approval_hook: ApprovalHook = partial(ask_reprint_approval, self, ctx)
        self._reprint_reason: str | None = None
        self.preview_hook: Callable[[PrintedForm], None] = self._preview

        self.code_edit = QLineEdit(
            placeholderText=_("quét mã vạch trên Giấy tiếp nhận hoặc gõ mã, rồi Enter")
        )
        self.code_edit.setProperty(PASSTHROUGH_PROPERTY, True)  # a scan here is just typing + Enter
        self.code_edit.setMinimumWidth(420)
        self.load_button = QPushButton(_("Tải hồ sơ"))
        self.summary: dict[str, QLabel] = {key: QLabel("—") for key, _text in SUMMARY_ROWS}
        for label in self.summary.values():
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            # Expanding: the form only widens such fields (a wrapping label would otherwise stay narrow).
            label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.summary["procedure"].setWordWrap(True)  # only the long one wraps (short ones keep one line)
        self.buttons: dict[str, QPushButton] = {a: QPushButton(_(t)) for a, t in BUTTON_TEXTS.items()}
        self.handover = HandoverPanel()
        self.buttons["returned"] = self.handover.return_button
        self.print_buttons: dict[str, QPushButton] = {k: QPushButton(_(t)) for k, t in PRINT_TEXTS.items()}
        self.timeline_table = _table(TIMELINE_HEADERS, [], stretch=5)
        self.apology_prompt = ApologyPrompt(_("Lập Mẫu 0&4 (gia hạn)…"))
        self.status = QLabel()
        self.status.setObjectName("statusLine")
        self.status.setWordWrap(True)
        self.status.hide()
        self._build()
        self.code_edit.returnPressed.connect(self._on_code_edit_return_pressed)
        self.load_button.clicked.connect(self._on_code_edit_return_pressed)
        for action, button in self.buttons.items():
            button.clicked.connect(lambda _checked=False, a=action: self.run_action(a))
        for kind, button in self.print_buttons.items():
            button.clicked.connect(lambda _checked=False, k=kind: self.print_form(k))
        self.apology_prompt.button.clicked.connect(lambda _checked=False: self.run_action("extended"))
        self._show(None)

    def _build(self) -> None:
        title = QLabel("<h2>" + _("Trả kết quả") + "</h2>")
        code_label = QLabel(_("&Mã hồ sơ:"))
        code_label.setBuddy(self.code_edit)
        top = QHBoxLayout()
        top.addWidget(code_label)
        top.addWidget(self.code_edit, 1)
        top.addWidget(self.load_button)
        summary_box = QGroupBox(_p("one dossier", "Hồ sơ"))
        form = QFormLayout(summary_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for key, text in SUMMARY_ROWS:
            form.addRow(_(text) + ":", self.summary[key])
        bold = QFont(self.summary["status"].font())
        bold.setBold(True)
        self.summary["status"].setFont(bold)
        actions_box = QGroupBox(_("Thao tác (Alt + chữ gạch chân)"))
        grid = QGridLayout(actions_box)
        for n, action in enumerate(BUTTON_TEXTS):
            grid.addWidget(self.buttons[action], n // 3, n % 3)
        print_box = QGroupBox(_("In phiếu"))
        print_grid = QGridLayout(print_box)
        for n, button in enumerate(self.print_buttons.values()):
            print_grid.addWidget(button, n // 2, n % 2)
        left = QVBoxLayout()
        left.addWidget(self.apology_prompt)
        left.addWidget(summary_box)
        left.addWidget(actions_box)
        left.addStretch(1)
        right = QVBoxLayout()  # printing beside the hand-over: the history keeps its room on 1366×768
        right.addWidget(self.handover)
        right.addWidget(print_box)
        right.addStretch(1)
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        timeline_box = QGroupBox(_("Quá trình xử lý"))
        # The history takes the height left (at least the header and about three steps), never more.
        self.timeline_table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.timeline_table.setMinimumHeight(110)
        QVBoxLayout(timeline_box).addWidget(self.timeline_table)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(middle)
        layout.addWidget(timeline_box, 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.code_edit.setFocus()
        self.code_edit.selectAll()

    # --- status line ----------------------------------------------------------------------------------
    def say(self, text: str, *, error: bool = False) -> None:
        """One line under the code field: what just happened, or why it did not."""
        self.status.setStyleSheet("color: #b71c1c; font-weight: bold;" if error else "color: #1b5e20;")
        self.status.setText(text)
        self.status.setVisible(bool(text))  # an empty line takes no room (1366×768 at 125 %)

    def _refused(self, error: BaseException) -> None:
        if isinstance(error, FieldErrors):
            self.say(
                _("Thông tin chưa hợp lệ: {errors}.").format(errors="; ".join(error.errors.values())),
                error=True,
            )
        elif isinstance(error, UserFacingError):
            text = error.message
            if error.field == "override_by":
                text = f"{_(SUPERVISOR_NEEDED)} ({text})"
            self.say(text, error=True)
        else:
            self.say(_("Lỗi ngoài dự kiến; dữ liệu không thay đổi."), error=True)
            self.error_hook(error)

    # --- loading --------------------------------------------------------------------------------------
    def load_code(self, code: str, *, message: str | None = None, then: str | None = None) -> None:
        """Read the dossier `code` and show it; `message` (if any) stays on the status line.

        `then`: an action to start once it is shown (the detail dialog's "Gia hạn, lập Mẫu 04").
        """
        code = match_code(code.strip()) or code.strip()
        if not code:
            self.say(_("Hãy quét hoặc gõ mã hồ sơ."), error=True)
            return
        self._ctx.runner.run_db(
            partial(work.load, self._ctx, code),
            partial(self._on_load_done, message, then),
            self._on_load_error,
        )

    def _on_code_edit_return_pressed(self) -> None:
        self.handover.show_verdict("", None, "")
        self.load_code(self.code_edit.text())

    def _on_load_done(self, message: str | None, then: str | None, loaded: work.ReturnView) -> None:
        self._show(loaded)
        if message is None:
            self.say(_("Đã tải hồ sơ {code}.").format(code=loaded.code))
        self.code_edit.setText(loaded.code)
        if then is not None:
            self.run_action(then)

    def _on_load_error(self, error: BaseException) -> None:
        self._show(None)
        self._refused(error)
        self.code_edit.setFocus()
        self.code_edit.selectAll()

    def _show(self, loaded: work.ReturnView | None) -> None:
        self.loaded = loaded
        allowed = set(allowed_actions(loaded.status)) if loaded else set()
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed)
        self.handover.reset("returned" in allowed)
        kinds = {e.kind for e in loaded.timeline} if loaded else set()
        for kind, events in PRINT_AFTER_EVENT.items():  # a paper exists once its step happened
            self.print_buttons[kind].setEnabled(bool(kinds.intersection(events)))
        self.apology_prompt.show_advice(loaded.advice if loaded else None)
        has_receipt = loaded is not None and loaded.view.detail.printed_appointment_local is not None
        self.print_buttons["receipt"].setEnabled(has_receipt)
        if loaded is None:
            for label in self.summary.values():
                label.setText("—")
            self.timeline_table.setRowCount(0)
            return
        d = loaded.view.detail
        printed = when(d.printed_appointment_local) or _("chưa in giấy tiếp nhận")
        texts = {
            "code": d.code,
            "applicant": f"{d.applicant.full_name} — CCCD {d.applicant.id_number}",
            "procedure": f"{d.procedure_code} — {d.procedure_name}",
            "status": _(STATUS_NAMES.get(d.status, str(d.status))),
            "appointment": when(d.appointment_local) or "—",
            "printed": printed,
            "left": loaded.time_left or "—",
        }
        for key, text in texts.items():
            self.summary[key].setText(text)
        self._fill_timeline(loaded)
        if loaded.returned:
            self._show_returned(loaded.returned)

    def _fill_timeline(self, loaded: work.ReturnView) -> None:
        fresh = _table(
            TIMELINE_HEADERS,
            [
                (
                    when(e.at_local),
                    e.user_name,
                    e.label,
                    f"{e.status_from_name} → {e.status_to_name}" if e.status_from_name else e.status_to_name,
                    when(e.step_deadline_local),
                    e.note,
                )
                for e in loaded.timeline
            ],
            stretch=5,
        )
        self.timeline_table.setRowCount(fresh.rowCount())
        for r in range(fresh.rowCount()):
            for c in range(fresh.columnCount()):
                self.timeline_table.setItem(r, c, fresh.takeItem(r, c))
        fresh.deleteLater()
        self.timeline_table.resizeRowsToContents()
        self.timeline_table.scrollToBottom()

    def _show_returned(self, payload: dict[str, Any]) -> None:
        verdict = work.timeliness_label(payload.get("timeliness"))
        who = payload.get("collector_name", "")
        text = (
            _("Đã trả kết quả — {verdict}").format(verdict=verdict.upper())
            if verdict
            else _("Đã trả kết quả")
        )
        fee = format_money(int(payload.get("fee_collected") or 0))
        self.handover.show_verdict(
            text,
            payload.get("timeliness"),
            _("Người nhận: {who} · Lệ phí thu sau: {fee}").format(who=who, fee=fee),
        )

    # --- actions --------------------------------------------------------------------------------------
    def run_action(self, action: str) -> None:
        """Ask what the action needs, then apply it in one transaction against the loaded version."""
        loaded = self.loaded
        if loaded is None:
            self.say(_("Hãy tải một hồ sơ trước."), error=True)
            self.code_edit.setFocus()
            return
        try:
            fields = self.handover.fields() if action == "returned" else self.fields_hook(action, loaded)
        except FieldErrors as error:
            self._refused(error)
            return
        if fields is None:
            self.say(_("Đã hủy thao tác."))
            return
        self._ctx.runner.run_db(
            partial(work.act, self._ctx, loaded.code, action, loaded.version, fields, self.policy),
            self._on_action_done,
            partial(self._on_action_error, loaded.code),
        )

    def _on_action_done(self, outcome: work.ActionOutcome) -> None:
        result = outcome.result
        local_change(self._ctx)  # the step goes to the central server soon
        self.last_result = result
        label = _(ACTION_LABELS.get(result.action, result.action))
        message = _("Đã thực hiện: {action}. Trạng thái: {status}.").format(
            action=label, status=_(STATUS_NAMES.get(result.status_to, ""))
        )
        if result.action in ("supplement_received", "extended") and result.appointment_local:
            message = _("Đã thực hiện: {action}. Hẹn trả mới: {when}.").format(
                action=label, when=when(result.appointment_local)
            )
        if result.action == "returned":
            verdict = result.timeliness.label if result.timeliness else ""
            message = _("Đã trả kết quả") + (f" ({verdict})." if verdict else ".")
        if outcome.form is not None:
            message += " " + _("Đã in {form}.").format(form=_(work.FORM_NAMES[outcome.form.kind]))
        if outcome.print_error:
            message += (
                " "
                + outcome.print_error
                + " "
                + _("Bấm «{button}» để in lại.").format(button=_(PRINT_TEXTS[work.FORM_AFTER[result.action]]))
            )
            message = message.replace("&", "")
        self.say(message, error=bool(outcome.print_error))
        self.load_code(result.code, message=message)
        if outcome.form is not None:
            self.last_form = outcome.form
            self._show_form(outcome.form)

    def _on_action_error(self, code: str, error: BaseException) -> None:
        self._refused(error)
        if isinstance(error, UserFacingError) and not isinstance(error, FieldErrors):
            self.load_code(code, message=self.status.text())  # it may have changed meanwhile

    # --- printing -------------------------------------------------------------------------------------
    def print_form(self, kind: str) -> None:
        """Print again a paper of the loaded dossier's latest step of its kind, or (with a reason) the receipt."""
        loaded = self.loaded
        if loaded is None:
            self.say(_("Hãy tải một hồ sơ trước."), error=True)
            self.code_edit.setFocus()
            return
        job: Callable[[], PrintedForm]
        if kind == "receipt":
            reason = self.reason_hook(
                _("In lại giấy tiếp nhận"), _("Lý do in lại (ví dụ: công dân làm mất giấy hẹn):")
            )
            if not reason:
                self.say(_("Đã hủy in lại giấy tiếp nhận."))
                return
            job = partial(print_form, self._ctx, loaded.code, "receipt", None, reason)
            self._reprint_reason = reason  # kept for the approval dialog if a supervisor must approve
        else:
            job = partial(print_form, self._ctx, loaded.code, kind)
        self._ctx.runner.run_db(
            job, partial(self._on_printed, loaded.code), partial(self._on_print_failed, kind)
        )

    def _on_printed(self, code: str, printed: PrintedForm) -> None:
        self.last_form = printed
        template = _("Đã in lại {form}. Tệp: {path}") if printed.reprint else _("Đã in {form}. Tệp: {path}")
        message = template.format(form=_(work.FORM_NAMES.get(printed.kind, printed.kind)), path=printed.path)
        self.say(message)
        if printed.kind == "receipt":  # the timeline now shows the reprint
            self.load_code(code, message=message)
        self._show_form(printed)

    def _on_print_failed(self, kind: str, error: BaseException) -> None:
        if isinstance(error, ReprintNeedsApproval):
            code = error.code
            answer_needs_approval(
                self.approval_hook, error, self._reprint_reason, partial(self._on_printed, code), self.say
            )
            return
        self.say(print_failure(kind, error), error=True)
        if not isinstance(error, (UserFacingError, OSError)):
            self.error_hook(error)

    def _show_form(self, printed: PrintedForm) -> None:
        try:
            self.preview_hook(printed)
        except UserFacingError as exc:  # the PDF is kept; say why it cannot be shown
            self.say(exc.message + " " + _("Tệp đã lưu: {path}").format(path=printed.path), error=True)
        except Exception as exc:
            self.say(
                _("Không xem trước được phiếu; tệp đã lưu: {path}").format(path=printed.path), error=True
            )
            self.error_hook(exc)

    def _preview(self, printed: PrintedForm) -> None:
        preview_pdf(self, printed.path, _(work.FORM_NAMES.get(printed.kind, printed.kind)))
