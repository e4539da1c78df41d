"""Registers the bundled Tinos family (metric-compatible with Times New Roman) with reportlab, once."""

from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from counter_app.paths import resources_dir

REGULAR = "Tinos"
BOLD = "Tinos-Bold"
ITALIC = "Tinos-Italic"
BOLD_ITALIC = "Tinos-BoldItalic"

_FILES = {
    REGULAR: "Tinos-Regular.ttf",
    BOLD: "Tinos-Bold.ttf",
    ITALIC: "Tinos-Italic.ttf",
    BOLD_ITALIC: "Tinos-BoldItalic.ttf",
}

_lock = threading.Lock()
_registered = False


def fonts_dir() -> Path:
    """The folder holding the shipped TTF files."""
    return resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the four Tinos faces and the family mapping; later calls do nothing.

    reportlab's registry is process-global and re-parsing a 0.5 MB TTF costs ~20 ms, so the
    work is done once; the lock keeps two printing threads from racing on the first call.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = fonts_dir()
        for name, filename in _FILES.items():
            path = folder / filename
            if not path.is_file():
                raise FileNotFoundError(f"bundled font missing: {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # The mapping lets <b>/<i> markup in Paragraphs pick the right face.
        addMapping(REGULAR, 0, 0, REGULAR)
        addMapping(REGULAR, 1, 0, BOLD)
        addMapping(REGULAR, 0, 1, ITALIC)
        addMapping(REGULAR, 1, 1, BOLD_ITALIC)
        _registered = True
