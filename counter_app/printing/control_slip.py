"""Mẫu 05 (TT 01/2018), PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ: the dossier's hand-over table."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter_app.printing.codes import CodeLine
from counter_app.printing.dto import ControlSlipData, HandoverRow
from counter_app.printing.fonts import REGULAR
from counter_app.printing.layout import (
    BLANK,
    HeaderBlock,
    Styles,
    applicant_text,
    field,
    markup,
    styles,
    title_block,
)
from counter_app.printing.page import FRAME_WIDTH, CopyMarker, Paragraph, render_pdf
from counter_app.printing.vn_format import format_time_date, place_date_line

TITLE = "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"
COLUMNS = ("TÊN CƠ QUAN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "GHI CHÚ")
BLANK_TIME = "… giờ … phút, ngày … tháng … năm …"
FOOTNOTE = (
    "Ghi chú: Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính thì thời gian giao, nhận hồ sơ và "
    "việc ký nhận thể hiện trong hóa đơn của cơ quan bưu chính; kết quả giải quyết hồ sơ (Trước hạn/"
    "Đúng hạn/Quá hạn) do bên nhận ghi khi nhận bàn giao hồ sơ."
)
FIELD_GAP = 3.0
TABLE_SIZE = 11.0
_WIDTHS = (46 * mm, 72 * mm, 25 * mm, FRAME_WIDTH - 143 * mm)
_SIGN_SPACE = 9 * mm


def _sign_cell(row: HandoverRow, st: Styles) -> Table:
    """ "Người giao | Người nhận" with room to sign and the names known in advance."""
    names = [Paragraph(markup(row.giver_name, blank=""), st.cell_center)]
    names.append(Paragraph(markup(row.receiver_name, blank=""), st.cell_center))
    inner = Table(
        [
            [Paragraph("Người giao", st.cell_head), Paragraph("Người nhận", st.cell_head)],
            [Spacer(0, _SIGN_SPACE), Spacer(0, _SIGN_SPACE)],
            names,
        ],
        colWidths=[(_WIDTHS[1] - 5) / 2] * 2,
    )
    inner.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_SIZE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return inner


def _row(row: HandoverRow, st: Styles) -> list[object]:
    """One hand-over: "1. Giao: …" and "2. Nhận: …", the time and both signatures, result, note."""
    giver = markup(row.giver, blank="………………")
    receiver = markup(row.receiver, blank="………………")
    when = format_time_date(row.at) if row.at is not None else BLANK_TIME
    return [
        [
            Paragraph(f"1. Giao: {giver}", st.cell),
            Paragraph(f"2. Nhận: {receiver}", st.cell),
        ],
        [Paragraph(markup(when), st.cell_center), Spacer(0, 2), _sign_cell(row, st)],
        Paragraph(markup(row.result, blank=""), st.cell_center),
        Paragraph(markup(row.note, blank=""), st.cell),
    ]


def handover_table(rows: tuple[HandoverRow, ...], blank_rows: int, st: Styles) -> Table:
    """The four-column hand-over table: the filled rows, then `blank_rows` to fill by hand."""
    head = [Paragraph(text, st.cell_head) for text in COLUMNS]
    body = [_row(row, st) for row in rows]
    body += [_row(HandoverRow("", "", None), st) for _ in range(blank_rows)]
    table = Table([head, *body], colWidths=list(_WIDTHS), repeatRows=1, spaceBefore=4, spaceAfter=4)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_SIZE),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def render_control_slip(data: ControlSlipData) -> bytes:
    """The Phiếu kiểm soát as an A4 PDF; a long hand-over table continues with its header repeated."""
    st = styles(TABLE_SIZE, field_gap=FIELD_GAP)
    header = data.header
    appointment = format_time_date(data.appointment_at) if data.appointment_at else BLANK
    story: list[Flowable] = [
        CopyMarker("Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        HeaderBlock(header, place_date_line(header.place_name, data.issued_at.date())),
        *title_block(TITLE, st),
        CodeLine(data.code),
        Spacer(0, 6),
        field(
            "Kèm theo hồ sơ của",
            applicant_text(data.applicant_title, data.applicant_name),
            st,
            bold_value=True,
        ),
        field("Số điện thoại", data.phone, st),
        field("Loại thủ tục", data.procedure_name, st, bold_value=True),
        field("Thời gian nhận hồ sơ", format_time_date(data.received_at), st),
        field("Thời gian hẹn trả kết quả", appointment, st),
        field("Cơ quan (bộ phận) giải quyết hồ sơ", data.processing_body, st),
        field("Cơ quan phối hợp giải quyết hồ sơ", "", st),
        handover_table(data.handovers, data.blank_rows, st),
        Paragraph(markup(FOOTNOTE), st.note),
    ]
    return render_pdf(story, title=TITLE, subject=data.procedure_name, author=header.receiving_body)
