"""The background sync worker (plain threads, no Qt): rounds on a timer and on demand, with a watchdog.

- A round runs every `sync.interval_seconds`, and as soon as `kick()` is called (after a local change,
  or "Đồng bộ ngay" with `force=True`), but never before the back-off the engine set after a failure
  (`force` skips the back-off, never the server's own Retry-After). After a fatal stop (revoked, too
  old) only a forced kick starts a round.
- Each round runs in its own thread; the control thread watches the engine's progress stamp. A round
  that makes no progress for `sync.wedge_seconds` (a server dribbling bytes, a stuck socket) is
  abandoned and the next round gets a fresh engine. Abandoning is safe: ops are idempotent.
- After each round the engine's `stalled` check runs (ops waiting, server answering, nothing
  acknowledged for `sync.stall_minutes`): the engine is replaced and the status says so.
- A forced kick may bring a `JobControl` ("Đồng bộ ngay" with its progress and "Huỷ"): that round
  reports to it and stops when cancelled; every status until the round ends carries it.
- `on_status` receives a WorkerStatus from the worker's threads; a UI re-emits it on its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app.clock import Clock
from counter_app.i18n import _
from counter_app.jobs import JobControl
from counter_app.sync.engine import SyncEngine, SyncReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerStatus:
    """What the worker is doing, for the status bar."""

    phase: str  # running | idle | waiting | stopped | not_enrolled | restarted | error | cancelled
    message: str  # Vietnamese, one line
    report: SyncReport | None = None
    next_round_at: datetime | None = None  # UTC
    stalled: bool = False
    restarts: int = 0
    control: JobControl | None = None  # the control of the manual round this status is about


class SyncWorker:
    """Runs SyncEngine rounds in the background until `stop()`."""

    def __init__(
        self,
        engine_factory: Callable[[], SyncEngine],
        clock: Clock,
        *,
        on_status: Callable[[WorkerStatus], None] | None = None,
        interval_s: float | None = None,
        wedge_s: float | None = None,
    ) -> None:
        self._factory = engine_factory
        self.engine = engine_factory()
        self.clock = clock
        self.on_status = on_status
        self._interval = interval_s
        self._wedge = wedge_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._force = False
        self._control: JobControl | None = None  # waiting for the next round
        self._job: JobControl | None = None  # of the round in progress
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self.restarts = 0
        self.rounds = 0
        self.last_status: WorkerStatus | None = None

    # -- control -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the control thread (a first round runs at once if due)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="sync-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the worker to stop and wait up to `timeout` s; True if it stopped (a round in flight is
        abandoned, not killed: its HTTP call ends by its own timeout)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def kick(self, *, force: bool = False, control: JobControl | None = None) -> None:
        """Run a round soon: after a local change, or `force` for "Đồng bộ ngay" (with `control`, the
        round shows its progress and can be cancelled)."""
        with self._guard:
            self._force = self._force or force or control is not None
            if control is not None:
                self._control = control
        self._wake.set()

    @property
    def running(self) -> bool:
        """Is the control thread alive?"""
        return self._thread is not None and self._thread.is_alive()

    # -- the loop ------------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stopping.is_set():
            with self._guard:
                force, self._force = self._force, False
                self._job, self._control = self._control, None
            self._wake.clear()
            try:
                if self.engine.due(self.clock.now_utc(), force=force):
                    self._round()
                elif force:
                    self._emit("waiting", _("Máy chủ yêu cầu chờ, sẽ đồng bộ khi hết thời gian chờ"))
                wait = self._wait_seconds()
            except Exception:  # a bug: keep the worker alive, say so, try again later
                log.exception("sync worker")
                self._emit("error", _("Lỗi ngoài dự kiến khi đồng bộ; xem nhật ký. Sẽ thử lại."))
                wait = 60.0
            self._job = None
            self._wake.wait(wait)

    def _settings(self) -> tuple[float, float]:
        interval, wedge = self.engine.timing()
        return (self._interval or float(interval), self._wedge or float(wedge))

    def _wait_seconds(self) -> float:
        interval, _wedge = self._settings()
        after = self.engine.next_attempt_at()
        if after is None:
            return interval
        return max(0.05, (after - self.clock.now_utc()).total_seconds())

    def _round(self) -> None:
        engine = self.engine
        _interval, wedge = self._settings()
        box: list[SyncReport | BaseException] = []
        self._emit("running", _("Đang đồng bộ…"))
        engine.last_progress = time.monotonic()
        runner = threading.Thread(target=_run, args=(engine, box, self._job), name="sync-round", daemon=True)
        runner.start()
        while runner.is_alive():
            runner.join(0.2)
            if self._stopping.is_set():
                return
            if runner.is_alive() and time.monotonic() - engine.last_progress > wedge:
                self._restart(_("lượt đồng bộ không tiến triển trong {wedge:.0f} giây").format(wedge=wedge))
                return
        self.rounds += 1
        outcome = box[0] if box else RuntimeError("the sync round ended without a result")
        if isinstance(outcome, BaseException):
            raise outcome
        self._report(outcome)
        if outcome.enrolled and not outcome.cancelled and engine.stalled(self.clock.now_utc()):
            self._restart(_("hàng đợi không giảm dù máy chủ vẫn trả lời"))

    def _restart(self, why: str) -> None:
        self.restarts += 1
        log.error("sync watchdog: %s; restarting the sync engine (restart %d)", why, self.restarts)
        self.engine = self._factory()
        self._emit("restarted", _("Đồng bộ bị treo ({why}); đã khởi động lại").format(why=why), stalled=True)
        self._wake.set()  # the fresh engine tries at once (still within the back-off rules)

    def _report(self, report: SyncReport) -> None:
        if not report.enrolled:
            self._emit("not_enrolled", report.error, report)
        elif report.cancelled:
            message = _("Đã huỷ lượt đồng bộ: đã gửi {pushed}, còn {depth} thao tác chờ").format(
                pushed=report.pushed, depth=report.depth
            )
            interval, _wedge = self._settings()
            self._emit("cancelled", message, report, self.clock.now_utc() + timedelta(seconds=interval))
        elif report.error_kind == "fatal":
            self._emit("stopped", _("Đã dừng đồng bộ: {error}").format(error=report.error), report)
        elif report.error:
            self._emit(
                "waiting", _("Chưa đồng bộ được: {error}").format(error=report.error), report, report.retry_at
            )
        else:
            message = _("Đã đồng bộ: gửi {pushed}, nhận {pulled}; còn {depth} thao tác chờ").format(
                pushed=report.pushed, pulled=report.pulled, depth=report.depth
            )
            interval, _wedge = self._settings()
            self._emit("idle", message, report, self.clock.now_utc() + timedelta(seconds=interval))

    def _emit(
        self,
        phase: str,
        message: str,
        report: SyncReport | None = None,
        next_round_at: datetime | None = None,
        *,
        stalled: bool = False,
    ) -> None:
        status = WorkerStatus(phase, message, report, next_round_at, stalled, self.restarts, self._job)
        self.last_status = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a listener's bug must not stop syncing
                log.exception("sync status listener")


def _run(engine: SyncEngine, box: list[SyncReport | BaseException], control: JobControl | None) -> None:
    try:
        box.append(engine.run_once(control))
    except BaseException as exc:  # handed to the control thread
        box.append(exc)
