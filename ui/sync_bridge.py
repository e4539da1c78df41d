"""Sync in the desktop: the background SyncWorker, its DB steps on the app's one DB worker, status by signal.

- The engine's database steps go through `TaskRunner.call_db`, so the app keeps a single serial DB
  worker; the worker's threads block on it, never the GUI thread.
- Every worker status is joined with the queue figures (`sync.status.queue_status`, read on the DB
  worker) and re-emitted on the GUI thread as `sig_status` with a `SyncSnapshot`.
- Pages call `local_change(ctx)` after a saved change: the worker runs a round soon.
- `describe()` turns a snapshot into the status bar's words. Never a false green: "Đã đồng bộ" only
  when nothing waits, the last round succeeded and it was recent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from sqlalchemy.orm import Session

from counter_app import settings
from counter_app.clock import utc_to_local
from counter_app.i18n import _, _n
from counter_app.jobs import JobControl
from counter_app.sync import status as sync_status
from counter_app.sync.engine import ClientFactory, SyncEngine
from counter_app.sync.status import QueueStatus
from counter_app.sync.worker import SyncWorker, WorkerStatus
from ui.context import AppContext

log = logging.getLogger(__name__)

T = TypeVar("T")

MIN_FRESH_S = 600.0  # green at most this long after the last success (or 3 sync intervals if longer)
EXTRAS_KEY = "sync"


@dataclass(frozen=True)
class SyncSnapshot:
    """What the status bar shows: the queue as stored, and what the worker last said."""

    queue: QueueStatus | None
    worker: WorkerStatus | None = None
    running: bool = False
    stalled: bool = False
    fresh_s: float = MIN_FRESH_S


@dataclass(frozen=True)
class SyncView:
    """The words of the status bar: a state (for the icon and colour), its text and the details."""

    kind: str  # synced | pending | offline | conflicts | standalone | stalled | stopped | never | stale | unknown
    text: str
    tooltip: str
    last_success: str
    skew: str | None


def relative_time(then: datetime | None, now: datetime) -> str:
    """ "vừa xong", "5 phút trước", "2 giờ trước", "3 ngày trước" (both naive UTC); "chưa lần nào"."""
    if then is None:
        return _("chưa lần nào")
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return _("vừa xong")
    if seconds < 3600:
        count = int(seconds // 60)
        return _n("{count} phút trước", count).format(count=count)
    if seconds < 86400:
        count = int(seconds // 3600)
        return _n("{count} giờ trước", count).format(count=count)
    count = int(seconds // 86400)
    return _n("{count} ngày trước", count).format(count=count)


def _hhmm(instant: datetime | None) -> str:
    return utc_to_local(instant).strftime("%H:%M") if instant else ""


def describe(snap: SyncSnapshot, now: datetime) -> SyncView:
    """The status bar's state for a snapshot at `now` (naive UTC)."""
    q = snap.queue
    if q is None:
        return SyncView("unknown", _("Đang kiểm tra đồng bộ…"), "", "", None)
    last = relative_time(q.last_success_at, now)
    details = [
        _("Máy chủ: {url}").format(url=q.server_url)
        if q.server_url
        else _("Quầy chưa đăng ký với máy chủ trung tâm"),
        _("Thao tác chờ gửi: {count}").format(count=q.depth),
        _("Lần đồng bộ thành công cuối: {when}").format(when=last),
    ]
    if q.last_error:
        details.append(_("Lỗi lần trước: {error}").format(error=q.last_error))
    if q.next_attempt_at:
        details.append(_("Thử lại lúc: {time}").format(time=_hhmm(q.next_attempt_at)))
    if q.conflicts_open:
        details.append(_("Xung đột chờ xử lý: {count} (Quản trị → Đồng bộ)").format(count=q.conflicts_open))
    if snap.worker is not None and snap.worker.message:
        details.append(snap.worker.message)
    waiting = _(" · chờ gửi {count}").format(count=q.depth) if q.depth else ""
    if not q.enrolled:
        kind, text = "standalone", _("Quầy chưa đăng ký đồng bộ (làm việc độc lập)")
        details = [_("Hồ sơ chỉ lưu tại máy này. Đăng ký ở Quản trị → Đồng bộ.")]
    elif snap.stalled:
        kind, text = "stalled", _("Đồng bộ bị treo — đang khởi động lại{waiting}").format(waiting=waiting)
    elif q.last_error_kind == "fatal":
        kind, text = "stopped", _("Đã dừng đồng bộ: {error}").format(error=q.last_error)
    elif q.last_error:
        if q.next_attempt_at:
            retry = _(" — thử lại lúc {time}").format(time=_hhmm(q.next_attempt_at))
        else:
            retry = _(" — sẽ thử lại")
        kind, text = "offline", _("Mất kết nối{retry}{waiting}").format(retry=retry, waiting=waiting)
    elif q.conflicts_open:
        kind, text = (
            "conflicts",
            _n("Cần xử lý: {count} xung đột{waiting}", q.conflicts_open).format(
                count=q.conflicts_open, waiting=waiting
            ),
        )
    elif q.depth:
        kind, text = "pending", _("Đang chờ gửi {count}").format(count=q.depth)
    elif q.last_success_at is None:
        kind, text = "never", _("Chưa đồng bộ lần nào")
    elif q.healthy and (now - q.last_success_at).total_seconds() <= snap.fresh_s:
        kind, text = "synced", _("Đã đồng bộ")
    else:
        kind, text = "stale", _("Lâu chưa đồng bộ (lần cuối {when})").format(when=last)
    return SyncView(kind, text, "\n".join(details), last if q.enrolled else "", q.skew_warning)


def _load_queue(session: Session) -> tuple[QueueStatus, float]:
    interval = float(settings.get(session, settings.SYNC_INTERVAL_SECONDS))
    return sync_status.queue_status(session), max(MIN_FRESH_S, 3 * interval)


class SyncBridge(QObject):
    """Owns the SyncWorker of one window; re-emits its statuses on the GUI thread."""

    sig_status = Signal(object)  # SyncSnapshot, always on the GUI thread
    _sig_from_worker = Signal(object, object, float)  # (WorkerStatus, QueueStatus, fresh_s), any thread

    def __init__(
        self,
        ctx: AppContext,
        *,
        client_factory: ClientFactory | None = None,
        interval_s: float | None = None,
        wedge_s: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._client_factory = client_factory
        self._interval_s = interval_s
        self._wedge_s = wedge_s
        self.worker: SyncWorker | None = None
        self.snapshot = SyncSnapshot(None)
        self._stopping = threading.Event()
        self._sig_from_worker.connect(self._on_worker_status)

    # -- control (GUI thread) ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker if the counter is enrolled (after sign-in); show the state either way."""
        db = self._ctx.db

        def enrolled() -> bool:
            with db.read() as session:
                return sync_status.enrolled(session)

        self._ctx.runner.run_db(enrolled, self._on_enrolled_checked, self._on_load_failed)

    def _on_enrolled_checked(self, enrolled: bool) -> None:
        if self._stopping.is_set():
            return  # the window closed meanwhile (its DB worker may be gone)
        if enrolled and (self.worker is None or not self.worker.running):
            self.worker = SyncWorker(
                self._make_engine,
                self._ctx.clock,
                on_status=self._from_worker,
                interval_s=self._interval_s,
                wedge_s=self._wedge_s,
            )
            self.worker.start()
        self.refresh()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the worker (window closing); True if it stopped within `timeout` s."""
        self._stopping.set()
        worker, self.worker = self.worker, None
        return worker.stop(timeout) if worker is not None else True

    def kick(self, *, force: bool = False, control: JobControl | None = None) -> None:
        """A round soon (after a local change), or now with `force` ("Đồng bộ ngay"; with `control`, only
        when `running`: its progress, and "Huỷ" between two batches or pages)."""
        if self.worker is not None and self.worker.running:
            self.worker.kick(force=force, control=control)
        elif force and not self._stopping.is_set():
            self.start()  # enrolled since the window opened, or the worker was stopped: try again
        else:
            self.refresh()

    @property
    def running(self) -> bool:
        """Is the background worker alive?"""
        return self.worker is not None and self.worker.running

    def refresh(self) -> None:
        """Reread the queue (GUI thread, through the DB worker) and emit the snapshot."""
        if self._stopping.is_set():
            return
        db = self._ctx.db

        def load() -> tuple[QueueStatus, float]:
            with db.read() as session:
                return _load_queue(session)

        def done(loaded: tuple[QueueStatus, float]) -> None:
            queue, fresh = loaded
            self._publish(self.snapshot.worker, queue, fresh)

        self._ctx.runner.run_db(load, done, self._on_load_failed)

    def _on_load_failed(self, error: BaseException) -> None:
        log.error("reading the sync status failed: %s", error)

    # -- the worker's side (its own threads) -------------------------------------------------------

    def _make_engine(self) -> SyncEngine:
        return SyncEngine(self._ctx.db, self._ctx.clock, self._client_factory, run_db=self._run_db_step)

    def _run_db_step(self, fn: Callable[[Session], T]) -> T:
        db = self._ctx.db

        def step() -> T:
            with db.write() as session:
                return fn(session)

        return self._ctx.runner.call_db(step)

    def _from_worker(self, status: WorkerStatus) -> None:
        if self._stopping.is_set():
            return
        db = self._ctx.db

        def load() -> tuple[QueueStatus, float]:
            with db.read() as session:
                return _load_queue(session)

        queue, fresh = self._ctx.runner.call_db(load)
        self._sig_from_worker.emit(status, queue, fresh)  # queued to the GUI thread

    # -- back on the GUI thread ---------------------------------------------------------------------

    @Slot(object, object, float)
    def _on_worker_status(self, status: WorkerStatus, queue: QueueStatus, fresh: float) -> None:
        self._publish(status, queue, fresh)

    def _publish(self, status: WorkerStatus | None, queue: QueueStatus, fresh: float) -> None:
        stalled = self.snapshot.stalled
        if status is not None and status is not self.snapshot.worker:
            if status.phase == "restarted" or status.stalled:
                stalled = True
            elif status.phase == "idle":
                stalled = False  # a round went through after the restart
        running = status is not None and status.phase == "running" and self.running
        self.snapshot = SyncSnapshot(queue, status, running, stalled, fresh)
        self.sig_status.emit(self.snapshot)


def bridge_of(ctx: AppContext) -> SyncBridge | None:
    """The window's sync bridge, if any."""
    bridge = ctx.extras.get(EXTRAS_KEY)
    return bridge if isinstance(bridge, SyncBridge) else None


def local_change(ctx: AppContext) -> None:
    """A dossier was saved or moved on: sync it soon (nothing to do for a standalone counter)."""
    bridge = bridge_of(ctx)
    if bridge is not None:
        bridge.kick()
