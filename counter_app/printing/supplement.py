"""Mẫu 02, PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ: every missing paper listed at once."""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer

from counter_app.printing.codes import CodeLine
from counter_app.printing.dto import SupplementData
from counter_app.printing.layout import (
    HeaderBlock,
    Signature,
    applicant_text,
    contact_row,
    documents_table,
    field,
    markup,
    signature_row,
    styles,
    title_block,
)
from counter_app.printing.page import CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import place_date_line

TITLE = "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"

# The form has a page to itself: NĐ 30/2020's paragraph spacing (at least 6 pt) fits easily.
FIELD_GAP = 6.0


def render_supplement(data: SupplementData) -> bytes:
    """Mẫu 02 as an A4 PDF; a long list of missing papers flows onto further pages.

    A request about a saved dossier (during processing) prints its code as Code 128 under the title.
    """
    st = styles(field_gap=FIELD_GAP)
    header = data.header
    number = markup(data.number, blank="…") if data.number else "…"
    story: list[Flowable] = [
        CopyMarker("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        HeaderBlock(header, place_date_line(header.place_name, data.issued_at.date()), f"Số: {number}/HDHS"),
        *title_block(TITLE, st),
        *([CodeLine(data.code), Spacer(0, 6)] if data.code else []),
        Paragraph(f"{markup(header.receiving_body)}:", st.body),
        field(
            "Tiếp nhận hồ sơ của",
            applicant_text(data.applicant_title, data.applicant_name),
            st,
            bold_value=True,
        ),
        field("Nội dung yêu cầu giải quyết", data.procedure_name, st, bold_value=True),
        field("Địa chỉ", data.address, st),
        contact_row(data.phone, data.email, st),
        Paragraph("Yêu cầu Ông/Bà hoàn thiện hồ sơ gồm những nội dung như sau:", st.body),
        documents_table(data.missing_documents, st),
        field("Lý do", data.reason, st),
        Paragraph(markup(data.help_text), st.body),
        signature_row((Signature("Người hướng dẫn", data.guide_officer_name),), st),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=header.receiving_body)
