"""Run in a subprocess by test_small_screen.py: the main window on a 1366×768 screen at 125 % scale.

Prints one JSON object: the screen's logical size, the window's minimum and actual size, and for every
page its minimum size hint, the scroll viewport and whether it scrolls; saves a screenshot per page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QScrollArea


def main(db_path: Path, shots: Path) -> None:
    app = QApplication(sys.argv[:1])
    from counter_app.clock import SystemClock
    from counter_app.services import users
    from counter_app.services.users import AccountPolicy
    from counter_app.storage.database import open_database
    from ui.app import build_window
    from ui.page_stack import fit_to_screen

    db = open_database(db_path)
    fast = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with db.write() as session:
        admin = users.create_user(
            session, SystemClock(), "quantri", "Quản Trị", "admin", "mat-khau-du-dai", policy=fast
        )
    window = build_window(db, synchronous=True, user=admin)
    fit_to_screen(window)  # as ui.app.main does before showing the window
    window.show()
    app.processEvents()
    room = app.primaryScreen().availableGeometry()
    area = window.stack.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea)
    pages = []
    shots.mkdir(parents=True, exist_ok=True)
    for row in range(window.stack.count()):
        window.nav.setCurrentRow(row)
        app.processEvents()
        page = window.stack.widget(row)
        hint = page.minimumSizeHint()
        viewport = area.viewport().size()
        shot = shots / f"page-{row + 1}.png"
        window.grab().save(str(shot))
        pages.append(
            {
                "name": type(page).__name__,
                "min": [hint.width(), hint.height()],
                "viewport": [viewport.width(), viewport.height()],
                "hscroll": area.horizontalScrollBar().isVisible(),
                "vscroll": area.verticalScrollBar().isVisible(),
                "page_size": [page.width(), page.height()],
                "need": max(
                    hint.height(), page.heightForWidth(viewport.width()) if page.hasHeightForWidth() else 0
                ),
                "reach": viewport.height() + area.verticalScrollBar().maximum(),
                "shot": str(shot),
            }
        )
    minimum = window.minimumSizeHint()
    sync = window.status_sync
    status_whole = {  # shown entirely, with all their text
        name: widget.visibleRegion().boundingRect() == widget.rect()
        and widget.fontMetrics().horizontalAdvance(widget.text()) <= widget.width()
        for name, widget in (
            ("user", window.status_user),
            ("sync", sync.state_label),
            ("sync_button", sync.sync_button),
        )
    }
    print(
        json.dumps(
            {
                "screen": [room.width(), room.height()],
                "scale": window.devicePixelRatio(),
                "window_min": [minimum.width(), minimum.height()],
                "window": [window.width(), window.height()],
                "pages": pages,
                "status_whole": status_whole,
                "agency_tooltip": window.status_agency.toolTip() == window.status_agency.text(),
            }
        )
    )
    window.close()
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
