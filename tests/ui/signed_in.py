"""A main window over a real database with a new user of the given role signed in (synchronous worker)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock
from counter_app.services import users
from counter_app.storage.database import Database
from ui.app import build_window
from ui.main_window import MainWindow

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


def window_as(qtbot: QtBot, db: Database, role: str) -> MainWindow:
    """Create user `u<role>` ("Lò Thị Ưng") with `role`, build the window signed in as them, and show it."""
    with db.write() as session:
        user = users.create_user(
            session, SystemClock(), f"u{role}", "Lò Thị Ưng", role, "mat-khau-123", policy=FAST
        )
    window = build_window(db, synchronous=True, user=user)
    qtbot.addWidget(window)
    window.show()
    return window
