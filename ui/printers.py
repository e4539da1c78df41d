"""Printers: the names the system offers, a QPrinter for a stored choice, and the printer test page."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from counter_app.code128 import encode_b
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _

DEFAULT_LABEL = N_("Máy in mặc định của hệ thống")
TEST_CODE = "TEST-0001"
NO_PRINTER_PDF = "counter-app-trang-in-thu.pdf"
VIETNAMESE_SAMPLE = (
    "Tiếng Việt: Ạ Ả Ấ Ầ Ẩ Ẫ Ậ ă ằ ẳ ẵ ặ đ Đ ơ ớ ờ ở ỡ ợ ư ứ ừ ử ữ ự Ỷ — 1.234.567 đ"  # i18n: skip
)

PrinterFactory = Callable[[str], QPrinter]
PrinterList = Callable[[], list[str]]

# The counter's printer choices (settings RECEIPT_PRINTER, TICKET_PRINTER), for the print dialogs:
# set when the window opens and when an administrator changes them. One window per process.
_chosen = {"receipt": "", "ticket": ""}


def remember_choice(receipt: str, ticket: str) -> None:
    """Keep the stored printer choices ("" = the system default) for the print dialogs."""
    _chosen.update(receipt=receipt, ticket=ticket)


def chosen_printer(kind: str = "receipt") -> str:
    """The printer chosen for `kind` ("receipt": every A4 form; "ticket"), "" for the system default."""
    return _chosen.get(kind, "")


def available_printers() -> list[str]:
    """The names of the printers the system knows, as stored in the settings."""
    return [info.printerName() for info in QPrinterInfo.availablePrinters()]


def default_printer_label() -> str:
    """How the "" choice (the system default) is shown, naming the current default if there is one."""
    name = QPrinterInfo.defaultPrinterName()
    return f"{_(DEFAULT_LABEL)} ({name})" if name else _(DEFAULT_LABEL)


def make_printer(name: str) -> QPrinter:
    """A QPrinter for the stored choice `name` ("" = system default); a PDF file when there is none.

    With no printer installed at all (a fresh PC, or this test machine), the page goes to a PDF in
    the temporary folder, so the admin still sees what would have printed.
    """
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if name:
        printer.setPrinterName(name)
    elif not QPrinterInfo.defaultPrinterName():
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(Path(tempfile.gettempdir()) / NO_PRINTER_PDF))
    return printer


def _px(printer: QPrinter, mm: float) -> float:
    return mm / 25.4 * printer.resolution()


def paint_test_page(printer: QPrinter, purpose: str, agency: str, now: datetime) -> None:
    """One page: title, what the printer is for, Vietnamese letters, a Code 128 the scanner must read.

    Laid out within the printable width, so it also fits an 80 mm receipt roll.
    """
    painter = QPainter()
    if not painter.begin(printer):
        raise UserFacingError(_("Không mở được máy in. Hãy kiểm tra máy in đã bật và có giấy, rồi thử lại."))
    try:
        area = printer.pageRect(QPrinter.Unit.DevicePixel)
        margin = _px(printer, 4)
        x, width = area.x() + margin, area.width() - 2 * margin
        y = area.y() + margin
        name = printer.printerName() or printer.outputFileName() or _(DEFAULT_LABEL)
        lines = (
            (_("TRANG IN THỬ — PHẦN MỀM MỘT CỬA"), 13, True),
            (agency, 10, False),
            (_("Dùng cho: {purpose}").format(purpose=purpose), 10, False),
            (_("Máy in: {name}").format(name=name), 9, False),
            (_("In lúc {time} ngày {date}").format(time=f"{now:%H:%M}", date=f"{now:%d/%m/%Y}"), 9, False),
            (VIETNAMESE_SAMPLE, 10, False),
            (
                _("Quét mã vạch dưới đây bằng máy quét của quầy: phải ra {code}").format(code=TEST_CODE),
                9,
                False,
            ),
        )
        painter.setPen(QColor(Qt.GlobalColor.black))
        for text, size, bold in lines:
            if not text:
                continue
            font = QFont("Be Vietnam Pro", size)
            font.setBold(bold)
            painter.setFont(font)
            flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
            bounds = painter.boundingRect(QRectF(x, y, width, 10 * area.height()), flags, text)
            painter.drawText(bounds, flags, text)
            y += bounds.height() + _px(printer, 1.5)
        modules = encode_b(TEST_CODE)
        module = max(1.0, round(_px(printer, 0.33)))  # whole device pixels: thermal heads need it
        module = min(module, width / (len(modules) + 20))
        bar_x, bar_height = x + 10 * module, _px(printer, 10)
        y += _px(printer, 2)
        for index, dark in enumerate(modules):
            if dark == "1":
                painter.fillRect(QRectF(bar_x + index * module, y, module, bar_height), Qt.GlobalColor.black)
    finally:
        painter.end()


def print_test_page(
    printer_name: str,
    purpose: str,
    agency: str,
    now: datetime,
    make: PrinterFactory = make_printer,
) -> str:
    """Print the test page on `printer_name`; the Vietnamese sentence to show next to the button."""
    printer = make(printer_name)  # kept in a local until painting ends (a freed QPrinter crashes Qt)
    printer.setDocName(_("Trang in thử — Phần mềm Một cửa"))
    paint_test_page(printer, purpose, agency, now)
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return _("Chưa có máy in; trang thử đã lưu thành tệp PDF: {path}").format(
            path=printer.outputFileName()
        )
    return _("Đã gửi trang in thử tới {name}.").format(name=printer.printerName() or _(DEFAULT_LABEL).lower())
