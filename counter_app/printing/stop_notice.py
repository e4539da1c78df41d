"""Mẫu 05 (TT 03/2025), THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ: why and from when processing stops, fees paid."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from counter_app.printing.codes import CodeLine
from counter_app.printing.dto import StopNoticeData
from counter_app.printing.layout import (
    BLANK,
    HeaderBlock,
    applicant_text,
    closing_block,
    markup,
    styles,
    title_block,
)
from counter_app.printing.page import CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import (
    format_money,
    format_official_date,
    format_time_date,
    place_date_line,
)

TITLE = "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ"
FIELD_GAP = 6.0
RECIPIENTS = ("Như trên;", "Bộ phận Một cửa;", "Lưu: VT.")


def render_stop_notice(data: StopNoticeData) -> bytes:
    """The stop notice as an A4 PDF, addressed to the applicant, with the dossier's code as Code 128."""
    st = styles(field_gap=FIELD_GAP)
    header = data.header
    body = header.receiving_body
    number = markup(data.number, blank="…") if data.number else "…"
    who = markup(applicant_text(data.applicant_title, data.applicant_name))
    title = markup(data.applicant_title or "Ông/Bà")
    indent = ParagraphStyle("indent", parent=st.body, firstLineIndent=10 * mm)
    addressee = ParagraphStyle("addressee", parent=st.body, alignment=1)
    appointment = format_time_date(data.appointment_at) if data.appointment_at else BLANK
    since = markup(format_time_date(data.stopped_at))
    if data.on_request:
        decision = (
            f"Theo đề nghị rút hồ sơ của {title}, {markup(body)} thông báo dừng giải quyết hồ sơ nêu trên "
            f"kể từ {since}."
        )
    else:
        decision = f"{markup(body)} thông báo dừng giải quyết hồ sơ nêu trên kể từ {since}."
    story: list[Flowable] = [
        CopyMarker("Thông báo dừng giải quyết hồ sơ"),
        HeaderBlock(header, place_date_line(header.place_name, data.issued_at.date()), f"Số: {number}/TB"),
        *title_block(TITLE, st),
        Paragraph(f"Kính gửi: <b>{who}</b>", addressee),
        Paragraph(f"(Địa chỉ: {markup(data.address)}; Số điện thoại: {markup(data.phone)})", addressee),
        Spacer(0, 4),
        Paragraph(
            f"{markup(format_official_date(data.received_at.date()).capitalize())}, {markup(body)} "
            f"tiếp nhận hồ sơ đề nghị giải quyết thủ tục <b>{markup(data.procedure_name)}</b> của {who}.",
            indent,
        ),
        CodeLine(data.code),
        Spacer(0, 6),
        Paragraph(f"Thời gian hẹn trả kết quả: {markup(appointment)}.", indent),
        Paragraph(f"Tình trạng hồ sơ khi dừng: {markup(data.stage)}.", indent),
        Paragraph(decision, indent),
        Paragraph(f"Lý do: {markup(data.reason)}", indent),
    ]
    if data.fee_paid > 0:
        story.append(
            Paragraph(
                f"Phí, lệ phí đã nộp: {markup(format_money(data.fee_paid))}; số tiền được hoàn trả (nếu có): "
                f"{BLANK} đ.",
                indent,
            )
        )
    story += [
        Paragraph(f"Xin thông báo để {title} được biết./.", indent),
        closing_block(data.signer_role, data.signer_name, RECIPIENTS, st),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=body)
