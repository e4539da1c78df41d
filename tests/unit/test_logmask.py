"""Personal numbers are masked in logs; codes, UUIDs and dates are not mangled."""

from __future__ import annotations

import logging
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from counter_app.logmask import MaskingFormatter, mask_personal


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("CCCD 001092012345 sai", "CCCD *********345 sai"),
        ("CMND 123456789.", "CMND ******789."),
        ("gọi 0912345678 hoặc +84912345678", "gọi *******678 hoặc *********678"),
        ("mã 000.00.31.H12-261123-1001 ngày 2026-11-23", "mã 000.00.31.H12-261123-1001 ngày 2026-11-23"),
        ("op 0193a4b2-7c1d-7000-8000-123456789012", "op 0193a4b2-7c1d-7000-8000-123456789012"),
        ("giữ 15:00, 12345678 đồng", "giữ 15:00, 12345678 đồng"),
    ],
)
def test_mask_personal(raw: str, masked: str) -> None:
    assert mask_personal(raw) == masked


@given(st.from_regex(r"0\d{11}", fullmatch=True), st.text(alphabet=" ,;:()", max_size=3))
def test_no_twelve_digit_number_survives(number: str, around: str) -> None:
    assert number not in mask_personal(f"{around}{number}{around}")


def test_the_formatter_masks_arguments_and_tracebacks() -> None:
    formatter = MaskingFormatter("%(message)s")
    try:
        raise ValueError("số định danh 008186001234 không hợp lệ")
    except ValueError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "hồ sơ của %s", ("0912345678",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "0912345678" not in text and "008186001234" not in text
    assert "*******678" in text and "*********234" in text
