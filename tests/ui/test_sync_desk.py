"""Sync in the desktop against the REAL central server on 127.0.0.1: enrol from Quản trị → Đồng bộ,
"Đồng bộ ngay", the status bar and the list's column, the server down, conflicts for the supervisor."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from live_server import LiveServer, start_server
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.services import users, workflow
from counter_app.services.dossier_query import STATUS_NAMES
from counter_app.services.users import UserDTO
from counter_app.storage.database import Database
from counter_app.sync import conflicts
from counter_app.sync.engine import SyncEngine
from counter_app.sync.enrol import enrol
from tests.conftest import Desk
from tests.sync.synchelp import dept, server_dossiers
from ui.app import build_window
from ui.main_window import MainWindow
from ui.pages.dossier_list import COL_CODE, COL_SYNC
from ui.pages.sync_tab import resolve_conflict

WAIT_MS = 20_000
SHOTS = Path(os.environ.get("COUNTER_SHOTS", "/tmp/i_shots"))
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
_agencies = itertools.count(71)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for this module; each test uses its own agency."""
    server = start_server(tmp_path_factory.mktemp("central-ui"))
    yield server
    server.stop()


@pytest.fixture
def agency() -> str:
    return f"000.00.{next(_agencies):02d}.H12"


def _user(db: Database, username: str, name: str, role: str) -> UserDTO:
    with db.write() as session:
        return users.create_user(session, SystemClock(), username, name, role, "mat-khau-123", policy=FAST)


def _desk(db: Database) -> Desk:
    desk = Desk(db)
    desk.clock = SystemClock()  # type: ignore[assignment]  # the server stamps with the real time
    return desk


_people = itertools.count(1)


def _receive(desk: Desk, name: str = "Nguyễn Thị Ánh") -> str:
    appointment = (utc_to_local(desk.clock.now_utc()) + timedelta(days=7)).replace(second=0, microsecond=0)
    return desk.register(name, appointment=appointment, id_number=f"0081860{next(_people):05d}")


def _window(qtbot: QtBot, db: Database, user: UserDTO, *, synchronous: bool = True) -> MainWindow:
    window = build_window(db, synchronous=synchronous, user=user)
    qtbot.addWidget(window)  # closed at teardown: closeEvent stops the sync worker
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def _shot(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.sendPostedEvents()  # pending layout requests first: the shot shows what a clerk sees
    QApplication.processEvents()
    assert widget.grab().save(str(SHOTS / f"{name}.png"))


def _sync_cell(window: MainWindow, code: str) -> str | None:
    model = window.dossier_page.model
    for row in range(model.rowCount()):
        if model.index(row, COL_CODE).data() == code:
            return model.index(row, COL_SYNC).data()  # type: ignore[no-any-return]
    return None


def test_sync_desk_enrol_receive_sync_now_goes_green(
    qtbot: QtBot, db: Database, central: LiveServer, agency: str
) -> None:
    admin = _user(db, "quantri", "Đinh Văn Quản", "admin")
    window = _window(qtbot, db, admin, synchronous=False)  # the real serial DB worker and sync threads
    bar = window.status_sync
    qtbot.waitUntil(lambda: bar.view.kind == "standalone", timeout=WAIT_MS)
    assert bar.state_label.text() == "Quầy chưa đăng ký đồng bộ (làm việc độc lập)"
    _shot(window.statusBar(), "statusbar_standalone")

    # Quản trị → Đồng bộ: a wrong address is refused next to its field.
    window.nav.setCurrentRow(4)
    tab = window.admin_page.sync_tab
    window.admin_page.tabs.setCurrentWidget(tab)
    tab.server_url.setText("ftp://máy-chủ")
    tab.code.setText("ABC")
    qtbot.mouseClick(tab.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.errors["server_url"].isVisible(), timeout=WAIT_MS)
    assert tab.errors["server_url"].text()

    code = central.create_counter(agency, "Quầy Một cửa số 1", agency_name="UBND xã Ỷ La")
    tab.server_url.setText(central.url)
    tab.code.setText(code)
    qtbot.mouseClick(tab.enrol_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.overview is not None and tab.overview.enrolment is not None, timeout=WAIT_MS)
    assert not tab.errors["server_url"].isVisible()
    assert tab.info["counter"].text() == "Quầy Một cửa số 1"
    assert tab.info["agency"].text().startswith(agency)
    assert tab.info["slot"].text() == "1"
    assert window.ctx.identity.agency_code == agency
    qtbot.waitUntil(lambda: window.sync.running, timeout=WAIT_MS)

    # A dossier received at the desk, then "Đồng bộ ngay".
    code_1 = _receive(_desk(db))
    qtbot.waitUntil(lambda: bar.sync_button.isEnabled(), timeout=WAIT_MS)
    qtbot.mouseClick(bar.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.state_label.text() == "Đã đồng bộ", timeout=WAIT_MS)
    assert bar.view.kind == "synced" and window.sync.snapshot.queue is not None
    assert window.sync.snapshot.queue.depth == 0
    assert "vừa xong" in bar.last_label.text()
    assert server_dossiers(central, agency) == 1

    window.nav.setCurrentRow(1)
    window.dossier_page.refresh()
    qtbot.waitUntil(lambda: _sync_cell(window, code_1) == "Đã đồng bộ", timeout=WAIT_MS)
    _shot(window.statusBar(), "statusbar_synced")
    _shot(window, "list_synced")


def test_sync_desk_server_down_shows_offline_with_the_queue_never_green(
    qtbot: QtBot, db: Database, tmp_path: Path, agency: str
) -> None:
    server = start_server(tmp_path / "central")
    try:
        enrol(db, SystemClock(), server.url, server.create_counter(agency, "Quầy 2"))
        admin = _user(db, "quantri", "Đinh Văn Quản", "admin")
        window = _window(qtbot, db, admin)
        bar = window.status_sync
        qtbot.waitUntil(lambda: bar.view.kind == "synced", timeout=WAIT_MS)  # the first round, server up
        server.stop()
        seen: list[str] = []
        window.sync.sig_status.connect(lambda snap: seen.append(bar.view.kind))
        desk = _desk(db)
        codes = [_receive(desk, name) for name in ("Trần Văn Bình", "Lê Thị Cúc")]
        qtbot.mouseClick(bar.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bar.view.kind == "offline", timeout=WAIT_MS)
        text = bar.state_label.text()
        assert text.startswith("Mất kết nối — thử lại lúc ") and text.endswith("chờ gửi 2"), text
        assert "color: #1b5e20" not in bar.state_label.styleSheet()
        assert "synced" not in seen
        window.nav.setCurrentRow(1)
        window.dossier_page.refresh()
        # The probe failed before anything was sent: the dossiers are still queued here, never green.
        qtbot.waitUntil(lambda: _sync_cell(window, codes[0]) is not None, timeout=WAIT_MS)
        assert {_sync_cell(window, c) for c in codes} <= {"Chưa gửi", "Đã gửi"} or all(
            (_sync_cell(window, c) or "").startswith("Lỗi") for c in codes
        )
        _shot(window.statusBar(), "statusbar_offline")
        _shot(window, "list_offline")
        window.close()
    finally:
        server.stop()


def _conflict_on(db: Database, server: LiveServer, agency: str) -> str:
    """A dossier the department moved on the server while the desk recorded another step: a conflict."""
    clock = SystemClock()
    enrol(db, clock, server.url, server.create_counter(agency, "Quầy 3", agency_name="UBND xã Ỷ La"))
    engine = SyncEngine(db, clock)
    desk = _desk(db)
    first, _second = _receive(desk, "Phạm Văn Dũng"), _receive(desk, "Hoàng Thị Én")
    with db.write() as session:
        workflow.transition(session, clock, first, "processing", desk.clerk_id)
    assert engine.run_once().ok
    dept(server, first, 5)  # the department asks for a missing paper on the server
    with db.write() as session:  # meanwhile the desk records the result as ready
        workflow.transition(session, clock, first, "result_ready", desk.clerk_id)
    report = engine.run_once()
    assert report.conflict == 1, report
    return first


def test_sync_desk_a_conflict_shows_both_sides_and_the_supervisor_takes_the_server_side(
    qtbot: QtBot, db: Database, central: LiveServer, agency: str
) -> None:
    code = _conflict_on(db, central, agency)
    boss = _user(db, "lanhdao", "Ngô Thị Lành", "supervisor")
    window = _window(qtbot, db, boss)
    bar = window.status_sync
    qtbot.waitUntil(lambda: bar.view.kind == "conflicts", timeout=WAIT_MS)
    assert bar.state_label.text().startswith("Cần xử lý: 1 xung đột")
    _shot(window.statusBar(), "statusbar_conflict")
    window.nav.setCurrentRow(1)
    window.dossier_page.refresh()
    qtbot.waitUntil(lambda: _sync_cell(window, code) == "Xung đột", timeout=WAIT_MS)
    _shot(window, "list_conflict")

    window.nav.setCurrentRow(4)
    tab = window.admin_page.sync_tab
    window.admin_page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.conflict_model.rowCount() == 1, timeout=WAIT_MS)
    assert tab.selected_conflict() is not None
    sides = {
        tab.side_model.row_at(i)[0]: tab.side_model.row_at(i)[1:] for i in range(tab.side_model.rowCount())
    }
    assert sides["Trạng thái"] == (f"{STATUS_NAMES[9]} (9)", f"{STATUS_NAMES[5]} (5)")
    assert sides["Thao tác"][0].startswith(workflow.ACTION_LABELS["result_ready"])
    assert code in tab.conflict_title.text() and "Lý do:" in tab.conflict_detail.text()
    assert tab.server_button.isEnabled() and tab.retry_button.isEnabled()
    assert not tab.role_note.isVisible()
    _shot(window, "sync_tab_conflict")

    qtbot.mouseClick(tab.server_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.conflict_model.rowCount() == 0, timeout=WAIT_MS)
    assert "lấy theo máy chủ" in tab.conflict_message.text()
    with db.read() as session:
        assert conflicts.list_conflicts(session) == []
    assert _dossier_status(db, code) == 5
    qtbot.waitUntil(lambda: bar.view.kind != "conflicts", timeout=WAIT_MS)


def _dossier_status(db: Database, code: str) -> int:
    from sqlalchemy import select

    from counter_app.storage.models import Dossier

    with db.read() as session:
        status = session.scalar(select(Dossier.status).where(Dossier.code == code))
        assert status is not None
        return int(status)


def test_sync_desk_a_clerk_sees_conflicts_but_cannot_resolve(
    qtbot: QtBot, db: Database, central: LiveServer, agency: str
) -> None:
    code = _conflict_on(db, central, agency)
    clerk = _user(db, "canbo", "Lò Văn Bộ", "clerk")
    window = _window(qtbot, db, clerk)
    window.nav.setCurrentRow(4)
    tab = window.admin_page.sync_tab
    window.admin_page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.conflict_model.rowCount() == 1, timeout=WAIT_MS)
    assert tab.side_model.rowCount() > 0  # read-only, but both sides are shown
    assert tab.role_note.isVisible() and "lãnh đạo" in tab.role_note.text()
    assert not tab.server_button.isEnabled() and not tab.retry_button.isEnabled()
    assert not tab.enrol_button.isEnabled()
    tab.resolve_selected(conflicts.ACCEPT_SERVER)  # even when called directly
    assert tab.conflict_message.text() == "Bạn không có quyền xử lý xung đột."
    assert tab.conflict_model.rowCount() == 1
    assert _dossier_status(db, code) == 9
    view = tab.selected_conflict()
    assert view is not None
    with pytest.raises(UserFacingError), db.write() as session:  # the core checks the role too
        resolve_conflict(session, window.ctx, view.id, conflicts.ACCEPT_SERVER)
    with db.read() as session:
        assert len(conflicts.list_conflicts(session)) == 1
    _shot(window, "sync_tab_clerk")


def test_sync_desk_usb_export_and_states_of_the_page(
    qtbot: QtBot, db: Database, central: LiveServer, agency: str, tmp_path: Path
) -> None:
    enrol(db, SystemClock(), central.url, central.create_counter(agency, "Quầy 4"))
    admin = _user(db, "quantri", "Đinh Văn Quản", "admin")
    window = _window(qtbot, db, admin)
    assert window.sync.stop()  # keep the queue as it is for the export
    desk = _desk(db)
    codes = [_receive(desk, name) for name in ("Vũ Văn Giang", "Đỗ Thị Hà")]
    window.nav.setCurrentRow(4)
    tab = window.admin_page.sync_tab
    target = tmp_path / "usb" / "hang-doi.json"
    target.parent.mkdir()
    tab.export_to(target)
    qtbot.waitUntil(lambda: tab.last_export is not None, timeout=WAIT_MS)
    assert tab.last_export is not None and tab.last_export.ops >= 2
    assert target.is_file() and "Đã ghi" in tab.export_status.text()
    tab.export_to(tmp_path / "không-có" / "x.json")
    qtbot.waitUntil(lambda: "Không có thư mục" in tab.export_status.text(), timeout=WAIT_MS)
    window.nav.setCurrentRow(1)
    window.dossier_page.refresh()
    qtbot.waitUntil(lambda: _sync_cell(window, codes[0]) == "Chưa gửi", timeout=WAIT_MS)
