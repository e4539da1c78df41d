"""counter-app --self-test: the core's self-test plus what only Qt can check (fonts, QtPdf, the window)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TextIO

from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import QApplication

from counter_app import selftest
from counter_app.code128 import GreyImage
from counter_app.i18n import _, _n
from counter_app.paths import data_dir
from ui.fonts import UI_FAMILY, install_fonts
from ui.pages.intake.print_preview import RASTER_DPI, open_pdf, page_image

REPORT_NAME = "self-test.txt"


def grey(image: QImage) -> GreyImage:
    """A QImage as an 8-bit greyscale raster (rows keep Qt's 4-byte alignment, hence the stride)."""
    converted = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return GreyImage(
        converted.width(), converted.height(), bytes(converted.constBits()), converted.bytesPerLine()
    )


def rasterise_pdf(pdf: bytes) -> list[GreyImage]:
    """Every page of `pdf` rendered by QtPdf on white at the print resolution, as the print path does."""
    with tempfile.TemporaryDirectory(prefix="counter-selftest-pdf-") as folder:
        path = Path(folder) / "receipt.pdf"
        path.write_bytes(pdf)
        app = QApplication.instance()
        document = open_pdf(path, app)
        try:
            return [grey(page_image(document, page, RASTER_DPI)) for page in range(document.pageCount())]
        finally:
            document.close()
            document.deleteLater()


def check_qt() -> str:
    """The platform plugin loaded, the bundled UI font is in use, and what printers Qt sees."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    family = install_fonts(app)
    if family != UI_FAMILY:
        raise selftest.StepFailed(
            _("không nạp được phông chữ giao diện {wanted} (đang dùng {family})").format(
                wanted=UI_FAMILY, family=family
            )
        )
    printers = [p.printerName() for p in QPrinterInfo.availablePrinters()]
    default = QPrinterInfo.defaultPrinterName() or _("không có")
    return _("Qt nền {platform}, phông {family}, {count} máy in (mặc định: {default})").format(
        platform=QApplication.platformName(), family=family, count=len(printers), default=default
    )


def qt_steps(test: selftest.SelfTest) -> None:
    """Before the core steps: Qt itself."""
    test.step("Qt", check_qt)


def ui_steps(test: selftest.SelfTest) -> None:
    """Build the main window over the temporary database: every page must construct and paint."""
    from ui.app import build_window

    def window() -> str:
        built = build_window(test.values["db"], synchronous=True)
        try:
            built.resize(1366, 768)
            built.build_pages()  # Giám sát and Quản trị are built on first visit: here, all of them
            picture = built.grab()
            if picture.isNull():
                raise selftest.StepFailed(_("không vẽ được cửa sổ chính"))
            pages = built.stack.count()
        finally:
            built.close()
            built.deleteLater()
        return _n("dựng cửa sổ chính với {count} trang", pages).format(count=pages)

    test.step(_("Giao diện"), window)


def report_stream() -> tuple[TextIO, bool]:
    """Where the report goes: the console, or a file when the windowed build has none (Windows)."""
    if sys.stdout is not None:
        return sys.stdout, False
    folder = data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / REPORT_NAME).open("w", encoding="utf-8"), True


def run_self_test() -> int:
    """Run every step and return the exit code: 0, or the number of the step that failed."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("counter-app")
    out, to_file = report_stream()
    try:
        test = selftest.run(rasterise_pdf, out, before=qt_steps, after=ui_steps)
        return test.exit_code
    finally:
        if to_file:
            out.close()
