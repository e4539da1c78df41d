"""How a sync request failed, as the engine needs to know it: retry later, shrink, refetch, or stop.

Every exception carries a short Vietnamese `message` for the status bar and the CLI, and the stable
protocol `code` when the server sent one. None of these is a bug: the engine records them and goes on.
"""

from __future__ import annotations


class SyncError(Exception):
    """A sync request did not succeed; `message` is Vietnamese, `code` the server's stable code if any."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class Transient(SyncError):
    """Try again later: no link, timeout, 5xx, 429/503, a captive portal or something that is not our server.

    `retry_after` is the server's Retry-After in seconds (a minimum wait), if it sent one; `timeout` says
    the request timed out (the engine then also halves the batch).
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        timeout: bool = False,
        code: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, status=status)
        self.retry_after = retry_after
        self.timeout = timeout


class BatchTooLarge(SyncError):
    """413: the server (or a proxy in front of it) refused the body's size; send fewer ops at a time."""


class MustRefetch(SyncError):
    """410: the server's epoch changed or it does not know our cursor; download server data again."""


class Fatal(SyncError):
    """Stop syncing until a person acts: 401/403 (token unknown or counter revoked), 426 (update the
    application), 400 (a request this build cannot get right, or an enrolment code refused)."""
