"""Giám sát → Hàng đợi: today's waiting statistics (waiting per queue, average and longest wait,
served per desk and per clerk, no-shows), from the site's queue host or the local queue."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from counter_app.i18n import _, _n
from counter_app.queue.backend import QueueBackend
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.model import QueueStats
from ui.context import AppContext
from ui.queue.calls import QueueCalls


def minutes(seconds: int) -> str:
    """A wait as "12 phút" (or seconds under a minute)."""
    if seconds < 60:
        return _n("{count} giây", seconds).format(count=seconds)
    count = round(seconds / 60)
    return _n("{count} phút", count).format(count=count)


def _open_for(ctx: AppContext) -> Callable[[], QueueBackend]:
    from counter_app.queue.config import enrolment_token, load_config, open_backend

    def _open() -> QueueBackend:
        config = load_config()
        token = ""
        if not config.local and not config.token:
            with ctx.db.read() as session:
                token = enrolment_token(session, config.url)
        return open_backend(config, clock=ctx.clock, token=token)

    return _open


class QueueStatsTab(QWidget):
    """Loads the statistics when shown and on "Tải lại"."""

    def __init__(self, ctx: AppContext, open_backend: Callable[[], QueueBackend] | None = None) -> None:
        super().__init__()
        self._open = open_backend or _open_for(ctx)
        self.backend: QueueBackend | None = None
        self.calls = QueueCalls(synchronous=bool(getattr(ctx.runner, "_synchronous", False)), parent=self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [_("Hàng đợi"), _("Đang chờ"), _("Đã cấp"), _("Đã phục vụ"), _("Vắng mặt")]
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 240)
        self.people = QLabel("")
        self.people.setWordWrap(True)
        reload = QPushButton(_("Tải lại"))
        reload.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.people)
        layout.addWidget(reload)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Fetch today's statistics."""
        if self.calls.busy:
            return

        def fetch() -> QueueStats:
            if self.backend is None:
                self.backend = self._open()
            return self.backend.stats()

        self.calls.run(fetch, self.show_stats, self._on_error)

    def show_stats(self, stats: QueueStats) -> None:
        """Draw the figures."""
        self.summary.setText(
            _(
                "<b>Hôm nay</b>: đã cấp {issued} số · đang chờ <b>{waiting}</b> · đã phục vụ "
                "{served} · vắng mặt (huỷ) {no_shows} · chờ trung bình "
                "<b>{average}</b> · lâu nhất <b>{longest}</b>"
            ).format(
                issued=stats.issued,
                waiting=stats.waiting,
                served=stats.served,
                no_shows=stats.no_shows,
                average=minutes(stats.average_wait_s),
                longest=minutes(stats.longest_wait_s),
            )
        )
        self.table.setRowCount(len(stats.lines))
        for row, line in enumerate(stats.lines):
            cells = (f"{line.prefix} — {line.name}", line.waiting, line.issued, line.served, line.no_shows)
            for col, value in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(str(value)))
        desks = (
            ", ".join(
                _("Quầy {desk}: {count}").format(desk=d, count=n)
                for d, n in sorted(stats.served_per_desk.items())
            )
            or "—"
        )
        clerks = ", ".join(f"{c}: {n}" for c, n in sorted(stats.served_per_clerk.items())) or "—"
        self.people.setText(
            _("Đã phục vụ theo quầy: {desks}<br>Theo cán bộ: {clerks}").format(desks=desks, clerks=clerks)
        )

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, QueueUnreachable):
            self.summary.setText(_("Không kết nối được máy chủ hàng đợi ({where}).").format(where=error.url))
        elif isinstance(error, QueueError):
            self.summary.setText(error.message)
        else:
            raise error
