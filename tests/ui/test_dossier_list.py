"""The "Hồ sơ" list: the "Thời hạn" column as a clerk sees it (text, colour, printed appointment)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, local_to_utc
from counter_app.services import calendar_admin, dossier_query
from counter_app.services.counter_setup import load_identity
from counter_app.storage.database import Database, open_database
from ui.app import build_window
from ui.context import AppContext
from ui.pages.dossier_list import APOLOGY_TIP, COL_APPOINTMENT, COL_CODE, COL_TIME_LEFT, DossierListPage
from ui.tasks import TaskRunner

NOW_UTC = local_to_utc(datetime(2026, 3, 11, 9, 0))  # Wednesday 11/03/2026 09:00, Vietnam time
RECEIPTS = (  # 3 working days each: due Fri 06/03 09:00, Wed 11/03 10:00, Mon 16/03 08:00
    ("2026-03-03T09:00", "Trần Thị Quá", "001190000001"),
    ("2026-03-06T10:00", "Lê Văn Sắp", "001090000002"),
    ("2026-03-11T08:00", "Phạm Thị Còn", "001190000003"),
)


@pytest.fixture
def three(db_path: Path) -> Iterator[Database]:
    for received, name, id_number in RECEIPTS:
        args = ["receive", "--db", str(db_path), "--procedure", "1.004873", "--name", name]
        assert main([*args, "--id-number", id_number, "--received", received]) == 0
    database = open_database(db_path)
    yield database
    database.close()


def make_ctx(db: Database, clock: FixedClock) -> AppContext:
    with db.read() as session:
        identity = load_identity(session)
    return AppContext(db=db, runner=TaskRunner(synchronous=True), clock=clock, identity=identity)


@pytest.fixture
def page(qtbot: QtBot, three: Database) -> Iterator[DossierListPage]:
    widget = DossierListPage(make_ctx(three, FixedClock(NOW_UTC)))
    qtbot.addWidget(widget)
    widget.resize(1000, 400)
    widget.show()
    widget.refresh()
    yield widget
    widget._ctx.runner.shutdown()


def _row_of(page: DossierListPage, applicant: str) -> int:
    model = page.model
    for row in range(model.rowCount()):
        if model.index(row, 1).data() == applicant:
            return row
    raise AssertionError(f"{applicant} is not in the list")


def _cell(
    page: DossierListPage, applicant: str, column: int, role: int = Qt.ItemDataRole.DisplayRole
) -> object:
    return page.model.index(_row_of(page, applicant), column).data(role)


def test_dossier_list_shows_time_left_in_words(page: DossierListPage) -> None:
    headers = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())]
    assert headers[COL_TIME_LEFT] == "Thời hạn"
    assert page.count_label.text() == "3 hồ sơ"
    assert _cell(page, "Phạm Thị Còn", COL_TIME_LEFT) == "Còn 2 ngày 7 giờ"
    assert _cell(page, "Lê Văn Sắp", COL_TIME_LEFT) == "Sắp đến hạn: còn 1 giờ"
    assert _cell(page, "Trần Thị Quá", COL_TIME_LEFT) == "Quá hạn 3 ngày"


def test_dossier_list_colours_overdue_red_and_due_soon_amber(page: DossierListPage) -> None:
    fg, bg = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole
    overdue = _cell(page, "Trần Thị Quá", COL_TIME_LEFT, fg).color()  # type: ignore[attr-defined]
    soon = _cell(page, "Lê Văn Sắp", COL_TIME_LEFT, bg).color()  # type: ignore[attr-defined]
    assert overdue.red() > 150 and overdue.green() < 60 and overdue.blue() < 60
    assert soon.red() > 240 and 180 < soon.green() < 245 and soon.blue() < 200  # amber fill
    assert _cell(page, "Phạm Thị Còn", COL_TIME_LEFT, bg) is None
    assert _cell(page, "Trần Thị Quá", COL_TIME_LEFT, Qt.ItemDataRole.FontRole).bold()  # type: ignore[attr-defined]
    assert QColor(overdue).isValid()


def test_dossier_list_time_left_follows_the_clock(page: DossierListPage) -> None:
    clock = page._ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=2))
    page.model.refresh_time_left()
    assert _cell(page, "Lê Văn Sắp", COL_TIME_LEFT) == "Quá hạn 1 giờ"


def test_dossier_list_shows_the_printed_appointment_after_a_calendar_change(
    page: DossierListPage, three: Database
) -> None:
    with three.write() as session:
        calendar_admin.apply_day_change(
            session,
            FixedClock(NOW_UTC),
            day=date(2026, 3, 13),
            kind="off",
            name="Nghỉ do bão số 3",
            reason="Công điện 12/CĐ-UBND",
            user_id=None,
        )
    page.refresh()
    assert _cell(page, "Phạm Thị Còn", COL_APPOINTMENT) == "17/03/26 08:00 *"
    tip = str(_cell(page, "Phạm Thị Còn", COL_APPOINTMENT, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("Giấy hẹn đã in: T2 16/03/2026 08:00")
    assert _cell(page, "Lê Văn Sắp", COL_APPOINTMENT) == "11/03/26 10:00"
    assert (
        _cell(page, "Lê Văn Sắp", COL_APPOINTMENT, Qt.ItemDataRole.ToolTipRole)
        == "Hẹn trả: T4 11/03/2026 10:00"
    )


def test_dossier_list_search_and_model_contract(page: DossierListPage, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(page.model)
    page.search.setText("le van")  # the debounce timer would reload later; reload now
    page.refresh()
    assert [page.model.index(r, 1).data() for r in range(page.model.rowCount())] == ["Lê Văn Sắp"]
    assert page.model.index(0, COL_CODE).data().endswith("-260306-1001")
    assert page.model.index(0, 99).data() is None  # data() never raises


def _applicants(page: DossierListPage) -> list[str]:
    return [page.model.index(r, 1).data() for r in range(page.model.rowCount())]


def test_alert_banner_shows_the_sql_counts_and_a_click_filters_the_list(
    page: DossierListPage, three: Database, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    with three.read() as session:
        counts = dossier_query.alert_counts(session, NOW_UTC)
    assert counts == dossier_query.AlertCounts(due_today=1, overdue=1)
    assert page.banner.isVisible() and page.banner.counts == counts
    assert page.banner.text() == "Hôm nay đến hạn: 1 hồ sơ · Quá hạn: 1 hồ sơ"

    page.search.setText("pham")
    qtbot.mouseClick(page.banner.overdue_button, Qt.MouseButton.LeftButton)
    assert page.search.text() == "" and page.filters.due() == "overdue"
    assert _applicants(page) == ["Trần Thị Quá"] and page.count_label.text() == "1 hồ sơ"
    qtmodeltester.check(page.model)

    qtbot.mouseClick(page.banner.today_button, Qt.MouseButton.LeftButton)
    assert page.filters.due() == "today" and not page.filters.due_buttons["overdue"].isChecked()
    assert _applicants(page) == ["Lê Văn Sắp"] and page.count_label.text() == "1 hồ sơ"


def test_alert_banner_follows_the_clock_and_hides_when_nothing_is_due(page: DossierListPage) -> None:
    clock = page._ctx.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(hours=2))  # 11:00: Lê Văn Sắp is late too
    page.refresh_alerts()
    assert page.banner.text() == "Hôm nay đến hạn: 0 hồ sơ · Quá hạn: 2 hồ sơ"
    clock.advance(timedelta(days=-30))  # before any appointment
    page.refresh_alerts()
    assert page.banner.isHidden()


def test_dossier_list_sorts_by_appointment(page: DossierListPage) -> None:
    assert _applicants(page) == ["Phạm Thị Còn", "Lê Văn Sắp", "Trần Thị Quá"]  # newest received first
    page.filters.sort.setCurrentIndex(page.filters.sort.findData("appointment"))
    assert _applicants(page) == ["Trần Thị Quá", "Lê Văn Sắp", "Phạm Thị Còn"]


def test_dossier_list_marks_dossiers_to_apologise_for(page: DossierListPage) -> None:
    """At most one working day left, or late: a warning icon and a tooltip proposing Mẫu 04."""
    for applicant in ("Lê Văn Sắp", "Trần Thị Quá"):
        icon = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon) and not icon.isNull(), applicant
        tip = _cell(page, applicant, COL_TIME_LEFT, Qt.ItemDataRole.ToolTipRole)
        assert isinstance(tip, str) and APOLOGY_TIP in tip, applicant
    on_time = _cell(page, "Phạm Thị Còn", COL_TIME_LEFT, Qt.ItemDataRole.DecorationRole)
    warning = _cell(page, "Lê Văn Sắp", COL_TIME_LEFT, Qt.ItemDataRole.DecorationRole)
    assert isinstance(on_time, QIcon) and isinstance(
        warning, QIcon
    )  # on time: its own icon (not colour alone)
    assert on_time.cacheKey() != warning.cacheKey()  # … never the warning one
    assert APOLOGY_TIP not in str(_cell(page, "Phạm Thị Còn", COL_TIME_LEFT, Qt.ItemDataRole.ToolTipRole))
    assert _cell(page, "Lê Văn Sắp", COL_CODE, Qt.ItemDataRole.DecorationRole) is None  # only the one cell
    shots = os.environ.get("FORM_SHOTS")
    if shots:
        page.resize(1200, 360)
        assert page.grab().save(str(Path(shots) / "dossier-list-apology-icon.png"))


def test_enter_on_a_row_opens_its_detail(qtbot: QtBot, three: Database) -> None:
    window = build_window(three, synchronous=True)
    window.ctx.clock = FixedClock(NOW_UTC)
    qtbot.addWidget(window)
    list_page = window.dossier_page
    list_page.refresh()
    row = _row_of(list_page, "Lê Văn Sắp")
    code = list_page.model.index(row, COL_CODE).data()
    list_page.table.setFocus()
    list_page.table.setCurrentIndex(list_page.model.index(row, COL_CODE))
    qtbot.keyClick(list_page.table, Qt.Key.Key_Return)
    dialog = window.lookup.dialogs[code]
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"Hồ sơ {code}"
    assert dialog.apology_prompt.isVisibleTo(dialog)  # one working hour left: Mẫu 04 is proposed
    assert "Hồ sơ còn không quá 1 ngày làm việc (còn 1 giờ" in dialog.apology_prompt.text()
