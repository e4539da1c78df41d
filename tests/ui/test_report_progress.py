"""The report's XLSX/PDF export shows its progress and "Huỷ" stops it: no file, no `.partial`, "Đã huỷ."."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock
from counter_app.errors import Cancelled
from counter_app.jobs import JobControl
from counter_app.services import report_export, reports, users
from counter_app.services.counter_setup import load_identity
from counter_app.services.periods import Period
from counter_app.services.reports import PeriodReport
from counter_app.storage.database import Database
from tests.ui.cancelling import huy_pressed
from ui.context import AppContext
from ui.pages.supervisor.report_tab import ReportTab
from ui.tasks import TaskRunner

LINES = 150  # procedure lines: several progress steps in each format
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture
def report(db: Database) -> PeriodReport:
    """A month's report, its procedure breakdown made long."""
    with db.read() as session:
        made = reports.period_report(
            session, Period(date(2026, 3, 1), date(2026, 3, 31)), SystemClock().now_utc()
        )
    lines = [replace(made.total, key=f"p{n}", name=f"Thủ tục số {n}") for n in range(LINES)]
    return replace(made, by_procedure=lines)


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "bao-cao" in p.name)


@pytest.mark.parametrize("suffix", [".xlsx", ".pdf"])
def test_core_report_export_cancelled_midway_leaves_nothing(
    db: Database, report: PeriodReport, tmp_path: Path, suffix: str
) -> None:
    with db.read() as session:
        identity = load_identity(session)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= total // 2:
            control.cancel()  # as the Huỷ button does

    control = JobControl(progress)
    target = tmp_path / f"bao-cao{suffix}"
    with pytest.raises(Cancelled):
        report_export.write(report, identity, target, control)
    total = report_export.line_count(report)
    assert total > LINES and seen[-1][1] == total and seen[-1][0] < total  # stopped halfway
    assert _left(tmp_path) == []

    assert report_export.write(report, identity, target, JobControl()) == target
    assert _left(tmp_path) == [target.name]


def test_report_tab_huy_stops_the_export(
    qtbot: QtBot, db: Database, report: PeriodReport, tmp_path: Path
) -> None:
    with db.write() as session:
        boss = users.create_user(
            session, SystemClock(), "lanhdao", "Trần Văn Lãnh", "supervisor", "mk-123456", policy=FAST
        )
        identity = load_identity(session)
    ctx = AppContext(
        db=db,
        runner=TaskRunner(synchronous=True),
        clock=SystemClock(),
        identity=identity,
        user_id=boss.id,
        role="supervisor",
    )
    window = QMainWindow()
    tab = ReportTab(ctx)
    window.setCentralWidget(tab)
    qtbot.addWidget(window)
    window.show()
    tab.model.show(report, "procedure")
    target = tmp_path / "bao-cao.xlsx"
    tab.save_path_hook = lambda _suggested, _filter: str(target)
    with huy_pressed(lambda done, total: done >= total // 2) as pressed:
        tab.export(".xlsx")
    assert pressed.shown == [("Đang ghi bao-cao.xlsx…", "Xuất báo cáo")]
    assert tab.export_job is not None and pressed.at and tab.export_job.outcome == "cancelled"
    assert window.statusBar().currentMessage() == "Đã huỷ."
    assert tab.export_job.dialog.isHidden()
    assert _left(tmp_path) == []  # no file, no .partial

    # Without Huỷ the same export finishes, and says so in the status bar (no pop-up).
    tab.export(".xlsx")
    assert tab.export_job.outcome == "done" and target.is_file()
    sheet = load_workbook(target)["Theo thu tuc"]
    assert sheet.cell(row=report_export.HEADER_ROW + 2 + LINES, column=1).value == f"Thủ tục số {LINES - 1}"
    assert window.statusBar().currentMessage() == f"Đã xuất báo cáo: {target}"
