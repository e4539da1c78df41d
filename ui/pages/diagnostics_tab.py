"""The "Chẩn đoán" tab of Quản trị: versions, paths, database, backup, sync and last errors, copyable."""

from __future__ import annotations

import platform
from datetime import datetime

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from counter_app.clock import utc_to_local
from counter_app.diagnostics import Diagnostics, collect
from counter_app.i18n import _
from counter_app.jobs import JobControl
from counter_app.logmask import mask_personal
from counter_app.storage.backup import BackupInfo, take_backup
from counter_app.text import group_thousands
from ui.context import AppContext
from ui.errors import show_error
from ui.notify import notify_success
from ui.progress import ProgressJob

ALLOWED_ROLES = ("admin", "supervisor")
ERROR_LIMIT = 50


def _when(instant: datetime | None) -> str:
    return utc_to_local(instant).strftime("%d/%m/%Y %H:%M") if instant else _("chưa có")


def diagnostics_text(d: Diagnostics) -> str:
    """The whole report as plain text (what "Sao chép" puts on the clipboard), personal numbers masked."""
    versions = ", ".join(f"{name} {version}" for name, version in d.versions.items())
    backup = (
        _("{when} ({size} byte) — {path}").format(
            when=_when(d.last_backup.taken_at),
            size=group_thousands(d.last_backup.size),
            path=d.last_backup.path,
        )
        if d.last_backup
        else _("chưa có")
    )
    lines = [
        _("Phần mềm Một cửa, phiên bản {version}").format(version=d.app_version),
        _("Python {python}; Qt {qt}; PySide6 {pyside}; {others}").format(
            python=d.python, qt=qVersion(), pyside=PySide6.__version__, others=versions
        ),
        _("Hệ điều hành: {os}").format(os=d.os_name or platform.platform()),
        _("Thư mục dữ liệu: {path}").format(path=d.data_dir),
        _("Cơ sở dữ liệu: {path} ({size} byte)").format(path=d.db_path, size=group_thousands(d.db_size)),
        _("Phiên bản lược đồ: {version} (mới nhất {latest})").format(
            version=d.schema_version, latest=d.latest_schema
        ),
        _("Mã hoá cơ sở dữ liệu: {state}").format(state=_("bật") if d.encrypted else _("tắt")),
        _("Thư mục sao lưu: {path}").format(path=d.backup_dir),
        _("Bản sao lưu gần nhất: {backup}").format(backup=backup),
        _("Máy chủ đồng bộ: {url}").format(url=d.server_url or _("chưa đăng ký")),
        _("Đồng bộ thành công lần cuối: {when}").format(when=_when(d.last_sync)),
    ]
    if d.last_sync_error:
        lines.append(_("Lỗi đồng bộ gần nhất: {error}").format(error=d.last_sync_error))
    lines.append(_("Tệp nhật ký: {path}").format(path=d.log_file))
    lines.append("")
    if d.errors:
        lines.append(_("{count} lỗi gần nhất (mới nhất ở cuối):").format(count=len(d.errors)))
        lines.extend(d.errors)
    else:
        lines.append(_("Không có lỗi nào trong nhật ký."))
    return mask_personal("\n".join(lines))


class DiagnosticsTab(QWidget):
    """Read-only facts for the administrator; "Sao chép" copies them for IT staff."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self.report: Diagnostics | None = None
        self.intro = QLabel(
            _("Thông tin để gửi bộ phận CNTT khi cần hỗ trợ. Số CCCD và số điện thoại đã được che.")
        )
        self.intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.refresh_button = QPushButton(_("Làm mới"))
        self.refresh_button.clicked.connect(self.refresh)
        self.copy_button = QPushButton(_("Sao chép"))
        self.copy_button.clicked.connect(self.copy)
        self.backup_button = QPushButton(_("Sao lưu ngay"))
        self.backup_button.setToolTip(_("Chép cơ sở dữ liệu vào thư mục sao lưu (có thể huỷ giữa chừng)."))
        self.backup_button.clicked.connect(self.backup_now)
        self.backup_job: ProgressJob | None = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.copy_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)

    @property
    def allowed(self) -> bool:
        """Only an administrator or a supervisor sees this tab."""
        return self._ctx.role in ALLOWED_ROLES

    def refresh(self) -> None:
        """Collect the facts again in the background."""
        self.backup_button.setVisible(self._ctx.role == "admin")
        if not self.allowed:
            self.report = None
            self.text.clear()
            return
        db = self._ctx.db
        self._ctx.runner.run_db(lambda: collect(db, error_limit=ERROR_LIMIT), self._show, self._failed)

    def _show(self, report: Diagnostics) -> None:
        self.report = report
        self.text.setPlainText(diagnostics_text(report))

    def _failed(self, error: BaseException) -> None:
        show_error(self, error)

    def copy(self) -> None:
        """Put the whole report on the clipboard."""
        if not self.allowed or self.report is None:
            return
        QGuiApplication.clipboard().setText(diagnostics_text(self.report))
        notify_success(self, _("Đã sao chép thông tin chẩn đoán."))

    def backup_now(self) -> None:
        """A manual backup with its progress and "Huỷ" (administrators only)."""
        if self._ctx.role != "admin":
            return
        path = self._ctx.db.path
        self.backup_job = ProgressJob(
            self, self._ctx.runner, _("Sao lưu ngay"), _("Đang sao lưu cơ sở dữ liệu…")
        )

        def job(control: JobControl) -> BackupInfo:
            return take_backup(path, "manual", control=control)

        self.backup_job.start(job, self._on_backed_up, self._failed)

    def _on_backed_up(self, info: BackupInfo) -> None:
        notify_success(self, _("Đã sao lưu vào {path}.").format(path=info.path))
        self.refresh()
