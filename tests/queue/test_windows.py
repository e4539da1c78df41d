"""The queue's windows offscreen: kiosk, the desk's calling panel in the main window, the display;
screenshots at 1366×768 in docs/img; the panel with the queue host stopped while intake still saves."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from live_server import start_server
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app.clock import FixedClock, SystemClock
from counter_app.paths import data_dir
from counter_app.printing.queue_ticket import TicketPrint
from counter_app.queue.client import QueueClient
from counter_app.queue.config import QueueConfig, save_config
from counter_app.queue.local import LocalQueue
from counter_app.queue.service import DeskRequest
from counter_app.services import users
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier
from ui.app import build_window
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.queue.display import DisplayWindow
from ui.queue.kiosk import KioskWindow
from ui.queue.panel import QueuePanel

# SAVE_SCREENSHOTS=1 refreshes the pictures in docs/img; otherwise they go to a scratch folder.
DOCS = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("SAVE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="queue-shots-"))
)
NOW = datetime(2026, 11, 26, 2, 30)  # Thursday 09:30 in Vietnam
AGENCY = "000.00.31.H12"
QR = (
    "001189012345|012345678|Nguyễn Thị Ánh|15081989|Nữ|"
    "Số 12 ngõ 5 phố Huế, Phường Hai Bà Trưng, Hà Nội|20072021"
)


class Voice:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def announce(self, label: str, desk: int) -> None:
        self.calls.append((label, desk))


def _main_window(qtbot: QtBot, db: Database, role: str = "clerk") -> MainWindow:
    with db.write() as session:
        user = users.create_user(session, SystemClock(), "canbo1", "Nguyễn Thị Hoa", role, "motcua2026")
    win = build_window(db, synchronous=True)
    win.ctx.user_id, win.ctx.user_name, win.ctx.role = user.id, user.full_name, user.role
    win.ctx.clock = FixedClock(NOW)
    qtbot.addWidget(win)
    return win


def _panel(win: MainWindow) -> QueuePanel:
    panel = win.queue_dock.widget()
    assert isinstance(panel, QueuePanel)
    return panel


@pytest.fixture(autouse=True)
def shipped_fonts(qapp: QApplication) -> None:
    """The app's own font (Be Vietnam Pro), as `counter-app --kiosk/--display` installs it."""
    install_fonts(qapp)


@pytest.fixture
def local_site(db: Database) -> Iterator[LocalQueue]:
    save_config(QueueConfig(desk=2, agency_name="Trung tâm Phục vụ hành chính công xã Ỷ La"))
    queue = LocalQueue(data_dir() / "queue.db", FixedClock(NOW))
    yield queue
    queue.close()


def test_queue_windows_single_pc_and_screenshots(qtbot: QtBot, db: Database, local_site: LocalQueue) -> None:
    printed: list[TicketPrint] = []
    kiosk = KioskWindow(local_site, "Trung tâm Phục vụ hành chính công xã Ỷ La", printer=printed.append,
                        clock=local_site.clock, synchronous=True)  # fmt: skip
    qtbot.addWidget(kiosk)
    kiosk.resize(1366, 768)
    kiosk.show()
    assert set(kiosk.buttons) == {"A", "B", "C", "D"}
    for prefix in ("A", "A", "B", "A", "C", "A"):
        qtbot.mouseClick(kiosk.buttons[prefix], Qt.MouseButton.LeftButton)
    assert kiosk.last_ticket is not None and kiosk.last_ticket.ticket.label == "A004"
    assert [p.label for p in printed] == ["A001", "A002", "B001", "A003", "C001", "A004"]
    assert printed[-1].ahead == 3 and printed[-1].line_name == "Hộ tịch"
    assert kiosk.t_label.text() == "A004" and "còn 3 người" in kiosk.t_ahead.text()
    kiosk.grab().save(str(DOCS / "queue-kiosk-ticket.png"))
    kiosk.show_choices()
    kiosk.load_lines()
    kiosk.grab().save(str(DOCS / "queue-kiosk.png"))

    local_site.issue("A", priority="elderly", reason="82 tuổi", issued_by="Hoa")
    voice = Voice()
    display = DisplayWindow(local_site, "Trung tâm Phục vụ hành chính công xã Ỷ La", announce=voice,
                            clock=local_site.clock, synchronous=True)  # fmt: skip
    qtbot.addWidget(display)
    display.timer.stop()

    win = _main_window(qtbot, db)
    win.resize(1366, 768)
    win.show()
    panel = _panel(win)
    panel.timer.stop()
    assert win.queue_dock.isVisible()
    qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
    assert panel.current.text() == "A005"  # the priority ticket first
    assert "ƯU TIÊN" in panel.detail.text()
    local_site.act(DeskRequest("next", 1, "Lan"))  # another desk calls A001
    panel.refresh()
    assert "Đã kết nối" in panel.status.text()
    display.poll()
    assert voice.calls == [("A005", 2), ("A001", 1)]  # oldest first
    qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
    assert panel.current.text() == "A002"
    qtbot.mouseClick(panel.buttons["recall"], Qt.MouseButton.LeftButton)
    local_site.act(DeskRequest("next", 1, "Lan"))
    display.poll()
    assert voice.calls[2:] == [("A002", 2), ("A002", 2), ("B001", 1)]  # in order, each once
    late = DisplayWindow(local_site, "x", announce=Voice(), clock=local_site.clock, synchronous=True)
    qtbot.addWidget(late)
    late.timer.stop()
    assert late.announce.calls == []  # type: ignore[union-attr]  # a display started later reads nothing old
    assert display.latest.text() == "Mời số B001 đến Quầy 1"
    assert display.state is not None and {(s.desk, s.label) for s in display.state.serving} == {
        (1, "B001"),
        (2, "A002"),
    }
    display.resize(1366, 768)
    display.show()
    qtbot.wait(50)
    display.grab().save(str(DOCS / "queue-display.png"))

    qtbot.mouseClick(panel.buttons["park"], Qt.MouseButton.LeftButton)
    assert panel.parked.count() == 1 and panel.current.text() == "—"
    qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
    assert panel.current.text() == "A003"
    win.show_user()
    qtbot.wait(50)  # let the dock lay out its new text
    win.grab().save(str(DOCS / "queue-panel.png"))
    qtbot.mouseClick(panel.unpark, Qt.MouseButton.LeftButton)
    assert panel.current.text() == "A002"
    assert not panel.buttons["call"].isEnabled()  # a clerk cannot call out of turn
    with qtbot.waitSignal(panel.sig_start_intake) as started:
        qtbot.mouseClick(panel.buttons["start"], Qt.MouseButton.LeftButton)
    assert started.args == ["A002"]
    assert win.stack.currentWidget() is win.intake_page  # "start intake" opens the intake form

    # single-PC mode: the kiosk and the display as windows of the counter app, on the same queue
    kiosk_in_app = panel.open_window("kiosk")
    qtbot.addWidget(kiosk_in_app)
    assert isinstance(kiosk_in_app, KioskWindow) and kiosk_in_app.backend is panel.backend
    display_in_app = panel.open_window("display")
    qtbot.addWidget(display_in_app)
    assert isinstance(display_in_app, DisplayWindow) and display_in_app.state is not None
    assert {(s.desk, s.label) for s in display_in_app.state.serving} >= {(2, "A002")}
    display_in_app.timer.stop()
    kiosk_in_app.refresh_timer.stop()


def _intake_saves(qtbot: QtBot, win: MainWindow) -> None:
    page: Any = win.intake_page
    page.preview_hook = lambda _form: None
    page.error_hook = lambda exc: (_ for _ in ()).throw(exc)
    win.nav.setCurrentRow(0)
    with qtbot.waitActive(win):
        win.activateWindow()
    page.picker.search.setFocus()
    qtbot.keyClicks(page.picker.search, "khai sinh")
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)
    page.applicant.full_name.setFocus()
    page.applicant.full_name.insert(QR)
    qtbot.keyClick(page.applicant.full_name, Qt.Key.Key_Return)
    qtbot.keyClicks(page.applicant.phone, "0912345678")
    page.documents.tick_all()
    qtbot.keyClick(page.applicant.phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.saved_panel, (page.status.text(), page.marks._shown)


def test_queue_panel_host_stopped_intake_still_saves(qtbot: QtBot, db: Database, tmp_path: Path) -> None:
    server = start_server(tmp_path / "server")
    try:
        code = server.create_counter(AGENCY, "Quầy 1")
        resp = requests.post(
            f"{server.url}/api/v1/enrol", json={"code": code, "counter_uuid": "u-1"}, timeout=10
        )
        token = resp.json()["token"]
        setup = server.cli_json("queue", "setup", "--agency-code", AGENCY, "--opens", "00:00", "--closes",
                                "23:59", "--new-key", "--json")  # fmt: skip
        save_config(QueueConfig(url=server.url, token=token, desk=1))
        QueueClient(server.url, site_key=setup["site_key"]).issue("A")
        win = _main_window(qtbot, db)
        win.show()
        panel = _panel(win)
        panel.timer.stop()
        assert "Đã kết nối" in panel.status.text()
        qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
        assert panel.current.text() == "A001"
    finally:
        server.stop()
    panel.refresh()
    assert "Không kết nối được máy chủ hàng đợi" in panel.status.text()
    assert "Tiếp nhận hồ sơ vẫn làm bình thường" in panel.status.text()
    assert not panel.buttons["next"].isEnabled() and not panel.buttons["recall"].isEnabled()
    display = DisplayWindow(QueueClient(server.url, site_key=setup["site_key"]), "x", synchronous=True)
    qtbot.addWidget(display)
    display.timer.stop()
    assert not display.offline.isHidden() and "Mất kết nối" in display.offline.text()
    kiosk = KioskWindow(QueueClient(server.url, site_key=setup["site_key"]), "x", synchronous=True)
    qtbot.addWidget(kiosk)
    kiosk.refresh_timer.stop()
    assert "mất kết nối" in kiosk.notice.text()
    with db.read() as session:
        before = session.scalar(select(func.count()).select_from(Dossier))
    _intake_saves(qtbot, win)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == (before or 0) + 1
    assert json.loads((data_dir() / "queue.json").read_text())["url"] == server.url


def test_queue_supervisor_tab_shows_stats(qtbot: QtBot, db: Database, local_site: LocalQueue) -> None:
    for _ in range(3):
        local_site.issue("A")
    local_site.act(DeskRequest("next", 1, "Lan"))
    local_site.act(DeskRequest("next", 1, "Lan"))
    win = _main_window(qtbot, db, role="supervisor")
    win.resize(1366, 768)
    win.show()
    win.nav.setCurrentRow(3)
    page = win.supervisor_page
    page.tabs.setCurrentWidget(page.queue_stats)
    page.queue_stats.refresh()
    text = page.queue_stats.summary.text()
    assert "đã cấp 3 số" in text and "đang chờ <b>1</b>" in text and "đã phục vụ 1" in text
    assert "Quầy 1: 1" in page.queue_stats.people.text() and "Lan: 1" in page.queue_stats.people.text()
    qtbot.wait(50)
    win.grab().save(str(DOCS / "queue-supervisor.png"))
