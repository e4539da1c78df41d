"""The self-test's own Code 128 reader agrees with zxing-cpp on real receipts rendered by poppler."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from counter_app.code128 import GreyImage, read_code128
from counter_app.printing import render_receipt
from counter_app.printing.samples import sample_receipt


def grey(image: Any) -> GreyImage:
    return GreyImage(image.width, image.height, image.tobytes())


@pytest.mark.parametrize("code", ["000.00.31.H12-260212-1001", "G12.3.4-270101-0999"])
def test_reader_matches_zxing_on_the_receipt(
    code: str, rasterise: Callable[..., list[Any]], decode: Callable[[Any], dict[str, str]]
) -> None:
    pdf = render_receipt(dataclasses.replace(sample_receipt(), code=code))
    (page,) = rasterise(pdf, dpi=300, first=1, last=1)  # the first liên (pdftoppm is the slow part)
    assert read_code128(grey(page)) == [code]
    assert decode(page).get("Code128") == code
