"""Sign-in in the desktop app: first administrator, refusals and lockout, idle lock, all audited."""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from counter_app.clock import SystemClock
from counter_app.services import audit, users
from counter_app.services.users import AccountPolicy, UserDTO
from counter_app.storage.database import Database, open_database
from ui.app import DEMO_HINT, build_context, build_window, sign_in
from ui.idle_lock import IdleLock
from ui.main_window import MainWindow
from ui.signin import FirstAdminDialog, SignInDialog

# Cheap argon2 parameters keep the tests fast; the lockout numbers are the real defaults (5 × 5 min).
FAST = AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
PASSWORD = "dung-mat-khau"
WRONG = "sai-mat-khau"


def _add_user(db: Database, username: str, full_name: str, role: str = "clerk") -> UserDTO:
    with db.write() as session:
        return users.create_user(session, SystemClock(), username, full_name, role, PASSWORD, policy=FAST)


def _audit_actions(db: Database) -> list[tuple[str, str | None]]:
    with db.read() as session:
        return [(r.action, r.user_id) for r in audit.history(session)]


def _sign_in_dialog(qtbot: QtBot, db: Database, **kwargs: object) -> SignInDialog:
    dialog = SignInDialog(build_context(db, synchronous=True), policy=FAST, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _try(qtbot: QtBot, dialog: SignInDialog, username: str, password: str) -> None:
    dialog.username_edit.setText(username)
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)  # ASCII only: see platform notes
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def _window(qtbot: QtBot, db: Database, user: UserDTO, idle_ms: int) -> tuple[MainWindow, IdleLock]:
    window = build_window(db, synchronous=True, user=user, idle_lock_ms=idle_ms, policy=FAST)
    qtbot.addWidget(window)
    window.show()
    lock = window.ctx.extras["idle_lock"]
    assert isinstance(lock, IdleLock)
    return window, lock


def test_first_admin_dialog_creates_the_admin_who_can_then_sign_in(qtbot: QtBot, db: Database) -> None:
    ctx = build_context(db, synchronous=True)
    with db.read() as session:
        assert users.needs_first_admin(session)
    dialog = FirstAdminDialog(ctx, policy=FAST)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.windowTitle() == "Tạo tài khoản quản trị — Phần mềm Một cửa"
    qtbot.keyClicks(dialog.username_edit, "quantri")
    dialog.full_name_edit.setText("Nguyễn Thị Quản Trị")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClicks(dialog.repeat_edit, PASSWORD)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.user is not None
    assert (dialog.user.username, dialog.user.full_name, dialog.user.role) == (
        "quantri",
        "Nguyễn Thị Quản Trị",
        "admin",
    )
    with db.read() as session:
        assert not users.needs_first_admin(session)

    sign_in_dialog = _sign_in_dialog(qtbot, db)
    _try(qtbot, sign_in_dialog, "quantri", PASSWORD)
    assert sign_in_dialog.result() == QDialog.DialogCode.Accepted
    assert sign_in_dialog.user is not None and sign_in_dialog.user.id == dialog.user.id
    admin_id = dialog.user.id
    assert _audit_actions(db) == [
        ("first_admin_created", None),
        ("sign_in", admin_id),
        ("sign_in", admin_id),
    ]


def test_first_admin_dialog_shows_each_message_next_to_its_field(qtbot: QtBot, db: Database) -> None:
    dialog = FirstAdminDialog(build_context(db, synchronous=True), policy=FAST)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password_edit, "ngan")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter = "Tạo tài khoản"
    errors = dialog.field_errors
    assert errors["username"].isVisible() and errors["username"].text() == "Hãy nhập tên đăng nhập"
    assert errors["full_name"].text() == "Hãy nhập họ và tên"
    assert errors["password"].text() == "Mật khẩu phải có ít nhất 8 ký tự"
    assert dialog.isVisible() and dialog.user is None

    # The core's own checks come back as FieldErrors and land under the right field too.
    dialog.username_edit.setText("Quản trị viên")
    dialog.full_name_edit.setText("Lê Văn Tâm")
    dialog.password_edit.setText(PASSWORD)
    dialog.repeat_edit.setText(PASSWORD + "x")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert errors["password_repeat"].text() == "Mật khẩu nhập lại không khớp"
    assert not errors["username"].isVisible()
    dialog.repeat_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert errors["username"].isVisible()
    assert errors["username"].text().startswith("Tên đăng nhập gồm 2–32 chữ cái không dấu")
    assert not errors["password"].isVisible() and not errors["password_repeat"].isVisible()
    assert dialog.isVisible() and dialog.user is None
    assert dialog.create_button.isEnabled()
    with db.read() as session:
        assert users.list_users(session) == []


def test_wrong_password_shows_the_vietnamese_refusal(qtbot: QtBot, db: Database) -> None:
    clerk = _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    dialog = _sign_in_dialog(qtbot, db)
    assert dialog.windowTitle() == "Đăng nhập — Phần mềm Một cửa"
    _try(qtbot, dialog, "canbo1", WRONG)
    assert dialog.isVisible() and dialog.user is None
    assert dialog.message_label.isVisible()
    assert dialog.message_label.text() == (
        "Tên đăng nhập hoặc mật khẩu không đúng. Còn 4 lần thử trước khi tài khoản bị khóa 5 phút."
    )
    assert dialog.password_edit.text() == "" and dialog.sign_in_button.isEnabled()
    _try(qtbot, dialog, "khongco", WRONG)
    assert dialog.message_label.text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert _audit_actions(db)[-2:] == [("sign_in_failed", clerk.id), ("sign_in_failed", None)]


def test_empty_password_is_not_an_attempt(qtbot: QtBot, db: Database) -> None:
    _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    before = _audit_actions(db)
    dialog = _sign_in_dialog(qtbot, db, username="canbo1")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.message_label.text() == "Hãy nhập mật khẩu."
    assert dialog.isVisible() and _audit_actions(db) == before


def test_five_failures_lock_the_account_and_the_right_password_is_then_refused(
    qtbot: QtBot, db: Database
) -> None:
    clerk = _add_user(db, "canbo2", "Trần Văn Đức")
    dialog = _sign_in_dialog(qtbot, db)
    for attempt in range(1, 5):
        _try(qtbot, dialog, "canbo2", WRONG)
        assert f"Còn {5 - attempt} lần thử" in dialog.message_label.text()
    _try(qtbot, dialog, "canbo2", WRONG)
    locked = dialog.message_label.text()
    assert locked.startswith("Tài khoản bị khóa đến ")
    assert "do nhập sai mật khẩu 5 lần" in locked and locked.endswith("(còn khoảng 5 phút)")

    _try(qtbot, dialog, "canbo2", PASSWORD)  # the sixth try, with the right password
    assert dialog.user is None and dialog.isVisible()
    assert dialog.message_label.text().startswith("Tài khoản bị khóa đến ")
    assert _audit_actions(db)[1:] == [
        *[("sign_in_failed", clerk.id)] * 5,
        ("account_locked", clerk.id),
        ("sign_in_refused_locked", clerk.id),
    ]


def test_idle_lock_covers_the_window_until_the_password_is_typed(qtbot: QtBot, db: Database) -> None:
    clerk = _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    window, lock = _window(qtbot, db, clerk, idle_ms=150)
    assert window.status_user.text() == "Nguyễn Thị Hồng Nhung (Cán bộ tiếp nhận)"
    assert not lock.is_locked and not lock.overlay.isVisible()
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)
    lock.set_interval(600_000)  # the assertions below must not race a second lock

    central = window.centralWidget()
    assert lock.overlay.isVisible() and lock.overlay.geometry() == window.rect()
    assert not central.isEnabled()
    assert lock.overlay.title_label.text() == "<h2>Màn hình đã khóa</h2>"
    assert "Nguyễn Thị Hồng Nhung" in lock.overlay.user_label.text()
    # Neither the keyboard nor the mouse reaches the covered window.
    assert window.nav.currentRow() == 1
    qtbot.keyClick(window.nav, Qt.Key.Key_F2)
    rect = window.nav.visualItemRect(window.nav.item(0))
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.nav.currentRow() == 1

    qtbot.keyClicks(lock.overlay.password_edit, WRONG)
    qtbot.keyClick(lock.overlay.password_edit, Qt.Key.Key_Return)
    assert lock.is_locked and lock.overlay.isVisible() and not central.isEnabled()
    assert "Còn 4 lần thử" in lock.overlay.message_label.text()

    qtbot.keyClicks(lock.overlay.password_edit, PASSWORD)
    qtbot.keyClick(lock.overlay.password_edit, Qt.Key.Key_Return)
    assert not lock.is_locked and not lock.overlay.isVisible() and central.isEnabled()
    qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.nav.currentRow() == 0
    actions = _audit_actions(db)
    assert actions[1:] == [
        ("screen_locked", clerk.id),
        ("sign_in_failed", clerk.id),
        ("sign_in", clerk.id),
        ("screen_unlocked", clerk.id),
    ]
    with db.read() as session:
        assert audit.history(session)[1].detail == {"reason": "idle"}


def test_user_input_postpones_the_idle_lock(qtbot: QtBot, db: Database) -> None:
    clerk = _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    window, lock = _window(qtbot, db, clerk, idle_ms=400)
    for _ in range(6):  # 6 × 150 ms of typing: longer than the idle time, never idle that long
        qtbot.wait(150)
        qtbot.keyClick(window.status_user, Qt.Key.Key_Shift)
        assert not lock.is_locked
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)


def test_ctrl_l_locks_and_sign_out_lets_another_user_sign_in(qtbot: QtBot, db: Database) -> None:
    clerk = _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    boss = _add_user(db, "lanhdao", "Phạm Quốc Việt", role="supervisor")
    window, lock = _window(qtbot, db, clerk, idle_ms=600_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert lock.is_locked and not window.centralWidget().isEnabled()

    qtbot.mouseClick(lock.overlay.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.ctx.user_id is None and window.status_user.text() == "Chưa đăng nhập"
    assert lock.is_locked and lock.overlay.isVisible()
    dialog = lock.sign_in_dialog
    assert dialog is not None and dialog.isVisible() and dialog.username_edit.text() == ""
    _try(qtbot, dialog, "lanhdao", PASSWORD)

    assert not lock.is_locked and window.centralWidget().isEnabled()
    assert (window.ctx.user_id, window.ctx.role) == (boss.id, "supervisor")
    assert window.status_user.text() == "Phạm Quốc Việt (Lãnh đạo)"
    assert _audit_actions(db)[2:] == [
        ("screen_locked", clerk.id),
        ("sign_out", clerk.id),
        ("sign_in", boss.id),
    ]


def test_build_window_without_a_user_still_works(qtbot: QtBot, db: Database) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    assert window.status_user.text() == "Chưa đăng nhập"
    assert "idle_lock" not in window.ctx.extras


def test_demo_sign_in_dialog_is_prefilled_with_the_demo_clerk(qtbot: QtBot, db: Database) -> None:
    _add_user(db, "canbo1", "Nguyễn Thị Hồng Nhung")
    ctx = build_context(db, synchronous=True)
    seen: dict[str, object] = {}

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SignInDialog):
            QTimer.singleShot(20, fill)
            return
        seen.update(
            username=dialog.username_edit.text(),
            hint=dialog.hint_label.text(),
            hint_visible=dialog.hint_label.isVisible(),
            focus=dialog.focusWidget() is dialog.password_edit,
        )
        dialog.password_edit.setText(PASSWORD)
        dialog.sign_in_button.click()

    QTimer.singleShot(0, fill)
    user = sign_in(ctx, argparse.Namespace(demo=True, screenshot=None, quit_after_ms=0))
    assert user is not None and user.username == "canbo1"
    assert seen == {
        "username": "canbo1",
        "hint": "Dữ liệu mẫu: tài khoản canbo1, mật khẩu motcua2026",
        "hint_visible": True,
        "focus": True,
    }
    assert seen["hint"] == DEMO_HINT


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.slow
def test_headless_demo_signs_in_as_canbo1_and_screenshots_the_window(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "COUNTER_APP_HOME": str(tmp_path / "home")}
    path, shot = tmp_path / "demo.db", tmp_path / "out.png"
    admin = [sys.executable, "-m", "counter_app.cli.admin"]
    init = ["--agency-code", "000.00.31.H12", "--agency-name", "UBND xã Ỷ La", "--parent-name", "UBND huyện"]
    assert _run([*admin, "init", "--db", str(path), *init, "--place", "Ỷ La"], env).returncode == 0
    seeded = _run([*admin, "seed-demo", "--db", str(path), "--dossiers", "50", "--seed", "1"], env)
    assert seeded.returncode == 0, seeded.stderr

    script = Path(sys.executable).with_name("counter-app")
    program = [str(script)] if script.exists() else [sys.executable, "-m", "ui.app"]
    app = [*program, "--db", str(path), "--demo"]
    done = _run([*app, "--screenshot", str(shot), "--quit-after-ms", "1500"], env)
    assert done.returncode == 0, done.stderr
    assert _png_size(shot) == (1200, 760)  # the main window, not a sign-in dialog

    # Without --screenshot nothing signs in by itself: the dialog waits, and closing it exits cleanly.
    waited = _run([*app, "--quit-after-ms", "800"], env)
    assert waited.returncode == 0, waited.stderr
    database = open_database(path)
    try:
        with database.read() as session:
            signed_in = [r for r in audit.history(session) if r.action == "sign_in"]
            canbo1 = next(u for u in users.list_users(session) if u.username == "canbo1")
    finally:
        database.close()
    assert [r.user_id for r in signed_in] == [canbo1.id]
