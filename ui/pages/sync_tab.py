"""The "Đồng bộ" tab of the admin page: enrol with the central server, the queue, USB export, conflicts.

Enrolment runs on the DB worker (an HTTP call and one transaction); its refusals are shown next to the
field they concern. Conflicts show both sides side by side; only a supervisor or an administrator may
resolve them ("Gửi lại" = send the refused op again, "Theo máy chủ" = take the server's state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from counter_app.clock import utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _, _n
from counter_app.services import users
from counter_app.services.counter_setup import CounterIdentity, load_identity
from counter_app.services.dossier_query import STATUS_NAMES
from counter_app.services.workflow import ACTION_LABELS
from counter_app.sync import conflicts, state, usb
from counter_app.sync.conflicts import ConflictView
from counter_app.sync.enrol import EnrolResult, enrol
from counter_app.sync.status import QueueStatus, queue_status
from counter_app.sync.usb import ExportResult
from ui.context import AppContext
from ui.errors import show_error
from ui.progress import ProgressJob
from ui.signin import error_label, set_message
from ui.sync_bridge import SyncSnapshot, bridge_of, relative_time
from ui.table_model import RowsModel

RESOLVER_ROLES = ("supervisor", "admin")
ENROL_FIELDS = ("server_url", "code", "ca_bundle")
CONFLICT_HEADERS = (N_("Số"), N_("Mã hồ sơ"), N_("Loại"), N_("Ghi nhận lúc"), N_("Chi tiết"))
SIDE_HEADERS = (N_("Mục"), N_("Tại quầy"), N_("Trên máy chủ"))
CLERK_NOTE = N_(
    "Chỉ lãnh đạo (giám sát) hoặc quản trị viên được xử lý xung đột. "
    "Bạn xem được danh sách; hãy báo lãnh đạo để quyết định."
)
ERROR_EXPLAINED = {
    "stale_status": N_(
        "Trên máy chủ, hồ sơ đã chuyển sang trạng thái khác trước khi thao tác tại quầy tới nơi."
    ),
    "invalid_transition": N_("Trạng thái trên máy chủ không cho phép thao tác này."),
    "code_not_in_slot": N_("Mã hồ sơ nằm ngoài dải số máy chủ cấp cho quầy này."),
    "code_taken": N_("Mã hồ sơ đã thuộc về một hồ sơ khác trên máy chủ."),
    "not_owner": N_("Hồ sơ thuộc cơ quan khác."),
    "unknown_dossier": N_("Máy chủ chưa có hồ sơ này."),
    "op_id_reused": N_("Cùng mã thao tác nhưng nội dung khác: không gửi lại được, hãy báo quản trị."),
    "invalid_op": N_("Dữ liệu thao tác không hợp lệ."),
}


@dataclass(frozen=True)
class SyncOverview:
    """What the tab shows: the enrolment (no secrets), the queue, and the conflict list."""

    enrolment: state.Enrolment | None
    queue: QueueStatus
    conflicts: list[ConflictView]
    now: datetime


def _when(value: Any) -> str:
    """An instant (datetime or ISO text, UTC) as local "dd/mm/yyyy hh:mm"; "—" when empty."""
    if not value:
        return "—"
    try:
        instant = value if isinstance(value, datetime) else state.parse_instant(str(value))
    except ValueError:
        return str(value)
    return utc_to_local(instant).strftime("%d/%m/%Y %H:%M") if instant else "—"


def _status(value: Any) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{_(STATUS_NAMES.get(int(value), str(value)))} ({int(value)})"
    except (TypeError, ValueError):
        return str(value)


def _action(kind: Any) -> str:
    return _(ACTION_LABELS.get(str(kind), str(kind))) if kind else "—"


def sides(view: ConflictView) -> list[tuple[str, str, str]]:
    """Both sides of a conflict, field by field, in Vietnamese."""
    here: dict[str, Any] = view.local.get("dossier") or {}
    op: dict[str, Any] = view.local.get("op") or {}
    payload = op.get("payload") if isinstance(op.get("payload"), dict) else {}
    event = payload.get("event") if isinstance(payload, dict) else None
    there = view.server
    events = there.get("events") if isinstance(there.get("events"), list) else []
    last_event = events[-1] if events else {}
    local_action = _action(event.get("kind")) if isinstance(event, dict) else _action(op.get("kind"))
    return [
        (_("Trạng thái"), _status(here.get("status")), _status(there.get("status"))),
        (_("Hẹn trả"), _when(here.get("appointment_at")), _when(there.get("appointment_at"))),
        (_("Có kết quả lúc"), _when(here.get("finished_at")), _when(there.get("finished_at"))),
        (_("Đã trả lúc"), _when(here.get("returned_at")), _when(there.get("returned_at"))),
        (_("Phiên bản"), str(here.get("version", "—")), str(there.get("version", "—"))),
        (
            _("Thao tác"),
            _("{action} (chờ gửi)").format(action=local_action) if op else "—",
            _("{action} (gần nhất)").format(action=_action(last_event.get("kind"))) if last_event else "—",
        ),
    ]


def conflict_cells(view: ConflictView) -> tuple[str, ...]:
    """One row of the conflict list."""
    return (str(view.id), view.code, view.kind_label, _when(view.created_at), view.detail or view.error_code)


def load_overview(session: Session, now: datetime) -> SyncOverview:
    """Everything the tab shows, in one read."""
    return SyncOverview(
        state.load_enrolment(session), queue_status(session), conflicts.list_conflicts(session), now
    )


def resolve_conflict(session: Session, ctx: AppContext, conflict_id: int, resolution: str) -> ConflictView:
    """Resolve one conflict as the signed-in user, who must be a supervisor or an administrator."""
    users.require_role(session, ctx.user_id, *RESOLVER_ROLES)
    return conflicts.resolve(session, ctx.clock, conflict_id, ctx.user_id, resolution)


class SyncTab(QWidget):
    """Enrolment, queue, USB export and the conflict list."""

    sig_identity_changed = Signal(object)  # CounterIdentity: enrolment set the agency code and slot

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.overview: SyncOverview | None = None
        self.last_export: ExportResult | None = None

        # Enrolment form.
        self.server_url = QLineEdit(placeholderText="https://motcua.tinh.gov.vn")
        self.code = QLineEdit(placeholderText=_("mã một lần do quản trị máy chủ cấp"))
        self.ca_bundle = QLineEdit(placeholderText=_("(không bắt buộc) tệp chứng chỉ .pem của tỉnh"))
        self.ca_button = QPushButton(_("Chọn tệp…"))
        self.ca_button.clicked.connect(self._on_ca_button_clicked)
        self.errors = {name: error_label() for name in ENROL_FIELDS}
        self.form_error = error_label()
        self.enrol_button = QPushButton(_("Đăng ký"))
        self.enrol_button.setDefault(True)
        self.enrol_button.clicked.connect(self.enrol)
        self.enrol_note = QLabel()
        self.enrol_note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Địa chỉ máy chủ"), self._with_error(self.server_url, "server_url"))
        form.addRow(_("Mã đăng ký"), self._with_error(self.code, "code"))
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_bundle, 1)
        ca_row.addWidget(self.ca_button)
        ca_box = QVBoxLayout()
        ca_box.setContentsMargins(0, 0, 0, 0)
        ca_box.addLayout(ca_row)
        ca_box.addWidget(self.errors["ca_bundle"])
        form.addRow(_("Chứng chỉ CA"), ca_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.enrol_button)
        buttons.addWidget(self.enrol_note, 1)
        form.addRow("", buttons)
        form.addRow("", self.form_error)
        self.enrol_group = QGroupBox(_("Đăng ký với máy chủ trung tâm"))
        self.enrol_group.setLayout(form)

        # The enrolment and the queue.
        self.info = {
            key: QLabel("—")
            for key in (
                "server",
                "counter",
                "agency",
                "slot",
                "enrolled_at",
                "depth",
                "last",
                "error",
                "skew",
            )
        }
        for label in self.info.values():
            label.setWordWrap(True)
        info_form = QFormLayout()
        for key, title in (
            ("server", _("Máy chủ")),
            ("counter", _("Tên quầy")),
            ("agency", _("Cơ quan")),
            ("slot", _("Số quầy (dải mã)")),
            ("enrolled_at", _("Đăng ký lúc")),
            ("depth", _("Thao tác chờ gửi")),
            ("last", _("Đồng bộ thành công")),
            ("error", _("Lỗi lần trước")),
            ("skew", _("Đồng hồ")),
        ):
            info_form.addRow(title, self.info[key])
        self.export_button = QPushButton(_("Xuất hàng đợi ra tệp (USB)"))
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        info_box = QVBoxLayout()
        info_box.addLayout(info_form)
        info_box.addWidget(self.export_button)
        info_box.addWidget(self.export_status)
        self.info_group = QGroupBox(_("Tình trạng đồng bộ"))
        self.info_group.setLayout(info_box)

        # Conflicts.
        self.conflict_model = RowsModel([_(h) for h in CONFLICT_HEADERS], conflict_cells)
        self.conflict_view = QTableView()
        self.conflict_view.setModel(self.conflict_model)
        self.conflict_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.conflict_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.conflict_view.verticalHeader().setVisible(False)
        self.conflict_view.setWordWrap(False)
        for column, width in enumerate((36, 180, 160, 116)):
            self.conflict_view.setColumnWidth(column, width)
        self.conflict_view.horizontalHeader().setStretchLastSection(True)
        self.conflict_view.selectionModel().selectionChanged.connect(self._on_conflict_selection_changed)
        self.side_model = RowsModel([_(h) for h in SIDE_HEADERS], lambda row: row)
        self.side_view = QTableView()
        self.side_view.setModel(self.side_model)
        self.side_view.verticalHeader().setVisible(False)
        self.side_view.setWordWrap(False)
        self.side_view.setSelectionMode(QTableView.SelectionMode.NoSelection)
        self.side_view.setColumnWidth(0, 130)
        side_header = self.side_view.horizontalHeader()
        side_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        side_header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.conflict_title = QLabel(_("Chọn một xung đột để xem hai phía."))
        self.conflict_title.setWordWrap(True)
        self.conflict_detail = QLabel()
        self.conflict_detail.setWordWrap(True)
        self.retry_button = QPushButton(_("Gửi lại"))
        self.retry_button.setToolTip(_("Gửi lại thao tác bị từ chối (khi phía máy chủ đã được sửa)"))
        self.retry_button.clicked.connect(partial(self.resolve_selected, conflicts.RETRY))
        self.server_button = QPushButton(_("Theo máy chủ"))
        self.server_button.setToolTip(_("Lấy trạng thái trên máy chủ cho hồ sơ này; thao tác tại quầy bị bỏ"))
        self.server_button.clicked.connect(partial(self.resolve_selected, conflicts.ACCEPT_SERVER))
        self.role_note = QLabel(_(CLERK_NOTE))
        self.role_note.setWordWrap(True)
        self.role_note.setStyleSheet("color: #7a4b00;")
        self.conflict_message = QLabel()
        self.conflict_message.setWordWrap(True)
        actions = QHBoxLayout()
        actions.addWidget(self.retry_button)
        actions.addWidget(self.server_button)
        actions.addStretch(1)
        conflict_box = QVBoxLayout()
        conflict_box.addWidget(self.conflict_view, 2)
        conflict_box.addWidget(self.conflict_title)
        conflict_box.addWidget(self.side_view, 3)
        conflict_box.addWidget(self.conflict_detail)
        conflict_box.addLayout(actions)
        conflict_box.addWidget(self.role_note)
        conflict_box.addWidget(self.conflict_message)
        self.conflict_group = QGroupBox(_("Xung đột đồng bộ chờ xử lý"))
        self.conflict_group.setLayout(conflict_box)

        left = QVBoxLayout()
        left.addWidget(self.enrol_group)
        left.addWidget(self.info_group)
        left.addStretch(1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(500)
        layout = QHBoxLayout(self)
        layout.addWidget(left_widget)
        layout.addWidget(self.conflict_group, 1)
        self._show_role()
        self._enable_actions()

    def _with_error(self, edit: QLineEdit, field: str) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit)
        box.addWidget(self.errors[field])
        return box

    @property
    def can_resolve(self) -> bool:
        """Is the signed-in user allowed to resolve conflicts?"""
        return self._ctx.role in RESOLVER_ROLES

    def _show_role(self) -> None:
        self.role_note.setVisible(not self.can_resolve)
        admin = self._ctx.role == "admin"
        for widget in (self.server_url, self.code, self.ca_bundle, self.ca_button, self.enrol_button):
            widget.setEnabled(admin)
        if not admin:
            self.enrol_note.setText(_("Chỉ quản trị viên đăng ký được quầy."))

    # --- loading --------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the enrolment, the queue and the conflict list."""
        self._show_role()
        db, clock = self._ctx.db, self._ctx.clock

        def load() -> SyncOverview:
            with db.read() as session:
                return load_overview(session, clock.now_utc())

        self._ctx.runner.run_db(load, self._show, lambda exc: show_error(self, exc))

    def show_snapshot(self, _snapshot: SyncSnapshot) -> None:
        """A sync round ended: reload when the tab is on screen (the list may have changed)."""
        if self.isVisible():
            self.refresh()

    def _show(self, overview: SyncOverview) -> None:
        self.overview = overview
        enrolment, queue = overview.enrolment, overview.queue
        if enrolment is None:
            values = dict.fromkeys(self.info, "—")
            values["server"] = _("Chưa đăng ký (quầy làm việc độc lập)")
            self.enrol_button.setText(_("Đăng ký"))
        else:
            values = {
                "server": enrolment.server_url,
                "counter": enrolment.counter_name,
                "agency": f"{enrolment.agency_code} · {enrolment.agency_name}",
                "slot": str(enrolment.slot),
                "enrolled_at": _when(enrolment.enrolled_at),
                "depth": str(queue.depth),
                "last": relative_time(queue.last_success_at, overview.now)
                + (f" ({_when(queue.last_success_at)})" if queue.last_success_at else ""),
                "error": queue.last_error or _("không có"),
                "skew": queue.skew_warning or _("khớp với máy chủ"),
            }
            self.enrol_button.setText(_("Đăng ký lại"))
            if self._ctx.role == "admin":
                self.enrol_note.setText(_("Quầy đã đăng ký; đăng ký lại cần mã mới."))
        for key, label in self.info.items():
            label.setText(values[key])
        self.export_button.setEnabled(enrolment is not None)
        selected = self.selected_conflict()
        self.conflict_model.set_rows(overview.conflicts)
        self.conflict_group.setTitle(_("Xung đột đồng bộ chờ xử lý ({n})").format(n=len(overview.conflicts)))
        again = next((i for i, c in enumerate(overview.conflicts) if selected and c.id == selected.id), None)
        if again is None and overview.conflicts:
            again = 0
        if again is not None:
            self.conflict_view.selectRow(again)
        else:
            self._show_conflict(None)

    # --- enrolment ------------------------------------------------------------------------------------
    def _on_ca_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Chọn tệp chứng chỉ CA"), "", _("Chứng chỉ (*.pem *.crt *.cer);;Mọi tệp (*)")
        )
        if path:
            self.ca_bundle.setText(path)

    def show_errors(self, errors: dict[str, str]) -> None:
        """Messages next to their fields; others under the button."""
        for name, label in self.errors.items():
            set_message(label, errors.get(name, ""))
        set_message(self.form_error, errors.get("", ""))

    def enrol(self) -> None:
        """Enrol with the server (off the GUI thread); an enrolled counter re-enrols with a new code."""
        if self._ctx.role != "admin":
            self.show_errors({"": _("Chỉ quản trị viên đăng ký được quầy với máy chủ.")})
            return
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id
        url, code, ca = self.server_url.text(), self.code.text(), self.ca_bundle.text().strip() or None
        force = self.overview is not None and self.overview.enrolment is not None

        def job() -> tuple[EnrolResult, CounterIdentity]:
            result = enrol(db, clock, url, code, ca, force=force, by_user_id=user)
            with db.read() as session:
                return result, load_identity(session)

        self.show_errors({})
        self.enrol_button.setEnabled(False)
        self.enrol_note.setText(_("Đang kết nối máy chủ…"))
        self._ctx.runner.run_db(job, self._on_enrolled, self._on_enrol_failed)

    def _on_enrolled(self, done: tuple[EnrolResult, CounterIdentity]) -> None:
        result, identity = done
        self.enrol_button.setEnabled(True)
        self.code.clear()
        self.enrol_note.setText(
            _("Đã đăng ký: quầy “{counter}” của {agency}, số quầy {slot}.").format(
                counter=result.counter_name, agency=result.agency_name or result.agency_code, slot=result.slot
            )
        )
        self._ctx.identity = identity
        self.sig_identity_changed.emit(identity)
        bridge = bridge_of(self._ctx)
        if bridge is not None:
            bridge.start()
        self.refresh()

    def _on_enrol_failed(self, error: BaseException) -> None:
        self.enrol_button.setEnabled(True)
        self.enrol_note.setText("")
        if isinstance(error, UserFacingError):
            field = error.field if error.field in ENROL_FIELDS else ""
            self.show_errors({field or "": error.message})
        else:
            show_error(self, error)

    # --- USB export -----------------------------------------------------------------------------------
    def _on_export_button_clicked(self) -> None:
        stamp = utc_to_local(self._ctx.clock.now_utc()).strftime("%Y%m%d-%H%M")
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Xuất hàng đợi ra tệp"), f"hang-doi-{stamp}.json", _("Tệp hàng đợi (*.json)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the signed file of unsent ops to `path` (a USB stick)."""
        db, clock = self._ctx.db, self._ctx.clock
        self.export_status.setText(_("Đang ghi tệp…"))
        # Progress with "Huỷ" (ui/progress.py); a cancelled export writes no file.
        label = _("Đang ghi {name}…").format(name=path.name)
        self.export_job = ProgressJob(self, self._ctx.runner, _("Xuất hàng đợi ra tệp"), label)
        self.export_job.start(
            lambda control: usb.export_outbox(db, clock, path, control),
            self._on_exported,
            self._on_export_failed,
            lambda: self.export_status.setText(_("Đã huỷ.")),
        )

    def _on_exported(self, result: ExportResult) -> None:
        self.last_export = result
        self.export_status.setStyleSheet("")
        self.export_status.setText(
            _n(
                "Đã ghi {n} thao tác vào {path}. Mang tệp tới máy chủ trung tâm để nhập; "
                "các thao tác vẫn chờ gửi và sẽ được máy chủ nhận một lần.",
                result.ops,
            ).format(n=result.ops, path=result.path)
        )

    def _on_export_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.export_status.setStyleSheet("color: #b00020;")
            self.export_status.setText(error.message)
        else:
            self.export_status.setText("")
            show_error(self, error)

    # --- conflicts ------------------------------------------------------------------------------------
    def selected_conflict(self) -> ConflictView | None:
        """The conflict selected in the list."""
        rows = self.conflict_view.selectionModel().selectedRows()
        found = self.conflict_model.row_at(rows[0].row()) if rows else None
        return found if isinstance(found, ConflictView) else None

    def _on_conflict_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_conflict(self.selected_conflict())

    def _show_conflict(self, view: ConflictView | None) -> None:
        if view is None:
            self.side_model.set_rows([])
            self.conflict_title.setText(_("Không có xung đột nào chờ xử lý."))
            self.conflict_detail.setText("")
        else:
            self.side_model.set_rows(sides(view))
            self.conflict_title.setText(
                "<b>" + _("Hồ sơ {code}").format(code=view.code) + f"</b> — {view.kind_label}"
            )
            explained = (
                _(ERROR_EXPLAINED.get(view.error_code, "")) if view.error_code in ERROR_EXPLAINED else ""
            )
            self.conflict_detail.setText(
                _("Lý do: {reason}").format(
                    reason=" ".join(part for part in (view.detail, explained) if part)
                )
            )
        self._enable_actions()

    def _enable_actions(self) -> None:
        view = self.selected_conflict()
        self.retry_button.setEnabled(self.can_resolve and view is not None and view.kind != "quarantine")
        self.server_button.setEnabled(self.can_resolve and view is not None)

    def resolve_selected(self, resolution: str) -> None:
        """Resolve the selected conflict ("Gửi lại" or "Theo máy chủ"), then sync."""
        view = self.selected_conflict()
        if view is None:
            set_message(self.conflict_message, _("Hãy chọn một xung đột trong danh sách."))
            return
        if not self.can_resolve:
            self.conflict_message.setStyleSheet("color: #b00020;")
            set_message(self.conflict_message, _("Bạn không có quyền xử lý xung đột."))
            return
        db, ctx = self._ctx.db, self._ctx

        def job() -> ConflictView:
            with db.write() as session:
                return resolve_conflict(session, ctx, view.id, resolution)

        self._ctx.runner.run_db(job, self._on_resolved, self._on_resolve_failed)

    def _on_resolved(self, view: ConflictView) -> None:
        how = _("gửi lại") if view.resolution == conflicts.RETRY else _("lấy theo máy chủ")
        self.conflict_message.setStyleSheet("")
        set_message(
            self.conflict_message,
            _("Đã xử lý xung đột của hồ sơ {code}: {how}.").format(code=view.code, how=how),
        )
        bridge = bridge_of(self._ctx)
        if bridge is not None:
            bridge.kick()
        self.refresh()

    def _on_resolve_failed(self, error: BaseException) -> None:
        if isinstance(error, UserFacingError):
            self.conflict_message.setStyleSheet("color: #b00020;")
            set_message(self.conflict_message, error.message)
        else:
            show_error(self, error)
