"""The ticket kiosk (full screen, touch): pick a queue → a ticket with its number, the queue, the time,
how many wait ahead and a QR code to follow it; printed on the thermal printer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from counter_app.clock import Clock, SystemClock, utc_to_local
from counter_app.i18n import _, _n
from counter_app.printing.queue_ticket import TicketPrint
from counter_app.queue.backend import QueueBackend
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.model import IssuedTicket, LineInfo
from ui.queue.calls import QueueCalls
from ui.queue.ticket_print import qr_image

BACK_AFTER_MS = 10_000
BUTTON_STYLE = (
    "QPushButton { background: #0b5394; color: white; border-radius: 18px; padding: 18px;"
    " font-size: 30px; font-weight: bold; } QPushButton:pressed { background: #073763; }"
)


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    return font


class KioskWindow(QWidget):
    """Two pages: the queue buttons, then the ticket (back to the buttons after 10 s or a touch)."""

    def __init__(
        self,
        backend: QueueBackend,
        agency_name: str,
        *,
        printer: Callable[[TicketPrint], object] | None = None,
        clock: Clock | None = None,
        synchronous: bool = False,
    ) -> None:
        super().__init__()
        self.setWindowTitle(_("Lấy số thứ tự"))
        self.setObjectName("kiosk")
        self.setStyleSheet("QWidget#kiosk { background: #f4f7fb; }")
        self.backend = backend
        self.agency_name = agency_name
        self.printer = printer
        self.clock = clock or SystemClock()
        self.calls = QueueCalls(synchronous=synchronous, parent=self)
        self.last_ticket: IssuedTicket | None = None

        header = QLabel(agency_name.upper())
        header.setFont(_font(22, True))
        header.setAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setStyleSheet("color: #0b5394")
        self.prompt = QLabel(_("Mời quý vị chạm vào lĩnh vực cần giải quyết để lấy số thứ tự"))
        self.prompt.setFont(_font(18))
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.buttons: dict[str, QPushButton] = {}
        self.notice = QLabel("")
        self.notice.setFont(_font(16, True))
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #8a1c15")
        choose = QWidget()
        col = QVBoxLayout(choose)
        col.setContentsMargins(48, 24, 48, 24)
        col.addWidget(header)
        col.addWidget(self.prompt)
        col.addSpacing(12)
        col.addLayout(self.grid, 1)
        col.addWidget(self.notice)
        hint = QLabel(
            _("Người cao tuổi, người khuyết tật, phụ nữ mang thai: xin báo cán bộ để được ưu tiên.")
        )
        hint.setFont(_font(13))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        col.addWidget(hint)

        self.ticket_page = QWidget()
        tcol = QVBoxLayout(self.ticket_page)
        tcol.setContentsMargins(48, 24, 48, 24)
        self.t_title = QLabel(_("SỐ THỨ TỰ CỦA QUÝ VỊ"))
        self.t_label = QLabel("")
        self.t_line = QLabel("")
        self.t_time = QLabel("")
        self.t_ahead = QLabel("")
        self.t_qr = QLabel("")
        self.t_foot = QLabel(_("Phiếu đang được in. Xin mời quý vị ngồi chờ đến lượt."))
        for widget, size, bold in (
            (self.t_title, 20, True),
            (self.t_label, 96, True),
            (self.t_line, 26, False),
            (self.t_time, 18, False),
            (self.t_ahead, 22, True),
            (self.t_foot, 16, False),
        ):
            widget.setFont(_font(size, bold))
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.t_label.setStyleSheet("color: #0b5394")
        self.t_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        back = QPushButton(_("Xong"))
        back.setStyleSheet(BUTTON_STYLE)
        back.setMinimumHeight(80)
        back.clicked.connect(self.show_choices)
        for widget in (
            self.t_title,
            self.t_label,
            self.t_line,
            self.t_time,
            self.t_ahead,
            self.t_qr,
            self.t_foot,
        ):
            tcol.addWidget(widget)
        tcol.addWidget(back)

        self.stack = QStackedWidget()
        self.stack.addWidget(choose)
        self.stack.addWidget(self.ticket_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.back_timer = QTimer(self)
        self.back_timer.setSingleShot(True)
        self.back_timer.setInterval(BACK_AFTER_MS)
        self.back_timer.timeout.connect(self.show_choices)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(15_000)
        self.refresh_timer.timeout.connect(self.load_lines)
        self.refresh_timer.start()
        self.load_lines()

    def load_lines(self) -> None:
        """Ask the queue for its queues (buttons) and waiting counts."""
        self.calls.run(self.backend.lines, self._show_lines, self._on_error)

    def _show_lines(self, lines: tuple[LineInfo, ...]) -> None:
        for button in self.buttons.values():
            button.hide()
            button.deleteLater()
        self.buttons.clear()
        columns = 2 if len(lines) <= 4 else 3
        for index, line in enumerate(lines):
            button = QPushButton(
                _("{name}\nĐang chờ: {waiting}").format(name=line.name, waiting=line.waiting)
            )
            button.setStyleSheet(BUTTON_STYLE)
            button.setMinimumHeight(150)
            button.clicked.connect(lambda _c=False, p=line.prefix: self.take(p))
            self.grid.addWidget(button, index // columns, index % columns)
            self.buttons[line.prefix] = button
        self.notice.setText("")

    def take(self, prefix: str) -> None:
        """A citizen touched queue `prefix`: issue, show and print the ticket."""
        self.calls.run(lambda: self.backend.issue(prefix), self._show_ticket, self._on_error)

    def _show_ticket(self, issued: IssuedTicket) -> None:
        self.last_ticket = issued
        ticket = issued.ticket
        local = utc_to_local(datetime.fromisoformat(ticket.issued_at))
        self.t_label.setText(ticket.label)
        self.t_line.setText(ticket.line_name)
        self.t_time.setText(local.strftime(_("Lấy lúc %H:%M ngày %d/%m/%Y")))
        ahead = (
            _n("Trước quý vị còn {count} người", issued.ahead).format(count=issued.ahead)
            if issued.ahead
            else _("Quý vị sắp được mời")
        )
        if issued.wait_minutes:
            wait = _("Dự kiến chờ khoảng {minutes} phút").format(minutes=issued.wait_minutes)
            ahead = f"{ahead}\n{wait}"
        self.t_ahead.setText(ahead)
        url = self.backend.follow_url(ticket.follow_token)
        if url:
            self.t_qr.setPixmap(QPixmap.fromImage(qr_image(url, 170)))
        else:
            self.t_qr.clear()
        self.stack.setCurrentIndex(1)
        self.back_timer.start()
        if self.printer is not None:
            self.printer(
                TicketPrint(
                    self.agency_name,
                    ticket.label,
                    ticket.line_name,
                    local,
                    issued.ahead,
                    "",
                    url,
                    wait_minutes=issued.wait_minutes,
                )
            )
        self.load_lines()

    def show_choices(self) -> None:
        """Back to the queue buttons."""
        self.back_timer.stop()
        self.stack.setCurrentIndex(0)

    def _on_error(self, error: BaseException) -> None:
        self.stack.setCurrentIndex(0)
        if isinstance(error, QueueUnreachable):
            self.notice.setText(_("Máy lấy số tạm thời mất kết nối. Xin quý vị báo cán bộ tại quầy."))
        elif isinstance(error, QueueError):
            self.notice.setText(error.message)
        else:
            raise error
