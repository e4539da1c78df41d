"""Vietnamese administrative formatting (NĐ 30/2020 dates, times, money) and the font bundle."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from reportlab.pdfbase import pdfmetrics

from counter_app.paths import resources_dir
from counter_app.printing import fonts
from counter_app.printing.dto import AgencyHeader
from counter_app.printing.vn_format import (
    format_money,
    format_official_date,
    format_time_date,
    place_date_line,
    two_digits,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
        (date(2026, 1, 31), "ngày 31 tháng 01 năm 2026"),
        (date(2026, 3, 1), "ngày 01 tháng 3 năm 2026"),
        (date(2023, 10, 27), "ngày 27 tháng 10 năm 2023"),
        (date(2024, 12, 9), "ngày 09 tháng 12 năm 2024"),
    ],
)
def test_official_date_pads_days_and_only_months_one_and_two(day: date, expected: str) -> None:
    assert format_official_date(day) == expected


def test_time_date_reads_like_the_receipt() -> None:
    assert format_time_date(datetime(2023, 10, 27, 9, 32)) == "09 giờ 32 phút, ngày 27 tháng 10 năm 2023"
    assert format_time_date(datetime(2026, 2, 5, 14, 0)) == "14 giờ 00 phút, ngày 05 tháng 02 năm 2026"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(12345678, "12.345.678 đ"), (8000, "8.000 đ"), (0, "0 đ"), (999, "999 đ"), (-1500, "-1.500 đ")],
)
def test_money_uses_dots_between_thousands(amount: int, expected: str) -> None:
    assert format_money(amount) == expected


def test_place_date_line() -> None:
    assert place_date_line("Ỷ La", date(2026, 2, 5)) == "Ỷ La, ngày 05 tháng 02 năm 2026"
    assert place_date_line("  ", date(2026, 2, 5)) == "Ngày 05 tháng 02 năm 2026"


def test_two_digits() -> None:
    assert two_digits(1) == "01"
    assert two_digits(12) == "12"


def test_receiving_body_avoids_naming_the_place_twice() -> None:
    assert AgencyHeader("UBND xã Ỷ La", "Bộ phận Tiếp nhận và Trả kết quả", "Ỷ La").receiving_body == (
        "Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La"
    )
    centre = AgencyHeader("UBND xã Ỷ La", "Trung tâm Phục vụ hành chính công xã Ỷ La", "Ỷ La")
    assert centre.receiving_body == "Trung tâm Phục vụ hành chính công xã Ỷ La"


def test_fonts_register_once_and_cover_vietnamese() -> None:
    fonts.register_fonts()
    fonts.register_fonts()  # idempotent
    face = pdfmetrics.getFont(fonts.REGULAR).face
    for ch in "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸđĐươƯƠ₫":
        assert ord(ch) in face.charToGlyph, ch


def test_font_bundle_ships_its_licences() -> None:
    folder = resources_dir() / "fonts"
    for name in (
        "Tinos-Regular.ttf",
        "Tinos-Bold.ttf",
        "Tinos-Italic.ttf",
        "Tinos-BoldItalic.ttf",
        "BeVietnamPro-Regular.ttf",
        "BeVietnamPro-Medium.ttf",
        "BeVietnamPro-SemiBold.ttf",
        "BeVietnamPro-Bold.ttf",
        "LICENSE-Tinos.txt",
        "OFL-BeVietnamPro.txt",
        "README.md",
    ):
        assert (folder / name).is_file(), name
