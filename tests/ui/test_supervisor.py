"""Giám sát (F5): the role check, figures that open exactly their dossiers, the report tab and the actions."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.services import dossier_query, forms, reprints
from counter_app.services.counter_setup import load_identity
from counter_app.services.dashboard import load_dashboard
from counter_app.services.dossier_query import DossierFilter
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import User
from tests.db.supervisor_data import NOW_UTC, one, receive_cases, seed
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages.supervisor import SupervisorPage
from ui.pages.supervisor.correction_dialog import CorrectionDialog
from ui.pages.supervisor.reprint_request import ReprintOutcome, ReprintRequestDialog
from ui.tasks import TaskRunner


@pytest.fixture(scope="module")
def seeded_file(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("supervisor-ui") / "counter.db"
    shutil.copy(pristine_db, path)
    seed(path, count=800)
    codes, _staff = receive_cases(path)
    return path, codes


@pytest.fixture
def data(
    seeded_file: tuple[Path, dict[str, str]], tmp_path: Path
) -> Iterator[tuple[Database, dict[str, str]]]:
    path = tmp_path / "counter.db"
    shutil.copy(seeded_file[0], path)
    database = open_database(path)
    yield database, seeded_file[1]
    database.close()


def _ctx(db: Database, username: str) -> AppContext:
    with db.read() as session:
        identity = load_identity(session)
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        role, user_id, name = user.role, user.id, user.full_name
    return AppContext(
        db=db,
        runner=TaskRunner(synchronous=True),
        clock=FixedClock(NOW_UTC),
        identity=identity,
        user_name=name,
        user_id=user_id,
        role=role,
    )


@pytest.fixture
def window(qtbot: QtBot, data: tuple[Database, dict[str, str]]) -> MainWindow:
    main = MainWindow(_ctx(data[0], "lanhdao"))
    qtbot.addWidget(main)
    main.resize(1200, 760)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    main.nav.setCurrentRow(3)  # F5
    return main


def test_a_clerk_is_told_the_page_is_for_supervisors(
    qtbot: QtBot, data: tuple[Database, dict[str, str]]
) -> None:
    page = SupervisorPage(_ctx(data[0], "ung"))
    qtbot.addWidget(page)
    page.show()
    assert page.stack.currentWidget() is page.denied
    assert "dành cho lãnh đạo" in page.denied.text()
    assert page.dashboard.dashboard is None  # nothing was loaded


def test_the_dashboard_shows_the_figures(window: MainWindow, data: tuple[Database, dict[str, str]]) -> None:
    page = window.supervisor_page
    assert window.stack.currentWidget() is page and page.stack.currentWidget() is page.tabs
    board = page.dashboard.dashboard
    assert board is not None
    with data[0].read() as session:
        assert board == load_dashboard(session, NOW_UTC)
    path = data[0].path
    assert page.dashboard.status_links[4].text() == str(
        one(path, "SELECT count(*) FROM dossiers WHERE status = 4")
    )
    assert page.dashboard.overdue.text() == str(board.overdue.value)
    assert page.dashboard.received_links[(2, 2)].text() == "4"  # online this month
    assert page.dashboard.finished_links["late"].text() == str(board.finished.late.value)
    assert page.dashboard.overdue_model.rowCount() == len(board.overdue_lines) > 0
    assert len(page.dashboard.per_day.bars()) == 30 and len(page.dashboard.per_week.bars()) == 8
    assert "độc lập" in page.dashboard.sync_label.text()


def test_a_figure_opens_the_list_of_exactly_its_dossiers(qtbot: QtBot, window: MainWindow) -> None:
    dashboard = window.supervisor_page.dashboard
    late = dashboard.finished_links["late"]
    late.setFocus()
    qtbot.keyClick(late, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.dossier_page
    figure = dashboard.dashboard.finished.late if dashboard.dashboard else None
    assert figure is not None
    page = window.dossier_page
    assert page.filters.current(page.search.text()) == figure.filter
    assert page.count_label.text() == f"{figure.value} hồ sơ"
    assert page.model.rowCount() == figure.value
    assert page.filters.preset_label.text() == f"Đang xem: {figure.title}"
    page.filters.preset_clear.click()
    assert page.filters.current() == DossierFilter()


def test_chart_bars_and_breakdown_cells_are_links(qtbot: QtBot, window: MainWindow) -> None:
    dashboard = window.supervisor_page.dashboard
    board = dashboard.dashboard
    assert board is not None
    opened: list[tuple[DossierFilter, str]] = []
    window.supervisor_page.sig_open_list.disconnect()
    window.supervisor_page.sig_open_list.connect(lambda f, t: opened.append((f, t)))
    dashboard.per_day.setFocus()
    qtbot.keyClick(dashboard.per_day, Qt.Key.Key_Left)
    qtbot.keyClick(dashboard.per_day, Qt.Key.Key_Return)
    assert opened[-1][0] == board.received_per_day[-2].figure.filter
    dashboard.per_week.sig_bar_activated.emit(7)
    assert opened[-1][0] == board.rate_per_week[7].figures.total.filter
    index = dashboard.breakdown_model.index(0, 4)
    dashboard.breakdown.clicked.emit(index)
    assert opened[-1][0] == board.by_procedure[0].figures.late.filter
    dashboard.breakdown.clicked.emit(dashboard.breakdown_model.index(0, 0))  # the name is not a link
    assert len(opened) == 3


def test_the_report_tab_links_and_exports(
    qtbot: QtBot, window: MainWindow, data: tuple[Database, dict[str, str]], tmp_path: Path
) -> None:
    tab = window.supervisor_page.reports
    window.supervisor_page.tabs.setCurrentWidget(tab)
    window.activateWindow()
    tab.date_to.setFocus()
    qtbot.keyClick(tab.date_to, Qt.Key.Key_Return)  # Enter in a date box shows the report
    report = tab.model.report
    assert report is not None and tab.model.rowCount() == 1 + len(report.by_field)
    assert tab.model.index(0, 1).data() == str(report.total.total)
    settled_late = tab.model.index(0, 9)
    tab.table.clicked.emit(settled_late)
    page = window.dossier_page
    assert window.stack.currentWidget() is page
    assert page.count_label.text() == f"{report.total.settled_late} hồ sơ"
    with data[0].read() as session:
        flt = page.filters.current(page.search.text())
        assert dossier_query.count(session, flt, now_utc=NOW_UTC) == report.total.settled_late
    target = tmp_path / "bao-cao"
    tab.save_path_hook = lambda _suggested, _filter: str(target)
    tab.export(".xlsx")
    sheet = load_workbook(target.with_suffix(".xlsx"))["Tong hop"]
    assert sheet.cell(row=7, column=2).value == report.total.total
    assert "Đã xuất báo cáo" in tab.status.text()
    assert window.statusBar().currentMessage() == tab.status.text()  # success in the status bar, no pop-up


def test_approving_a_waiting_reprint(window: MainWindow, data: tuple[Database, dict[str, str]]) -> None:
    db, codes = data
    code = codes["Kha Thị Quá Hạn"]
    clock = FixedClock(NOW_UTC)
    with db.write() as session:
        clerk = session.scalar(select(User.id).where(User.username == "ung"))
        assert clerk is not None
        forms.print_receipt(session, clock, code, clerk)
        reprints.request_reprint(session, clock, code, clerk, "Công dân làm mất giấy hẹn")
    tab = window.supervisor_page.actions
    shown: list[Path] = []
    tab.preview_hook = lambda path, _title: shown.append(path)
    window.supervisor_page.tabs.setCurrentWidget(tab)
    assert tab.requests_model.rowCount() == 1
    assert tab.requests_model.index(0, 3).data() == "Công dân làm mất giấy hẹn"
    tab.approve_selected()
    assert shown and shown[0].name.endswith("-in-lai-1.pdf")
    assert tab.requests_model.rowCount() == 0 and "Đã duyệt và in lại" in tab.message.text()


def test_correcting_intake_data_from_the_actions_tab(
    qtbot: QtBot, window: MainWindow, data: tuple[Database, dict[str, str]]
) -> None:
    db, codes = data
    code = codes["Phùng Văn Mới"]
    tab = window.supervisor_page.actions
    dialogs: list[CorrectionDialog] = []

    def run(values: object) -> object:
        dialog = CorrectionDialog(window.supervisor_page._ctx, values, tab)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        dialogs.append(dialog)
        dialog.editors["full_name"].setText("Phùng Văn Mới Sửa")  # type: ignore[attr-defined]
        dialog.save()
        assert "Lý do sửa" in dialog.errors.text()  # the reason is required
        dialog.reason.setText("Nhập thiếu tên đệm")
        dialog.editors["birth_date"].setText("31/02/1990")  # type: ignore[attr-defined]
        dialog.save()
        assert "Ngày sinh" in dialog.errors.text()
        dialog.editors["birth_date"].setText("")  # type: ignore[attr-defined]
        dialog.save()
        return dialog.result_correction

    tab.correction_hook = run  # type: ignore[assignment]
    tab.code.setText(code)
    tab.open_correction()
    assert "Họ và tên: Phùng Văn Mới → Phùng Văn Mới Sửa" in tab.message.text()
    assert one(db.path, "SELECT count(*) FROM dossier_events WHERE kind = 'corrected'") == 1


def test_closing_the_day_from_the_actions_tab(
    window: MainWindow, data: tuple[Database, dict[str, str]]
) -> None:
    tab = window.supervisor_page.actions
    shown: list[Path] = []
    tab.confirm_hook = lambda _t, _q: True
    tab.preview_hook = lambda path, _title: shown.append(path)
    tab.close_day()
    assert shown and shown[0].name == "chot-so-ngay-2026-03-11.pdf"
    text = tab.close_result.text()
    assert "Đã chốt sổ ngày 11/03/2026" in text and "Quầy chạy độc lập" in text and "chưa gửi" in text
    assert one(data[0].path, "SELECT count(*) FROM audit_log WHERE action = 'day_closed'") == 1
    tab.confirm_hook = lambda _t, _q: False
    tab.close_day()
    assert len(shown) == 1


def test_a_clerks_reprint_waits_or_is_approved_at_the_desk(
    qtbot: QtBot, data: tuple[Database, dict[str, str]]
) -> None:
    db, codes = data
    ctx = _ctx(db, "ung")
    code = codes["Phùng Văn Mới"]
    with db.write() as session:
        forms.print_receipt(session, ctx.clock, code, ctx.user_id or "")
    dialog = ReprintRequestDialog(ctx, code)
    qtbot.addWidget(dialog)
    dialog.submit()
    assert "lý do" in dialog.message.text() and dialog.outcome is None
    dialog.reason.setText("Công dân làm mất giấy hẹn")
    dialog.submit()
    assert dialog.outcome == ReprintOutcome(True, None)
    with db.read() as session:
        assert [r.code for r in reprints.pending_requests(session, NOW_UTC)] == [code]
    other = codes["Kha Thị Quá Hạn"]
    with db.write() as session:
        forms.print_receipt(session, ctx.clock, other, ctx.user_id or "")
    at_desk = ReprintRequestDialog(ctx, other)
    qtbot.addWidget(at_desk)
    at_desk.reason.setText("Máy in kẹt giấy")
    at_desk.now.setChecked(True)
    at_desk.username.setText("lanhdao")
    at_desk.password.setText("sai-mat-khau")
    at_desk.submit()
    assert "không đúng" in at_desk.message.text() and at_desk.outcome is None
    assert one(db.path, "SELECT failed_count FROM users WHERE username = 'lanhdao'") == 1
    at_desk.password.setText("mat-khau-123")
    at_desk.submit()
    assert at_desk.outcome is not None and at_desk.outcome.printed is not None
    assert at_desk.outcome.printed.reprint


def test_the_figures_hide_when_a_clerk_signs_in_after_a_lock(
    window: MainWindow, data: tuple[Database, dict[str, str]]
) -> None:
    page = window.supervisor_page
    assert page.stack.currentWidget() is page.tabs
    clerk = _ctx(data[0], "ung")
    window.ctx.user_id, window.ctx.role, window.ctx.user_name = clerk.user_id, clerk.role, clerk.user_name
    window.show_user()
    assert page.stack.currentWidget() is page.denied
