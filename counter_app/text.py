"""Vietnamese text helpers: Unicode NFC and diacritic-free folding for search (đ → d)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Normalise to NFC and collapse runs of white space (keyboards and IMEs may send NFD)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower-case, strip diacritics and map đ to d: "Đặng Thị Ánh" → "dang thi anh"."""
    lowered = nfc(text).lower().replace("đ", "d")  # i18n: skip
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def group_thousands(number: int) -> str:
    """Vietnamese digit grouping: 1234567 → "1.234.567"."""
    return f"{number:,}".replace(",", ".")
