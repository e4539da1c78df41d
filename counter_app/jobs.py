"""Long jobs (exports, backups, imports) report progress and can be cancelled between two steps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from counter_app.errors import Cancelled

Progress = Callable[[int, int], None]  # (done, total); total 0 = not known yet
Label = Callable[[str], None]  # what the job is doing now, one Vietnamese line


class JobControl:
    """Shared by a job and whoever started it: `step()` reports progress and stops a cancelled job.

    Thread-safe: the job runs on a worker thread, `cancel()` comes from the GUI thread. A job that
    is cancelled raises `Cancelled` at its next step and must leave nothing half-written.
    """

    def __init__(
        self,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        label: Label | None = None,
    ) -> None:
        self._progress = progress
        self._cancel = cancel or threading.Event()
        self._label = label

    def cancel(self) -> None:
        """Ask the job to stop at its next step."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether `cancel()` was called."""
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise `Cancelled` when the job was asked to stop."""
        if self._cancel.is_set():
            raise Cancelled()

    def report(self, done: int, total: int) -> None:
        """Report progress without stopping (for callbacks that must not raise, e.g. SQLite's)."""
        if self._progress is not None:
            self._progress(done, total)

    def say(self, text: str) -> None:
        """Tell what the job is doing now (a stage of a job with several, e.g. sending then receiving)."""
        if self._label is not None:
            self._label(text)

    def step(self, done: int, total: int) -> None:
        """Report `done` of `total`, then stop here if cancelled."""
        self.report(done, total)
        self.check()


def sqlite_ticker(control: JobControl, every_s: float = 0.1) -> Callable[[], int]:
    """A SQLite progress handler: aborts the statement once cancelled (checked on every call) and
    reports the ticks so far (total unknown) at most every `every_s` seconds, the first at once."""
    ticks = [0]
    last = [float("-inf")]

    def tick() -> int:
        ticks[0] += 1
        now = time.monotonic()
        if now - last[0] >= every_s:
            last[0] = now
            control.report(ticks[0], 0)
        return 1 if control.cancelled else 0

    return tick


def every(control: JobControl | None, done: int, total: int, stride: int = 200) -> None:
    """`control.step` on every `stride`-th item and on the last one (no-op without a control)."""
    if control is not None and (done % stride == 0 or done == total):
        control.step(done, total)
