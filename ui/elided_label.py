"""A one-line label that shrinks with "…" instead of being cut, the full text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """A plain-text QLabel that asks for its whole text but accepts `min_width`, eliding the rest.

    `hint_width` caps the width it asks for (a long path need not claim the whole status bar); the
    tooltip always holds the whole text, so nothing is lost when it is shortened.
    """

    def __init__(
        self,
        text: str = "",
        *,
        min_width: int = 60,
        hint_width: int | None = None,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._min_width = min_width
        self._hint_width = hint_width
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        """Show `text` (elided when the room is short); the tooltip carries all of it."""
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def is_elided(self) -> bool:
        """Whether the text is shortened at the current width."""
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._hint_width is not None:
            hint.setWidth(min(hint.width(), self._hint_width))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), self._min_width))
        return hint

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), self._mode, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)
