"""The self-test's Code 128 reader and the test page's encoder, without PDF or Qt."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.code128 import PATTERNS, GreyImage, encode_b, read_code128, read_row


def raster(modules: str, px: int = 3, quiet: int = 12, height: int = 4) -> GreyImage:
    """A clean symbol, `px` pixels per module, `quiet` light modules each side, repeated rows."""
    light = bytes([255]) * (quiet * px)
    row = light + b"".join((b"\x00" if m == "1" else b"\xff") * px for m in modules) + light
    return GreyImage(len(row), height, row * height)


def test_pattern_table_matches_reportlab() -> None:
    from reportlab.graphics.barcode.code128 import _patterns  # the encoder the receipt uses

    widths = {letter: str(n) for n, letter in enumerate("ABCD", start=1)}
    assert tuple("".join(widths[c.upper()] for c in _patterns[i]) for i in range(107)) == PATTERNS
    assert all(sum(map(int, p)) == 11 for p in PATTERNS[:106]) and sum(map(int, PATTERNS[106])) == 13


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30))
def test_encode_then_read_round_trips(text: str) -> None:
    assert read_code128(raster(encode_b(text)), row_step=1) == [text]


@pytest.mark.parametrize("px", [2, 3, 4, 7])
def test_reads_at_any_whole_pixel_scale(px: int) -> None:
    assert read_code128(raster(encode_b("000.00.31.H12-260212-1001"), px=px)) == ["000.00.31.H12-260212-1001"]


def test_reads_what_reportlab_encodes_with_code_set_c() -> None:
    """reportlab (the receipt's encoder) switches to code set C for digit runs; the reader follows."""
    from reportlab.graphics.barcode.code128 import Code128

    code = "000.00.31.H12-261123-1001"
    symbol = Code128(code, barWidth=1, quiet=False)
    symbol.validate()
    assert 99 in symbol.encode()  # CODE C is used
    symbol.decompose()  # "BaAb…": upper case a bar, lower case a space, A–D = 1–4 modules
    modules = "".join(
        ("1" if c.isupper() else "0") * ("abcd".index(c.lower()) + 1) for c in symbol.decomposed
    )
    assert read_code128(raster(modules)) == [code]


def test_refuses_a_bad_check_symbol_and_noise() -> None:
    modules = encode_b("ABC")
    broken = (
        modules[:11] + modules[11:22].replace("1", "x").replace("0", "1").replace("x", "0") + modules[22:]
    )
    assert read_code128(raster(broken)) == []
    assert read_row(bytes(range(256)) * 4) == []
    assert read_code128(GreyImage(10, 1, bytes([255]) * 10)) == []


def test_stride_skips_row_padding() -> None:
    clean = raster(encode_b("Ỷ".encode("ascii", "replace").decode()), height=1)
    padded = GreyImage(clean.width, 2, (clean.pixels + b"\x00\x00\x00\x00") * 2, clean.width + 4)
    assert read_code128(padded, row_step=1) == ["?"]


def test_encode_b_refuses_non_ascii() -> None:
    with pytest.raises(ValueError):
        encode_b("Đ")
