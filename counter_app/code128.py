"""Code 128 for the self-test and the printer test page: read symbols from a greyscale raster, write code set B.

The bundle ships no barcode decoder (zxing-cpp is a test-only dependency), and the receipt only ever
carries one symbology, so this reads Code 128 (code sets A, B and C) and nothing else. It scans
rows of the image, splits each into dark and light runs, and decodes each symbol by rounding its
six run widths to whole modules (the symbol's own width / 11, so the scale need not be known).
A read counts only when the start code, the modulo-103 check symbol and the stop pattern all agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Bar/space widths in modules of the 107 Code 128 symbols (ISO/IEC 15417, table 1); 106 is the stop.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 "
    "221312 231212 112232 122132 122231 113222 123122 123221 223211 221132 "
    "221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 "
    "231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 "
    "231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 "
    "112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 "
    "111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 "
    "114131 311141 411131 211412 211214 211232 2331112"
)
PATTERNS: tuple[str, ...] = tuple(_TABLE.split(" "))
_BY_WIDTHS = {tuple(int(c) for c in p): value for value, p in enumerate(PATTERNS[:106])}
_STOP = tuple(int(c) for c in PATTERNS[106])
START_A, START_B, START_C, STOP = 103, 104, 105, 106
_CODE_A, _CODE_B, _CODE_C, _SHIFT = 101, 100, 99, 98
_FNC = {96, 97, 102}  # FNC1–3 carry no text; FNC4 (101 in A, 100 in B) is not used by our codes

_RUN = re.compile(rb"\x01+|\x00+")


@dataclass(frozen=True)
class GreyImage:
    """An 8-bit greyscale raster, rows top to bottom, `stride` bytes per row (≥ width)."""

    width: int
    height: int
    pixels: bytes
    stride: int = 0

    def row(self, y: int) -> bytes:
        """The `width` pixels of row `y`."""
        stride = self.stride or self.width
        start = y * stride
        return self.pixels[start : start + self.width]


def encode_b(text: str) -> str:
    """The modules of `text` as Code 128 code set B, start to stop: "1" a dark module, "0" a light one.

    For the printer test page (a short ASCII sample the scanner must read back); the receipt's own
    barcode is drawn by reportlab.
    """
    if not text or any(not 32 <= ord(ch) < 127 for ch in text):
        raise ValueError(f"code set B takes printable ASCII only: {text!r}")
    values = [START_B, *(ord(ch) - 32 for ch in text)]
    values.append((values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103)
    values.append(STOP)
    modules: list[str] = []
    for value in values:
        for index, width in enumerate(PATTERNS[value]):
            modules.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(modules)


def _threshold_table(level: int) -> bytes:
    # Dark pixels (below `level`) become 1, light ones 0: bytes.translate then does a row in C.
    return bytes(1 if value < level else 0 for value in range(256))


def _runs(row: bytes, table: bytes) -> tuple[bool, list[int]]:
    """(first run is dark, run lengths) of one thresholded row."""
    binary = row.translate(table)
    lengths = [m.end() - m.start() for m in _RUN.finditer(binary)]
    return bool(binary[:1] == b"\x01"), lengths


def _symbol(widths: list[int], modules: int) -> tuple[int, ...] | None:
    """Run widths → whole modules, if they add up to a `modules`-wide symbol with elements of 1–4."""
    total = sum(widths)
    if total < modules:  # under one pixel per module: cannot be read
        return None
    unit = total / modules
    rounded = tuple(max(1, round(w / unit)) for w in widths)
    if sum(rounded) != modules or max(rounded) > 4:
        return None
    return rounded


def _decode_values(values: list[int]) -> str | None:
    """Symbol values (start … data, without check and stop) → text, following the code set changes."""
    start = values[0]
    code_set = {START_A: "A", START_B: "B", START_C: "C"}[start]
    text: list[str] = []
    shift = False
    for value in values[1:]:
        current = code_set
        if shift:
            current = "B" if code_set == "A" else "A"
            shift = False
        if value in _FNC:
            continue
        if current == "C":
            if value < 100:
                text.append(f"{value:02d}")
            elif value == _CODE_B:
                code_set = "B"
            elif value == _CODE_A:
                code_set = "A"
            else:
                return None
            continue
        if value == _SHIFT:
            shift = True
        elif value == _CODE_C:
            code_set = "C"
        elif value == _CODE_B and current == "A":
            code_set = "B"
        elif value == _CODE_A and current == "B":
            code_set = "A"
        elif value < 96:
            if current == "B" or value < 64:
                text.append(chr(value + 32))
            else:  # code set A: values 64–95 are the control characters NUL…US
                text.append(chr(value - 64))
        else:
            return None
    return "".join(text)


def _finish(values: list[int]) -> str | None:
    """The text of start … check values if the modulo-103 check agrees."""
    if len(values) < 2:
        return None
    *body, check = values
    if (body[0] + sum(i * v for i, v in enumerate(body[1:], start=1))) % 103 != check:
        return None
    return _decode_values(body)


def _read_from(lengths: list[int], begin: int) -> str | None:
    """Decode a symbol whose start code's first bar is run `begin`; None if anything disagrees."""
    values: list[int] = []
    index = begin
    while index + 6 <= len(lengths):
        if len(values) >= 2 and _symbol(lengths[index : index + 7], 13) == _STOP:
            text = _finish(values)
            if text is not None:
                return text
        shape = _symbol(lengths[index : index + 6], 11)
        value = _BY_WIDTHS.get(shape) if shape else None
        if value is None or (value in (START_A, START_B, START_C)) == bool(values):
            return None  # not a symbol, or a start code anywhere but first
        values.append(value)
        index += 6
    return None


def read_row(row: bytes, level: int = 128) -> list[str]:
    """Every Code 128 symbol read along one row of greyscale pixels."""
    first_dark, lengths = _runs(row, _threshold_table(level))
    found: list[str] = []
    # Dark runs are at even positions when the row starts dark, odd ones otherwise.
    for begin in range(0 if first_dark else 1, len(lengths) - 6, 2):
        if begin > 0 and lengths[begin - 1] < 5 * min(lengths[begin : begin + 6]):
            continue  # a start code needs a quiet zone before it (≥ 10 modules; 5 is lenient)
        text = _read_from(lengths, begin)
        if text is not None:
            found.append(text)
    return found


def read_code128(image: GreyImage, *, row_step: int = 8, level: int = 128) -> list[str]:
    """The distinct texts of the Code 128 symbols in `image`, in the order first met, top to bottom.

    Every `row_step`-th row is scanned: the receipt's 10 mm bars are ~118 rows high at 300 dpi.
    """
    table = _threshold_table(level)
    seen: dict[str, None] = {}
    for y in range(0, image.height, max(1, row_step)):
        row = image.row(y)
        if row.translate(table).count(1) < 20:  # blank row: nothing to decode
            continue
        for text in read_row(row, level):
            seen.setdefault(text, None)
    return list(seen)
