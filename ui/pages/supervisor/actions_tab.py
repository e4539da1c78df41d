"""The "Thao tác" tab: approve reprints, correct intake data, and close the day (chốt sổ ngày)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.clock import utc_to_local
from counter_app.i18n import N_, _, _n
from counter_app.services import corrections, day_close, reprints
from counter_app.services.corrections import Correction, IntakeValues
from counter_app.services.day_close import DaySummary, SyncAttempt
from counter_app.services.forms import PrintedForm
from counter_app.services.periods import local_today
from counter_app.services.reprints import ReprintRequest
from counter_app.text import group_thousands
from ui.context import AppContext
from ui.errors import show_error
from ui.pages.intake.notices import ask_text
from ui.pages.intake.print_preview import preview_pdf
from ui.pages.supervisor.correction_dialog import CorrectionDialog
from ui.pages.supervisor.widgets import box
from ui.table_model import RowsModel

REQUEST_HEADERS = (
    N_("Mã hồ sơ"),
    N_("Người nộp"),
    N_("Giấy tờ"),
    N_("Lý do in lại"),
    N_("Cán bộ yêu cầu"),
    N_("Lúc"),
)
DayClosed = tuple[DaySummary, Path, SyncAttempt]


def _request_cells(r: ReprintRequest) -> list[str]:
    return [
        r.code,
        r.applicant_name,
        _(r.form_name),
        r.reason,
        r.requested_by,
        f"{r.requested_at_local:%H:%M %d/%m}",
    ]


NOT_A_CORRECTOR = N_("Chỉ lãnh đạo được sửa thông tin tiếp nhận; quản trị viên không sửa dữ liệu hồ sơ.")


class ActionsTab(QWidget):
    """Supervisor actions. Dialogs go through hooks (`confirm_hook`, `reason_hook`, `preview_hook`,
    `correction_hook`) so tests never wait on a modal dialog."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.confirm_hook: Callable[[str, str], bool] = self._confirm
        self.reason_hook: Callable[[str, str], str | None] = partial(ask_text, self)
        self.preview_hook: Callable[[Path, str], None] = partial(preview_pdf, self)
        self.correction_hook: Callable[[IntakeValues], Correction | None] = self._run_correction_dialog

        self.requests_model = RowsModel([_(h) for h in REQUEST_HEADERS], _request_cells)
        self.requests = QTableView()
        self.requests.setModel(self.requests_model)
        self.requests.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.requests.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.requests.verticalHeader().setVisible(False)
        self.requests.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.requests.activated.connect(lambda _i: self.approve_selected())
        self.approve_button = QPushButton(_("Duyệt và in (Enter)"))
        self.refuse_button = QPushButton(_("Không duyệt…"))
        self.reload_button = QPushButton(_("Tải lại"))
        self.approve_button.clicked.connect(self.approve_selected)
        self.refuse_button.clicked.connect(self.refuse_selected)
        self.reload_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for button in (self.approve_button, self.refuse_button, self.reload_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        requests_layout = QVBoxLayout()
        requests_layout.addWidget(self.requests, 1)
        requests_layout.addLayout(buttons)
        self.requests_box = box(_("Yêu cầu in lại chờ duyệt"))
        self.requests_box.setLayout(requests_layout)

        self.code = QLineEdit(placeholderText=_("Mã hồ sơ (quét mã vạch hoặc gõ), Enter để mở"))
        self.code.setProperty("scannerPassthrough", True)
        self.code.returnPressed.connect(self.open_correction)
        self.correct_button = QPushButton(_("Sửa thông tin tiếp nhận…"))
        self.correct_button.clicked.connect(self.open_correction)
        correction_row = QHBoxLayout()
        correction_row.addWidget(self.code, 1)
        correction_row.addWidget(self.correct_button)
        correction_box = box(_("Sửa thông tin tiếp nhận (có lưu thông tin cũ, lý do và người sửa)"))
        correction_box.setLayout(correction_row)

        self.close_button = QPushButton(_("Chốt sổ hôm nay… (Ctrl+K)"))
        self.close_button.clicked.connect(self.close_day)
        QShortcut(QKeySequence("Ctrl+K"), self, activated=self.close_day)
        self.close_result = QLabel(
            _(
                "Chốt sổ: thử đồng bộ với máy chủ trung tâm, liệt kê các thay đổi chưa gửi và in bản tổng hợp "
                "một trang của ngày."
            )
        )
        self.close_result.setWordWrap(True)
        close_layout = QVBoxLayout()
        close_layout.addWidget(self.close_result)
        close_layout.addWidget(self.close_button)
        close_box = box(_("Chốt sổ ngày"))
        close_box.setLayout(close_layout)

        notes = QLabel(
            _(
                "Duyệt gia hạn lần hai: lãnh đạo nhập mật khẩu ngay trong hộp thoại gia hạn ở trang Trả kết quả. "
                "Xử lý xung đột đồng bộ: thuộc phần Đồng bộ (counter-admin conflicts)."
            )
        )
        notes.setWordWrap(True)
        notes.setStyleSheet("color: #5f6368;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.requests_box, 1)
        layout.addWidget(correction_box)
        layout.addWidget(close_box)
        layout.addWidget(self.message)
        layout.addWidget(notes)

    # --- reprint approvals ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the reprint requests waiting for a decision; corrections only for a supervisor."""
        may_correct = self._ctx.role in corrections.CORRECTOR_ROLES
        self.code.setEnabled(may_correct)
        self.correct_button.setEnabled(may_correct)
        self.correct_button.setToolTip("" if may_correct else _(NOT_A_CORRECTOR))
        db, now = self._ctx.db, self._ctx.clock.now_utc()

        def load() -> list[ReprintRequest]:
            with db.read() as session:
                return reprints.pending_requests(session, now)

        self._ctx.runner.run_db(load, self._show_requests, lambda e: show_error(self, e))

    def _show_requests(self, found: list[ReprintRequest]) -> None:
        self.requests_model.set_rows(found)
        self.requests_box.setTitle(_("Yêu cầu in lại chờ duyệt: {n}").format(n=len(found)))
        if found:
            self.requests.selectRow(0)
        on = bool(found)
        self.approve_button.setEnabled(on)
        self.refuse_button.setEnabled(on)

    def selected_request(self) -> ReprintRequest | None:
        """The request on the selected row."""
        rows = self.requests.selectionModel().selectedRows() if self.requests.selectionModel() else []
        request: ReprintRequest | None = self.requests_model.row_at(rows[0].row()) if rows else None
        return request

    def approve_selected(self) -> None:
        """Approve the selected request: record the decision and print the reprint now."""
        request = self.selected_request()
        if request is None:
            return
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id or ""

        def work() -> PrintedForm:
            with db.write() as session:
                return reprints.approve_reprint(session, clock, request.id, user)

        def done(printed: PrintedForm) -> None:
            self.say(
                _("Đã duyệt và in lại {form} của hồ sơ {code}. Tệp: {path}").format(
                    form=_(request.form_name), code=request.code, path=printed.path
                )
            )
            self.refresh()
            self._preview(printed.path, _(request.form_name))

        self._ctx.runner.run_db(work, done, self._failed)

    def refuse_selected(self) -> None:
        """Refuse the selected request, with a reason."""
        request = self.selected_request()
        if request is None:
            return
        reason = self.reason_hook(
            _("Không duyệt in lại"), _("Lý do không duyệt in lại hồ sơ {code}:").format(code=request.code)
        )
        if not reason:
            return
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id or ""

        def work() -> None:
            with db.write() as session:
                reprints.refuse_reprint(session, clock, request.id, user, reason)

        def done(_none: None) -> None:
            self.say(_("Đã không duyệt yêu cầu in lại hồ sơ {code}.").format(code=request.code))
            self.refresh()

        self._ctx.runner.run_db(work, done, self._failed)

    # --- corrections ------------------------------------------------------------------------------------
    def open_correction(self) -> None:
        """Load the dossier whose code is typed and open the correction form."""
        code = self.code.text().strip()
        if self._ctx.role not in corrections.CORRECTOR_ROLES:
            self.say(_(NOT_A_CORRECTOR), error=True)
            return
        if not code:
            self.say(_("Hãy nhập hoặc quét mã hồ sơ cần sửa."), error=True)
            self.code.setFocus()
            return
        db = self._ctx.db

        def load() -> IntakeValues:
            with db.read() as session:
                return corrections.intake_values(session, code)

        self._ctx.runner.run_db(load, self._on_values_loaded, self._failed)

    def _on_values_loaded(self, values: IntakeValues) -> None:
        correction = self.correction_hook(values)
        if correction is None:
            self.say(_("Chưa sửa gì."))
            return
        changed = "; ".join(f"{_(c.label)}: {c.before} → {c.after}" for c in correction.changes)
        self.say(_("Đã sửa hồ sơ {code}: {changes}.").format(code=correction.code, changes=changed))
        self.code.clear()

    def _run_correction_dialog(self, values: IntakeValues) -> Correction | None:
        dialog = CorrectionDialog(self._ctx, values, self)
        dialog.exec()
        return dialog.result_correction

    # --- day close --------------------------------------------------------------------------------------
    def close_day(self) -> None:
        """Try to sync, then sum up the day, keep its PDF and show it (after a confirmation)."""
        today = local_today(self._ctx.clock.now_utc())
        question = _(
            "Chốt sổ ngày {day}?\nPhần mềm sẽ thử đồng bộ, liệt kê các thay đổi chưa gửi và in bản "
            "tổng hợp của ngày."
        ).format(day=f"{today:%d/%m/%Y}")
        if not self.confirm_hook(_("Chốt sổ ngày"), question):
            return
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id or ""
        self.close_button.setEnabled(False)
        self.close_result.setText(_("Đang thử đồng bộ và chốt sổ…"))

        def work() -> DayClosed:
            attempt = day_close.try_sync(db, clock)
            with db.write() as session:
                summary, path, _pdf = day_close.close_day(session, clock, user, attempt)
            return summary, path, attempt

        self._ctx.runner.run_db(work, self._on_closed, self._on_close_failed)

    def _on_closed(self, closed: DayClosed) -> None:
        summary, path, attempt = closed
        self.close_button.setEnabled(True)
        depth = summary.sync.queue_depth
        unsent = (
            _("Không còn thay đổi nào chưa gửi.")
            if depth == 0
            else _n("Còn {n} thay đổi chưa gửi", depth).format(n=group_thousands(depth))
        )
        if depth:
            oldest = summary.unsent[0] if summary.unsent else None
            unsent += (
                _(" (cũ nhất: {kind}, {code}, {when}).").format(
                    kind=oldest.kind, code=oldest.code, when=f"{oldest.created_local:%H:%M %d/%m}"
                )
                if oldest
                else "."
            )
        self.close_result.setText(
            "<b>"
            + _("Đã chốt sổ ngày {day}").format(day=f"{summary.day:%d/%m/%Y}")
            + "</b> "
            + _("lúc {time}: tiếp nhận {received}, đã giải quyết {finished}, đã trả {returned}.").format(
                time=f"{utc_to_local(summary.now_utc):%H:%M}",
                received=group_thousands(summary.received_total),
                finished=group_thousands(summary.finished[0]),
                returned=group_thousands(summary.returned),
            )
            + f"<br>{attempt.message}<br>{unsent}<br>"
            + _("Bản tổng hợp: {path}").format(path=path)
        )
        self._preview(path, _("Chốt sổ ngày {day}").format(day=f"{summary.day:%d/%m/%Y}"))

    def _on_close_failed(self, error: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.close_result.setText(_("Chưa chốt sổ được."))
        self._failed(error)

    # --- helpers ----------------------------------------------------------------------------------------
    def _preview(self, path: Path, title: str) -> None:
        try:
            self.preview_hook(path, title)
        except Exception as exc:  # the PDF is kept; say why it cannot be shown
            self.say(_("Không xem trước được; tệp đã lưu: {path}").format(path=path), error=True)
            show_error(self, exc)

    def _confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def _failed(self, error: BaseException) -> None:
        show_error(self, error)

    def say(self, text: str, *, error: bool = False) -> None:
        """A one-line outcome under the actions."""
        self.message.setStyleSheet("color: #b71c1c;" if error else "color: #1b5e20;")
        self.message.setText(text)
