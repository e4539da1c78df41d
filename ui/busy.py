"""The busy cue: a wait cursor and a status-bar "Đang xử lý…" only for background work over half a second."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from counter_app.i18n import _

BUSY_DELAY_MS = 500  # a fast operation never flickers the cursor


class BusyIndicator(QObject):
    """Counts running background operations; shows the cue once one has run for `delay_ms`.

    `begin()` when an operation starts, `end()` when it finishes (on the GUI thread). The cue shows
    only if something is still running when the timer fires, and goes as soon as nothing runs.
    """

    sig_busy = Signal(bool)

    def __init__(self, *, delay_ms: int = BUSY_DELAY_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running = 0
        self._shown = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._on_timeout)

    @property
    def shown(self) -> bool:
        """Whether the cue is showing now."""
        return self._shown

    def begin(self) -> None:
        """An operation started: arm the timer if it is the first one."""
        self._running += 1
        if self._running == 1 and not self._shown:
            self._timer.start()

    def end(self) -> None:
        """An operation finished: hide the cue when none is left."""
        self._running = max(0, self._running - 1)
        if self._running:
            return
        self._timer.stop()
        if self._shown:
            self._shown = False
            if QGuiApplication.instance() is not None:
                QGuiApplication.restoreOverrideCursor()
            self.sig_busy.emit(False)

    def _on_timeout(self) -> None:
        if not self._running or self._shown:
            return
        self._shown = True
        if QGuiApplication.instance() is not None:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.sig_busy.emit(True)


class BusyLabel(QLabel):
    """The status bar's "Đang xử lý…", visible while the indicator says busy."""

    def __init__(self, indicator: BusyIndicator, parent: QWidget | None = None) -> None:
        super().__init__(_("Đang xử lý…"), parent)
        self.setObjectName("statusBusy")
        self.setVisible(False)
        indicator.sig_busy.connect(self.setVisible)
