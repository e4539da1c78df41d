"""Per-field error display for the intake form: red border + the Vietnamese message under the field."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

ERROR_COLOR = "#b71c1c"
# Applied on the page: a widget marked invalid gets a red frame, whatever its kind.
INVALID_STYLE = (
    f'*[invalid="true"] {{ border: 2px solid {ERROR_COLOR}; border-radius: 3px; }}'
    f" QLabel#fieldError {{ color: {ERROR_COLOR}; }}"
)


def error_label() -> QLabel:
    """A hidden, word-wrapped red label that shows a field's message."""
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def with_error(widget: QWidget, label: QLabel) -> QWidget:
    """`widget` with its error label underneath, as one cell of a form layout."""
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(1)
    layout.addWidget(widget)
    layout.addWidget(label)
    return cell


class ErrorMarks:
    """Field name → (widget to frame and focus, label for the message), in form order."""

    def __init__(self) -> None:
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self._shown: dict[str, str] = {}

    def add(self, name: str, widget: QWidget, label: QLabel) -> None:
        """Register a field under the name the core uses in FieldErrors."""
        self._fields[name] = (widget, label)

    def show(self, errors: dict[str, str]) -> tuple[QWidget | None, list[str]]:
        """Mark every field named in `errors`; return the first bad widget (form order) and the
        messages that belong to no field on this form."""
        self.clear()
        first: QWidget | None = None
        for name, (widget, label) in self._fields.items():
            message = errors.get(name)
            if message is None:
                continue
            _set_invalid(widget, True)
            label.setText(message)
            label.show()
            self._shown[name] = message
            if first is None:
                first = widget
        orphans = [msg for name, msg in errors.items() if name not in self._fields]
        return first, orphans

    def clear(self) -> None:
        """Remove every mark."""
        self._shown.clear()
        for widget, label in self._fields.values():
            _set_invalid(widget, False)
            label.clear()
            label.hide()

    def message(self, name: str) -> str:
        """The message now shown for `name` ("" when the field is fine)."""
        return self._shown.get(name, "")


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()
