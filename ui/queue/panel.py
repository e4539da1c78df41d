"""The desk's calling panel (a dock of the main window): next, recall, no-show, park, transfer,
start intake, priority tickets, out-of-turn calls (supervisors). Optional: when the queue host is
unreachable it says so in red and the rest of the window — intake included — works as before."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.queue.backend import QueueBackend
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.model import PRIORITY_LABELS, STATE_LABELS, SUPERVISOR_ROLES, DeskView, LineInfo
from counter_app.queue.service import DeskRequest
from ui.context import AppContext
from ui.queue.calls import QueueCalls

REFRESH_MS = 5000
UNREACHABLE = N_(
    "Không kết nối được máy chủ hàng đợi ({where}). Tiếp nhận hồ sơ vẫn làm bình thường; "
    "quầy tự thử lại sau mỗi {seconds} giây."
)


class PriorityDialog(QDialog):
    """Staff issue a priority ticket: queue, kind, reason (required)."""

    def __init__(self, lines: tuple[LineInfo, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Cấp số ưu tiên"))
        self.line = QComboBox()
        for line in lines:
            self.line.addItem(f"{line.prefix} — {line.name}", line.prefix)
        self.kind = QComboBox()
        for key, label in PRIORITY_LABELS.items():
            self.kind.addItem(_(label), key)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(_("ví dụ: 82 tuổi, đi xe lăn"))
        form = QFormLayout(self)
        form.addRow(_("Hàng đợi"), self.line)
        form.addRow(_("Đối tượng"), self.kind)
        form.addRow(_("Lý do"), self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class QueuePanel(QWidget):
    """One desk's calling panel over a QueueBackend (opened lazily: nothing touches the queue until shown)."""

    sig_start_intake = Signal(str)  # the ticket label; the main window opens Tiếp nhận

    def __init__(
        self,
        ctx: AppContext,
        open_backend: Callable[[], QueueBackend],
        desk: int,
        lines: tuple[str, ...] = (),
        *,
        synchronous: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self.ctx = ctx
        self._open_backend = open_backend
        self.backend: QueueBackend | None = None
        self.desk = desk
        self.lines = lines
        self.view: DeskView | None = None
        self.reachable = True
        self.calls = QueueCalls(synchronous=synchronous, parent=self)

        self.title = QLabel(_("<b>Hàng đợi — Quầy {desk}</b>").format(desk=desk))
        self.status = QLabel("")
        self.status.setObjectName("queueStatus")
        self.status.setWordWrap(True)
        self.current = QLabel("—")
        self.current.setObjectName("queueCurrent")
        self.current.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.current.font())
        font.setPointSize(34)
        font.setBold(True)
        self.current.setFont(font)
        self.detail = QLabel(_("Chưa gọi số nào"))
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("queueMessage")

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        specs = (
            ("next", _("Gọi tiếp (F7)")),
            ("recall", _("Gọi lại (F8)")),
            ("skip", _("Vắng mặt")),
            ("park", _("Tạm gác")),
            ("transfer", _("Chuyển…")),
            ("finish", _("Xong")),
            ("start", _("Bắt đầu tiếp nhận")),
            ("priority", _("Cấp số ưu tiên…")),
            ("call", _("Gọi số khác…")),
        )
        for key, text in specs:
            button = QPushButton(text)
            button.setMinimumHeight(34)
            button.clicked.connect(lambda _c=False, k=key: self._on_button(k))
            self.buttons[key] = button
        positions = {
            "next": (0, 0, 1, 1),
            "recall": (0, 1, 1, 1),
            "skip": (1, 0, 1, 1),
            "park": (1, 1, 1, 1),
            "transfer": (2, 0, 1, 1),
            "finish": (2, 1, 1, 1),
            "start": (3, 0, 1, 2),
            "priority": (4, 0, 1, 1),
            "call": (4, 1, 1, 1),
        }
        for key, (row, col, rows, cols) in positions.items():
            grid.addWidget(self.buttons[key], row, col, rows, cols)
        self.buttons["start"].setStyleSheet("font-weight: bold")
        self.buttons["call"].setToolTip(_("Chỉ lãnh đạo (giám sát); có ghi nhật ký"))
        self.parked = QListWidget()
        self.parked.setMaximumHeight(90)
        self.unpark = QPushButton(_("Mời lại số đã gác"))
        self.unpark.clicked.connect(self._on_unpark_clicked)
        self.waiting = QLabel("")
        self.waiting.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addWidget(self.current)
        layout.addWidget(self.detail)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(_("Đang tạm gác:")))
        layout.addWidget(self.parked)
        layout.addWidget(self.unpark)
        layout.addWidget(QLabel(_("Đang chờ:")))
        layout.addWidget(self.waiting)
        layout.addStretch(1)
        # Single-PC mode: the kiosk and the display can run as windows of this app (a second screen).
        self.windows: list[QWidget] = []
        self.open_kiosk = QPushButton(_("Mở cửa sổ lấy số"))
        self.open_kiosk.clicked.connect(lambda: self.open_window("kiosk"))
        self.open_display = QPushButton(_("Mở màn hình phòng chờ"))
        self.open_display.clicked.connect(lambda: self.open_window("display"))
        layout.addWidget(self.open_kiosk)
        layout.addWidget(self.open_display)
        self.paper_mm = 80

        for key, shortcut in (("next", "F7"), ("recall", "F8")):  # F2–F6 are the pages
            action = QAction(self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _c=False, k=key: self._on_button(k))
            self.addAction(action)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self._show(None)

    # -- talking to the queue -------------------------------------------------------------------

    def _backend(self) -> QueueBackend:
        if self.backend is None:
            self.backend = self._open_backend()
        return self.backend

    def start(self) -> None:
        """Begin refreshing (the dock became visible)."""
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        """Reload the desk's view (skipped while a call is in flight)."""
        if self.calls.busy:
            return
        self.calls.run(lambda: self._backend().desk(self.desk), self._show, self._on_error)

    def act(self, action: str, **kwargs: object) -> None:
        """One desk action as the signed-in user."""
        req = DeskRequest(
            action,
            self.desk,
            self.ctx.user_name,
            self.ctx.role or "clerk",
            lines=self.lines,
            **kwargs,  # type: ignore[arg-type]
        )
        then = self._after_start if action == "start" else self._show
        self.calls.run(lambda: self._backend().act(req), then, self._on_error)

    def _after_start(self, view: DeskView) -> None:
        self._show(view)
        if view.current is not None:
            self.sig_start_intake.emit(view.current.label)

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, QueueUnreachable):
            self.reachable = False
            where = error.url
            self.status.setText(_(UNREACHABLE).format(where=where, seconds=REFRESH_MS // 1000))
            self.status.setStyleSheet("background: #fde2e1; color: #8a1c15; padding: 6px; font-weight: bold")
            self._enable(False)
            return
        if isinstance(error, QueueError):
            self.message.setText(error.message)
            self.message.setStyleSheet("color: #8a1c15")
            return
        raise error

    # -- showing --------------------------------------------------------------------------------

    def _enable(self, on: bool) -> None:
        has = on and self.view is not None and self.view.current is not None
        for key, button in self.buttons.items():
            if key in ("next", "priority"):
                button.setEnabled(on)
            elif key == "call":
                button.setEnabled(on and self.ctx.role in SUPERVISOR_ROLES)
            else:
                button.setEnabled(has)
        self.unpark.setEnabled(on and self.parked.count() > 0)

    def _show(self, view: DeskView | None) -> None:
        if view is not None:
            self.view = view
            self.reachable = True
            where = self.backend.where if self.backend is not None else ""
            self.status.setText(_("Đã kết nối hàng đợi: {where}").format(where=where))
            self.status.setStyleSheet("color: #1d6b2f")
            self.message.setText(view.message)
            self.message.setStyleSheet("")
        current = view.current if view is not None else None
        if current is None:
            self.current.setText("—")
            self.detail.setText(_("Chưa gọi số nào") if view is not None else _("Đang kết nối…"))
        else:
            self.current.setText(current.label)
            extra = (
                _(" · ƯU TIÊN: {label}").format(label=_(current.priority_label)) if current.priority else ""
            )
            self.detail.setText(
                f"{current.line_name} · {_(STATE_LABELS.get(current.state, current.state))}{extra}"
            )
        self.parked.clear()
        for ticket in view.parked if view is not None else ():
            item = QListWidgetItem(f"{ticket.label} — {ticket.line_name}")
            item.setData(Qt.ItemDataRole.UserRole, ticket.id)
            self.parked.addItem(item)
        if self.parked.count():
            self.parked.setCurrentRow(0)
        if view is not None:
            parts = [f"{line.prefix} {line.name}: <b>{line.waiting}</b>" for line in view.lines]
            if view.waiting_here:
                parts.insert(0, _("Chuyển đến quầy này: <b>{count}</b>").format(count=view.waiting_here))
            self.waiting.setText("<br>".join(parts))
        self._enable(view is not None or (self.reachable and self.view is not None))

    # -- the kiosk and the display in this app ------------------------------------------------------

    def open_window(self, kind: str) -> QWidget:
        """The kiosk or the waiting-room display over this panel's queue, as a window of this app."""
        from counter_app.queue.voice import Announcer, ClipSet
        from ui.printers import chosen_printer
        from ui.queue.display import DisplayWindow
        from ui.queue.kiosk import KioskWindow
        from ui.queue.ticket_print import print_ticket

        backend = self._backend()
        agency = self.ctx.identity.agency_name
        window: QWidget
        if kind == "kiosk":
            paper = self.paper_mm
            window = KioskWindow(
                backend,
                agency,
                printer=lambda t: print_ticket(t, chosen_printer("ticket"), paper),
                clock=self.ctx.clock,
                synchronous=self.calls.synchronous,
            )
        else:
            window = DisplayWindow(
                backend,
                agency,
                announce=Announcer(ClipSet.load()),
                clock=self.ctx.clock,
                synchronous=self.calls.synchronous,
            )
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.resize(1366, 768)
        window.show()
        self.windows.append(window)
        return window

    # -- buttons --------------------------------------------------------------------------------

    def _on_button(self, key: str) -> None:
        if key == "priority":
            self._issue_priority()
        elif key == "transfer":
            self._transfer()
        elif key == "call":
            label, ok = QInputDialog.getText(
                self, _("Gọi số không theo thứ tự"), _("Số thứ tự (ví dụ A015):")
            )
            if ok and label.strip():
                self.act("call", ticket_id=label.strip())
        elif self.buttons[key].isEnabled():
            self.act(key)

    def _on_unpark_clicked(self) -> None:
        item = self.parked.currentItem()
        if item is not None:
            self.act("unpark", ticket_id=str(item.data(Qt.ItemDataRole.UserRole)))

    def _transfer(self) -> None:
        if self.view is None:
            return
        targets: list[tuple[str, dict[str, object]]] = [
            (_("Hàng {prefix} — {name}").format(prefix=line.prefix, name=line.name), {"to_line": line.prefix})
            for line in self.view.lines
        ]
        targets += [(_("Quầy {desk}").format(desk=n), {"to_desk": n}) for n in range(1, 10) if n != self.desk]
        choices = [text for text, _target in targets]
        choice, ok = QInputDialog.getItem(self, _("Chuyển công dân"), _("Chuyển sang:"), choices, 0, False)
        if not ok:
            return
        self.act("transfer", **targets[choices.index(choice)][1])

    def _issue_priority(self) -> None:
        if self.view is None:
            return
        dialog = PriorityDialog(self.view.lines, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        prefix, kind, reason = dialog.line.currentData(), dialog.kind.currentData(), dialog.reason.text()
        self.issue_priority(str(prefix), str(kind), reason)

    def issue_priority(self, prefix: str, kind: str, reason: str) -> None:
        """Issue a priority ticket as the signed-in user (reason required)."""

        def _issued(issued: object) -> None:
            label = getattr(getattr(issued, "ticket", None), "label", "")
            self.message.setText(_("Đã cấp số ưu tiên {label}.").format(label=label))
            self.refresh()

        self.calls.run(
            lambda: self._backend().issue(prefix, priority=kind, reason=reason, issued_by=self.ctx.user_name),
            _issued,
            self._on_error,
        )


def attach_queue_panel(
    window: QMainWindow, ctx: AppContext, on_start_intake: Callable[[str], None]
) -> QDockWidget:
    """The panel as a right dock, hidden until the queue is enabled (queue.json) or F9 is pressed."""
    from counter_app.queue.config import config_path, enrolment_token, load_config, open_backend

    config = load_config()

    def _open() -> QueueBackend:
        token = ""
        if not config.local and not config.token:
            with ctx.db.read() as session:
                token = enrolment_token(session, config.url)
        return open_backend(config, clock=ctx.clock, token=token)

    synchronous = bool(getattr(ctx.runner, "_synchronous", False))  # the UI tests' synchronous runner
    panel = QueuePanel(ctx, _open, config.desk, config.lines, synchronous=synchronous)
    panel.paper_mm = config.paper_mm
    panel.sig_start_intake.connect(on_start_intake)
    dock = QDockWidget(_("Hàng đợi"), window)
    dock.setObjectName("queueDock")
    dock.setWidget(panel)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetClosable | QDockWidget.DockWidgetFeature.DockWidgetMovable
    )
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    toggle = dock.toggleViewAction()
    toggle.setShortcut(QKeySequence("F9"))
    window.addAction(toggle)
    dock.visibilityChanged.connect(lambda visible: panel.start() if visible else panel.timer.stop())
    dock.setVisible(config_path().is_file())
    return dock
