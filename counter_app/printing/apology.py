"""Mẫu 04, PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ: the reason for the delay and the new date."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from counter_app.printing.dto import ApologyData
from counter_app.printing.layout import (
    HeaderBlock,
    applicant_text,
    closing_block,
    markup,
    styles,
    title_block,
)
from counter_app.printing.page import CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import format_official_date, format_time_date, place_date_line

TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
FIELD_GAP = 6.0
RECIPIENTS = ("Như trên;", "Bộ phận Một cửa;", "Lưu: VT.")


def render_apology(data: ApologyData) -> bytes:
    """Mẫu 04 as an A4 PDF, addressed to the applicant and signed by the head of the agency."""
    st = styles(field_gap=FIELD_GAP)
    header = data.header
    number = markup(data.number, blank="…") if data.number else "…"
    who = markup(applicant_text(data.applicant_title, data.applicant_name))
    title = data.applicant_title or "Ông/Bà"
    body = st.body
    indent = ParagraphStyle("indent", parent=body, firstLineIndent=10 * mm)
    addressee = ParagraphStyle("addressee", parent=body, alignment=1)
    story: list[Flowable] = [
        CopyMarker("Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        HeaderBlock(header, place_date_line(header.place_name, data.issued_at.date()), f"Số: {number}/PXL"),
        *title_block(TITLE, st),
        Paragraph(f"Kính gửi: <b>{who}</b>", addressee),
        Paragraph(
            f"(Địa chỉ: {markup(data.address)}; Số điện thoại: {markup(data.phone)})",
            addressee,
        ),
        Spacer(0, 4),
        Paragraph(
            f"{markup(format_official_date(data.received_at.date()).capitalize())}, "
            f"{markup(header.receiving_body)} tiếp nhận hồ sơ đề nghị giải quyết thủ tục "
            f"<b>{markup(data.procedure_name)}</b> của {who}.",
            indent,
        ),
        Paragraph(f"Mã hồ sơ: <b>{markup(data.code)}</b>", indent),
        Paragraph(
            f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {markup(format_time_date(data.previous_appointment))}.",
            indent,
        ),
        Paragraph(
            "Tuy nhiên, đến nay hồ sơ của "
            f"{markup(title)} chưa được giải quyết xong, không trả kết quả đúng hẹn như đã ghi trên "
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
            indent,
        ),
        Paragraph(f"Lý do: {markup(data.reason)}", indent),
        Paragraph(
            f"{markup(header.receiving_body)} trân trọng xin lỗi {markup(title)} và rất mong nhận được sự "
            f"thông cảm của {markup(title)} vì sự chậm trễ này.",
            indent,
        ),
        Paragraph(
            f"Thời gian hẹn trả kết quả lại: <b>{markup(format_time_date(data.new_appointment))}</b>.",
            indent,
        ),
        Paragraph("Trân trọng./.", indent),
        closing_block(data.signer_role, data.signer_name, RECIPIENTS, st),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=header.receiving_body)
