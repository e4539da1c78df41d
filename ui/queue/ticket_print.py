"""Print a queue ticket (reportlab PDF) on the thermal printer through Qt, and its QR as an image."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from counter_app.printing.codes import qr_matrix
from counter_app.printing.queue_ticket import TicketPrint, render_ticket
from ui.pages.intake.print_preview import fit_printer, open_pdf, paint_pdf
from ui.printers import make_printer


def write_ticket_pdf(ticket: TicketPrint, paper_mm: int, folder: Path | None = None) -> Path:
    """The ticket as a PDF file (kept: "in ra PDF" and the print spool)."""
    folder = folder or Path(tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"phieu-{ticket.label}-{paper_mm}mm.pdf"
    path.write_bytes(render_ticket(ticket, paper_mm))
    return path


def print_ticket(
    ticket: TicketPrint, printer_name: str, paper_mm: int = 80, parent: QObject | None = None
) -> Path:
    """Render and print on `printer_name` ("" = the default; a PDF file when the PC has no printer)."""
    path = write_ticket_pdf(ticket, paper_mm)
    holder = QObject(parent)
    try:
        document = open_pdf(path, holder)
        printer = make_printer(printer_name)
        fit_printer(printer, document)
        paint_pdf(document, printer, dpi=203)
    finally:
        holder.deleteLater()
    return path


def qr_image(value: str, size: int) -> QImage:
    """A QR code as a square image (quiet zone included) for the screen."""
    matrix = qr_matrix(value)
    count = len(matrix) + 8
    image = QImage(count, count, QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x + 4, y + 4, 1, 1, QColor(Qt.GlobalColor.black))
    painter.end()
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )
