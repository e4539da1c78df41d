"""User-facing errors of the deadline engine, each with a Vietnamese `message`."""

from __future__ import annotations

from pathlib import Path

from counter_app.errors import UserFacingError
from counter_app.i18n import _


class DeadlineError(UserFacingError, ValueError):
    """Bad input to the deadline engine (a rule, a time, a calendar); `message` says what to fix.

    It is also a `ValueError` so that plain Python callers can catch it without knowing the app.
    """


class WorkingHoursError(DeadlineError):
    """Working hours written wrongly: malformed, reversed or overlapping periods."""


class CalendarFileError(DeadlineError):
    """A calendar TOML file that cannot be used; names the file, the entry (1-based) and the field."""

    def __init__(
        self,
        path: Path | str,
        reason: str,
        *,
        index: int | None = None,
        field: str | None = None,
    ) -> None:
        name = Path(path).name
        where = _('Tệp lịch "{name}"').format(name=name)
        if index is not None:
            where += _(", mục [[day]] thứ {index}").format(index=index)
        if field is not None:
            where += _(', trường "{field}"').format(field=field)
        super().__init__(f"{where}: {reason}", field=field)
        self.path = Path(path)
        self.index = index
        self.reason = reason


class ExtensionError(DeadlineError):
    """An extension (Mẫu 04, new appointment) that the rules do not allow."""
