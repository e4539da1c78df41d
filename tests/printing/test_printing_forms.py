"""Mẫu 02 (yêu cầu bổ sung) and Mẫu 03 (từ chối): real PDFs, text and fonts checked with poppler."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PIL import Image

from counter_app.printing import DocumentLine, render_refusal, render_supplement
from counter_app.printing.samples import sample_refusal, sample_supplement

Texts = Callable[[bytes], list[str]]
Fonts = Callable[[bytes], list[dict[str, str]]]


def test_supplement_lists_every_missing_paper_at_once(pdf_text: Texts) -> None:
    data = sample_supplement()
    pages = pdf_text(render_supplement(data))
    assert len(pages) == 1
    page = pages[0]
    for text in (
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "UBND XÃ Ỷ LA",
        "Số: 15/HDHS",
        "Ỷ La, ngày 05 tháng 02 năm 2026",
        "Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La:",
        "Tiếp nhận hồ sơ của: Bà Nguyễn Thị Ánh",
        "Nội dung yêu cầu giải quyết: Đăng ký khai sinh có yếu tố nước ngoài",
        "Địa chỉ: Thôn Đồng Tâm, xã Ỷ La, tỉnh Tuyên Quang",
        "Số điện thoại: 0912 345 678",
        "Email: …",
        "Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:",
        "Lý do: Hồ sơ thiếu giấy chứng sinh",
        "liên hệ với công chức Đặng Văn Ỷ",
        "NGƯỜI HƯỚNG DẪN",
        "(Ký và ghi rõ họ tên)",
    ):
        assert text in page, text
    for document in data.missing_documents:
        assert " ".join(document.name.split()[:5]) in page
    assert "NGƯỜI NỘP HỒ SƠ" not in page


def test_supplement_without_a_number_leaves_it_to_fill(pdf_text: Texts) -> None:
    text = pdf_text(render_supplement(dataclasses.replace(sample_supplement(), number=None)))[0]
    assert "Số: …/HDHS" in text


def test_supplement_long_list_paginates_with_the_header_repeated(pdf_text: Texts) -> None:
    missing = tuple(
        DocumentLine(f"Giấy tờ cần bổ sung số {n}: bản sao có chứng thực giấy tờ liên quan", 0, 1, 0)
        for n in range(1, 41)
    )
    pages = pdf_text(render_supplement(dataclasses.replace(sample_supplement(), missing_documents=missing)))
    assert len(pages) >= 2
    joined = " ".join(pages)
    for n in range(1, 41):
        assert f"Giấy tờ cần bổ sung số {n}:" in joined
    assert all("Tên giấy tờ" in page for page in pages[:-1])
    assert "tiếp theo" in pages[1]
    assert "NGƯỜI HƯỚNG DẪN" in pages[-1]


def test_refusal_carries_the_official_sentences(pdf_text: Texts) -> None:
    data = sample_refusal()
    pages = pdf_text(render_refusal(data))
    assert len(pages) == 1
    page = pages[0]
    for text in (
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Ỷ La, ngày 12 tháng 3 năm 2026",
        "Tiếp nhận hồ sơ của: Ông Đặng Văn Ỷ",
        "Địa chỉ: Tổ 5, phường Minh Xuân, tỉnh Tuyên Quang",
        "Email: dang.vany@example.vn",
        "Nội dung yêu cầu giải quyết: Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        "Qua xem xét, Bộ phận Tiếp nhận và Trả kết quả thông báo không tiếp nhận, giải quyết hồ sơ này "
        "với lý do cụ thể như sau: Thửa đất đề nghị cấp Giấy chứng nhận đang có tranh chấp",
        "Xin thông báo cho Ông/Bà được biết và thực hiện.",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lò Thị Ưng",
    ):
        assert text in page, text
    assert "Số:" not in page


def test_forms_embed_only_tinos(pdf_fonts: Fonts) -> None:
    for pdf in (render_supplement(sample_supplement()), render_refusal(sample_refusal())):
        fonts = pdf_fonts(pdf)
        assert all(row["emb"] == "yes" for row in fonts), fonts
        assert {row["name"].split("+")[-1] for row in fonts} <= {
            "Tinos",
            "Tinos-Bold",
            "Tinos-Italic",
            "Tinos-BoldItalic",
        }


def test_forms_render_as_a4_pages(rasterise: Callable[..., list[Image.Image]]) -> None:
    for pdf in (render_supplement(sample_supplement()), render_refusal(sample_refusal())):
        (page,) = rasterise(pdf, dpi=50)
        assert abs(page.width - 413) <= 1 and abs(page.height - 585) <= 1
