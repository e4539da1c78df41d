"""counter-app: start the desktop client on a counter database."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from counter_app import __version__
from counter_app.clock import SystemClock
from counter_app.errors import UserFacingError
from counter_app.paths import default_db_path
from counter_app.services.counter_setup import load_identity
from counter_app.storage.database import Database, open_database
from ui.context import AppContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options of the desktop client."""
    parser = argparse.ArgumentParser(prog="counter-app", description="Phần mềm Bộ phận Một cửa")
    parser.add_argument("--db", type=Path, default=None, help="cơ sở dữ liệu của quầy")
    parser.add_argument("--demo", action="store_true", help="dữ liệu mẫu: ghi rõ trên tiêu đề cửa sổ")
    parser.add_argument("--screenshot", type=Path, default=None, help="chụp ảnh cửa sổ vào tệp PNG")
    parser.add_argument("--quit-after-ms", type=int, default=0, help="tự thoát sau số mili giây (kiểm thử)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(list(argv))


def build_window(db: Database, *, synchronous: bool = False) -> MainWindow:
    """The main window over an open database (used by main() and by the UI tests)."""
    with db.read() as session:
        identity = load_identity(session)
    ctx = AppContext(
        db=db, runner=TaskRunner(synchronous=synchronous), clock=SystemClock(), identity=identity
    )
    return MainWindow(ctx)


def main(argv: Sequence[str] | None = None) -> int:
    """Open the database (refusing anything that is not a counter database) and show the window."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("counter-app")
    app.setApplicationDisplayName("Phần mềm Một cửa")
    install_fonts(app)
    path = args.db or default_db_path()
    try:
        db = open_database(path)
    except UserFacingError as exc:
        print(f"Lỗi: {exc.message}", file=sys.stderr)
        if not args.screenshot and QApplication.platformName() != "offscreen":
            QMessageBox.critical(None, "Không mở được cơ sở dữ liệu", exc.message)
        return 1
    try:
        window = build_window(db)
        if args.demo:
            window.setWindowTitle(window.windowTitle() + " — DỮ LIỆU MẪU")
        window.show()
        if args.screenshot:

            def _grab() -> None:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(args.screenshot))
                print(f"Đã lưu ảnh cửa sổ: {args.screenshot}")

            QTimer.singleShot(max(args.quit_after_ms - 200, 100), _grab)
        if args.quit_after_ms:
            QTimer.singleShot(args.quit_after_ms, window.close)
        return int(app.exec())
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
