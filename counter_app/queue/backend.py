"""What the kiosk, the desks and the display need from a queue: one interface, two implementations
(`local.LocalQueue` over a SQLite file in single-PC mode, `client.QueueClient` over HTTP on the LAN)."""

from __future__ import annotations

from typing import Protocol

from counter_app.queue.model import DeskView, DisplayState, IssuedTicket, LineInfo, QueueStats
from counter_app.queue.service import DeskRequest


class QueueBackend(Protocol):
    """A site's queue. Refusals raise QueueError; an unreachable host raises QueueUnreachable."""

    @property
    def where(self) -> str:
        """Where the queue lives, for the user ("máy này" or the host's URL)."""
        ...

    def lines(self) -> tuple[LineInfo, ...]: ...

    def issue(
        self,
        prefix: str,
        *,
        priority: str | None = None,
        reason: str | None = None,
        issued_by: str | None = None,
    ) -> IssuedTicket: ...

    def desk(self, desk: int) -> DeskView: ...

    def act(self, req: DeskRequest) -> DeskView: ...

    def display(self) -> DisplayState: ...

    def stats(self) -> QueueStats: ...

    def follow_url(self, token: str) -> str:
        """The address in a ticket's QR code ('' when citizens cannot reach the host)."""
        ...
