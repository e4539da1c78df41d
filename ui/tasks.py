"""Background work: one serial database worker, results delivered to the GUI thread by one signal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from ui.busy import BusyIndicator

log = logging.getLogger(__name__)

T = TypeVar("T")
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskRunner(QObject):
    """Runs core functions off the GUI thread; every database call goes through one serial executor.

    Widgets never hold a Session: they submit a function and get its result back on the GUI thread.
    With `synchronous=True` (tests) the function runs inline, which keeps UI tests deterministic.
    """

    sig_finished = Signal(object, object, object)  # (callback, result, error)

    def __init__(self, *, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._synchronous = synchronous
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self.busy = BusyIndicator(parent=self)  # the wait cue, only past half a second
        self.sig_finished.connect(self._on_finished)

    def run_db(self, fn: Callable[[], Any], on_done: Done, on_error: Failed) -> None:
        """Run `fn` on the serial database worker; call back on the GUI thread."""
        if self._synchronous:
            try:
                result = fn()
            except BaseException as exc:  # delivered to the caller's error policy
                on_error(exc)
            else:
                on_done(result)
            return
        future = self._db.submit(fn)
        self.busy.begin()  # ended in _on_finished, always after this (queued to the GUI thread)

        def _deliver(fut: Future[Any]) -> None:
            error = fut.exception()
            self.sig_finished.emit((on_done, on_error), None if error else fut.result(), error)

        future.add_done_callback(_deliver)

    def call_db(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the serial database worker and wait for its result (or its exception).

        For background threads that must share the one DB worker (the sync engine's steps); never call
        it from the GUI thread, which must not block. In synchronous mode `fn` runs inline.
        """
        if self._synchronous:
            return fn()
        return self._db.submit(fn).result()

    @Slot(object, object, object)
    def _on_finished(self, callbacks: tuple[Done, Failed], result: Any, error: BaseException | None) -> None:
        on_done, on_error = callbacks
        self.busy.end()
        if error is not None:
            on_error(error)
        else:
            on_done(result)

    def shutdown(self) -> None:
        """Finish queued database work, then stop the worker."""
        self._db.shutdown(wait=True)
