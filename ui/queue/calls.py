"""Queue calls off the GUI thread (one network worker), results back on the GUI thread by a signal."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class QueueCalls(QObject):
    """Runs backend calls one at a time; `synchronous=True` runs them inline (tests)."""

    _sig_finished = Signal(object, object, object)

    def __init__(self, *, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = None if synchronous else ThreadPoolExecutor(1, thread_name_prefix="queue-net")
        self._sig_finished.connect(self._on_finished)
        self.busy = False

    def run(self, fn: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        """Call fn() on the worker; on_done(result) or on_error(exc) on the GUI thread."""
        if self._pool is None:
            try:
                result = fn()
            except Exception as exc:
                on_error(exc)
                return
            on_done(result)
            return
        self.busy = True

        def _deliver(fut: Future[Any]) -> None:
            error = fut.exception()
            self._sig_finished.emit((on_done, on_error), None if error else fut.result(), error)

        self._pool.submit(fn).add_done_callback(_deliver)

    def _on_finished(self, callbacks: tuple[Done, Failed], result: Any, error: BaseException | None) -> None:
        self.busy = False
        if error is not None:
            callbacks[1](error)
        else:
            callbacks[0](result)

    def shutdown(self) -> None:
        """Stop the worker (pending calls are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
