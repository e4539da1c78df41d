"""The queue ticket (phiếu số thứ tự) on 80 mm or 58 mm thermal paper, as PDF bytes (reportlab)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from counter_app.printing.codes import draw_qr
from counter_app.printing.fonts import BOLD, ITALIC, REGULAR, register_fonts

# Paper width → printable width: 80 mm rolls print 72 mm (576 dots at 203 dpi), 58 mm rolls 48 mm.
PRINTABLE_MM: Final = {80: 72.0, 58: 48.0}
QR_CAPTION: Final = "Quét mã để theo dõi lượt gọi"


@dataclass(frozen=True)
class TicketPrint:
    """What a ticket shows (local time already converted)."""

    agency_name: str
    label: str
    line_name: str
    issued_local: datetime
    ahead: int
    priority_label: str = ""
    follow_url: str = ""
    wait_minutes: int | None = None  # counter_app/queue/estimate.py; None: not printed


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_ticket(ticket: TicketPrint, paper_mm: int = 80) -> bytes:
    """One ticket as a one-page PDF, the page as wide as the paper and as tall as its content."""
    if paper_mm not in PRINTABLE_MM:
        raise ValueError("paper_mm must be 80 or 58")
    register_fonts()
    width = PRINTABLE_MM[paper_mm] * mm
    narrow = paper_mm == 58
    big = 30.0 if narrow else 44.0
    body = 9.0 if narrow else 11.0
    qr = (18 if narrow else 24) * mm
    margin = 2 * mm
    rows: list[tuple[str, str, float]] = []  # (text, font, size), top to bottom
    for line in _wrap(ticket.agency_name.upper(), BOLD, body, width - 2 * margin):
        rows.append((line, BOLD, body))
    rows.append(("PHIẾU SỐ THỨ TỰ", BOLD, body + 2))
    rows.append((ticket.label, BOLD, big))
    if ticket.priority_label:
        rows.append((f"ƯU TIÊN — {ticket.priority_label}", BOLD, body))
    for line in _wrap(ticket.line_name, REGULAR, body + 1, width - 2 * margin):
        rows.append((line, REGULAR, body + 1))
    rows.append((ticket.issued_local.strftime("%H:%M  ngày %d/%m/%Y"), REGULAR, body))
    ahead = f"Trước quý vị còn {ticket.ahead} người" if ticket.ahead else "Quý vị được gọi ngay"
    rows.append((ahead, BOLD, body))
    if ticket.wait_minutes:
        wait = f"Dự kiến chờ khoảng {ticket.wait_minutes} phút"
        rows.extend((line, REGULAR, body) for line in _wrap(wait, REGULAR, body, width - 2 * margin))
    height = margin * 2 + sum(size * 1.35 for _, _, size in rows) + 6 * mm
    if ticket.follow_url:
        height += qr + body * 1.6
    height += body * 2.8 + 3 * mm
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=(width, height), pageCompression=1)
    canv.setTitle(f"Phiếu số thứ tự {ticket.label}")
    y = height - margin
    for text, font, size in rows:
        y -= size * 1.2
        if font == BOLD and size == big:
            y -= 1 * mm
        canv.setFont(font, size)
        canv.drawCentredString(width / 2, y, text)
        y -= size * 0.15
        if size == big:
            y -= 2 * mm
    y -= 2 * mm
    canv.setLineWidth(0.6)
    canv.setDash(2, 2)
    canv.line(margin, y, width - margin, y)
    canv.setDash()
    if ticket.follow_url:
        y -= 3 * mm + qr
        draw_qr(canv, ticket.follow_url, (width - qr) / 2, y, qr)
        y -= body * 1.3
        canv.setFont(ITALIC, body - 1)
        canv.drawCentredString(width / 2, y, QR_CAPTION)
    canv.setFont(ITALIC, body - 1.5)
    y -= body * 1.5
    canv.drawCentredString(width / 2, y, "Số chỉ có giá trị trong ngày.")
    y -= body * 1.1
    canv.drawCentredString(width / 2, y, "Xin vui lòng chờ đến lượt được mời.")
    canv.showPage()
    canv.save()
    return buf.getvalue()
