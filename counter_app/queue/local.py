"""Single-PC mode: kiosk, desk and display in one app over a local SQLite file (same rules as the host)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event

from counter_app.clock import Clock, SystemClock
from counter_app.i18n import _
from counter_app.queue import service, tables
from counter_app.queue.model import DeskView, DisplayState, IssuedTicket, LineInfo, QueueStats
from counter_app.queue.service import DeskRequest

LOCAL_SITE = "local"


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=FULL")
        dbapi_conn.execute("PRAGMA busy_timeout=10000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # one writer at a time, like the host

    return engine


class LocalQueue:
    """The queue in a SQLite file next to the counter database (`queue.db`)."""

    def __init__(
        self,
        path: Path,
        clock: Clock | None = None,
        site: str = LOCAL_SITE,
        *,
        follow_port: int = 0,
        follow_host: str = "",
    ) -> None:
        self.path = path
        self.clock = clock or SystemClock()
        self.site = site
        self.follow_port, self.follow_host = follow_port, follow_host
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = _engine(path)
        with self.engine.connect() as conn, conn.begin():
            tables.metadata.create_all(conn)
            service.ensure_site(conn, site, self.clock.now_utc())

    @property
    def where(self) -> str:
        return _("máy này")

    def _tx(self) -> Any:
        return self.engine.connect()

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with self.engine.connect() as conn, conn.begin():
            return fn(conn, self.site, self.clock.now_utc(), *args, **kwargs)

    def configure(self, **kwargs: Any) -> str | None:
        """service.configure_site on this file (hours, priority ratio, misses)."""
        return self._run(service.configure_site, **kwargs)  # type: ignore[no-any-return]

    def set_lines(self, wanted: list[tuple[str, str]]) -> None:
        """service.set_lines on this file."""
        with self.engine.connect() as conn, conn.begin():
            service.set_lines(conn, self.site, wanted)

    def lines(self) -> tuple[LineInfo, ...]:
        return self._run(service.line_infos)  # type: ignore[no-any-return]

    def issue(
        self,
        prefix: str,
        *,
        priority: str | None = None,
        reason: str | None = None,
        issued_by: str | None = None,
    ) -> IssuedTicket:
        return self._run(  # type: ignore[no-any-return]
            service.issue_ticket, prefix, priority=priority, reason=reason, issued_by=issued_by
        )

    def desk(self, desk: int) -> DeskView:
        return self._run(service.desk_view, desk)  # type: ignore[no-any-return]

    def act(self, req: DeskRequest) -> DeskView:
        return self._run(service.desk_action, req)  # type: ignore[no-any-return]

    def display(self) -> DisplayState:
        return self._run(service.display_state)  # type: ignore[no-any-return]

    def stats(self) -> QueueStats:
        return self._run(service.queue_stats)  # type: ignore[no-any-return]

    def follow_url(self, token: str) -> str:
        """The ticket's QR address, served from this PC (follow_server.py); "" when switched off (port 0)
        or when this PC has no LAN address for the phones to reach."""
        if not self.follow_port:
            return ""
        from counter_app.queue.follow_server import ensure_follow_server, follow_base_url

        if not ensure_follow_server(self.path, self.follow_port, self.clock):
            return ""
        base = follow_base_url(self.follow_port, self.follow_host)
        return f"{base}/follow/{token}" if base else ""

    def close(self) -> None:
        """Release the file."""
        self.engine.dispose()
