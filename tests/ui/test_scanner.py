"""A keyboard-wedge scanner opens the scanned dossier from anywhere in the main window; typing does not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.services import intake, users
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Procedure
from ui.app import build_window
from ui.main_window import MainWindow
from ui.scanner import match_code, untelex

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIVED = datetime(2026, 1, 5, 9, 32)
NAMES = ("Trần Văn Đức", "Phạm Thị Hương Giang")


class StepClock:
    """Milliseconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def register(db: Database, names: tuple[str, ...]) -> list[str]:
    """Register one dossier per name (procedure 1.004873) and return their codes."""
    clock = FixedClock(RECEIVED - timedelta(hours=7))
    codes = []
    with db.write() as session:
        clerk = users.create_user(session, clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST)
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        for number, name in enumerate(names, start=1):
            form = IntakeForm(
                procedure_id=procedure.id,
                full_name=name,
                id_number=f"00119000000{number}",
                address_commune="Xã Ỷ La",
                address_province="Tỉnh Tuyên Quang",
                documents=tuple(
                    DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                    for d in procedure.documents
                ),
            )
            appointment = RECEIVED + timedelta(days=3)
            codes.append(intake.register_dossier(session, clock, form, clerk.id, appointment).code)
    return codes


@pytest.fixture
def codes(db: Database) -> list[str]:
    return register(db, NAMES)


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def window(qtbot: QtBot, db: Database, codes: list[str], clock: StepClock) -> Iterator[MainWindow]:
    win = build_window(db, synchronous=True)
    qtbot.addWidget(win)
    win.scanner.clock = clock
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    win.scanner.uninstall()


def type_text(widget: QLineEdit, text: str, clock: StepClock, gap_ms: float) -> None:
    """ASCII key clicks, `gap_ms` apart on the scanner's clock, then Enter."""
    for char in text:
        clock.now += gap_ms
        QTest.keyClick(widget, char)
    clock.now += gap_ms
    QTest.keyClick(widget, Qt.Key.Key_Return)


def focus(qtbot: QtBot, widget: QLineEdit) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_fast_scan_in_the_search_box_opens_the_second_dossier(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    search = window.dossier_page.search
    search.setText("Trần")
    focus(qtbot, search)
    entered: list[bool] = []
    search.returnPressed.connect(lambda: entered.append(True))

    type_text(search, codes[1], clock, gap_ms=8)

    assert list(window.lookup.dialogs) == [codes[1]]
    texts = " | ".join(window.lookup.dialogs[codes[1]].texts())
    assert codes[1] in texts and NAMES[1] in texts and "1.004873" in texts
    assert NAMES[0] not in texts
    assert search.text() == "Trần"  # the scanned characters were taken back out
    assert entered == []  # the Enter was the scanner's, not the search box's


def test_fast_scan_in_the_intake_name_field_keeps_its_text(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    window.nav.setCurrentRow(0)
    name = window.intake_page.applicant.full_name
    name.setText("Nguyễn Thị Ánh")
    focus(qtbot, name)
    type_text(name, codes[0], clock, gap_ms=3)
    assert list(window.lookup.dialogs) == [codes[0]]
    assert name.text() == "Nguyễn Thị Ánh"


def test_slow_typing_is_not_a_scan(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    search = window.dossier_page.search
    focus(qtbot, search)
    entered: list[bool] = []
    search.returnPressed.connect(lambda: entered.append(True))
    type_text(search, codes[1], clock, gap_ms=180)
    assert window.lookup.dialogs == {}
    assert search.text() == codes[1]
    assert entered == [True]


def test_fast_text_that_is_not_a_code_passes_through(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    search = window.dossier_page.search
    focus(qtbot, search)
    entered: list[bool] = []
    search.returnPressed.connect(lambda: entered.append(True))
    payload = "001190000001|123456789|Tran Van Duc|01011990|Nam|Xa Y La|01012021"  # a CCCD QR
    type_text(search, payload, clock, gap_ms=2)
    assert window.lookup.dialogs == {}
    assert search.text() == payload
    assert entered == [True]


def test_unknown_code_says_not_found_without_blocking(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    messages: list[str] = []
    window.lookup.notify = messages.append
    search = window.dossier_page.search
    focus(qtbot, search)
    unknown = codes[0][:-4] + "9999"
    type_text(search, unknown, clock, gap_ms=5)
    assert messages == [f"Không tìm thấy hồ sơ mã {unknown}."]
    assert window.lookup.dialogs == {}
    assert search.text() == ""


def test_input_method_commit_strings_count_as_scanned_text(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    search = window.dossier_page.search
    focus(qtbot, search)
    agency, rest = codes[1].split("-", 1)
    for chunk in (agency, "-", rest):  # an input method commits text in pieces
        clock.now += 10
        event = QInputMethodEvent()
        event.setCommitString(chunk)
        QApplication.sendEvent(search, event)
    assert search.text() == codes[1]
    clock.now += 10
    QTest.keyClick(search, Qt.Key.Key_Return)
    assert list(window.lookup.dialogs) == [codes[1]]
    assert search.text() == ""


def test_scanner_ignores_input_while_the_window_is_locked(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    search = window.dossier_page.search
    focus(qtbot, search)
    central = window.centralWidget()
    central.setEnabled(False)  # what the idle lock does
    try:
        for char in codes[0]:
            clock.now += 2
            window.scanner.eventFilter(search, _key_press(char))
        assert window.scanner.eventFilter(search, _key_press("\r", Qt.Key.Key_Return)) is False
    finally:
        central.setEnabled(True)
    assert window.lookup.dialogs == {}


def _key_press(char: str, key: Qt.Key | None = None) -> QEvent:
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, key or Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)


def test_ctrl_f_asks_for_a_code_and_enter_opens_it(
    qtbot: QtBot, window: MainWindow, codes: list[str], clock: StepClock
) -> None:
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    entry = window.lookup.entry
    assert entry is not None and entry.isVisible()
    assert entry.windowTitle() == "Tìm mã hồ sơ"
    entry.code_edit.setText(f" {codes[0]} ")
    QTest.keyClick(entry.code_edit, Qt.Key.Key_Return)
    assert list(window.lookup.dialogs) == [codes[0]]
    assert not entry.isVisible()


def test_untelex_undoes_what_telex_makes_of_letters() -> None:
    assert untelex("đĐâÂăơưáàảãạ") == "ddDDaaAAawowuwasafaraxaj"
    assert untelex("000.00.31.H12-260105-1001") == "000.00.31.H12-260105-1001"
    assert match_code("000.00.31.Hâ2-260105-1001") == "000.00.31.Haa2-260105-1001"
    assert match_code(" 000.00.31.H12-260105-1001\n") == "000.00.31.H12-260105-1001"
    assert match_code("001190000001|123456789|Trần") is None
