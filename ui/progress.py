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
    sig_label = Signal(str)

    def __init__(self, parent: QWidget, runner: TaskRunner | None, title: str, label: str) -> None:
        super().__init__(parent)
        self._parent = parent
        self._runner = runner
        self.control = JobControl(progress=self.sig_progress.emit, label=self.sig_label.emit)
        self.dialog = QProgressDialog(label, _("Huỷ"), 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(BUSY_DELAY_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.control.cancel)
        self.sig_progress.connect(self._on_progress)
        self.sig_label.connect(self._on_label)
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

        assert self._runner is not None, "a job run elsewhere uses begin() and end()"
        self._runner.run_db(lambda: job(control), done, failed)

    def begin(self) -> JobControl:
        """For a job that runs elsewhere (the sync worker's round): follow it from now on; its control
        goes to the job, and `end()` is called once it stopped."""
        self.running = True
        job_hub().sig_started.emit(self)
        return self.control

    def end(self, outcome: str, message: str = "") -> None:
        """The job run elsewhere stopped: "done" (`message`, if any, in the status bar), "cancelled"
        ("Đã huỷ.") or "failed" (the caller shows the error)."""
        if outcome == "cancelled":
            message = _("Đã huỷ.")
        self._finish(outcome, message)
        if message:
            notify_success(self._parent, message)

    def _on_progress(self, done: int, total: int) -> None:
        if not self.running:
            return
        if self.dialog.maximum() != total:
            self.dialog.setMaximum(total)  # 0: a busy bar (a stage whose total is not known)
        if total:
            self.dialog.setValue(min(done, total))

    def _on_label(self, text: str) -> None:
        if self.running:
            self.dialog.setLabelText(text)

    def _finish(self, outcome: str, message: str) -> None:
        self.running = False
        self.outcome = outcome
        self.message = message
        self.dialog.reset()
        self.dialog.hide()
