"""Startup probe for bench/startup_bench.py: report when the window first painted and the RSS, then quit.

Active only when the environment variable COUNTER_STARTUP_PROBE is set (never in normal use). On the
main window's first paint it notes time.monotonic() (a system-wide clock, so the parent compares it
with the moment it started the process); once the dossier list shows its first page it reads the
process's resident memory, prints one line `STARTUP_PROBE {json}` on stdout and quits the event loop.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "COUNTER_STARTUP_PROBE"
PREFIX = "STARTUP_PROBE "
LIST_TIMEOUT_S = 120.0
_PROBES: list[QObject] = []  # keeps the watcher alive


def active() -> bool:
    """Whether the bench asked for the probe."""
    return bool(os.environ.get(ENV))


def rss_bytes() -> int:
    """The process's resident set size now (Linux: VmRSS; Windows: WorkingSetSize; else max RSS)."""
    if sys.platform.startswith("linux"):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [
                ("cb", wintypes.DWORD),
                ("PageFaultCount", wintypes.DWORD),
                ("PeakWorkingSetSize", ctypes.c_size_t),
                ("WorkingSetSize", ctypes.c_size_t),
                ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
                ("QuotaPagedPoolUsage", ctypes.c_size_t),
                ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
                ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                ("PagefileUsage", ctypes.c_size_t),
                ("PeakPagefileUsage", ctypes.c_size_t),
            ]

        counters = Counters()
        counters.cb = ctypes.sizeof(Counters)
        psapi = ctypes.WinDLL("psapi")  # type: ignore[attr-defined,unused-ignore]
        kernel = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
        kernel.GetCurrentProcess.restype = wintypes.HANDLE
        psapi.GetProcessMemoryInfo(kernel.GetCurrentProcess(), ctypes.byref(counters), counters.cb)
        return int(counters.WorkingSetSize)
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


class _Probe(QObject):
    def __init__(self, window: QWidget, rows: Any) -> None:
        super().__init__(window)
        self.window, self.rows = window, rows
        self.report: dict[str, Any] = {"pid": os.getpid()}
        self.began = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._poll)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Paint and "painted" not in self.report:
            self.report["painted"] = time.monotonic()
            self.report["rss_painted"] = rss_bytes()
            self.timer.start()
        return False

    def _poll(self) -> None:
        rows = int(self.rows())
        if rows <= 0 and time.monotonic() - self.began < LIST_TIMEOUT_S:
            return
        self.timer.stop()
        self.report["list_rows"] = rows
        self.report["list_shown"] = time.monotonic()
        self.report["rss_list"] = rss_bytes()
        print(PREFIX + json.dumps(self.report), flush=True)
        QApplication.quit()


def install(window: QWidget) -> bool:
    """Watch `window` (a MainWindow) if the probe is active; True when it is."""
    if not active():
        return False
    page = getattr(window, "dossier_page", None)
    model = getattr(page, "model", None)
    rows = model.rowCount if model is not None else (lambda: 1)
    _PROBES.append(_Probe(window, rows))
    return True
