"""Long jobs with a progress dialog and a "Huỷ" button that really stops them (between two steps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from counter_app.errors import Cancelled
from counter_app.i18n import _
from counter_app.jobs import JobControl
from ui.busy import BUSY_DELAY_MS
from ui.notify import notify_success
from ui.tasks import TaskRunner

T = TypeVar("T")


class JobHub(QObject):
    """Announces every job as it starts (a status bar or a test may follow its progress)."""

    sig_started = Signal(object)  # the ProgressJob


_hub: list[JobHub] = []


def job_hub() -> JobHub:
    """The application's one JobHub."""
    if not _hub:
        _hub.append(JobHub())
    return _hub[0]


class ProgressJob(QObject):
    """One run of a cancellable core job on the database worker, with its progress dialog.

    The dialog appears only when the job lasts over half a second (like the busy cue). "Huỷ" asks the
    job to stop; the core raises Cancelled at its next step, leaves nothing half-written, and the status
    bar says "Đã huỷ" (no pop-up). Errors still go to `on_error`.
    """

    sig_progress = Signal(int, int)

    def __init__(self, parent: QWidget, runner: TaskRunner, title: str, label: str) -> None:
        super().__init__(parent)
        self._parent = parent
        self._runner = runner
        self.control = JobControl(progress=self.sig_progress.emit)
        self.dialog = QProgressDialog(label, _("Huỷ"), 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(BUSY_DELAY_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.control.cancel)
        self.sig_progress.connect(self._on_progress)
        self.running = False
        self.outcome = ""  # "done", "cancelled" or "failed" once finished
        self.message = ""

    def start(
        self,
        job: Callable[[JobControl], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
        on_cancelled: Callable[[], None] | None = None,
    ) -> None:
        """Run `job(control)` in the background; `on_done(result)`, `on_error(error)` or `on_cancelled()`
        on the GUI thread."""
        self.running = True
        control = self.control
        job_hub().sig_started.emit(self)

        def done(result: Any) -> None:
            self._finish("done", "")
            on_done(result)

        def failed(error: BaseException) -> None:
            if isinstance(error, Cancelled):
                self._finish("cancelled", _("Đã huỷ."))
                notify_success(self._parent, self.message)
                if on_cancelled is not None:
                    on_cancelled()
                return
            self._finish("failed", "")
            on_error(error)

        self._runner.run_db(lambda: job(control), done, failed)

    def _on_progress(self, done: int, total: int) -> None:
        if not self.running:
            return
        if total and self.dialog.maximum() != total:
            self.dialog.setMaximum(total)
        if total:
            self.dialog.setValue(min(done, total))

    def _finish(self, outcome: str, message: str) -> None:
        self.running = False
        self.outcome = outcome
        self.message = message
        self.dialog.reset()
        self.dialog.hide()
