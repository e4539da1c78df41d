"""Shared furniture of the forms: NĐ 30/2020 header, styles, fields, document table, signatures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from counter_app.printing.dto import AgencyHeader, DocumentLine
from counter_app.printing.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, register_fonts
from counter_app.printing.page import FRAME_WIDTH, Paragraph, clean

BODY_SIZE = 13.0
BLANK = "…………………"  # printed for an unknown value so it can be filled in by hand
SIGN_HINT = "(Ký và ghi rõ họ tên)"
_RULE_WIDTH = 0.6
_RULE_DROP = 5.5  # points under the baseline: clear of the dot below Ạ/Ậ and similar marks


def markup(text: str | None, blank: str = BLANK) -> str:
    """Paragraph-safe text: NFC, XML-escaped, and a dotted blank when empty."""
    value = clean(text)
    return escape(value) if value else blank


@dataclass(frozen=True, slots=True)
class Styles:
    """Paragraph styles of one form; the table size can shrink to keep a copy on one page."""

    body: ParagraphStyle
    title: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    cell_head: ParagraphStyle
    sign_title: ParagraphStyle
    sign_hint: ParagraphStyle
    sign_name: ParagraphStyle
    sign_space: float
    block_gap: float  # above the signature row


@lru_cache(maxsize=16)
def styles(table_size: float = BODY_SIZE, *, field_gap: float = 1.0, compact: bool = False) -> Styles:
    """Styles at 13 pt body text with tables at `table_size` (11–13 pt).

    `field_gap` is the space after each paragraph: 1 pt on the crowded receipt, more on the
    one-page Mẫu 02/03. `compact` is the receipt's last resort before a copy spills onto a
    second page: no gap between fields, 10 pt notes and a shorter signing space.
    """
    register_fonts()
    leading = BODY_SIZE * 1.15
    body = ParagraphStyle(
        "body",
        fontName=REGULAR,
        fontSize=BODY_SIZE,
        leading=leading,
        alignment=TA_JUSTIFY,
        spaceAfter=0 if compact else field_gap,
    )
    cell = ParagraphStyle(
        "cell", parent=body, fontSize=table_size, leading=table_size * 1.15, alignment=TA_LEFT, spaceAfter=0
    )
    center = ParagraphStyle("center", parent=body, alignment=TA_CENTER, spaceAfter=0)
    return Styles(
        body=body,
        title=ParagraphStyle("title", parent=center, fontName=BOLD, fontSize=14, leading=17, spaceBefore=10),
        note=ParagraphStyle(
            "note",
            parent=body,
            fontSize=10 if compact else 11,
            leading=11.5 if compact else 12.5,
            spaceAfter=0,
        ),
        cell=cell,
        cell_center=ParagraphStyle("cell_center", parent=cell, alignment=TA_CENTER),
        # Column labels stay at 11 pt: "Bản chứng" then fits its column at every table size.
        cell_head=ParagraphStyle(
            "cell_head", parent=cell, fontName=BOLD, fontSize=11, leading=12.5, alignment=TA_CENTER
        ),
        sign_title=ParagraphStyle("sign_title", parent=center, fontName=BOLD),
        sign_hint=ParagraphStyle("sign_hint", parent=center, fontName=ITALIC),
        sign_name=ParagraphStyle("sign_name", parent=center, fontName=BOLD),
        sign_space=(13 if compact else 17) * mm,
        block_gap=3 if compact else 8,
    )


def balanced_lines(text: str, font: str, size: float, max_width: float) -> list[str]:
    """Wrap into as few lines as `max_width` allows, but with lines of similar length.

    Greedy wrapping of "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" leaves "KẾT QUẢ" alone on the second
    line; the narrowest width giving the same line count splits it evenly, as typists do.
    """
    lines: list[str] = simpleSplit(text, font, size, max_width)
    if len(lines) < 2:
        return lines
    low, high = max_width / len(lines), max_width
    for _ in range(12):
        mid = (low + high) / 2
        if len(simpleSplit(text, font, size, mid)) == len(lines):
            high = mid
        else:
            low = mid
    balanced: list[str] = simpleSplit(text, font, size, high)
    return balanced


class HeaderBlock(Flowable):  # type: ignore[misc]
    """The two-column header: agency on the left, Quốc hiệu and tiêu ngữ on the right.

    Drawn by hand rather than with a Table because NĐ 30/2020 fixes the rules: the one under the
    agency is 1/3 of its name's width, the one under the tiêu ngữ as wide as the motto, and the
    "Số" line and the place/date line share one baseline.
    """

    LEFT_WIDTH = 68 * mm
    _CAPS = 12.0
    _MOTTO = 13.0

    def __init__(self, header: AgencyHeader, date_line: str, number_line: str | None = None) -> None:
        super().__init__()
        register_fonts()
        self._left_w = self.LEFT_WIDTH
        self._right_w = FRAME_WIDTH - self.LEFT_WIDTH
        pad = 3 * mm
        self._parent = balanced_lines(
            clean(header.parent_name).upper(), REGULAR, self._CAPS, self._left_w - pad
        )
        self._agency = balanced_lines(clean(header.agency_name).upper(), BOLD, self._CAPS, self._left_w - pad)
        self._date_line = clean(date_line)
        self._number_line = clean(number_line) if number_line else None
        leading = self._CAPS * 1.2
        left_bottom = leading * (len(self._parent) + len(self._agency))
        right_bottom = leading + self._MOTTO * 1.2
        # The date row goes one line below the lower of the two rules.
        self._row_offset = max(left_bottom, right_bottom) + _RULE_DROP + BODY_SIZE * 1.4
        self._height = self._row_offset + 4

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return FRAME_WIDTH, self._height

    def draw(self) -> None:
        canv: Canvas = self.canv
        top = self._height
        leading = self._CAPS * 1.2
        left_x = self._left_w / 2
        y = top - self._CAPS
        for line in self._parent:
            canv.setFont(REGULAR, self._CAPS)
            canv.drawCentredString(left_x, y, line)
            y -= leading
        widest = 0.0
        for line in self._agency:
            canv.setFont(BOLD, self._CAPS)
            canv.drawCentredString(left_x, y, line)
            widest = max(widest, canv.stringWidth(line, BOLD, self._CAPS))
            y -= leading
        canv.setLineWidth(_RULE_WIDTH)
        rule_y = y + leading - _RULE_DROP
        canv.line(left_x - widest / 6, rule_y, left_x + widest / 6, rule_y)

        right_x = self._left_w + self._right_w / 2
        y = top - self._CAPS
        canv.setFont(BOLD, self._CAPS)
        canv.drawCentredString(right_x, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        y -= self._MOTTO * 1.2
        motto = "Độc lập - Tự do - Hạnh phúc"
        canv.setFont(BOLD, self._MOTTO)
        canv.drawCentredString(right_x, y, motto)
        half = canv.stringWidth(motto, BOLD, self._MOTTO) / 2
        canv.line(right_x - half, y - _RULE_DROP, right_x + half, y - _RULE_DROP)

        row_y = top - self._row_offset
        if self._number_line:
            canv.setFont(REGULAR, BODY_SIZE)
            canv.drawCentredString(left_x, row_y, self._number_line)
        canv.setFont(ITALIC, BODY_SIZE)
        canv.drawCentredString(right_x, row_y, self._date_line)


def title_block(title: str, st: Styles) -> list[Flowable]:
    """The centred bold title with room under it (the receipt draws its own, beside the QR)."""
    return [Paragraph(markup(title), st.title), Spacer(0, 8)]


def field(label: str, value: str | None, st: Styles, *, bold_value: bool = False) -> Paragraph:
    """ "Label: value" as one paragraph; wrapped lines continue under the label."""
    shown = markup(value)
    if bold_value and clean(value):
        shown = f"<b>{shown}</b>"
    return Paragraph(f"{escape(label)}: {shown}", st.body)


def contact_row(phone: str, email: str, st: Styles) -> Table:
    """ "Số điện thoại: …   Email: …" on one line, aligned in two columns."""
    cells = [[field("Số điện thoại", phone, st), field("Email", email, st)]]
    table = Table(cells, colWidths=[FRAME_WIDTH * 0.42, FRAME_WIDTH * 0.58])
    table.setStyle(_PLAIN)
    return table


def applicant_text(title: str, name: str) -> str:
    """ "Ông Nguyễn Văn A"; an organisation has no title."""
    return " ".join(part for part in (clean(title), clean(name)) if part)


# Tables set their cell font even around Paragraphs; naming Tinos keeps Helvetica (unembedded,
# and without Vietnamese) out of the PDF's font list.
_TABLE_FONT = ("FONT", (0, 0), (-1, -1), REGULAR, BODY_SIZE)

_PLAIN = TableStyle(
    [
        _TABLE_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)

# Forced breaks keep the header at two lines whatever the table size.
_DOC_COLUMNS = ("TT", "Tên giấy tờ", "Bản<br/>chính", "Bản chứng<br/>thực", "Bản<br/>sao")
_TT_WIDTH = 9 * mm
_COUNT_WIDTHS = (17 * mm, 22 * mm, 17 * mm)


def documents_table(lines: Sequence[DocumentLine], st: Styles) -> Table:
    """TT | Tên giấy tờ | Bản chính | Bản chứng thực | Bản sao; long names wrap, the header repeats.

    A line with no count at all leaves the three count cells blank.
    """
    head = [Paragraph(text, st.cell_head) for text in _DOC_COLUMNS]
    rows: list[list[Paragraph]] = [head]
    for number, line in enumerate(lines, start=1):
        counts = (line.originals, line.certified_copies, line.copies)
        # No count at all (a paper only shown, or a missing paper on Mẫu 02): blanks to fill by hand,
        # not three zeros that read as "none of it".
        shown = ("", "", "") if not any(counts) else tuple(str(c) for c in counts)
        rows.append(
            [
                Paragraph(str(number), st.cell_center),
                Paragraph(markup(line.name), st.cell),
                *(Paragraph(text, st.cell_center) for text in shown),
            ]
        )
    name_width = FRAME_WIDTH - _TT_WIDTH - sum(_COUNT_WIDTHS)
    table = Table(
        rows,
        colWidths=[_TT_WIDTH, name_width, *_COUNT_WIDTHS],
        repeatRows=1,
        spaceBefore=2,
        spaceAfter=4,
    )
    table.setStyle(
        TableStyle(
            [
                _TABLE_FONT,
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature block: role in caps, the hint, room to sign, the pre-printed name."""

    role: str
    name: str = ""
    hint: str = SIGN_HINT


def signature_row(signatures: Sequence[Signature], st: Styles) -> Table:
    """Two blocks side by side (left, right); a single block goes on the right, as in Mẫu 02."""
    blocks: list[list[Flowable] | str] = []
    for sig in signatures:
        cell: list[Flowable] = [
            Paragraph(markup(sig.role.upper()), st.sign_title),
            Paragraph(markup(sig.hint), st.sign_hint),
            Spacer(0, st.sign_space),
        ]
        if clean(sig.name):
            cell.append(Paragraph(markup(sig.name), st.sign_name))
        blocks.append(cell)
    if len(blocks) == 1:
        blocks.insert(0, "")
    if len(blocks) != 2:
        raise ValueError("a form has one or two signature blocks")
    table = Table([blocks], colWidths=[FRAME_WIDTH / 2, FRAME_WIDTH / 2])
    table.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), st.block_gap)], parent=_PLAIN))
    return table


def closing_block(signer_role: str, signer_name: str, recipients: Sequence[str], st: Styles) -> Table:
    """ "Nơi nhận" on the left (11/12 pt as NĐ 30/2020 sets it), the head of the agency signing on the right.

    `signer_role` is printed in capitals ("Chủ tịch" → CHỦ TỊCH); an empty `signer_name` leaves the
    space under the signature blank for the name to be written by hand.
    """
    heading = ParagraphStyle("recipients", parent=st.body, fontName=BOLD_ITALIC, fontSize=12, leading=14)
    item = ParagraphStyle(
        "recipient", parent=st.body, fontName=REGULAR, fontSize=11, leading=13, spaceAfter=0
    )
    left: list[Flowable] = [Paragraph("Nơi nhận:", heading)]
    left += [Paragraph(f"- {markup(text)}", item) for text in recipients]
    right: list[Flowable] = [
        Paragraph(markup(signer_role.upper()), st.sign_title),
        Paragraph("(Ký, ghi rõ họ tên và đóng dấu)", st.sign_hint),
        Spacer(0, 22 * mm),
    ]
    if clean(signer_name):
        right.append(Paragraph(markup(signer_name), st.sign_name))
    table = Table([[left, right]], colWidths=[FRAME_WIDTH * 0.45, FRAME_WIDTH * 0.55])
    table.setStyle(
        TableStyle(
            [
                _TABLE_FONT,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def keep_together(flowables: Sequence[Flowable]) -> Table:
    """The flowables as one unsplittable block that moves whole to the next page if needed.

    A one-cell table rather than platypus' KeepTogether, which reports a huge height from
    wrap() and so cannot be measured by `story_height`.
    """
    table = Table([[list(flowables)]], colWidths=[FRAME_WIDTH])
    table.setStyle(_PLAIN)
    return table
