"""Every screen of the user guide (docs/huong-dan) at 1366×768 in the app's font over demo data.

Each screen is built, shown and checked (it painted something, the right page is in view); with
SAVE_SCREENSHOTS=1 the pictures are written to docs/huong-dan/img, where the guide shows them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QInputDialog,
    QLabel,
    QScrollArea,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from counter_app.cli.admin import main as admin_main
from counter_app.clock import Clock, FixedClock, SystemClock
from counter_app.paths import data_dir
from counter_app.queue.config import QueueConfig, save_config
from counter_app.queue.local import LocalQueue
from counter_app.queue.service import DeskRequest
from counter_app.services import dossier_query, users
from counter_app.services.dossier_query import DossierFilter
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database, open_database
from ui.app import build_context, build_window
from ui.fonts import install_fonts
from ui.help_window import SHORTCUTS_PAGE, guide_dir
from ui.idle_lock import IdleLock
from ui.language_switch import BUTTON_NAME
from ui.main_window import MainWindow
from ui.pages.intake.notices import SupplementDialog
from ui.pages.intake.print_preview import preview_pdf
from ui.pages.result.dialogs import DepartmentDialog, ExtensionDialog
from ui.queue.display import DisplayWindow
from ui.queue.kiosk import KioskWindow
from ui.queue.panel import QueuePanel
from ui.setup_wizard import SetupWizard
from ui.signin import SignInDialog
from ui.tasks import TaskRunner

SCREEN = (1366, 768)
SAVING = os.environ.get("SAVE_SCREENSHOTS") == "1"
IMG = guide_dir() / "img"
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
AGENCY = "Trung tâm Phục vụ hành chính công xã Ỷ La"
QR = (
    "001189012345|012345678|Nguyễn Thị Ánh|15081989|Nữ|"
    "Số 12 ngõ 5 phố Huế, Phường Hai Bà Trưng, Hà Nội|20072021"
)
SHOTS: list[str] = []
RESULT_READY = 9  # workflow: "result_ready" leads to status 9, where the result is handed back
QUEUE_NOW = datetime(2026, 11, 26, 2, 30)  # Thursday 09:30 in Vietnam: the queue is open


class Silent:
    """The display's voice, muted: the screenshot needs no sound card."""

    def announce(self, label: str, desk: int) -> None:
        del label, desk


@pytest.fixture(scope="module")
def demo_file(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`counter-admin seed-demo` over the pristine database, plus an administrator."""
    path = tmp_path_factory.mktemp("guide") / "counter.db"
    shutil.copy(pristine_db, path)
    assert admin_main(["seed-demo", "--db", str(path), "--dossiers", "600", "--seed", "3"]) == 0
    database = open_database(path)
    try:
        with database.write() as session:
            users.create_user(
                session, SystemClock(), "quantri", "Nguyễn Văn Quản", "admin", "motcua2026", policy=FAST
            )
    finally:
        database.close()
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "counter.db"
    shutil.copy(demo_file, path)
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture(autouse=True)
def app_font(qapp: QApplication) -> Iterator[None]:
    """The shipped Be Vietnam Pro, as counter-app installs it; restored afterwards."""
    old = qapp.font()
    install_fonts(qapp)
    yield
    qapp.setFont(old)


def _user(db: Database, username: str) -> UserDTO:
    with db.read() as session:
        return next(u for u in users.list_users(session) if u.username == username)


def _window(
    qtbot: QtBot, db: Database, username: str = "quantri", clock: Clock | None = None, **kwargs: object
) -> MainWindow:
    window = build_window(db, synchronous=True, user=_user(db, username), policy=FAST, **kwargs)  # type: ignore[arg-type]
    if clock is not None:
        window.ctx.clock = clock  # before the queue panel opens its backend
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    return window


def shoot(qtbot: QtBot, widget: QWidget, name: str, *, size: tuple[int, int] | None = SCREEN) -> QImage:
    """Show `widget` (at `size`, or its own size within the screen), check it painted, save it if asked."""
    if size is not None:
        widget.resize(*size)
    if not widget.isVisible():
        widget.show()
    qtbot.waitExposed(widget)
    for _pass in range(2):  # a label that wraps settles its height in a second layout pass
        QApplication.processEvents()
    image = widget.grab().toImage()
    assert image.width() <= SCREEN[0] and image.height() <= SCREEN[1], (name, image.size())
    small = image.scaled(96, 54)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 12, f"{name}: nothing painted"
    SHOTS.append(name)
    if SAVING:
        IMG.mkdir(parents=True, exist_ok=True)
        assert image.save(str(IMG / f"{name}.png"))
    return image


def whole(widget: QWidget) -> None:
    """`widget` is shown entirely (no parent clips it) and, if a label, its text is not cut short."""
    assert widget.isVisible(), widget
    assert widget.visibleRegion().boundingRect() == widget.rect(), (widget, widget.visibleRegion())
    if isinstance(widget, QLabel) and widget.wordWrap():
        assert widget.height() >= widget.heightForWidth(widget.width()), (widget.text(), widget.size())
    elif isinstance(widget, QLabel | QAbstractButton):
        room = widget.contentsRect().width() if isinstance(widget, QLabel) else widget.width()
        assert widget.fontMetrics().horizontalAdvance(widget.text()) <= room, (widget.text(), room)


def status_bar_whole(window: MainWindow) -> None:
    """The status bar keeps the user, the sync state and its button whole; the agency is shortened
    only with "…" and a tooltip."""
    sync = window.status_sync
    for widget in (window.status_user, sync.state_label, sync.sync_button):
        whole(widget)
    assert window.status_agency.visibleRegion().boundingRect() == window.status_agency.rect()
    assert window.status_agency.toolTip() == window.status_agency.text()
    assert window.status_agency.width() >= 90
    language = window.findChild(QToolButton, BUTTON_NAME)
    assert isinstance(language, QToolButton)
    whole(language)


def _modal(qtbot: QtBot, run: Callable[[], object], name: str, size: tuple[int, int] | None = None) -> str:
    """Run something that opens a modal dialog; shoot the dialog, then close it."""
    seen: list[str] = []

    def grab() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(30, grab)
            return
        seen.append(dialog.windowTitle())
        shoot(qtbot, dialog, name, size=size)
        dialog.close()

    QTimer.singleShot(0, grab)
    run()
    assert seen, name
    return seen[0]


def test_setup_wizard_pages(qtbot: QtBot, tmp_path: Path) -> None:
    wizard = SetupWizard(
        tmp_path / "data" / "counter.db",
        runner=TaskRunner(synchronous=True),
        policy=FAST,
        printers=lambda: ["HP LaserJet (quầy 1)", "XP-80C nhiệt 80 mm"],
    )
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.agency_page
    page.code_edit.setText("000.00.31.H12")
    page.name_edit.setText(AGENCY)
    page.parent_edit.setText("UBND xã Ỷ La")
    page.place_edit.setText("Ỷ La")
    names = ["cai-dat-1-co-quan", "cai-dat-2-gio-lam-viec", "cai-dat-3-may-in", "cai-dat-4-quan-tri"]
    names += ["cai-dat-5-may-chu", "cai-dat-6-tong-ket"]
    for number, name in enumerate(names):
        if name == "cai-dat-3-may-in":
            wizard.printers_page.receipt_combo.setCurrentIndex(1)
            wizard.printers_page.ticket_combo.setCurrentIndex(2)
        if name == "cai-dat-4-quan-tri":
            admin = wizard.admin_page
            admin.username_edit.setText("quantri")
            admin.full_name_edit.setText("Nguyễn Văn Quản")
            admin.password_edit.setText("mat-khau-123")
            admin.repeat_edit.setText("mat-khau-123")
        shoot(qtbot, wizard, name, size=(900, 640))
        assert wizard.currentPage().isVisible()
        if number < len(names) - 1:
            before = wizard.currentId()
            wizard.next()
            assert wizard.currentId() != before, (name, wizard.currentId())


def test_sign_in_and_lock_screen(qtbot: QtBot, demo: Database) -> None:
    ctx = build_context(demo, synchronous=True)
    dialog = SignInDialog(ctx, username="canbo1", hint="Dữ liệu mẫu: tài khoản canbo1, mật khẩu motcua2026")
    qtbot.addWidget(dialog)
    dialog.password_edit.setText("sai-mat-khau")
    dialog.sign_in_button.click()
    assert dialog.message_label.text()  # the refusal is shown under the fields
    shoot(qtbot, dialog, "dang-nhap", size=None)

    window = _window(qtbot, demo, "canbo1", idle_lock_ms=3_600_000)
    lock = window.ctx.extras["idle_lock"]
    assert isinstance(lock, IdleLock)
    lock.lock("manual")
    assert lock.overlay.isVisible()
    shoot(qtbot, window, "khoa-man-hinh")


def test_intake_list_detail_and_return(qtbot: QtBot, demo: Database) -> None:
    window = _window(qtbot, demo, "canbo1")
    page = window.intake_page
    errors: list[BaseException] = []
    printed: list[object] = []
    page.error_hook = errors.append
    page.preview_hook = printed.append
    window.nav.setCurrentRow(0)
    assert window.stack.currentWidget() is page
    shoot(qtbot, window, "tiep-nhan-trong")

    page.picker.search.setFocus()
    qtbot.keyClicks(page.picker.search, "khai sinh")
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)
    assert page.picker.chosen is not None
    edit = page.applicant.full_name
    edit.setFocus()
    edit.insert(QR)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert page.applicant.full_name.text() == "Nguyễn Thị Ánh"
    page.applicant.phone.setText("0912345678")
    page.documents.tick_all()
    shoot(qtbot, window, "tiep-nhan-da-dien")
    whole(page.documents.fee_label)  # the catalogue's two-line fee text, not squeezed into one line
    status_bar_whole(window)

    qtbot.keyClick(page.applicant.phone, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.saved_panel, page.status.text()
    code = page.saved_panel.code_label.text()
    qtbot.keyClick(page.saved_panel.print_button, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert errors == [] and printed
    shoot(qtbot, window, "tiep-nhan-da-luu")
    form = printed[0]
    path = form.path  # type: ignore[attr-defined]
    title = _modal(qtbot, lambda: preview_pdf(window, path, "Giấy tiếp nhận"), "xem-truoc-in", (1000, 740))
    assert title.startswith("Xem trước khi in")

    _modal(qtbot, lambda: SupplementDialog(window, ["Tờ khai đăng ký khai sinh"]).exec(), "mau-02-bo-sung")
    refusal = QInputDialog(window)
    refusal.setWindowTitle("Từ chối tiếp nhận hồ sơ (Mẫu 03)")
    refusal.setLabelText("Lý do không tiếp nhận:")
    refusal.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
    refusal.setTextValue("Thủ tục không thuộc thẩm quyền giải quyết của UBND xã.")
    _modal(qtbot, refusal.exec, "mau-03-tu-choi")
    soon = datetime.now() + timedelta(days=3)
    _modal(qtbot, lambda: ExtensionDialog(window, soon, extensions=1).exec(), "mau-04-gia-han")
    departments = ["Công chức Tư pháp - Hộ tịch", "Công chức Địa chính"]
    _modal(qtbot, lambda: DepartmentDialog(window, departments).exec(), "chuyen-xu-ly")

    window.nav.setCurrentRow(1)
    assert window.stack.currentWidget() is window.dossier_page
    assert window.dossier_page.model.rowCount() > 10
    shoot(qtbot, window, "ho-so-danh-sach")

    window.lookup.open_code(code)
    detail = window.lookup.dialogs[code]
    shoot(qtbot, detail, "ho-so-chi-tiet", size=(1100, 740))
    detail.close()

    with demo.read() as session:
        rows = dossier_query.list_page(session, DossierFilter(statuses=(RESULT_READY,)), None, 5)
    assert rows, "the demo data has dossiers whose result is ready"
    window.nav.setCurrentRow(2)
    window.return_page.error_hook = errors.append
    window.return_page.load_code(rows[0].code if rows else code)
    assert errors == []
    assert window.stack.currentWidget() is window.return_page
    shoot(qtbot, window, "tra-ket-qua")
    area = window.findChild(QScrollArea, "pageScroll")
    assert isinstance(area, QScrollArea) and not area.verticalScrollBar().isVisible()  # it all fits
    history = window.return_page.timeline_table
    whole(history)  # the processing history is all in view, with room for its steps
    assert history.height() >= 110 and history.rowCount() >= 3
    last = history.visualRect(history.model().index(history.rowCount() - 1, 0))
    assert history.viewport().rect().contains(last), last
    status_bar_whole(window)


def test_supervisor_admin_and_help(qtbot: QtBot, demo: Database) -> None:
    window = _window(qtbot, demo, "quantri")
    window.nav.setCurrentRow(3)
    page = window.supervisor_page
    assert page.stack.currentWidget() is page.tabs
    names = {
        "Tổng quan": "giam-sat-tong-quan",
        "Báo cáo định kỳ": "giam-sat-bao-cao",
        "Thao tác của lãnh đạo": "giam-sat-thao-tac",
        "Hàng đợi": "giam-sat-hang-doi",
        "Nhật ký kiểm toán": "giam-sat-nhat-ky",
    }
    for index in range(page.tabs.count()):
        page.tabs.setCurrentIndex(index)
        if page.tabs.currentWidget() is page.reports:
            page.reports.show_button.click()  # the figures of this month, as a supervisor would see them
            assert page.reports.xlsx_button.isEnabled()
        shoot(qtbot, window, names.get(page.tabs.tabText(index), f"giam-sat-{index + 1}"))

    window.nav.setCurrentRow(4)
    admin = window.admin_page
    names = {
        "Cơ quan": "quan-tri-co-quan",
        "Danh mục thủ tục": "quan-tri-danh-muc",
        "Lịch làm việc": "quan-tri-lich",
        "Người dùng": "quan-tri-nguoi-dung",
        "Đồng bộ": "quan-tri-dong-bo",
        "Chẩn đoán": "quan-tri-chan-doan",
    }
    for index in range(admin.tabs.count()):
        admin.tabs.setCurrentIndex(index)
        assert admin.tabs.currentWidget().isVisible()
        shoot(qtbot, window, names.get(admin.tabs.tabText(index), f"quan-tri-{index + 1}"))

    window.nav.setCurrentRow(0)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_window = window.help.help_window
    assert help_window is not None and help_window.current_page == "tiep-nhan.md"
    shoot(qtbot, help_window, "tro-giup")
    help_window.open_page(SHORTCUTS_PAGE)
    shoot(qtbot, help_window, "tro-giup-phim-tat")


def test_queue_screens(qtbot: QtBot, demo: Database) -> None:
    save_config(QueueConfig(desk=2, agency_name=AGENCY))
    queue = LocalQueue(data_dir() / "queue.db", FixedClock(QUEUE_NOW))
    try:
        for prefix in ("A", "A", "B", "A", "C"):
            queue.issue(prefix)
        queue.issue("A", priority="elderly", reason="82 tuổi", issued_by="Hoa")
        kiosk = KioskWindow(queue, AGENCY, printer=lambda _t: None, clock=queue.clock, synchronous=True)
        qtbot.addWidget(kiosk)
        kiosk.refresh_timer.stop()
        shoot(qtbot, kiosk, "hang-doi-lay-so")
        assert set(kiosk.buttons) == {"A", "B", "C", "D"}

        window = _window(qtbot, demo, "canbo1", FixedClock(QUEUE_NOW))
        panel = window.queue_dock.widget()
        assert isinstance(panel, QueuePanel) and window.queue_dock.isVisible()
        panel.timer.stop()
        qtbot.mouseClick(panel.buttons["next"], Qt.MouseButton.LeftButton)
        queue.act(DeskRequest("next", 1, "Lan"))
        panel.refresh()
        assert panel.current.text() not in ("", "—")
        shoot(qtbot, window, "hang-doi-bang-goi")
        listing = window.dossier_page
        assert window.stack.currentWidget() is listing
        for widget in (listing.count_label, listing.filters.clear, *listing.filters.due_buttons.values()):
            whole(widget)  # beside the queue panel nothing of the list's bar is cut off
        status_bar_whole(window)

        display = DisplayWindow(queue, AGENCY, announce=Silent(), clock=queue.clock, synchronous=True)
        qtbot.addWidget(display)
        display.timer.stop()
        display.poll()
        shoot(qtbot, display, "hang-doi-man-hinh")
    finally:
        queue.close()


def test_every_guide_image_is_made_here() -> None:
    """Each picture the guide shows comes from a test above (none is stale or hand-made)."""
    made = {
        "cai-dat-1-co-quan", "cai-dat-2-gio-lam-viec", "cai-dat-3-may-in", "cai-dat-4-quan-tri",
        "cai-dat-5-may-chu", "cai-dat-6-tong-ket", "dang-nhap", "khoa-man-hinh", "tiep-nhan-trong",
        "tiep-nhan-da-dien", "tiep-nhan-da-luu", "xem-truoc-in", "mau-02-bo-sung", "mau-03-tu-choi",
        "mau-04-gia-han", "chuyen-xu-ly", "ho-so-danh-sach", "ho-so-chi-tiet", "tra-ket-qua",
        "giam-sat-tong-quan", "giam-sat-bao-cao", "giam-sat-thao-tac", "giam-sat-hang-doi",
        "giam-sat-nhat-ky", "quan-tri-co-quan", "quan-tri-danh-muc", "quan-tri-lich",
        "quan-tri-nguoi-dung", "quan-tri-dong-bo", "quan-tri-chan-doan", "tro-giup", "tro-giup-phim-tat", "hang-doi-lay-so",
        "hang-doi-bang-goi", "hang-doi-man-hinh",
    }  # fmt: skip
    referenced = set()
    for page in guide_dir().glob("*.md"):
        text = page.read_text(encoding="utf-8")
        referenced |= {Path(part.split(")")[0]).stem for part in text.split("](img/")[1:]}
    assert referenced <= made
