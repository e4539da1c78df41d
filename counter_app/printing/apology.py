"""Mẫu 04, PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ: the reason for the delay and the new date."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter_app.printing.dto import ApologyData
from counter_app.printing.fonts import BOLD_ITALIC, REGULAR
from counter_app.printing.layout import (
    HeaderBlock,
    applicant_text,
    markup,
    styles,
    title_block,
)
from counter_app.printing.page import FRAME_WIDTH, CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import format_official_date, format_time_date, place_date_line

TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
FIELD_GAP = 6.0
RECIPIENTS = ("Như trên;", "Bộ phận Một cửa;", "Lưu: VT.")


def _closing(data: ApologyData) -> Table:
    """ "Nơi nhận" on the left (11/12 pt as NĐ 30/2020 sets it), the head of the agency signing on the right."""
    st = styles(field_gap=FIELD_GAP)
    heading = ParagraphStyle("recipients", parent=st.body, fontName=BOLD_ITALIC, fontSize=12, leading=14)
    item = ParagraphStyle(
        "recipient", parent=st.body, fontName=REGULAR, fontSize=11, leading=13, spaceAfter=0
    )
    left: list[Flowable] = [Paragraph("Nơi nhận:", heading)]
    left += [Paragraph(f"- {markup(text)}", item) for text in RECIPIENTS]
    right: list[Flowable] = [
        Paragraph(markup(data.signer_role.upper()), st.sign_title),
        Paragraph("(Ký, ghi rõ họ tên và đóng dấu)", st.sign_hint),
        Spacer(0, 22 * mm),
    ]
    if data.signer_name.strip():
        right.append(Paragraph(markup(data.signer_name), st.sign_name))
    table = Table([[left, right]], colWidths=[FRAME_WIDTH * 0.45, FRAME_WIDTH * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 13),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


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
        _closing(data),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=header.receiving_body)
