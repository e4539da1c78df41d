"""Mẫu 01, GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ: two copies (liên) of the receipt as one PDF."""

from __future__ import annotations

from reportlab.platypus import Flowable, PageBreak, Spacer

from counter_app.printing.codes import TitleWithCodes
from counter_app.printing.dto import ReceiptData
from counter_app.printing.layout import (
    BLANK,
    HeaderBlock,
    Signature,
    Styles,
    applicant_text,
    contact_row,
    documents_table,
    field,
    keep_together,
    markup,
    signature_row,
    styles,
)
from counter_app.printing.page import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    CopyMarker,
    Paragraph,
    SharedBody,
    render_pdf,
    story_height,
)
from counter_app.printing.vn_format import format_time_date, place_date_line, two_digits

TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
COPIES = ("Liên 1: Lưu tại Bộ phận Một cửa", "Liên 2: Giao người nộp hồ sơ")

# The official note of Mẫu 01 (TT 01/2018/TT-VPCP), plus the reminder provinces print for pick-up.
NOTES = (
    "Giấy tiếp nhận hồ sơ và hẹn trả kết quả được lập thành 2 liên; một liên chuyển kèm theo Phiếu "
    "kiểm soát quá trình giải quyết hồ sơ và được lưu tại Bộ phận tiếp nhận và trả kết quả; một liên "
    "giao cho cá nhân, tổ chức nộp hồ sơ;",
    "Cá nhân, tổ chức có thể đăng ký nhận kết quả tại Bộ phận tiếp nhận và trả kết quả hoặc tại nhà "
    "(trụ sở tổ chức) qua dịch vụ bưu chính;",
    "Khi đến nhận kết quả, mang theo Giấy này (và giấy ủy quyền nếu không phải chính chủ).",
)

# Tried in turn until one copy fits a page: the table at 13 pt like the body, then 12 and 11 pt,
# then 11 pt with compact notes and signing space. Past that the copy flows onto a second page.
_FITS = ((13.0, False), (12.0, False), (11.0, False), (11.0, True))
_FIT_SLACK = 4.0  # points kept free: the frame's own rounding must not push the notes over


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as an A4 PDF: liên 1 (kept at the counter), then liên 2 (for the applicant)."""
    header = HeaderBlock(data.header, place_date_line(data.header.place_name, data.issued_at.date()))
    fitted = _fitting_parts(data, header)
    # The copies differ only in their label: a body that fits one page is drawn once and shown on
    # both pages (a PDF form), instead of being laid out again for the second copy.
    shared = SharedBody(fitted[0], "ReceiptBody", height=fitted[1]) if fitted is not None else None
    story: list[Flowable] = []
    for index, copy_label in enumerate(COPIES):
        if index:
            story.append(PageBreak())
        if shared is not None:
            story.extend([*_labelled_top(data, copy_label, header), shared])
            continue
        # A copy that spills over is split across pages, and split tables must not be shared
        # between copies: fresh flowables at full size (it has room to spare anyway).
        st = styles()
        head, tail = _body_text(data, st)
        table = documents_table(data.documents, st)
        story.extend([*_labelled_top(data, copy_label, header), *head, table, *tail])
    return render_pdf(
        story,
        title=f"{TITLE} – {data.code}",
        subject=data.procedure_name,
        author=data.header.receiving_body,
    )


def _fitting_parts(data: ReceiptData, header: HeaderBlock) -> tuple[list[Flowable], float] | None:
    """The copy body (below the label) at the first rung of _FITS at which one copy fits its page,
    with its measured height; None if none fits.

    Only the table depends on the table size and only the rest on `compact`, so each part is
    built and measured once: at most two texts and three tables instead of four whole copies.
    """
    top = story_height(_labelled_top(data, COPIES[0], header))  # the same height for both labels
    rest: dict[bool, tuple[list[Flowable], list[Flowable], float]] = {}
    tables: dict[float, tuple[Flowable, float]] = {}
    for size, compact in _FITS:
        st = styles(size, compact=compact)
        if compact not in rest:
            head, tail = _body_text(data, st)
            rest[compact] = (head, tail, story_height(head) + story_height(tail))
        if size not in tables:
            table = documents_table(data.documents, st)
            tables[size] = (table, story_height([table]))
        head, tail, text_height = rest[compact]
        table, table_height = tables[size]
        if top + text_height + table_height <= FRAME_HEIGHT - _FIT_SLACK:
            return [*head, table, *tail], text_height + table_height
    return None


def _labelled_top(data: ReceiptData, copy_label: str, header: HeaderBlock) -> list[Flowable]:
    """What carries the liên: the continuation marker, the header and the title with its codes.

    The same `header` heads both copies (and the fitting measure): its lines are balanced once.
    """
    return [
        CopyMarker(f"{copy_label} – Mã hồ sơ: {data.code}"),
        header,
        TitleWithCodes(TITLE, f"({copy_label})", data.code, data.status_url, FRAME_WIDTH),
    ]


def _body_text(data: ReceiptData, st: Styles) -> tuple[list[Flowable], list[Flowable]]:
    """One copy's text as (what precedes the documents table, what follows it)."""
    header = data.header
    head: list[Flowable] = [
        Spacer(0, 3),
        field("Bộ phận tiếp nhận và trả kết quả", header.receiving_body, st),
        field(
            "Tiếp nhận hồ sơ của",
            applicant_text(data.applicant_title, data.applicant_name),
            st,
            bold_value=True,
        ),
    ]
    if data.owner_name:
        head.append(field("Chủ hồ sơ", data.owner_name, st))
    head += [
        field("Địa chỉ", data.address, st),
        contact_row(data.phone, data.email, st),
        field("Số CCCD/ĐDCN", data.id_number, st),
        field("Nội dung yêu cầu giải quyết", data.procedure_name, st, bold_value=True),
        Paragraph("<b>1. Thành phần hồ sơ nộp gồm:</b>", st.body),
    ]
    tail: list[Flowable] = [
        _item(2, "Số lượng hồ sơ", f"{two_digits(data.sets_count)} (bộ)", st),
        _item(3, "Thời gian giải quyết hồ sơ theo quy định là", markup(data.statutory_time_text), st),
        _item(4, "Thời gian nhận hồ sơ", format_time_date(data.received_at), st),
        _item(
            5, "Thời gian trả kết quả giải quyết hồ sơ", f"<b>{format_time_date(data.appointment_at)}</b>", st
        ),
        _item(6, "Đăng ký nhận kết quả tại", markup(data.delivery_text), st),
    ]
    if data.fee_text.strip():
        tail.append(field("Phí, lệ phí", data.fee_text, st))
    volume = two_digits(data.tracking_book_volume) if data.tracking_book_volume is not None else BLANK
    number = str(data.tracking_book_number) if data.tracking_book_number is not None else BLANK
    tail.append(
        Paragraph(f"Vào Sổ theo dõi hồ sơ, Quyển số: {volume}&nbsp;&nbsp;&nbsp;Số thứ tự: {number}", st.body)
    )
    # Signatures and the note travel together so a long list never leaves them orphaned.
    closing: list[Flowable] = [
        signature_row(
            (
                Signature("Người nộp hồ sơ", applicant_text("", data.applicant_name)),
                Signature("Người tiếp nhận hồ sơ", data.clerk_name),
            ),
            st,
        ),
        Spacer(0, 4),
        Paragraph("<b><i>Ghi chú:</i></b>", st.note),
        *(Paragraph(f"- {markup(note)}", st.note) for note in NOTES),
    ]
    tail.append(keep_together(closing))
    return head, tail


def _item(number: int, label: str, value_markup: str, st: Styles) -> Paragraph:
    """A numbered line of the form: bold "n. Label:" then the value (already markup)."""
    return Paragraph(f"<b>{number}. {label}:</b> {value_markup}", st.body)
