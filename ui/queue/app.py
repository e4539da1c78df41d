"""`counter-app --kiosk` and `counter-app --display`: the queue's full-screen windows on their own."""

from __future__ import annotations

import argparse
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.i18n import N_, _
from counter_app.queue.config import load_config, open_backend
from counter_app.queue.voice import Announcer, ClipSet
from ui.printers import chosen_printer

DEFAULT_AGENCY = N_("Bộ phận Một cửa")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The queue options of counter-app."""
    parser.add_argument("--kiosk", action="store_true", help=_("máy lấy số thứ tự (toàn màn hình)"))
    parser.add_argument("--display", action="store_true", help=_("màn hình gọi số ở phòng chờ (có đọc số)"))
    parser.add_argument(
        "--queue-url", default=None, help=_("máy chủ hàng đợi (mặc định: queue.json; trống = máy này)")
    )
    parser.add_argument("--site-key", default=None, help=_("khoá hàng đợi của điểm (kiosk, màn hình)"))
    parser.add_argument("--windowed", action="store_true", help=_("không toàn màn hình (thử nghiệm)"))


def build_window(args: argparse.Namespace) -> QWidget:
    """The kiosk or display window for the options and queue.json."""
    config = load_config()
    if args.queue_url is not None:
        config = replace(config, url=args.queue_url)
    if args.site_key is not None:
        config = replace(config, site_key=args.site_key)
    backend = open_backend(config)
    agency = config.agency_name or _(DEFAULT_AGENCY)
    if args.kiosk:
        from ui.queue.kiosk import KioskWindow
        from ui.queue.ticket_print import print_ticket

        paper = config.paper_mm
        return KioskWindow(
            backend, agency, printer=lambda t: print_ticket(t, chosen_printer("ticket"), paper)
        )
    from ui.queue.display import DisplayWindow

    return DisplayWindow(backend, agency, announce=Announcer(ClipSet.load()))


def run(args: argparse.Namespace, app: QApplication) -> int:
    """Show the window full screen until closed (or --quit-after-ms; --screenshot saves it)."""
    window = build_window(args)
    if args.windowed or args.screenshot:
        window.resize(1366, 768)
        window.show()
    else:
        window.showFullScreen()
    if args.screenshot:
        QTimer.singleShot(
            max(args.quit_after_ms - 200, 100), lambda: window.grab().save(str(args.screenshot))
        )
    if args.quit_after_ms:
        QTimer.singleShot(args.quit_after_ms, window.close)
    return int(app.exec())
