"""counter-app: start the desktop client on a counter database."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

# The core (and SQLAlchemy) is imported before PySide6: PySide6's import hook inspects every module
# imported after it, ~0.1 s of CPU at startup for these.
from counter_app import __version__, applog, logmask, settings
from counter_app.cli.demo_accounts import DEMO_PASSWORD, DEMO_USERS
from counter_app.clock import SystemClock
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.paths import default_db_path
from counter_app.services import users
from counter_app.services.counter_setup import load_identity
from counter_app.services.first_run import needs_first_run
from counter_app.services.spool import purge_due
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy, UserDTO
from counter_app.storage.backup import daily_backup_if_due
from counter_app.storage.database import Database, open_database

# isort: split
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ui import startup_probe
from ui.context import AppContext
from ui.fonts import install_fonts
from ui.idle_lock import IdleLock, minutes_to_ms
from ui.language import apply_language
from ui.language_switch import install_language_button
from ui.main_window import MainWindow
from ui.page_stack import fit_to_screen
from ui.printers import remember_choice
from ui.signin import FirstAdminDialog, SignInDialog, apply_user
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)

DEMO_USERNAME = DEMO_USERS[0][0]
DEMO_HINT_TEMPLATE = N_("Dữ liệu mẫu: tài khoản {username}, mật khẩu {password}")
DEMO_HINT = DEMO_HINT_TEMPLATE.format(username=DEMO_USERNAME, password=DEMO_PASSWORD)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Command-line options of the desktop client."""
    parser = argparse.ArgumentParser(prog="counter-app", description=_("Phần mềm Bộ phận Một cửa"))
    parser.add_argument("--db", type=Path, default=None, help=_("cơ sở dữ liệu của quầy"))
    parser.add_argument("--demo", action="store_true", help=_("dữ liệu mẫu: ghi rõ trên tiêu đề cửa sổ"))
    parser.add_argument("--screenshot", type=Path, default=None, help=_("chụp ảnh cửa sổ vào tệp PNG"))
    parser.add_argument(
        "--quit-after-ms", type=int, default=0, help=_("tự thoát sau số mili giây (kiểm thử)")
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help=_("tự kiểm tra bản cài đặt (CSDL tạm, thời hạn, in giấy hẹn, mã vạch) rồi thoát; 0 = đạt"),
    )
    from ui.queue.app import add_arguments as add_queue_arguments

    add_queue_arguments(parser)  # --kiosk, --display (docs/queue.md)
    return parser.parse_args(list(argv))


def build_context(db: Database, *, synchronous: bool = False) -> AppContext:
    """The shared objects of one window over an open database; nobody signed in yet."""
    with db.read() as session:
        identity = load_identity(session)
        apply_language(settings.get(session, settings.UI_LANGUAGE))
        remember_choice(
            settings.get(session, settings.RECEIPT_PRINTER), settings.get(session, settings.TICKET_PRINTER)
        )
    return AppContext(
        db=db, runner=TaskRunner(synchronous=synchronous), clock=SystemClock(), identity=identity
    )


def window_for(
    ctx: AppContext, *, idle_lock_ms: int | None = None, policy: AccountPolicy = ACCOUNT_POLICY
) -> MainWindow:
    """The main window for a context; with a signed-in user and `idle_lock_ms`, the screen lock too."""
    window = MainWindow(ctx)
    install_language_button(window)  # "Ngôn ngữ / Language" in the status bar
    if ctx.user_id and idle_lock_ms:
        ctx.extras["idle_lock"] = IdleLock(
            window, ctx, interval_ms=idle_lock_ms, policy=policy, on_user_changed=window.show_user
        )
    return window


def build_window(
    db: Database,
    *,
    synchronous: bool = False,
    user: UserDTO | None = None,
    idle_lock_ms: int | None = None,
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> MainWindow:
    """The main window over an open database (used by main() and by the UI tests), signed in as `user`."""
    ctx = build_context(db, synchronous=synchronous)
    apply_user(ctx, user)
    return window_for(ctx, idle_lock_ms=idle_lock_ms, policy=policy)


def _schedule_exit_hooks(widget: QWidget, args: argparse.Namespace, finish: Callable[[], object]) -> None:
    """--screenshot and --quit-after-ms for whatever is on screen (a sign-in dialog or the window)."""
    if args.screenshot:

        def _grab() -> None:
            args.screenshot.parent.mkdir(parents=True, exist_ok=True)
            widget.grab().save(str(args.screenshot))
            print(_("Đã lưu ảnh cửa sổ: {path}").format(path=args.screenshot))

        QTimer.singleShot(max(args.quit_after_ms - 200, 100), widget, _grab)
    if args.quit_after_ms:
        QTimer.singleShot(args.quit_after_ms, widget, finish)


def _demo_sign_in(ctx: AppContext) -> UserDTO | None:
    """Headless demo: sign in as the demo clerk without a dialog (audited like any sign-in)."""
    with ctx.db.write() as session:
        result = users.authenticate(session, ctx.clock, DEMO_USERNAME, DEMO_PASSWORD)
    if result.user is None:
        print(
            _("Không đăng nhập được bằng tài khoản mẫu {username}: {reason}").format(
                username=DEMO_USERNAME, reason=result.refusal
            ),
            file=sys.stderr,
        )
    return result.user


def sign_in(ctx: AppContext, args: argparse.Namespace) -> UserDTO | None:
    """First start: create the administrator; otherwise the sign-in dialog. None when cancelled."""
    with ctx.db.read() as session:
        first = users.needs_first_admin(session)
        anyone = any(u.active for u in users.list_users(session))
    if args.demo and (args.screenshot or startup_probe.active()):  # headless: screenshot, bench
        user = _demo_sign_in(ctx)
        if user is not None:
            return user
    dialog: FirstAdminDialog | SignInDialog
    if first and not (args.demo and anyone):  # demo databases have clerks but no administrator
        dialog = FirstAdminDialog(ctx)
    elif args.demo:
        dialog = SignInDialog(
            ctx,
            username=DEMO_USERNAME,
            hint=_(DEMO_HINT_TEMPLATE).format(username=DEMO_USERNAME, password=DEMO_PASSWORD),
        )
    else:
        dialog = SignInDialog(ctx)
    _schedule_exit_hooks(dialog, args, dialog.reject)
    dialog.exec()
    return dialog.user


def _start_daily_backup(path: Path, db: Database | None = None) -> None:
    """Today's automatic backup, if due, on its own read-only connection: the clerk keeps working.
    Then printed PDFs older than the counter's forms.keep_days are deleted."""

    def _run() -> None:
        try:
            info = daily_backup_if_due(path, datetime.now(UTC))
            if info is not None:
                log.info("daily backup written to %s (%d bytes)", info.path, info.size)
        except Exception:  # never disturbs the clerk; the log says why, and tomorrow tries again
            log.exception("daily backup failed")
        try:
            if db is not None:
                purge_due(db, datetime.now(UTC))
        except Exception:
            log.exception("purging printed PDFs failed")

    threading.Thread(target=_run, name="daily-backup", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    """Open the database (refusing anything that is not a counter database), sign in, show the window."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from ui.selftest import run_self_test

        return run_self_test()
    logmask.install(logging.INFO)  # personal numbers never reach a log
    applog.install_file_log()  # rotating file in the data directory, read by Quản trị → Chẩn đoán
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("counter-app")
    app.setApplicationDisplayName(_("Phần mềm Một cửa"))
    install_fonts(app)
    apply_language("vi")  # until the counter's own setting is read: the wizard and sign-in in Vietnamese
    if args.kiosk or args.display:  # the queue's own windows: no counter database needed
        from ui.queue.app import run as run_queue_window

        return run_queue_window(args, app)
    path = args.db or default_db_path()
    first_user = None
    if needs_first_run(path):  # a new counter: the setup wizard creates it, or nothing if cancelled
        from ui.setup_wizard import run_setup_wizard

        created = run_setup_wizard(path)
        if created is None:
            return 0
        first_user = created.user
    try:
        db = open_database(path)
    except UserFacingError as exc:
        print(_("Lỗi: {message}").format(message=exc.message), file=sys.stderr)
        if not args.screenshot and QApplication.platformName() != "offscreen":
            QMessageBox.critical(None, _("Không mở được cơ sở dữ liệu"), exc.message)
        return 1
    try:
        ctx = build_context(db)
        user = first_user or sign_in(ctx, args)
        if user is None:  # cancelled: nothing to do, a clean exit
            ctx.runner.shutdown()
            return 0
        apply_user(ctx, user)
        with db.read() as session:
            idle_minutes = settings.get(session, settings.IDLE_LOCK_MINUTES)
        window = window_for(ctx, idle_lock_ms=minutes_to_ms(idle_minutes))
        if not args.screenshot:  # a screenshot shows the window at its designed size
            fit_to_screen(window)  # a first start on a small laptop screen
        if first_user is not None:
            window.nav.setCurrentRow(0)  # a new counter starts at Tiếp nhận
        if args.demo:
            window.setWindowTitle(window.windowTitle() + _(" — DỮ LIỆU MẪU"))
        window.show()
        if not startup_probe.install(window):  # the bench's probe quits before any backup
            _start_daily_backup(path, db)
        _schedule_exit_hooks(window, args, window.close)
        return int(app.exec())
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
