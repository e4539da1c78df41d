"""Print preview of a generated PDF form: QtPdf renders each page, QPrintPreviewDialog shows and prints it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from ui.printers import chosen_printer

RASTER_DPI = 300  # enough for the Code 128 bars on the receipt to scan (0.33 mm modules)


def open_pdf(path: Path, parent: QObject) -> QPdfDocument:
    """Load a PDF for rendering (owned by `parent`); UserFacingError if QtPdf cannot read it."""
    document = QPdfDocument(parent)
    error = document.load(str(path))
    if error != QPdfDocument.Error.None_ or document.pageCount() < 1:
        raise UserFacingError(
            _("Không mở được tệp in {name} để xem trước ({error}).").format(name=path.name, error=error.name)
        )
    return document


def fit_printer(printer: QPrinter, document: QPdfDocument) -> None:
    """Paper of the PDF's first page, no extra margins: the PDF already lays out its own page."""
    points = document.pagePointSize(0)
    size = QPageSize(
        QSizeF(points.width(), points.height()),
        QPageSize.Unit.Point,
        "",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )
    orientation = (
        QPageLayout.Orientation.Landscape
        if points.width() > points.height()
        else QPageLayout.Orientation.Portrait
    )
    printer.setPageSize(size)
    printer.setPageOrientation(orientation)
    printer.setFullPage(True)


def page_image(document: QPdfDocument, page: int, dpi: int = RASTER_DPI) -> QImage:
    """One page rendered at `dpi` on white (QtPdf renders onto a transparent background)."""
    points = document.pagePointSize(page)
    size = QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
    rendered = document.render(page, size)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    painter.drawImage(QPointF(0, 0), rendered)
    painter.end()
    return image


def paint_pdf(document: QPdfDocument, printer: QPrinter, dpi: int = RASTER_DPI) -> int:
    """Draw every page of `document` onto `printer`, one sheet each; returns the number of pages."""
    painter = QPainter()
    if not painter.begin(printer):
        raise UserFacingError(_("Không mở được máy in. Hãy kiểm tra máy in rồi thử lại."))
    try:
        target = printer.paperRect(QPrinter.Unit.DevicePixel)
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            image = page_image(document, page, min(dpi, max(printer.resolution(), 72)))
            scale = min(target.width() / image.width(), target.height() / image.height())
            width, height = image.width() * scale, image.height() * scale
            painter.drawImage(QRectF(0, 0, width, height), image)
    finally:
        painter.end()
    return document.pageCount()


def preview_pdf(parent: QWidget, path: Path, title: str) -> None:
    """Show the print preview of the PDF at `path`; its Print button opens the system print dialog."""
    document = open_pdf(path, parent)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if chosen_printer():  # Quản trị → Cơ quan: the printer for receipts and forms
        printer.setPrinterName(chosen_printer())
    printer.setDocName(title)
    fit_printer(printer, document)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(_("Xem trước khi in — {title}").format(title=title))
    dialog.paintRequested.connect(lambda target: paint_pdf(document, target))
    dialog.resize(960, 1000)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
        document.close()
