"""The waiting-room display (a TV on a second screen): the number each desk serves, the last calls,
the queue lengths; every new call is announced by voice, one after another."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from counter_app.clock import Clock, SystemClock, utc_to_local
from counter_app.i18n import _
from counter_app.queue.backend import QueueBackend
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.model import DisplayState
from ui.queue.calls import QueueCalls

POLL_MS = 1000
_STYLE = """
QWidget#display { background: #0a2540; }
QLabel { color: white; }
QLabel#heading { color: #ffd966; }
QLabel#latest { color: #ffd966; }
QLabel#offline { background: #8a1c15; color: white; padding: 8px; }
"""


def _label(text: str, size: int, bold: bool = False, name: str = "") -> QLabel:
    label = QLabel(text)
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    label.setFont(font)
    if name:
        label.setObjectName(name)
    return label


class DisplayWindow(QWidget):
    """Polls the queue each second; announces calls with ids it has not announced yet."""

    def __init__(
        self,
        backend: QueueBackend,
        agency_name: str,
        *,
        announce: object | None = None,
        clock: Clock | None = None,
        synchronous: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("display")
        self.setWindowTitle(_("Màn hình gọi số"))
        self.setStyleSheet(_STYLE)
        self.backend = backend
        self.announce = announce  # Announcer-like: .announce(label, desk)
        self.clock = clock or SystemClock()
        self.calls = QueueCalls(synchronous=synchronous, parent=self)
        self.last_call_id: int | None = None
        self.state: DisplayState | None = None

        top = QHBoxLayout()
        top.addWidget(_label(agency_name.upper(), 22, True, "heading"), 1)
        self.clock_label = _label("", 22, True)
        top.addWidget(self.clock_label)
        self.offline = _label("", 16, True, "offline")
        self.offline.hide()
        self.latest = _label("", 40, True, "latest")
        self.latest.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.latest.setWordWrap(True)

        self.serving_grid = QGridLayout()
        self.serving_grid.setHorizontalSpacing(30)
        left = QVBoxLayout()
        left.addWidget(_label(_("ĐANG PHỤC VỤ"), 20, True, "heading"))
        left.addLayout(self.serving_grid)
        left.addStretch(1)
        self.recent = _label("", 28)
        self.recent.setAlignment(Qt.AlignmentFlag.AlignTop)
        right = QVBoxLayout()
        right.addWidget(_label(_("VỪA GỌI"), 20, True, "heading"))
        right.addWidget(self.recent, 1)
        middle = QHBoxLayout()
        middle.addLayout(left, 3)
        middle.addLayout(right, 2)
        self.lengths = _label("", 20)
        self.lengths.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 20, 36, 20)
        layout.addLayout(top)
        layout.addWidget(self.offline)
        layout.addWidget(self.latest)
        layout.addLayout(middle, 1)
        layout.addWidget(self.lengths)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.poll()

    def poll(self) -> None:
        """Fetch the state (skipped while the previous fetch is in flight)."""
        self.clock_label.setText(utc_to_local(self.clock.now_utc()).strftime("%H:%M  %d/%m/%Y"))
        if self.calls.busy:
            return
        self.calls.run(self.backend.display, self.show_state, self._on_error)

    def show_state(self, state: DisplayState) -> None:
        """Draw the state; announce new calls oldest first."""
        self.state = state
        self.offline.hide()
        if state.calls:
            newest = state.calls[0]
            self.latest.setText(
                _("Mời số {label} đến Quầy {desk}").format(label=newest.label, desk=newest.desk)
            )
        else:
            self.latest.setText(_("Xin mời quý vị lấy số thứ tự"))
        while self.serving_grid.count():
            item = self.serving_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for row, serving in enumerate(state.serving):
            self.serving_grid.addWidget(_label(_("Quầy {desk}").format(desk=serving.desk), 36, True), row, 0)
            self.serving_grid.addWidget(_label(serving.label, 54, True, "latest"), row, 1)
            self.serving_grid.addWidget(_label(serving.line_name, 20), row, 2)
        self.recent.setText(
            "<br>".join(
                _("{label} → Quầy {desk}").format(label=c.label, desk=c.desk) for c in state.calls[1:7]
            )
        )
        self.lengths.setText(
            _("Đang chờ: &nbsp; ")
            + " &nbsp;·&nbsp; ".join(
                f"{line.prefix} {line.name}: <b>{line.waiting}</b>" for line in state.lines
            )
        )
        fresh = [c for c in state.calls if self.last_call_id is not None and c.id > self.last_call_id]
        if state.calls:
            self.last_call_id = max(self.last_call_id or 0, state.calls[0].id)
        elif self.last_call_id is None:
            self.last_call_id = 0
        if self.announce is not None:
            for call in reversed(fresh):
                self.announce.announce(call.label, call.desk)  # type: ignore[attr-defined]

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, QueueUnreachable | QueueError):
            self.offline.setText(_("Mất kết nối máy chủ hàng đợi — đang thử lại…"))
            self.offline.show()
            return
        raise error


def now_local(clock: Clock) -> datetime:
    """Local time for the clock in the corner."""
    return utc_to_local(clock.now_utc())
