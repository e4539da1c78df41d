"""The three error classes of the application: cancelled, user-facing, and everything else (a bug)."""

from __future__ import annotations

from counter_app.i18n import _


class Cancelled(Exception):
    """The user cancelled the action; nothing to report."""


class UserFacingError(Exception):
    """An error the user can act on; `message` is a short Vietnamese sentence saying what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class FieldErrors(UserFacingError):
    """Several invalid fields at once: `errors` maps a field name to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]) -> None:
        lines = "; ".join(f"{name}: {msg}" for name, msg in errors.items())
        super().__init__(_("Thông tin chưa hợp lệ — {lines}").format(lines=lines))
        self.errors = dict(errors)


class DatabaseOpenError(UserFacingError):
    """The file cannot be used as a counter database (foreign, corrupt, newer, or in use)."""
