"""Bar charts drawn with QPainter (QtCharts is in PySide6-Addons, 153 MiB we do not ship); bars are links."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from counter_app.i18n import _

_AXIS = QColor("#5f6368")
_GRID = QColor("#e0e0e0")
_TEXT = QColor("#202124")


@dataclass(frozen=True)
class Bar:
    """One bar: its value (None: no data), the text over it, its axis label and its tooltip."""

    value: float | None
    text: str
    label: str
    tooltip: str


class BarChart(QWidget):
    """Vertical bars with a title; click a bar, or move with ←/→ and press Enter, to open its dossiers."""

    sig_bar_activated = Signal(int)

    def __init__(self, title: str, *, maximum: float | None = None, colour: str = "#1565c0") -> None:
        super().__init__()
        self.title = title
        self._maximum = maximum  # fixed top of the scale (1.0 for rates), else the largest bar
        self._colour = QColor(colour)
        self._bars: list[Bar] = []
        self._current = -1
        self._hover = -1
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(title)

    def sizeHint(self) -> QSize:
        return QSize(460, 210)

    def set_bars(self, bars: list[Bar]) -> None:
        """Replace the bars (the keyboard position goes to the last, most recent one)."""
        self._bars = list(bars)
        self._current = len(bars) - 1 if bars else -1
        self.update()

    def bars(self) -> list[Bar]:
        """The bars shown."""
        return list(self._bars)

    # --- geometry ---------------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        line = self.fontMetrics().height()
        return QRectF(8, line * 1.6 + 6, self.width() - 16, self.height() - line * 3.2 - 10)

    def _bar_rect(self, index: int) -> QRectF:
        plot = self._plot()
        step = plot.width() / max(1, len(self._bars))
        top = self._maximum or max((b.value or 0 for b in self._bars), default=0) or 1
        value = self._bars[index].value or 0
        height = plot.height() * min(1.0, value / top)
        gap = max(1.0, step * 0.18)
        return QRectF(plot.left() + step * index + gap / 2, plot.bottom() - height, step - gap, height)

    def bar_at(self, point: QPoint) -> int:
        """The index of the bar column under `point`, or -1."""
        plot = self._plot()
        if not self._bars or not plot.left() <= point.x() < plot.right():
            return -1
        return min(len(self._bars) - 1, int((point.x() - plot.left()) / (plot.width() / len(self._bars))))

    # --- painting ---------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height()
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(_TEXT)
        painter.drawText(QRectF(8, 2, self.width() - 16, line * 1.4), Qt.AlignmentFlag.AlignLeft, self.title)
        painter.setFont(self.font())
        plot = self._plot()
        painter.setPen(QPen(_GRID, 1))
        for fraction in (0.5, 1.0):
            y = plot.bottom() - plot.height() * fraction
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
        painter.setPen(QPen(_AXIS, 1))
        painter.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))
        if not self._bars:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, _("Chưa có số liệu"))
            return
        step = plot.width() / len(self._bars)
        every = max(1, int((metrics.horizontalAdvance("00/00") + 8) // max(1.0, step)) + 1)
        show_values = metrics.horizontalAdvance("0000") <= step or len(self._bars) <= 12
        for index, bar in enumerate(self._bars):
            rect = self._bar_rect(index)
            colour = QColor(self._colour)
            if index == self._hover:
                colour = colour.lighter(130)
            painter.fillRect(rect, colour)
            if index == self._current and self.hasFocus():
                painter.setPen(QPen(QColor("#f9a825"), 2))
                painter.drawRect(rect.adjusted(-1, -1, 1, 1))
            painter.setPen(_TEXT)
            if show_values or index == self._hover or index == self._current:
                above = QRectF(rect.center().x() - step, rect.top() - line - 2, step * 2, line)
                painter.drawText(
                    above, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, bar.text
                )
            if (len(self._bars) - 1 - index) % every == 0:  # counted from the latest bar, which is labelled
                below = QRectF(rect.center().x() - step * every / 2, plot.bottom() + 3, step * every, line)
                painter.setPen(_AXIS)
                painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, bar.label)

    # --- interaction ------------------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.bar_at(event.position().toPoint())
        if index != self._hover:
            self._hover = index
            self.update()
        if index >= 0:
            QToolTip.showText(event.globalPosition().toPoint(), self._bars[index].tooltip, self)
        self.setCursor(Qt.CursorShape.PointingHandCursor if index >= 0 else Qt.CursorShape.ArrowCursor)

    def leaveEvent(self, event: object) -> None:
        self._hover = -1
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.bar_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and index >= 0:
            self._current = index
            self.update()
            self.sig_bar_activated.emit(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._bars:
            step = -1 if key == Qt.Key.Key_Left else 1
            self._current = max(0, min(len(self._bars) - 1, self._current + step))
            self.setToolTip(self._bars[self._current].tooltip)
            self.update()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and self._current >= 0:
            self.sig_bar_activated.emit(self._current)
        else:
            super().keyPressEvent(event)
