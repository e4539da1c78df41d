"""The main window as a clerk first sees it: title, navigation, F2–F6, the lazy dossier list and pages, refusals."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from counter_app.cli.admin import main
from counter_app.clock import SystemClock, utc_to_local
from counter_app.services import calendar_admin, dossier_query, users
from counter_app.services.dossier_query import DossierFilter
from counter_app.storage.database import Database, open_database
from ui.app import build_window
from ui.main_window import MainWindow
from ui.pages.admin import AdminPage
from ui.pages.dossier_list import COL_APPOINTMENT, COL_TIME_LEFT, PAGE_SIZE
from ui.pages.supervisor import SupervisorPage
from ui.signin import apply_user

AGENCY_NAME = "Trung tâm Phục vụ hành chính công xã Ỷ La"  # tests/conftest.py AGENCY
NAV_LABELS = ("Tiếp nhận", "Hồ sơ", "Trả kết quả", "Giám sát", "Quản trị")
SEEDED = 3000
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture(scope="module")
def seeded_pristine(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pristine database with 3,000 demo dossiers, seeded once for this module."""
    path = tmp_path_factory.mktemp("seeded") / "counter.db"
    shutil.copy(pristine_db, path)
    assert main(["seed-demo", "--db", str(path), "--dossiers", str(SEEDED), "--seed", "5"]) == 0
    return path


def _open_window(qtbot: QtBot, db: Database, user: users.UserDTO | None = None) -> MainWindow:
    window = build_window(db, synchronous=True, user=user)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> MainWindow:
    return _open_window(qtbot, db)


@pytest.fixture
def seeded_window(qtbot: QtBot, seeded_pristine: Path, tmp_path: Path) -> Iterator[MainWindow]:
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_pristine, path)
    database = open_database(path)
    yield _open_window(qtbot, database)
    database.close()


def test_main_window_title_is_the_agency_name(window: MainWindow) -> None:
    assert window.windowTitle().startswith(AGENCY_NAME)


def test_main_window_has_five_navigation_entries(window: MainWindow) -> None:
    texts = [window.nav.item(row).text() for row in range(window.nav.count())]
    assert [t.split("(F")[0].strip() for t in texts] == list(NAV_LABELS)
    assert [t.rsplit("(", 1)[1] for t in texts] == ["F2)", "F3)", "F4)", "F5)", "F6)"]
    assert window.nav.currentItem().text().startswith("Hồ sơ")  # the list opens first


def test_main_window_function_keys_switch_pages(qtbot: QtBot, window: MainWindow) -> None:
    for number in (6, 2, 4, 5, 3):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_F{number}"))
        assert window.nav.currentRow() == number - 2
        assert window.stack.currentIndex() == number - 2
    qtbot.keyClick(window, Qt.Key.Key_F6)
    assert window.stack.currentWidget() is window.admin_page
    tabs = window.admin_page.tabs
    shown = [tabs.tabText(i) for i in range(tabs.count()) if tabs.isTabVisible(i)]  # Chẩn đoán: admins only
    assert shown[-3:] == ["Lịch làm việc", "Người dùng", "Đồng bộ"]


def test_main_window_status_bar_shows_the_agency(window: MainWindow) -> None:
    texts = [label.text() for label in window.statusBar().findChildren(QLabel)]
    assert any(AGENCY_NAME in text and "000.00.31.H12" in text for text in texts)


def test_main_window_dossier_list_loads_pages_lazily(qtbot: QtBot, seeded_window: MainWindow) -> None:
    page = seeded_window.dossier_page
    assert seeded_window.stack.currentWidget() is page
    assert page.model.rowCount() == PAGE_SIZE  # only the first page of 3,000
    assert page.count_label.text() == "3.000 hồ sơ"
    first = page.model.index(0, 0).data()
    assert first and first.startswith("000.00.31.H12-")
    assert all(page.model.index(r, COL_TIME_LEFT).data() is not None for r in range(PAGE_SIZE))

    bar = page.table.verticalScrollBar()
    bar.setValue(bar.maximum())  # scrolling to the bottom asks the model for the next page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2 * PAGE_SIZE, timeout=3000)
    codes = [page.model.index(r, 0).data() for r in range(page.model.rowCount())]
    assert len(set(codes)) == len(codes) == 2 * PAGE_SIZE


def test_counter_app_refuses_a_foreign_file_and_leaves_it_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "bao-cao.db"
    foreign.write_bytes("Báo cáo quý III — không phải cơ sở dữ liệu\n".encode() * 200)
    before = foreign.read_bytes()
    launcher = Path(sys.executable).with_name("counter-app")
    command = [str(launcher)] if launcher.exists() else [sys.executable, "-m", "ui.app"]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COUNTER_APP_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [*command, "--db", str(foreign)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Lỗi:")
    assert "cơ sở dữ liệu" in result.stderr
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("bao-cao")) == ["bao-cao.db"]


def test_main_window_coming_back_to_the_list_shows_moved_appointments(
    qtbot: QtBot, seeded_window: MainWindow
) -> None:
    ctx, page = seeded_window.ctx, seeded_window.dossier_page
    now = utc_to_local(ctx.clock.now_utc())
    with ctx.db.read() as session:
        open_rows = dossier_query.list_page(
            session, DossierFilter(statuses=calendar_admin.OPEN_STATUSES), None, 500
        )
    dues = [utc_to_local(r.appointment_at).date() for r in open_rows if r.appointment_at]
    day = min(d for d in dues if d > now.date())
    with ctx.db.write() as session:
        moved = calendar_admin.apply_day_change(
            session, ctx.clock, day=day, kind="off", name="Nghỉ đột xuất", reason="TB 1", user_id=None
        )
    moved_codes = {m.code for m in moved}
    assert moved_codes
    qtbot.keyClick(seeded_window, Qt.Key.Key_F6)
    qtbot.keyClick(seeded_window, Qt.Key.Key_F3)
    shown = {
        page.model.index(r, 0).data(): page.model.index(r, COL_APPOINTMENT).data()
        for r in range(page.model.rowCount())
    }
    starred = {code for code, text in shown.items() if text.endswith(" *")}
    assert starred and starred <= moved_codes


LATE_PAGE_MODULES = ("ui.pages.admin", "ui.pages.supervisor", "ui.pages.sync_tab", "ui.pages.users_tab")


def _add_user(db: Database, username: str, role: str) -> users.UserDTO:
    with db.write() as session:
        return users.create_user(
            session, SystemClock(), username, "Lò Thị Ưng", role, "mat-khau-123", policy=FAST
        )


def test_main_window_paints_without_building_the_supervisor_and_admin_pages(
    qtbot: QtBot, db: Database
) -> None:
    window = _open_window(qtbot, db, _add_user(db, "quantri", "admin"))
    qtbot.waitUntil(window.isActiveWindow)  # shown and painted, with the F-keys working
    assert not window.findChildren(SupervisorPage) and not window.findChildren(AdminPage)
    assert window.help.context() == ("ho-so.md", "")  # F1 on the list does not build them either
    assert not window.findChildren(SupervisorPage) and not window.findChildren(AdminPage)
    qtbot.keyClick(window, Qt.Key.Key_F6)
    admin = window.stack.currentWidget()
    assert isinstance(admin, AdminPage) and admin is window.admin_page and admin.isVisible()
    assert not window.findChildren(SupervisorPage) and window.stack.count() == 5
    supervisor = window.supervisor_page  # built while Quản trị stays on screen
    assert window.stack.currentWidget() is admin and admin.isVisible() and not supervisor.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.stack.currentWidget() is supervisor and supervisor.isVisible()
    assert len(window.findChildren(SupervisorPage)) == len(window.findChildren(AdminPage)) == 1


def test_counter_app_start_does_not_import_the_later_pages(db_path: Path, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication(sys.argv[:1])\n"
        "from counter_app.storage.database import open_database\n"
        "from ui.app import build_window\n"
        "window = build_window(open_database(Path(sys.argv[1])), synchronous=True)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print(sorted(m for m in sys.modules if m.startswith({LATE_PAGE_MODULES!r})))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COUNTER_APP_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", script, str(db_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_a_clerk_after_a_lock_sees_no_figures_on_a_page_built_later(qtbot: QtBot, db: Database) -> None:
    window = _open_window(qtbot, db, _add_user(db, "lanhdao", "supervisor"))
    apply_user(window.ctx, _add_user(db, "vanthu", "clerk"))  # as the screen lock does on a new sign-in
    window.show_user()
    assert not window.findChildren(SupervisorPage)
    window.nav.setCurrentRow(3)  # Giám sát
    page = window.supervisor_page
    assert window.stack.currentWidget() is page and page.stack.currentWidget() is page.denied


def test_columns_of_a_page_built_later_are_remembered(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    window.show()
    window.nav.setCurrentRow(4)
    window.admin_page.catalogue_view.setColumnWidth(1, 321)
    window.close()

    again = build_window(db, synchronous=True)
    qtbot.addWidget(again)
    again.show()
    assert not again.findChildren(AdminPage)
    again.nav.setCurrentRow(4)
    assert again.admin_page.catalogue_view.columnWidth(1) == 321
    again.nav.setCurrentRow(1)
    again.close()  # the page was built: its columns are saved again, still as the clerk left them

    third = build_window(db, synchronous=True)
    qtbot.addWidget(third)
    third.show()
    third.close()  # never built this time: what was saved for it stays
    last = build_window(db, synchronous=True)
    qtbot.addWidget(last)
    last.nav.setCurrentRow(4)
    assert last.admin_page.catalogue_view.columnWidth(1) == 321
