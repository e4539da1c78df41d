"""Quản trị → Lịch làm việc: a late-announced day off with preview, confirmation, history and roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, local_to_utc
from counter_app.services import calendar_admin, users
from counter_app.services.counter_setup import load_identity
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import Dossier
from ui.context import AppContext
from ui.pages.calendar_tab import CalendarTab
from ui.tasks import TaskRunner

NOW_UTC = local_to_utc(datetime(2026, 3, 11, 9, 0))  # Wednesday 11/03/2026 09:00, Vietnam time
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIPTS = (  # 3 working days each: due Fri 06/03 09:00, Wed 11/03 10:00, Mon 16/03 08:00
    ("2026-03-03T09:00", "Trần Thị Quá", "001190000001"),
    ("2026-03-06T10:00", "Lê Văn Sắp", "001090000002"),
    ("2026-03-11T08:00", "Phạm Thị Còn", "001190000003"),
)
STORM_DAY = QDate(2026, 3, 13)  # Friday


@pytest.fixture
def counter(db_path: Path) -> Iterator[tuple[Database, dict[str, UserDTO]]]:
    for received, name, id_number in RECEIPTS:
        args = ["receive", "--db", str(db_path), "--procedure", "1.004873", "--name", name]
        assert main([*args, "--id-number", id_number, "--received", received]) == 0
    database = open_database(db_path)
    clock = FixedClock(NOW_UTC)
    with database.write() as session:
        people = {
            "supervisor": users.create_user(
                session, clock, "giamsat", "Hoàng Thị Giám", "supervisor", "mat-khau-1", policy=FAST
            ),
            "clerk": users.create_user(
                session, clock, "canbo", "Đỗ Văn Tiếp", "clerk", "mat-khau-2", policy=FAST
            ),
        }
    yield database, people
    database.close()


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any message box fails loudly instead of blocking the test; the list collects their texts."""
    shown: list[str] = []

    def refuse(*args: object, **_kwargs: object) -> QMessageBox.StandardButton:
        shown.append(str(args[2] if len(args) > 2 else args))
        return QMessageBox.StandardButton.No

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.text()) or 0)
    return shown


@pytest.fixture
def make_tab(
    qtbot: QtBot, counter: tuple[Database, dict[str, UserDTO]], dialogs: list[str]
) -> Iterator[Callable[[str], CalendarTab]]:
    db, people = counter
    made: list[CalendarTab] = []

    def make(role: str) -> CalendarTab:
        with db.read() as session:
            identity = load_identity(session)
        user = people.get(role)
        ctx = AppContext(
            db=db,
            runner=TaskRunner(synchronous=True),
            clock=FixedClock(NOW_UTC),
            identity=identity,
            user_name=user.full_name if user else "",
            user_id=user.id if user else None,
            role=role if user else "",
        )
        tab = CalendarTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(1000, 640)
        tab.show()
        tab.refresh()
        made.append(tab)
        return tab

    yield make
    for tab in made:
        tab._ctx.runner.shutdown()


def _fill(tab: CalendarTab, name: str, reason: str) -> None:
    tab.date_edit.setDate(STORM_DAY)
    tab.kind.setCurrentIndex(tab.kind.findData("off"))
    tab.name_edit.setText(name)  # Vietnamese text: setText, never keyClicks (platform notes)
    tab.reason_edit.setText(reason)


def _texts(model: object, row: int) -> list[str]:
    return [model.index(row, c).data() for c in range(model.columnCount())]  # type: ignore[attr-defined]


def _appointment(db: Database, applicant: str) -> datetime | None:
    with db.read() as session:
        for dossier in session.query(Dossier).all():
            if dossier.applicant.full_name == applicant:
                return dossier.appointment_at
    raise AssertionError(applicant)


def test_calendar_tab_lists_the_days_in_force_for_the_chosen_year(
    make_tab: Callable[[str], CalendarTab],
) -> None:
    tab = make_tab("supervisor")
    assert tab.year.value() == 2026
    rows = [_texts(tab.days_model, r) for r in range(tab.days_model.rowCount())]
    assert ["Thứ Tư, 02/09/2026", "Nghỉ"] in [r[:2] for r in rows]
    assert ["Thứ Bảy, 22/08/2026", "Làm bù"] in [r[:2] for r in rows]
    assert {r[4] for r in rows} == {"Có sẵn"}
    tab.year.setValue(2025)
    assert "Thứ Bảy, 26/04/2025" in [
        tab.days_model.index(r, 0).data() for r in range(tab.days_model.rowCount())
    ]


def test_calendar_tab_supervisor_adds_a_late_day_off(
    qtbot: QtBot,
    make_tab: Callable[[str], CalendarTab],
    counter: tuple[Database, dict[str, UserDTO]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, _people = counter
    tab = make_tab("supervisor")
    assert tab.apply_button.isEnabled() and "Chỉ xem" not in tab.note.text()
    _fill(tab, "Nghỉ do bão số 3", "Công điện 12/CĐ-UBND")
    assert tab.day_state.text() == "Hiện tại: Thứ Sáu, 13/03/2026 là ngày làm việc bình thường."

    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    assert tab.preview_summary.text().startswith("Xem trước (chưa lưu): 1 hồ sơ")
    assert tab.moved_model.rowCount() == 1
    code, applicant, _procedure, old, new, printed = _texts(tab.moved_model, 0)
    assert code.endswith("-260311-1001") and applicant == "Phạm Thị Còn"
    # Not yet printed: the engine takes the appointment it would print (the old one) as the promise.
    assert (old, new, printed) == ("T2 16/03/2026 08:00", "T3 17/03/2026 08:00", "T2 16/03/2026 08:00")
    assert _appointment(db, "Phạm Thị Còn") == local_to_utc(datetime(2026, 3, 16, 8, 0))  # not saved yet

    questions: list[str] = []
    monkeypatch.setattr(tab, "_confirm", lambda text: questions.append(text) or True)
    qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)
    assert questions and "Thứ Sáu, 13/03/2026 thành ngày nghỉ" in questions[0]
    assert "1 hồ sơ" in questions[0]
    assert tab.preview_summary.text().startswith("Đã lưu. 1 hồ sơ")
    assert _appointment(db, "Phạm Thị Còn") == local_to_utc(datetime(2026, 3, 17, 8, 0))
    assert _appointment(db, "Lê Văn Sắp") == local_to_utc(datetime(2026, 3, 11, 10, 0))  # due before it
    with db.read() as session:
        moved = session.query(Dossier).filter(Dossier.printed_appointment_at.is_not(None)).one()
        assert moved.printed_appointment_at == local_to_utc(datetime(2026, 3, 16, 8, 0))

    assert tab.history_model.rowCount() == 1
    when, who, day, change, name, reason, count = _texts(tab.history_model, 0)
    assert (when, who, day) == ("11/03/2026 09:00", "Hoàng Thị Giám", "Thứ Sáu, 13/03/2026")
    assert (change, name, reason, count) == (
        "lịch chung → nghỉ",
        "Nghỉ do bão số 3",
        "Công điện 12/CĐ-UBND",
        "1",
    )
    days = [_texts(tab.days_model, r) for r in range(tab.days_model.rowCount())]
    assert [
        "Thứ Sáu, 13/03/2026",
        "Nghỉ",
        "Nghỉ do bão số 3",
        "Công điện 12/CĐ-UBND",
        "Quản trị thêm",
    ] in days
    assert tab.day_state.text().endswith("(quản trị đã đặt).")


def test_calendar_tab_bad_input_is_shown_at_the_field(
    qtbot: QtBot, make_tab: Callable[[str], CalendarTab], counter: tuple[Database, dict[str, UserDTO]]
) -> None:
    db, _people = counter
    tab = make_tab("supervisor")
    _fill(tab, " ", "")
    qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)  # no confirmation is asked first
    assert tab.errors["name"].isVisibleTo(tab) and tab.errors["name"].text().startswith("Hãy ghi tên ngày")
    assert tab.errors["reason"].text() == "Hãy ghi căn cứ thay đổi (số thông báo, văn bản)"
    assert not tab.errors["day"].isVisibleTo(tab)

    tab.kind.setCurrentIndex(tab.kind.findData(None))  # "bỏ ngày của quản trị" on a day without one
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    assert tab.errors["day"].text() == "Ngày này không có mục do quản trị đặt nên không có gì để bỏ."
    assert not tab.errors["name"].isVisibleTo(tab)
    with db.read() as session:
        assert calendar_admin.history(session) == []


def test_calendar_tab_cancelled_confirmation_changes_nothing(
    qtbot: QtBot,
    make_tab: Callable[[str], CalendarTab],
    counter: tuple[Database, dict[str, UserDTO]],
    dialogs: list[str],
) -> None:
    db, _people = counter
    tab = make_tab("supervisor")
    _fill(tab, "Nghỉ do bão số 3", "Công điện 12/CĐ-UBND")
    qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)  # the patched question answers No
    assert len(dialogs) == 1 and "thành ngày nghỉ" in dialogs[0]
    assert tab.preview_summary.text().startswith("Xem trước (chưa lưu)")
    with db.read() as session:
        assert calendar_admin.history(session) == []
    assert _appointment(db, "Phạm Thị Còn") == local_to_utc(datetime(2026, 3, 16, 8, 0))


@pytest.mark.parametrize("role", ["clerk", "nobody"])
def test_calendar_tab_is_read_only_for_a_clerk(
    qtbot: QtBot,
    make_tab: Callable[[str], CalendarTab],
    counter: tuple[Database, dict[str, UserDTO]],
    role: str,
) -> None:
    db, _people = counter
    tab = make_tab(role)
    assert not tab.apply_button.isEnabled()
    assert tab.note.text().startswith("Chỉ xem:")
    assert "giám sát hoặc quản trị" in tab.note.text()
    assert tab.reason_edit.isReadOnly()
    tab.date_edit.setDate(STORM_DAY)
    qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)  # looking is allowed
    assert tab.moved_model.rowCount() == 1
    qtbot.mouseClick(tab.apply_button, Qt.MouseButton.LeftButton)
    tab._on_apply_button_clicked()  # even if the button were reached, nothing is written
    assert tab.message.text() == "Chỉ giám sát hoặc quản trị được thay đổi lịch làm việc."
    with db.read() as session:
        assert calendar_admin.history(session) == []
        assert not calendar_admin.counter_calendar(session).entry(date(2026, 3, 13))
