"""Queue refusals (Vietnamese, with a stable code and an HTTP status) and the unreachable host."""

from __future__ import annotations

from counter_app.errors import UserFacingError


class QueueError(UserFacingError):
    """The queue refuses: after closing time, unknown queue, nobody to recall, not a supervisor, ..."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class QueueUnreachable(Exception):
    """The queue host did not answer (network down, PC off, another program on the port)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
