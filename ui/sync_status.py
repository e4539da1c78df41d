"""How sync looks: the status bar section (state text + icon, last sync, skew, "Đồng bộ ngay") and the
list's per-dossier sync cell. Text always carries the meaning; icon and colour only repeat it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QWidget

from counter_app.clock import Clock
from counter_app.i18n import N_, _
from counter_app.sync.status import DossierSyncState
from ui.progress import ProgressJob
from ui.sync_bridge import SyncBridge, SyncSnapshot, SyncView, describe

SYNC_NOW_SHORTCUT = "Ctrl+Shift+S"
RETICK_MS = 30_000  # "5 phút trước" and the green's freshness are re-evaluated this often

_SP = QStyle.StandardPixmap
_STATE_ICONS = {
    "synced": _SP.SP_DialogApplyButton,
    "pending": _SP.SP_ArrowUp,
    "offline": _SP.SP_MessageBoxWarning,
    "conflicts": _SP.SP_MessageBoxCritical,
    "standalone": _SP.SP_ComputerIcon,
    "stalled": _SP.SP_BrowserStop,
    "stopped": _SP.SP_MessageBoxCritical,
    "never": _SP.SP_MessageBoxInformation,
    "stale": _SP.SP_MessageBoxWarning,
    "unknown": _SP.SP_BrowserReload,
}
_STATE_COLOURS = {
    "synced": "#1b5e20",
    "pending": "#7a4b00",
    "offline": "#b71c1c",
    "conflicts": "#b71c1c",
    "stalled": "#b71c1c",
    "stopped": "#b71c1c",
    "stale": "#7a4b00",
}

# The list's sync column: short text, icon, colour per dossier state (status.dossier_sync_states).
SYNC_TEXTS = {
    "local": N_("Chỉ lưu tại quầy"),
    "pending": N_("Chưa gửi"),
    "sent": N_("Đã gửi"),
    "synced": N_("Đã đồng bộ"),
    "failed": N_("Lỗi"),
    "conflict": N_("Xung đột"),
    "rejected": N_("Bị từ chối"),
}
_CELL_ICONS = {
    "local": _SP.SP_ComputerIcon,
    "pending": _SP.SP_FileDialogDetailedView,
    "sent": _SP.SP_ArrowUp,
    "synced": _SP.SP_DialogApplyButton,
    "failed": _SP.SP_MessageBoxWarning,
    "conflict": _SP.SP_MessageBoxCritical,
    "rejected": _SP.SP_DialogCancelButton,
}
_CELL_COLOURS = {
    "synced": "#1b5e20",
    "failed": "#b71c1c",
    "conflict": "#b71c1c",
    "rejected": "#b71c1c",
    "local": "#5f6368",
}
_CELL_TIPS = {
    "local": N_("Hồ sơ chỉ lưu tại máy này (quầy chưa đăng ký đồng bộ, hoặc dữ liệu cũ)."),
    "pending": N_("Đang chờ gửi lên máy chủ trung tâm."),
    "sent": N_("Đã gửi, đang chờ máy chủ xác nhận."),
    "synced": N_("Máy chủ trung tâm đã nhận đủ."),
}


SYNC_CELL_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ForegroundRole,
)


def _icon(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)


def sync_cell_text(state: DossierSyncState) -> str:
    """ "Đã đồng bộ", "Lỗi: <lý do>", …"""
    text = _(SYNC_TEXTS[state.state]) if state.state in SYNC_TEXTS else state.label
    return f"{text}: {state.reason}" if state.state == "failed" and state.reason else text


def sync_cell_data(state: DossierSyncState | None, role: int) -> Any:
    """What the list's sync cell shows for `role`; None when the state is not loaded yet."""
    if state is None:
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return sync_cell_text(state)
    if role == Qt.ItemDataRole.ToolTipRole:
        return state.reason or (_(_CELL_TIPS[state.state]) if state.state in _CELL_TIPS else state.label)
    if role == Qt.ItemDataRole.DecorationRole:
        pixmap = _CELL_ICONS.get(state.state)
        return _icon(pixmap) if pixmap is not None else None
    if role == Qt.ItemDataRole.ForegroundRole:
        colour = _CELL_COLOURS.get(state.state)
        return QBrush(QColor(colour)) if colour else None
    return None


class SyncStatusWidget(QWidget):
    """The status bar's sync section: icon + state text, last success, skew warning, "Đồng bộ ngay"."""

    def __init__(self, bridge: SyncBridge, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._clock = clock
        self.view: SyncView = describe(bridge.snapshot, clock.now_utc())
        self.icon = QLabel()
        self.state_label = QLabel()
        self.state_label.setObjectName("syncState")
        self.last_label = QLabel()
        self.skew_icon = QLabel()
        self.skew_icon.setPixmap(_icon(_SP.SP_MessageBoxWarning).pixmap(16, 16))
        self.skew_label = QLabel()
        self.sync_button = QPushButton(_("Đồng bộ ngay"))
        self.sync_button.setToolTip(
            _("Gửi và nhận dữ liệu với máy chủ trung tâm ngay ({shortcut})").format(
                shortcut=SYNC_NOW_SHORTCUT
            )
        )
        self.sync_button.clicked.connect(self.sync_now)
        self.sync_job: ProgressJob | None = None  # the manual round in progress, with its "Huỷ"
        self.sync_action = QAction(_("Đồng bộ ngay"), self)
        self.sync_action.setShortcut(QKeySequence(SYNC_NOW_SHORTCUT))
        self.sync_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.sync_action.triggered.connect(self.sync_now)
        self.addAction(self.sync_action)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for widget in (self.icon, self.state_label, self.last_label, self.skew_icon, self.skew_label):
            layout.addWidget(widget)
        layout.addWidget(self.sync_button)
        for label in (self.state_label, self.last_label, self.skew_label):  # the state is never clipped
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        bridge.sig_status.connect(self.show_snapshot)
        self._tick = QTimer(self, interval=RETICK_MS)
        self._tick.timeout.connect(self.show_state)
        self._tick.start()
        self.show_state()

    def sync_now(self) -> None:
        """ "Đồng bộ ngay": a round at once (never before the server's Retry-After), with its progress
        and "Huỷ" (between two batches or pages)."""
        self.sync_button.setText(_("Đang đồng bộ…"))
        if not self._bridge.running or (self.sync_job is not None and self.sync_job.running):
            self._bridge.kick(force=True)
            return
        self.sync_job = ProgressJob(self, None, _("Đồng bộ ngay"), _("Đang đồng bộ…"))
        self._bridge.kick(force=True, control=self.sync_job.begin())

    def show_snapshot(self, snapshot: SyncSnapshot) -> None:
        """A new status from the bridge (the end of a manual round closes its progress)."""
        job, status = self.sync_job, snapshot.worker
        if job is not None and job.running and status is not None and status.control is job.control:
            if status.phase == "cancelled":
                job.end("cancelled")
            elif status.phase == "idle":
                job.end("done", status.message)
            elif status.phase != "running":
                job.end("failed")  # the state text says why
        self.show_state()

    def show_state(self) -> None:
        """Show the bridge's latest snapshot as of now."""
        snap = self._bridge.snapshot
        view = describe(snap, self._clock.now_utc())
        self.view = view
        self.icon.setPixmap(_icon(_STATE_ICONS.get(view.kind, _SP.SP_MessageBoxInformation)).pixmap(16, 16))
        self.state_label.setText(view.text)  # a round in progress shows on the button, not here
        colour = _STATE_COLOURS.get(view.kind)
        bold = "font-weight: bold;" if view.kind != "standalone" else ""
        self.state_label.setStyleSheet(f"color: {colour}; {bold}" if colour else bold)
        self.last_label.setText(
            _("· lần cuối: {when}").format(when=view.last_success) if view.last_success else ""
        )
        self.last_label.setVisible(bool(view.last_success))
        self.skew_label.setText(_("Đồng hồ máy lệch giờ") if view.skew else "")
        self.skew_label.setStyleSheet("color: #7a4b00; font-weight: bold;")
        for widget in (self.skew_icon, self.skew_label):
            widget.setVisible(bool(view.skew))
            widget.setToolTip(view.skew or "")
        for widget in (self.icon, self.state_label, self.last_label):
            widget.setToolTip(view.tooltip)
        enrolled = snap.queue is not None and snap.queue.enrolled
        self.sync_button.setText(_("Đang đồng bộ…") if snap.running else _("Đồng bộ ngay"))
        self.sync_button.setEnabled(enrolled and not snap.running)
        self.sync_action.setEnabled(enrolled)
