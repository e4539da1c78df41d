"""Realistic sample data for the three forms: tests, the benchmark, the docs and UI previews use it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from counter_app.printing.dto import AgencyHeader, DocumentLine, ReceiptData, RefusalData, SupplementData

SAMPLE_HEADER = AgencyHeader(
    parent_name="UBND xã Ỷ La",
    agency_name="Bộ phận Tiếp nhận và Trả kết quả",
    place_name="Ỷ La",
)

SAMPLE_CODE = "000.00.06.H56-231027-0361"
SAMPLE_HELP = (
    "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà có thể tra cứu các quy định giải quyết "
    "thủ tục hành chính tại Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) hoặc liên hệ với công chức "
    "Đặng Văn Ỷ, số điện thoại 0207 3822 123 để được hướng dẫn./."
)


def sample_documents(count: int = 4) -> tuple[DocumentLine, ...]:
    """`count` document lines: eight realistic papers, then numbered extras for very long lists."""
    real = (
        DocumentLine("Đơn đề nghị đổi, cấp lại giấy phép lái xe (theo mẫu)", 1, 0, 0),
        DocumentLine(
            "Giấy chứng nhận sức khỏe của người lái xe do cơ sở y tế có thẩm quyền cấp, còn thời hạn sử dụng",
            1,
            0,
            0,
        ),
        DocumentLine("Giấy phép lái xe hạng A1 (bản chính để đối chiếu)", 1, 0, 1),
        DocumentLine("Căn cước công dân hoặc hộ chiếu còn thời hạn", 0, 1, 1),
        DocumentLine("Giấy xác nhận thông tin về cư trú", 1, 0, 0),
        DocumentLine("Giấy ủy quyền có chứng thực (trường hợp nộp thay)", 1, 0, 0),
        DocumentLine("Ảnh màu cỡ 3 cm x 4 cm, nền trắng, chụp không quá 06 tháng", 0, 0, 2),
        DocumentLine("Tờ khai lệ phí (nếu có)", 1, 0, 0),
    )
    extra = tuple(
        DocumentLine(
            f"Giấy tờ kèm theo số {n}: bản trích lục hồ sơ liên quan đến yêu cầu giải quyết", 0, 1, 2
        )
        for n in range(len(real) + 1, count + 1)
    )
    return (real + extra)[:count]


def sample_receipt(documents: int = 4, *, received: datetime | None = None) -> ReceiptData:
    """The worked example of domain.md §2.1, for a commune counter."""
    received_at = received or datetime(2023, 10, 27, 9, 32)
    return ReceiptData(
        header=SAMPLE_HEADER,
        code=SAMPLE_CODE,
        applicant_name="Nguyễn Thị Ánh",
        applicant_title="Bà",
        owner_name=None,
        address="Thôn Đồng Tâm, xã Ỷ La, tỉnh Tuyên Quang",
        phone="0912 345 678",
        email="anh.nguyen@example.vn",
        id_number="008186001234",
        procedure_name="Đổi giấy phép lái xe do ngành Giao thông vận tải cấp (Hạng A1)",
        documents=sample_documents(documents),
        sets_count=1,
        statutory_time_text="05 ngày làm việc",
        received_at=received_at,
        appointment_at=datetime(2023, 11, 3, 9, 0),
        delivery_text="Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La",
        fee_text="Thu trước: 135.000 đ",
        tracking_book_volume=1,
        tracking_book_number=361,
        clerk_name="Đặng Văn Ỷ",
        status_url=f"https://dichvucong.example.vn/tra-cuu?MaHoSo={SAMPLE_CODE}",
        issued_at=received_at,
    )


def sample_supplement() -> SupplementData:
    """Mẫu 02 for the same applicant: two papers to complete."""
    return SupplementData(
        header=SAMPLE_HEADER,
        number="15",
        applicant_name="Nguyễn Thị Ánh",
        applicant_title="Bà",
        address="Thôn Đồng Tâm, xã Ỷ La, tỉnh Tuyên Quang",
        phone="0912 345 678",
        email="",
        procedure_name="Đăng ký khai sinh có yếu tố nước ngoài",
        missing_documents=(
            DocumentLine("Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh", 1, 0, 0),
            DocumentLine("Văn bản thỏa thuận của cha, mẹ về việc chọn quốc tịch cho con", 1, 0, 0),
            DocumentLine("Hộ chiếu của người mẹ (bản dịch có chứng thực)", 0, 1, 0),
        ),
        reason="Hồ sơ thiếu giấy chứng sinh và văn bản thỏa thuận chọn quốc tịch theo quy định.",
        help_text=SAMPLE_HELP,
        guide_officer_name="Đặng Văn Ỷ",
        issued_at=datetime(2026, 2, 5, 14, 10),
    )


def sample_refusal() -> RefusalData:
    """Mẫu 03: a request outside the commune's competence."""
    return RefusalData(
        header=SAMPLE_HEADER,
        applicant_name="Đặng Văn Ỷ",
        applicant_title="Ông",
        address="Tổ 5, phường Minh Xuân, tỉnh Tuyên Quang",
        phone="0987 654 321",
        email="dang.vany@example.vn",
        procedure_name="Cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        reason=(
            "Thửa đất đề nghị cấp Giấy chứng nhận đang có tranh chấp, chưa được giải quyết dứt điểm "
            "theo quy định tại khoản 1 Điều 151 Luật Đất đai."
        ),
        help_text=SAMPLE_HELP,
        clerk_name="Lò Thị Ưng",
        issued_at=datetime(2026, 3, 12, 10, 45),
    )


def main(argv: list[str]) -> int:
    """`python -m counter_app.printing.samples OUTDIR` writes receipt.pdf, supplement.pdf, refusal.pdf."""
    from counter_app.printing import render_receipt, render_refusal, render_supplement

    if len(argv) != 1:
        print("usage: python -m counter_app.printing.samples OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    (out / "receipt.pdf").write_bytes(render_receipt(sample_receipt()))
    (out / "supplement.pdf").write_bytes(render_supplement(sample_supplement()))
    (out / "refusal.pdf").write_bytes(render_refusal(sample_refusal()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
