"""A non-modal banner over the dossier list: how many are due today and how many are late; click to filter."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from counter_app.i18n import _, _n
from counter_app.services.dossier_query import AlertCounts
from counter_app.text import group_thousands

_LINK = (
    "QPushButton { border: none; background: transparent; color: %s; font-weight: bold; text-align: left; }"
)


class AlertBanner(QFrame):
    """Hidden when nothing is due today or late; `picked("today" | "overdue")` when a part is clicked."""

    picked = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("alertBanner")
        self.setStyleSheet(
            "#alertBanner { background: #fff4e5; border: 1px solid #f0b429; border-radius: 4px; }"
        )
        self.today_button = QPushButton(cursor=Qt.CursorShape.PointingHandCursor)
        self.today_button.setStyleSheet(_LINK % "#7a4b00")
        self.today_button.setToolTip(_("Hồ sơ đang giải quyết có hẹn trả trong phần còn lại của hôm nay"))
        self.overdue_button = QPushButton(cursor=Qt.CursorShape.PointingHandCursor)
        self.overdue_button.setStyleSheet(_LINK % "#b71c1c")
        self.overdue_button.setToolTip(_("Hồ sơ đang giải quyết đã qua thời điểm hẹn trả"))
        self.today_button.clicked.connect(lambda: self.picked.emit("today"))
        self.overdue_button.clicked.connect(lambda: self.picked.emit("overdue"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.addWidget(QLabel("⚠"))
        layout.addWidget(self.today_button)
        layout.addWidget(QLabel("·"))
        layout.addWidget(self.overdue_button)
        layout.addStretch(1)
        self.counts = AlertCounts(0, 0)
        self.hide()

    def show_counts(self, counts: AlertCounts) -> None:
        """Show "Hôm nay đến hạn: N hồ sơ · Quá hạn: M hồ sơ" (hidden when both are 0)."""
        self.counts = counts
        self.today_button.setText(
            _n("Hôm nay đến hạn: {count} hồ sơ", counts.due_today).format(
                count=group_thousands(counts.due_today)
            )
        )
        self.overdue_button.setText(
            _n("Quá hạn: {count} hồ sơ", counts.overdue).format(count=group_thousands(counts.overdue))
        )
        self.setVisible(bool(counts.due_today or counts.overdue))

    def text(self) -> str:
        """The banner's line as shown."""
        return f"{self.today_button.text()} · {self.overdue_button.text()}"
