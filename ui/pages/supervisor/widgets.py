"""Small pieces of the supervisor's page: numbers that are links, titled boxes, Vietnamese number formats."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from counter_app.i18n import _, _n
from counter_app.services.dashboard import Figure
from counter_app.text import group_thousands

LINK_COLOUR = "#0d47a1"
LATE_COLOUR = "#b71c1c"
SOON_COLOUR = "#7a4b00"
_LINK_STYLE = (
    "QPushButton { border: none; background: transparent; color: %s; font-weight: bold; font-size: %dpt;"
    " text-align: %s; padding: 1px 2px; }"
    " QPushButton:hover { text-decoration: underline; }"
    " QPushButton:focus { background: #fff3c4; }"
    " QPushButton:disabled { color: #202124; }"
)


def percent(rate: float | None) -> str:
    """0.8253 → "82,5 %"; None → "–"."""
    if rate is None:
        return "–"
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


class FigureLink(QPushButton):
    """A number that opens the list of exactly its dossiers (Enter/Space or a click); `sig_open(figure)`."""

    sig_open = Signal(object)

    def __init__(self, *, colour: str = LINK_COLOUR, size: int = 10, align: str = "right") -> None:
        super().__init__("–")
        self._colour, self._size, self._align = colour, size, align
        self.figure: Figure | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(_LINK_STYLE % (colour, size, align))
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.clicked.connect(self._on_clicked)

    def set_figure(self, figure: Figure, *, colour: str | None = None) -> None:
        """Show the figure's value; a figure without a list is plain text."""
        self.figure = figure
        self.setText(group_thousands(figure.value))
        self.setToolTip(
            _n("{title}: {n} hồ sơ — bấm để xem danh sách", figure.value).format(
                title=_(figure.title), n=group_thousands(figure.value)
            )
        )
        self.setAccessibleName(f"{_(figure.title)}: {figure.value}")
        self.setEnabled(figure.filter is not None)
        self.setStyleSheet(_LINK_STYLE % (colour or self._colour, self._size, self._align))

    def _on_clicked(self) -> None:
        if self.figure is not None and self.figure.filter is not None:
            self.sig_open.emit(self.figure)


def box(title: str, content: QWidget | None = None) -> QGroupBox:
    """A titled box (with `content` inside, if given)."""
    group = QGroupBox(title)
    group.setStyleSheet("QGroupBox { font-weight: bold; } QGroupBox QLabel { font-weight: normal; }")
    if content is not None:
        layout = QVBoxLayout(group)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.addWidget(content)
    return group
