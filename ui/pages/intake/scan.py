"""CCCD QR scans: a handheld scanner types the card's QR text into whatever box has the focus."""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLineEdit

from counter_app.errors import UserFacingError
from counter_app.services.cccd import looks_like_cccd_payload, parse_cccd_qr

# Where a payload starts inside a box that already held text: an ID number followed by "|".
_PAYLOAD_START = re.compile(r"\d{9,12}\s*\|")
# A scanner types a whole payload in a few milliseconds and ends with Enter; without the Enter
# (some are set up that way, or text is pasted) the payload is taken once typing has paused.
SETTLE_MS = 150


def split_payload(text: str) -> tuple[str, str] | None:
    """(text before the payload, payload) when `text` holds a scanned card QR, else None."""
    match = _PAYLOAD_START.search(text)
    if match is None:
        return None
    payload = text[match.start() :]
    if not looks_like_cccd_payload(payload):
        return None
    return text[: match.start()], payload


class ScanWatcher(QObject):
    """Watches text boxes for a scanned payload; takes it out of the box and reports the card or why
    it cannot be read. A bad scan fills nothing."""

    sig_card_read = Signal(object, object)  # (CccdData, the QLineEdit it landed in)
    sig_scan_failed = Signal(str, object)  # (Vietnamese reason, the QLineEdit it landed in)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._edits: list[QLineEdit] = []
        self._pending: QLineEdit | None = None
        self._timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def watch(self, edit: QLineEdit) -> None:
        """Recognise a payload typed or pasted into `edit`."""
        if edit in self._edits:
            return
        self._edits.append(edit)
        edit.textChanged.connect(lambda text, e=edit: self._on_edit_text_changed(e, text))

    def watches(self, edit: object) -> bool:
        """True when `edit` is one of the watched boxes."""
        return edit in self._edits

    def _on_edit_text_changed(self, edit: QLineEdit, text: str) -> None:
        if "|" in text and split_payload(text) is not None:
            self._pending = edit
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        if self._pending is not None:
            self.take(self._pending)

    def take(self, edit: QLineEdit) -> bool:
        """Read a payload out of `edit` now (the scanner's Enter); False when there is none."""
        found = split_payload(edit.text())
        if found is None:
            return False
        self._timer.stop()
        self._pending = None
        before, payload = found
        edit.setText(before)  # the raw QR text never stays in a field
        try:
            card = parse_cccd_qr(payload)
        except UserFacingError as exc:
            self.sig_scan_failed.emit(exc.message, edit)
        else:
            self.sig_card_read.emit(card, edit)
        return True
