"""Mẫu 01 receipt: real PDFs rasterised by poppler, barcodes decoded back, text and fonts checked."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from counter_app.printing import AgencyHeader, ReceiptData, render_receipt
from counter_app.printing.samples import SAMPLE_CODE, sample_documents, sample_receipt

Raster = Callable[..., list[Image.Image]]
Texts = Callable[[bytes], list[str]]
Decode = Callable[[Image.Image], dict[str, str]]

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"


@pytest.fixture(scope="module")
def receipt() -> ReceiptData:
    return sample_receipt()


@pytest.fixture(scope="module")
def pdf(receipt: ReceiptData) -> bytes:
    return render_receipt(receipt)


def test_receipt_is_two_a4_pages_one_per_copy(pdf: bytes, pdf_text: Texts) -> None:
    pages = pdf_text(pdf)
    assert len(pages) == 2
    assert "Liên 1: Lưu tại Bộ phận Một cửa" in pages[0]
    assert "Liên 2: Giao người nộp hồ sơ" in pages[1]
    for page in pages:
        assert TITLE in page
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
        assert "Độc lập - Tự do - Hạnh phúc" in page


def test_receipt_barcode_and_qr_decode_at_300_dpi_on_both_copies(
    pdf: bytes, receipt: ReceiptData, rasterise: Raster, decode: Decode
) -> None:
    pages = rasterise(pdf, dpi=300)
    assert len(pages) == 2
    for image in pages:
        # A4 at 300 dpi (210 × 297 mm → 2480.3 × 3507.9 px; poppler rounds up): the page really is A4.
        assert abs(image.width - 2480) <= 1 and abs(image.height - 3508) <= 1
        found = decode(image)
        assert found.get("Code128") == SAMPLE_CODE
        assert found.get("QRCode") == receipt.status_url


def test_receipt_human_readable_code_does_not_touch_the_bars(pdf: bytes, rasterise: Raster) -> None:
    image = rasterise(pdf, dpi=300, first=1, last=1)[0]
    (bars,) = [r for r in zxingcpp.read_barcodes(image) if r.format.name == "Code128"]
    left = min(bars.position.top_left.x, bars.position.bottom_left.x)
    right = max(bars.position.top_right.x, bars.position.bottom_right.x)
    y = (bars.position.top_left.y + bars.position.bottom_left.y) // 2
    pixels = image.load()
    assert pixels is not None

    def dark(row: int) -> bool:
        return any(pixels[x, row] < 128 for x in range(left, right))

    while dark(y):  # walk down to the bottom of the bars
        y += 1
    gap = 0
    while not dark(y + gap):
        gap += 1
    # Over a millimetre (≥14 px at 300 dpi; 1.5 mm today) of white between the bars and the text
    # under them, stacked Vietnamese marks (ồ, ã) included.
    assert gap >= 14
    assert gap < 60  # …and the text is right there, not lost somewhere else


def test_receipt_text_carries_every_numbered_item(pdf: bytes, pdf_text: Texts) -> None:
    page = pdf_text(pdf)[0]
    expected = [
        "Bộ phận tiếp nhận và trả kết quả: Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La",
        "Tiếp nhận hồ sơ của: Bà Nguyễn Thị Ánh",
        "Địa chỉ: Thôn Đồng Tâm, xã Ỷ La, tỉnh Tuyên Quang",
        "Số điện thoại: 0912 345 678",
        "Email: anh.nguyen@example.vn",
        "Số CCCD/ĐDCN: 008186001234",
        "Nội dung yêu cầu giải quyết: Đổi giấy phép lái xe do ngành Giao thông vận tải cấp (Hạng A1)",
        "1. Thành phần hồ sơ nộp gồm:",
        "Tên giấy tờ",
        "Bản chứng",
        "2. Số lượng hồ sơ: 01 (bộ)",
        "3. Thời gian giải quyết hồ sơ theo quy định là: 05 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 09 giờ 32 phút, ngày 27 tháng 10 năm 2023",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 03 tháng 11 năm 2023",
        "6. Đăng ký nhận kết quả tại: Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La",
        "Phí, lệ phí: Thu trước: 135.000 đ",
        "Vào Sổ theo dõi hồ sơ, Quyển số: 01 Số thứ tự: 361",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
        "Đặng Văn Ỷ",
        "Ghi chú:",
        "được lập thành 2 liên",
        "Khi đến nhận kết quả, mang theo Giấy này",
        "Mã hồ sơ: " + SAMPLE_CODE,
        "Quét mã để tra cứu tiến độ",
        "Ỷ La, ngày 27 tháng 10 năm 2023",
    ]
    for text in expected:
        assert text in page, text


def test_receipt_embeds_tinos_and_nothing_else(
    pdf: bytes, pdf_fonts: Callable[[bytes], list[dict[str, str]]]
) -> None:
    fonts = pdf_fonts(pdf)
    assert fonts, "no fonts listed"
    assert all(row["emb"] == "yes" for row in fonts), fonts
    names = {row["name"].split("+")[-1] for row in fonts}
    assert names <= {"Tinos", "Tinos-Bold", "Tinos-Italic", "Tinos-BoldItalic"}
    assert "Tinos" in names


def test_receipt_dates_pad_january_and_february_only(pdf_text: Texts) -> None:
    february = sample_receipt(received=datetime(2026, 2, 5, 7, 5))
    march = dataclasses.replace(february, issued_at=datetime(2026, 3, 9, 7, 5))
    text = pdf_text(render_receipt(february))[0]
    assert "Ỷ La, ngày 05 tháng 02 năm 2026" in text
    assert "4. Thời gian nhận hồ sơ: 07 giờ 05 phút, ngày 05 tháng 02 năm 2026" in text
    assert "Ỷ La, ngày 09 tháng 3 năm 2026" in pdf_text(render_receipt(march))[0]


def test_receipt_with_an_authorised_submitter_names_the_owner(pdf_text: Texts) -> None:
    data = dataclasses.replace(
        sample_receipt(),
        applicant_name="Đặng Văn Ỷ",
        applicant_title="Ông",
        owner_name="Nguyễn Thị Ánh",
    )
    text = pdf_text(render_receipt(data))[0]
    assert "Tiếp nhận hồ sơ của: Ông Đặng Văn Ỷ" in text
    assert "Chủ hồ sơ: Nguyễn Thị Ánh" in text


def test_receipt_prints_decomposed_input_as_proper_vietnamese(pdf_text: Texts) -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert nfd != "Nguyễn Thị Ánh"
    text = pdf_text(render_receipt(dataclasses.replace(sample_receipt(), applicant_name=nfd)))[0]
    assert "Bà Nguyễn Thị Ánh" in text


def test_receipt_leaves_blanks_to_fill_by_hand(pdf_text: Texts) -> None:
    data = dataclasses.replace(
        sample_receipt(), email="", tracking_book_volume=None, tracking_book_number=None, fee_text=""
    )
    text = pdf_text(render_receipt(data))[0]
    assert "Email: …" in text
    assert "Quyển số: …" in text
    assert "Số thứ tự: …" in text
    assert "Phí, lệ phí" not in text


def test_receipt_escapes_markup_in_user_text(pdf_text: Texts) -> None:
    data = dataclasses.replace(sample_receipt(), address="Số 5 <ngõ 3> & ngách 7")
    assert "Địa chỉ: Số 5 <ngõ 3> & ngách 7" in pdf_text(render_receipt(data))[0]


@pytest.mark.parametrize("count", [1, 6, 8])
def test_receipt_keeps_each_copy_on_one_page_up_to_eight_documents(count: int, pdf_text: Texts) -> None:
    data = sample_receipt(count)
    pages = pdf_text(render_receipt(data))
    assert len(pages) == 2
    for page in pages:
        for document in data.documents:
            # Long names wrap inside their cell; their first words are on the page either way.
            assert " ".join(document.name.split()[:4]) in page
        assert "Khi đến nhận kết quả" in page


def test_receipt_long_list_flows_cleanly_and_still_decodes(
    pdf_text: Texts, rasterise: Raster, decode: Decode
) -> None:
    data = sample_receipt(30)
    pdf = render_receipt(data)
    pages = pdf_text(pdf)
    assert len(pages) > 2
    starts = [i for i, page in enumerate(pages) if TITLE in page]
    assert len(starts) == 2, "each copy starts on a page of its own, with the title"
    first, second = starts
    assert "Liên 1" in pages[first] and "Liên 2" in pages[second]
    copies = (pages[first:second], pages[second:])
    for copy in copies:
        assert len(copy) >= 2
        joined = " ".join(copy)
        for n in range(1, 31):
            assert f" {n} " in joined
        for page in copy[1:]:
            # Continuation pages say whose copy they are and repeat the table header.
            assert "tiếp theo" in page and SAMPLE_CODE in page
        assert sum("Tên giấy tờ" in page for page in copy) >= 2
        assert joined.count("NGƯỜI TIẾP NHẬN HỒ SƠ") == 1
        assert "Khi đến nhận kết quả" in copy[-1]
    images = rasterise(pdf, dpi=300)
    for index in starts:
        found = decode(images[index])
        assert found.get("Code128") == SAMPLE_CODE
        assert found.get("QRCode") == data.status_url


def test_receipt_with_a_post_2025_centre_header(pdf_text: Texts) -> None:
    header = AgencyHeader(
        parent_name="UBND xã Ỷ La",
        agency_name="Trung tâm Phục vụ hành chính công xã Ỷ La",
        place_name="Ỷ La",
    )
    text = pdf_text(render_receipt(dataclasses.replace(sample_receipt(), header=header)))[0]
    assert "UBND XÃ Ỷ LA" in text
    assert "TRUNG TÂM PHỤC VỤ" in text
    assert "Bộ phận tiếp nhận và trả kết quả: Trung tâm Phục vụ hành chính công xã Ỷ La" in text


def test_receipt_is_deterministic() -> None:
    assert render_receipt(sample_receipt()) == render_receipt(sample_receipt())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "MÃ-0001"}, "ASCII"),
        ({"code": ""}, "ASCII"),
        ({"code": "000.00.06.H56-231027-0361-" + "9" * 40}, "too long"),
        ({"status_url": ""}, "URL"),
    ],
)
def test_receipt_refuses_codes_it_cannot_print(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_receipt(dataclasses.replace(sample_receipt(), **change))


def test_sample_documents_are_realistic_then_numbered() -> None:
    docs = sample_documents(10)
    assert len(docs) == 10
    assert docs[0].name.startswith("Đơn đề nghị")
    assert "số 10" in docs[-1].name
