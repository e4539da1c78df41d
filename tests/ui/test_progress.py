"""Long jobs: progress with "Huỷ" that really stops the job and leaves nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app.clock import SystemClock
from counter_app.errors import Cancelled
from counter_app.jobs import JobControl
from counter_app.services import audit_trail, users
from counter_app.services.audit import append_audit
from counter_app.services.counter_setup import load_identity
from counter_app.storage.backup import list_backups
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry
from tests.ui.cancelling import huy_pressed
from ui.app import build_window
from ui.context import AppContext
from ui.pages.supervisor.audit_tab import AuditTab
from ui.tasks import TaskRunner

ROWS = 1200
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture
def boss(db: Database) -> str:
    """A supervisor, and 1,200 audit rows to export."""
    clock = SystemClock()
    with db.write() as session:
        user = users.create_user(
            session, clock, "lanhdao", "Trần Văn Lãnh", "supervisor", "mk-123456", policy=FAST
        )
        for n in range(ROWS):
            append_audit(session, clock, user.id, "setting.change", "setting", str(n), {"n": n})
    return user.id


def _exports(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).where(AuditEntry.action == "audit_exported")) or 0)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_core_export_cancelled_midway_leaves_nothing(
    db: Database, boss: str, tmp_path: Path, suffix: str
) -> None:
    seen: list[tuple[int, int]] = []
    control = JobControl()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= total // 2:
            control.cancel()  # as the Huỷ button does, from another thread

    control = JobControl(progress)
    target = tmp_path / f"nhat-ky{suffix}"
    with pytest.raises(Cancelled):
        audit_trail.export(db, SystemClock(), target, audit_trail.AuditFilter(), boss, control)
    total = seen[-1][1]
    assert total > ROWS and seen[-1][0] < total  # stopped halfway, not at the end
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if "nhat-ky" in p.name] == []
    assert _exports(db) == 0  # a cancelled export is not audited

    finished = audit_trail.export(db, SystemClock(), target, audit_trail.AuditFilter(), boss, JobControl())
    assert finished == total and target.is_file() and _exports(db) == 1


def test_audit_tab_huy_stops_the_export(qtbot: QtBot, db: Database, boss: str, tmp_path: Path) -> None:
    with db.read() as session:
        identity = load_identity(session)
    ctx = AppContext(
        db=db,
        runner=TaskRunner(synchronous=True),
        clock=SystemClock(),
        identity=identity,
        user_id=boss,
        role="supervisor",
    )
    window = QMainWindow()
    tab = AuditTab(ctx)
    window.setCentralWidget(tab)
    qtbot.addWidget(window)
    window.show()
    tab.refresh()
    target = tmp_path / "nhat-ky.xlsx"
    with huy_pressed(lambda done, total: done >= total // 2) as pressed:
        assert tab.export_to(target) is None
    assert [label for label, _title in pressed.shown] == ["Đang ghi nhat-ky.xlsx…"]
    assert pressed.at and tab.export_job.outcome == "cancelled"
    assert window.statusBar().currentMessage() == "Đã huỷ."
    assert tab.export_job.dialog.isHidden()
    assert not target.exists() and list(tmp_path.glob("*.partial")) == [] and _exports(db) == 0

    # Without Huỷ the same export finishes, and says so in the status bar (no pop-up).
    assert tab.export_to(target) == ROWS + 1
    assert tab.export_job.outcome == "done" and target.is_file() and _exports(db) == 1
    assert window.statusBar().currentMessage().startswith("Đã xuất 1201 dòng nhật ký")


def test_backup_now_huy_leaves_no_backup(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    with db.write() as session:
        admin = users.create_user(
            session, SystemClock(), "quantri", "Quản Trị", "admin", "mk-123456", policy=FAST
        )
    window = build_window(db, synchronous=True, user=admin)
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(4)
    tab = window.admin_page.diagnostics_tab
    window.admin_page.tabs.setCurrentWidget(tab)
    assert tab.backup_button.isVisible()
    folder = db.path.parent / "backups"
    before = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    with huy_pressed(lambda _done, _total: True) as pressed:  # at the first step, while SQLite copies
        qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    assert tab.backup_job is not None, "no job"
    assert pressed.at, (tab.backup_job.outcome, window.statusBar().currentMessage(), list_backups(db.path))
    assert tab.backup_job.outcome == "cancelled"
    assert window.statusBar().currentMessage() == "Đã huỷ."
    assert sorted(p.name for p in folder.iterdir()) == before  # no copy, no .partial
    assert list_backups(db.path) == []

    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    made = list_backups(db.path)
    assert len(made) == 1 and made[0].kind == "manual" and tab.backup_job.outcome == "done"
    assert window.statusBar().currentMessage() == f"Đã sao lưu vào {made[0].path}."
    assert str(made[0].path) in tab.text.toPlainText()
