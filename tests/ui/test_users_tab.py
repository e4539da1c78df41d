"""The admin page's users tab: the list, and what only an administrator may do (add, reset, deactivate)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock
from counter_app.services import audit, users
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database
from ui.app import build_context
from ui.pages.users_tab import UsersTab
from ui.signin import apply_user

FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
PASSWORD = "dung-mat-khau"


def _add(db: Database, username: str, full_name: str, role: str) -> UserDTO:
    with db.write() as session:
        return users.create_user(session, SystemClock(), username, full_name, role, PASSWORD, policy=FAST)


def _tab(qtbot: QtBot, db: Database, user: UserDTO) -> UsersTab:
    ctx = build_context(db, synchronous=True)
    apply_user(ctx, user)
    tab = UsersTab(ctx, policy=FAST)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    return tab


def _rows(tab: UsersTab) -> list[tuple[str, ...]]:
    model = tab.model
    return [
        tuple(model.data(model.index(r, c)) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def _select(tab: UsersTab, username: str) -> UserDTO:
    row = next(i for i in range(tab.model.rowCount()) if tab.model.row_at(i).username == username)
    tab.view.selectRow(row)
    selected = tab.selected_user()
    assert selected is not None
    return selected


def test_users_tab_admin_adds_a_supervisor(qtbot: QtBot, db: Database) -> None:
    admin = _add(db, "quantri", "Lê Văn Quản", "admin")
    tab = _tab(qtbot, db, admin)
    assert tab.add_button.isEnabled() and not tab.note_label.isVisible()
    assert _rows(tab) == [("quantri", "Lê Văn Quản", "Quản trị", "Đang hoạt động")]
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "Thêm người dùng"
    qtbot.keyClicks(dialog.username_edit, "lanhdao")
    dialog.full_name_edit.setText("Phạm Quốc Việt")
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findText("Lãnh đạo"))
    dialog.password_edit.setText("ngan")
    dialog.repeat_edit.setText("ngan")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.field_errors["password"].text() == "Mật khẩu phải có ít nhất 8 ký tự"
    assert dialog.isVisible()
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert ("lanhdao", "Phạm Quốc Việt", "Lãnh đạo", "Đang hoạt động") in _rows(tab)
    with db.read() as session:
        last = audit.history(session)[-1]
    assert (last.action, last.user_id, last.detail["role"]) == ("user_created", admin.id, "supervisor")


def test_users_tab_clerk_sees_the_list_but_cannot_change_it(qtbot: QtBot, db: Database) -> None:
    clerk = _add(db, "canbo1", "Nguyễn Thị Hồng Nhung", "clerk")
    tab = _tab(qtbot, db, clerk)
    assert _rows(tab) == [("canbo1", "Nguyễn Thị Hồng Nhung", "Cán bộ tiếp nhận", "Đang hoạt động")]
    assert not tab.add_button.isEnabled() and not tab.reset_button.isEnabled()
    assert not tab.deactivate_button.isEnabled()
    assert tab.note_label.isVisible() and tab.note_label.text().startswith("Chỉ quản trị viên")


def test_users_tab_reset_password_unlocks_and_deactivate_stops_sign_in(qtbot: QtBot, db: Database) -> None:
    admin = _add(db, "quantri", "Lê Văn Quản", "admin")
    _add(db, "canbo2", "Trần Văn Đức", "clerk")
    for _ in range(5):
        with db.write() as session:
            users.authenticate(session, SystemClock(), "canbo2", "sai-mat-khau", policy=FAST)
    tab = _tab(qtbot, db, admin)
    assert _rows(tab)[0][3].startswith("Bị khóa đến ")

    target = _select(tab, "canbo2")
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    dialog = tab.dialog
    assert dialog is not None and dialog.windowTitle() == "Đặt lại mật khẩu cho canbo2"
    dialog.password_edit.setText("mat-khau-moi-1")
    dialog.repeat_edit.setText("mat-khau-moi-1")
    qtbot.keyClick(dialog.repeat_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert _rows(tab)[0][3] == "Đang hoạt động"
    with db.write() as session:
        assert users.authenticate(session, SystemClock(), "canbo2", "mat-khau-moi-1", policy=FAST).ok

    tab.deactivate(target)
    assert _rows(tab)[0][3] == "Ngừng hoạt động"
    with db.write() as session:
        refused = users.authenticate(session, SystemClock(), "canbo2", "mat-khau-moi-1", policy=FAST)
    assert refused.refusal == "Tài khoản này đã ngừng hoạt động. Hãy liên hệ quản trị viên."
