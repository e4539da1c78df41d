"""The dossier list's filter bar: what each widget puts in the DossierFilter, and the list it gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, local_to_utc
from counter_app.services import dossier_query
from counter_app.services.dossier_query import DossierFilter, FilterChoices
from counter_app.storage.database import Database, open_database
from tests.ui.test_dossier_list import make_ctx
from ui.pages.dossier_list import DossierListPage
from ui.pages.list_filters import ListFilters

NOW_UTC = local_to_utc(datetime(2026, 3, 11, 9, 0))  # Wednesday 11/03/2026 09:00, Vietnam time
CHOICES = FilterChoices(
    procedures=[(7, "Cấp Giấy xác nhận tình trạng hôn nhân"), (9, "Đăng ký khai sinh")],
    fields=[("HT", "Hộ tịch"), ("CT", "Chứng thực")],
    clerks=[("u1", "Nguyễn Thị Lan"), ("u2", "Trần Văn Bình")],
)


@pytest.fixture
def bar(qtbot: QtBot) -> ListFilters:
    widget = ListFilters()
    qtbot.addWidget(widget)
    widget.set_choices(CHOICES)
    return widget


def test_filter_bar_builds_the_filter(bar: ListFilters, qtbot: QtBot) -> None:
    assert bar.current("x") == DossierFilter(text="x")
    with qtbot.waitSignal(bar.changed):
        bar.status.setCurrentIndex(bar.status.findText("Đang xử lý"))
    bar.field.setCurrentIndex(bar.field.findData("CT"))
    bar.procedure.setCurrentIndex(bar.procedure.findData(9))
    bar.clerk.setCurrentIndex(bar.clerk.findData("u2"))
    bar.period.setChecked(True)
    bar.received_from.setDate(QDate(2026, 3, 1))
    bar.received_to.setDate(QDate(2026, 3, 10))
    assert bar.current() == DossierFilter(
        statuses=(4,),
        procedure_id=9,
        field_code="CT",
        received_from=date(2026, 3, 1),
        received_to=date(2026, 3, 10),
        clerk_id="u2",
    )
    bar.set_choices(CHOICES)  # reloading the choices keeps what was picked
    assert bar.current().clerk_id == "u2" and bar.current().procedure_id == 9
    with qtbot.waitSignal(bar.changed):
        bar.clear.click()
    assert bar.current() == DossierFilter()


def test_due_toggles_are_exclusive_and_sort_by_appointment(bar: ListFilters, qtbot: QtBot) -> None:
    with qtbot.waitSignal(bar.changed):
        qtbot.mouseClick(bar.due_buttons["overdue"], Qt.MouseButton.LeftButton)
    assert bar.current() == DossierFilter(due="overdue", sort="appointment")
    qtbot.mouseClick(bar.due_buttons["soon"], Qt.MouseButton.LeftButton)
    assert bar.due() == "soon" and not bar.due_buttons["overdue"].isChecked()
    qtbot.mouseClick(bar.due_buttons["soon"], Qt.MouseButton.LeftButton)  # off again
    assert bar.current() == DossierFilter(sort="appointment")
    bar.status.setCurrentIndex(2)
    bar.set_due("today")  # the banner's click clears the other filters
    assert bar.current() == DossierFilter(due="today", sort="appointment")


RECEIPTS = (  # 3 working days each: due Fri 06/03 09:00, Wed 11/03 10:00, Mon 16/03 08:00
    ("2026-03-03T09:00", "Trần Thị Quá", "001190000001"),
    ("2026-03-06T10:00", "Lê Văn Sắp", "001090000002"),
    ("2026-03-11T08:00", "Phạm Thị Còn", "001190000003"),
)


@pytest.fixture
def page(qtbot: QtBot, db_path: Path) -> Iterator[DossierListPage]:
    for received, name, id_number in RECEIPTS:
        assert main(["receive", "--db", str(db_path), "--procedure", "1.004873", "--name", name,
                     "--id-number", id_number, "--received", received]) == 0  # fmt: skip
    db: Database = open_database(db_path)
    widget = DossierListPage(make_ctx(db, FixedClock(NOW_UTC)))
    qtbot.addWidget(widget)
    widget.show()
    widget.refresh()
    yield widget
    widget._ctx.runner.shutdown()
    db.close()


def _applicants(page: DossierListPage) -> list[str]:
    return [page.model.index(r, 1).data() for r in range(page.model.rowCount())]


def test_filters_apply_to_the_list_and_count(page: DossierListPage, qtbot: QtBot) -> None:
    filters = page.filters
    assert filters.procedure.count() > 1 and filters.field.count() > 1  # loaded from the database
    qtbot.mouseClick(filters.due_buttons["soon"], Qt.MouseButton.LeftButton)
    assert _applicants(page) == ["Lê Văn Sắp"] and page.count_label.text() == "1 hồ sơ"
    filters.reset()
    filters.period.setChecked(True)
    filters.received_from.setDate(QDate(2026, 3, 4))
    filters.received_to.setDate(QDate(2026, 3, 11))
    assert _applicants(page) == ["Phạm Thị Còn", "Lê Văn Sắp"] and page.count_label.text() == "2 hồ sơ"
    filters.field.setCurrentIndex(filters.field.findData("CT"))  # chứng thực: none of the three
    assert _applicants(page) == [] and page.count_label.text() == "0 hồ sơ"
    with page._ctx.db.read() as session:
        assert dossier_query.count(session, filters.current(), now_utc=NOW_UTC) == 0
