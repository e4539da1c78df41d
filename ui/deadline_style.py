"""How a deadline state looks: an icon and words as well as colours, with WCAG AA contrast (≥ 4.5:1)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QApplication, QStyle

from counter_app.deadlines import Timeliness

MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text

# Text and background per timeliness: dark text on a pale fill stays readable on alternating rows;
# None = the row's own background (the palette's base or alternate base).
COLOURS: dict[Timeliness, tuple[str, str | None]] = {
    Timeliness.QUA_HAN: ("#b71c1c", "#fde3e3"),
    Timeliness.SAP_DEN_HAN: ("#7a4b00", "#ffecb3"),
    Timeliness.TRONG_HAN: ("#1b5e20", None),
    Timeliness.TRUOC_HAN: ("#1b5e20", None),
    Timeliness.DUNG_HAN: ("#1b5e20", None),
    Timeliness.TAM_DUNG: ("#5f6368", None),
}

# A different icon per state, so the state never rests on colour alone.
ICONS: dict[Timeliness, QStyle.StandardPixmap] = {
    Timeliness.QUA_HAN: QStyle.StandardPixmap.SP_MessageBoxCritical,
    Timeliness.SAP_DEN_HAN: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Timeliness.TRONG_HAN: QStyle.StandardPixmap.SP_DialogApplyButton,
    Timeliness.TRUOC_HAN: QStyle.StandardPixmap.SP_DialogApplyButton,
    Timeliness.DUNG_HAN: QStyle.StandardPixmap.SP_DialogApplyButton,
    Timeliness.TAM_DUNG: QStyle.StandardPixmap.SP_MediaPause,
}

_cache: dict[Timeliness, QIcon] = {}


def state_icon(timeliness: Timeliness | None) -> QIcon | None:
    """The icon shown beside the "Thời hạn" text of a dossier in `timeliness`."""
    if timeliness is None or timeliness not in ICONS:
        return None
    if timeliness not in _cache:
        _cache[timeliness] = QApplication.style().standardIcon(ICONS[timeliness])
    return _cache[timeliness]


def relative_luminance(colour: QColor) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours (1 … 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
