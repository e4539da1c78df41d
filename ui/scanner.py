"""A barcode scanner acting as a keyboard: fast keystrokes ending in Enter that spell a dossier code."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from re import Pattern

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from counter_app.services.codes import CODE_PATTERN

# A scanner types a character every few milliseconds; a person rarely types two within 50 ms.
MAX_GAP_MS = 50.0
# A widget with this dynamic property set to True receives scanned codes as ordinary typing.
PASSTHROUGH_PROPERTY = "scannerPassthrough"

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_AltGr)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier
)
# Telex: the keystrokes behind each mark an input method may have put on a scanned letter.
_TELEX_MARKS = {
    "\u0302": "",  # circumflex: the vowel typed twice (aa → â)
    "\u0306": "w",  # breve (aw → ă)
    "\u031b": "w",  # horn (ow → ơ, uw → ư)
    "\u0301": "s",
    "\u0300": "f",
    "\u0309": "r",
    "\u0303": "x",
    "\u0323": "j",
}

Clock = Callable[[], float]


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


def untelex(text: str) -> str:
    """The keystrokes a Telex input method turned into `text` (đ → dd, â → aa, ơ → ow, á → as …)."""
    out: list[str] = []
    for char in text:
        if char in "đĐ":  # i18n: skip
            out.append("dd" if char == "đ" else "DD")  # i18n: skip
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        keys = base
        for mark in marks:
            extra = _TELEX_MARKS.get(mark)
            if extra is None:
                continue
            extra = base if mark == "\u0302" else extra
            keys += extra.upper() if base.isupper() else extra
        out.append(keys)
    return "".join(out)


def match_code(text: str, pattern: Pattern[str] = CODE_PATTERN) -> str | None:
    """`text` as a dossier code (undoing Telex if an input method garbled it), or None."""
    text = unicodedata.normalize("NFC", text).strip()
    for candidate in (text, untelex(text)):
        if pattern.match(candidate):
            return candidate
    return None


@dataclass
class _Snapshot:
    """The text of the focused box before the first scanned character reached it."""

    widget: QWidget
    text: str
    cursor: int


def _snapshot_of(widget: QWidget) -> _Snapshot | None:
    if isinstance(widget, QLineEdit):
        return _Snapshot(widget, widget.text(), widget.cursorPosition())
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return _Snapshot(widget, widget.toPlainText(), widget.textCursor().position())
    return None


def _restore(snapshot: _Snapshot) -> None:
    widget = snapshot.widget
    if not shiboken6.isValid(widget):
        return
    if isinstance(widget, QLineEdit):
        if widget.text() != snapshot.text:
            widget.setText(snapshot.text)
            widget.setCursorPosition(snapshot.cursor)
    elif isinstance(widget, (QPlainTextEdit, QTextEdit)) and widget.toPlainText() != snapshot.text:
        widget.setPlainText(snapshot.text)
        cursor = widget.textCursor()
        cursor.setPosition(min(snapshot.cursor, len(snapshot.text)))
        widget.setTextCursor(cursor)


class BarcodeScanner(QObject):
    """An application event filter that recognises dossier codes typed by a scanner in `window`.

    Printable characters (key presses or an input method's commit strings) each arriving within
    `max_gap_ms` of the previous one are buffered while they go on to the focused widget as usual.
    When Enter follows quickly and the buffer spells a dossier code, that Enter is swallowed, the
    focused text box gets back the text it had before the scan, and `sig_code_scanned` is emitted.
    Anything else, including slow human typing and CCCD QR payloads, passes through untouched.
    """

    sig_code_scanned = Signal(str)

    def __init__(
        self,
        window: QWidget,
        *,
        max_gap_ms: float = MAX_GAP_MS,
        clock: Clock = _monotonic_ms,
        pattern: Pattern[str] = CODE_PATTERN,
    ) -> None:
        super().__init__(window)
        self._window = window
        self.max_gap_ms = max_gap_ms
        self.clock = clock
        self._pattern = pattern
        self._buffer: list[str] = []
        self._last_ms: float | None = None
        self._snapshot: _Snapshot | None = None
        self._swallow_release = False

    def install(self) -> None:
        """Start watching the application's input."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def uninstall(self) -> None:
        """Stop watching."""
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def reset(self) -> None:
        """Forget the characters buffered so far."""
        self._buffer = []
        self._last_ms = None
        self._snapshot = None

    # --- filtering --------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (
            QEvent.Type.KeyPress,
            QEvent.Type.KeyRelease,
            QEvent.Type.ShortcutOverride,
            QEvent.Type.InputMethod,
        ):
            return False
        if not isinstance(watched, QWidget) or not self._in_scope(watched):
            return False
        if kind == QEvent.Type.InputMethod:
            assert isinstance(event, QInputMethodEvent)
            if event.commitString():
                self._add(watched, event.commitString())
            return False
        assert isinstance(event, QKeyEvent)
        if kind == QEvent.Type.KeyRelease:
            if self._swallow_release and event.key() in _ENTER_KEYS:
                self._swallow_release = False
                return True
            return False
        return self._on_key(watched, event, override=kind == QEvent.Type.ShortcutOverride)

    def _in_scope(self, watched: QWidget) -> bool:
        """Only the first delivery of an event, to a widget of the window's central area (not the
        screen lock's cover, not dialogs), and not to a box that asked for scanned text itself."""
        if not shiboken6.isValid(self._window):
            return False
        focus = QApplication.focusWidget()
        if focus is not None and watched is not focus:
            return False  # the same event propagating to a parent
        if watched.property(PASSTHROUGH_PROPERTY):
            return False
        central = self._window.centralWidget() if hasattr(self._window, "centralWidget") else None
        if central is None:
            return watched is self._window or self._window.isAncestorOf(watched)
        if not central.isEnabled():
            return False  # the window is locked
        return watched is self._window or central.isAncestorOf(watched)

    def _on_key(self, watched: QWidget, event: QKeyEvent, *, override: bool) -> bool:
        key = event.key()
        if key in _ENTER_KEYS:
            code = self._pending_code()
            if code is None:
                if not override:
                    self.reset()
                return False
            event.accept()
            if override:
                return True  # no shortcut may take this Enter; the key press comes next
            snapshot = self._snapshot
            self.reset()
            if snapshot is not None:
                _restore(snapshot)
            self._swallow_release = True
            self.sig_code_scanned.emit(code)
            return True
        if override or key in _MODIFIER_KEYS:
            return False
        text = event.text()
        if event.modifiers() & _COMMAND_MODIFIERS or not text or not text.isprintable():
            self.reset()
            return False
        self._add(watched, text)
        return False

    def _add(self, widget: QWidget, text: str) -> None:
        now = self.clock()
        if not self._buffer or self._last_ms is None or now - self._last_ms > self.max_gap_ms:
            self._buffer = []
            self._snapshot = _snapshot_of(widget)
        self._buffer.append(text)
        self._last_ms = now

    def _pending_code(self) -> str | None:
        """The buffered code when the buffer is a fresh, fast run that spells one."""
        if not self._buffer or self._last_ms is None:
            return None
        if self.clock() - self._last_ms > self.max_gap_ms:
            return None
        return match_code("".join(self._buffer), self._pattern)
