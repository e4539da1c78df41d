"""The receipt's title block: title, liên, Code 128 of the dossier code, and a QR of the status page."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getAscent, getDescent, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from counter_app.printing.fonts import BOLD, ITALIC, REGULAR, register_fonts
from counter_app.printing.layout import BODY_SIZE
from counter_app.printing.page import FRAME_WIDTH, clean

# 0.33 mm is ~3.9 dots at 300 dpi: every bar and space spans at least three whole pixels, which is
# what a 300-dpi render (and a 300/600-dpi laser) needs to decode reliably. 0.30 mm is the floor
# (3.5 dots). A 100-dpi screen render (1.3 px per module) cannot decode, and need not.
MODULE = 0.33 * mm
MIN_MODULE = 0.30 * mm
QUIET_MODULES = 10  # the Code 128 minimum quiet zone on each side
BAR_HEIGHT = 10 * mm
QR_SIZE = 20 * mm
QR_CAPTION = "Quét mã để tra cứu tiến độ"

_TITLE_SIZE = 14.0
_CAPTION_SIZE = 7.0
_TOP_GAP = 3 * mm  # under the header's date line
_BARS_GAP = 2.5 * mm  # between the liên line and the bars
_TEXT_GAP = 1.8 * mm  # between the bars and the tallest glyph of the code line: text must not touch bars
_SIDE_GAP = 4 * mm  # between the title or the barcode's quiet zone and the QR
# The QR is drawn without its own border; the surrounding white (≥ 2.5 mm, 4 modules of a version-4
# symbol at 20 mm) is its quiet zone.
_CAPTION_GAP = 2.6 * mm


class TitleWithCodes(Flowable):  # type: ignore[misc]
    """Title and liên centred, the barcode under them with "Mã hồ sơ: <code>", the QR on the right.

    The QR sits beside the title rather than under the barcode: that saves ~2 cm, which the receipt
    needs to keep eight documents on one page. The human-readable line is drawn here, not by
    reportlab's `humanReadable`, whose text touches the bottom of the bars.
    """

    def __init__(self, title: str, subtitle: str, code: str, url: str, width: float) -> None:
        super().__init__()
        register_fonts()
        self._title = clean(title)
        self._subtitle = clean(subtitle)
        self._code = clean(code)
        if not self._code or not self._code.isascii() or not self._code.isprintable():
            raise ValueError(f"a dossier code must be printable ASCII for Code 128: {code!r}")
        self._url = clean(url)
        if not self._url:
            raise ValueError("the receipt needs a status URL for its QR code")
        self._width = width
        self._qr_left = width - QR_SIZE
        centre = width / 2
        title_half = stringWidth(self._title, BOLD, _TITLE_SIZE) / 2
        if centre + title_half + _SIDE_GAP > self._qr_left:
            raise ValueError("title too wide to share its line with the QR code")

        modules = _module_count(self._code) + 2 * QUIET_MODULES
        # Keep the bars centred on the page: half the symbol must fit between centre and QR.
        room = 2 * (self._qr_left - _SIDE_GAP - centre)
        self._module = min(MODULE, room / modules)
        if self._module < MIN_MODULE:
            raise ValueError(f"dossier code too long to print as a readable barcode: {code!r}")
        self._symbol_width = modules * self._module

        # Vertical positions, measured down from the top of the block.
        self._title_base = _TOP_GAP + getAscent(BOLD, _TITLE_SIZE)
        self._subtitle_base = self._title_base + _TITLE_SIZE * 1.15
        self._bars_top = self._subtitle_base - getDescent(ITALIC, BODY_SIZE) + _BARS_GAP
        self._code_base = self._bars_top + BAR_HEIGHT + _TEXT_GAP + getAscent(BOLD, BODY_SIZE)
        text_bottom = self._code_base - getDescent(REGULAR, BODY_SIZE)
        caption_bottom = _TOP_GAP + QR_SIZE + _CAPTION_GAP + _CAPTION_SIZE
        self._height = max(text_bottom, caption_bottom) + 0.5 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self._width, self._height

    def draw(self) -> None:
        canv: Canvas = self.canv
        top = self._height
        centre = self._width / 2
        canv.setFont(BOLD, _TITLE_SIZE)
        canv.drawCentredString(centre, top - self._title_base, self._title)
        canv.setFont(ITALIC, BODY_SIZE)
        canv.drawCentredString(centre, top - self._subtitle_base, self._subtitle)

        quiet = QUIET_MODULES * self._module
        barcode = Code128(
            self._code,
            barWidth=self._module,
            barHeight=BAR_HEIGHT,
            quiet=True,
            lquiet=quiet,
            rquiet=quiet,
            humanReadable=False,
        )
        barcode.drawOn(canv, centre - self._symbol_width / 2, top - self._bars_top - BAR_HEIGHT)

        prefix = "Mã hồ sơ: "
        prefix_w = canv.stringWidth(prefix, REGULAR, BODY_SIZE)
        start = centre - (prefix_w + canv.stringWidth(self._code, BOLD, BODY_SIZE)) / 2
        canv.setFont(REGULAR, BODY_SIZE)
        canv.drawString(start, top - self._code_base, prefix)
        canv.setFont(BOLD, BODY_SIZE)
        canv.drawString(start + prefix_w, top - self._code_base, self._code)

        qr_bottom = top - _TOP_GAP - QR_SIZE
        draw_qr(canv, self._url, self._qr_left, qr_bottom, QR_SIZE)
        # Right-aligned with the QR: centred, the caption would stick out into the margin.
        canv.setFont(ITALIC, _CAPTION_SIZE)
        canv.drawRightString(
            self._width, qr_bottom - _CAPTION_GAP - getAscent(ITALIC, _CAPTION_SIZE), QR_CAPTION
        )


def draw_qr(canv: Canvas, value: str, x: float, y: float, size: float) -> None:
    """A QR symbol (level M, no border) as one filled path of dark runs, lower-left corner at x, y.

    The matrix comes from the qrcode package and the modules are painted here directly (reportlab's
    QR widget, drawn through a Drawing, would put an unembedded Helvetica into the PDF). The path is
    written in module units under a scaling transform, as integer PDF operators: formatting
    ~1,000 float coordinates through reportlab's path API was a third of a receipt's render time.
    """
    matrix = qr_matrix(value)
    canv.saveState()
    canv.transform(size / len(matrix), 0, 0, size / len(matrix), x, y)
    canv.addLiteral(_qr_path(matrix))
    canv.restoreState()


@lru_cache(maxsize=64)
def _qr_path(matrix: tuple[tuple[bool, ...], ...]) -> str:
    """PDF operators filling the dark runs of `matrix`, in module units with row 0 at the top."""
    count = len(matrix)
    ops = [
        f"{start} {count - row_index - 1} {run} 1 re"
        for row_index, row in enumerate(matrix)
        for start, dark, run in _runs(row)
        if dark
    ]
    return "\n".join([*ops, "f"])


@lru_cache(maxsize=64)
def qr_matrix(value: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules (True = dark) at error-correction level M.

    Encoded by the `qrcode` package, which picks the lowest-penalty mask as ISO/IEC 18004 advises in
    about half the time reportlab's encoder takes (10 ms against 17 ms here). Cached: both liên of a
    receipt, and any reprint, carry the same URL.
    """
    encoder = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    encoder.add_data(value)
    encoder.make(fit=True)
    rows: list[list[bool | None]] = encoder.modules
    return tuple(tuple(bool(module) for module in row) for row in rows)


def _runs(row: tuple[bool, ...]) -> list[tuple[int, bool, int]]:
    """(start, dark, length) of each run of equal modules in a QR row."""
    runs: list[tuple[int, bool, int]] = []
    start = 0
    for index in range(1, len(row) + 1):
        if index == len(row) or row[index] != row[start]:
            runs.append((start, row[start], index - start))
            start = index
    return runs


def _module_count(code: str) -> int:
    """Width of the symbol in modules, start and stop included, as reportlab encodes it."""
    probe = Code128(code, barWidth=1.0, quiet=False, humanReadable=False)
    width: float = probe.width
    return round(width)


class CodeLine(Flowable):  # type: ignore[misc]
    """The dossier code as a centred Code 128 with "Mã hồ sơ: <code>" under the bars."""

    def __init__(self, code: str) -> None:
        super().__init__()
        register_fonts()
        self._code = clean(code)
        if not self._code or not self._code.isascii() or not self._code.isprintable():
            raise ValueError(f"a dossier code must be printable ASCII for Code 128: {code!r}")
        probe = Code128(self._code, barWidth=1.0, quiet=False, humanReadable=False)
        modules = round(probe.width) + 2 * QUIET_MODULES
        self._module = min(MODULE, FRAME_WIDTH / modules)
        if self._module < MIN_MODULE:
            raise ValueError(f"dossier code too long to print as a readable barcode: {code!r}")
        self._symbol_width = modules * self._module
        self._height = BAR_HEIGHT + _TEXT_GAP + BODY_SIZE * 1.3

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return FRAME_WIDTH, self._height

    def draw(self) -> None:
        canv: Canvas = self.canv
        centre = FRAME_WIDTH / 2
        quiet = QUIET_MODULES * self._module
        barcode = Code128(
            self._code,
            barWidth=self._module,
            barHeight=BAR_HEIGHT,
            quiet=True,
            lquiet=quiet,
            rquiet=quiet,
            humanReadable=False,
        )
        barcode.drawOn(canv, centre - self._symbol_width / 2, self._height - BAR_HEIGHT)
        prefix = "Mã hồ sơ: "
        prefix_w = canv.stringWidth(prefix, REGULAR, BODY_SIZE)
        start = centre - (prefix_w + canv.stringWidth(self._code, BOLD, BODY_SIZE)) / 2
        base = self._height - BAR_HEIGHT - _TEXT_GAP - getAscent(BOLD, BODY_SIZE)
        canv.setFont(REGULAR, BODY_SIZE)
        canv.drawString(start, base, prefix)
        canv.setFont(BOLD, BODY_SIZE)
        canv.drawString(start + prefix_w, base, self._code)
