"""Mẫu 03, PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ: the refusal with its reason, signed by both sides."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from counter_app.printing.codes import CodeLine
from counter_app.printing.dto import RefusalData
from counter_app.printing.layout import (
    HeaderBlock,
    Signature,
    applicant_text,
    contact_row,
    field,
    markup,
    signature_row,
    styles,
    title_block,
)
from counter_app.printing.page import CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import place_date_line

TITLE = "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ"

# The form has a page to itself: NĐ 30/2020's paragraph spacing (at least 6 pt) fits easily.
FIELD_GAP = 6.0


def render_refusal(data: RefusalData) -> bytes:
    """Mẫu 03 as an A4 PDF, with the official sentences around the reason.

    A saved dossier refused after intake (status 3) prints its code as Code 128 under the title.
    """
    st = styles(field_gap=FIELD_GAP)
    header = data.header
    story: list[Flowable] = [
        CopyMarker("Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
        HeaderBlock(header, place_date_line(header.place_name, data.issued_at.date())),
        *title_block(TITLE, st),
        *([CodeLine(data.code), Spacer(0, 6)] if data.code else []),
        Paragraph(f"{markup(header.receiving_body)}:", st.body),
        field(
            "Tiếp nhận hồ sơ của",
            applicant_text(data.applicant_title, data.applicant_name),
            st,
            bold_value=True,
        ),
        field("Địa chỉ", data.address, st),
        contact_row(data.phone, data.email, st),
        field("Nội dung yêu cầu giải quyết", data.procedure_name, st, bold_value=True),
        Paragraph(
            f"Qua xem xét, {markup(header.agency_name)} thông báo không tiếp nhận, giải quyết hồ sơ này "
            f"với lý do cụ thể như sau: {markup(data.reason)}",
            st.body,
        ),
        Paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện.", st.body),
        Paragraph(markup(data.help_text), st.body),
        signature_row(
            (
                Signature("Người nộp hồ sơ", applicant_text("", data.applicant_name)),
                Signature("Người tiếp nhận hồ sơ", data.clerk_name),
            ),
            st,
        ),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=header.receiving_body)
