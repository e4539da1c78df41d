"""Single-PC mode's follow page: a tiny read-only web server so the ticket's QR code works on the LAN.

With a queue host, `counter-central` serves /follow/{token}. A single PC has no host, so this serves
the same page (follow_page.py) from the PC itself, on the office network, to the citizens' phones on
the office Wi-Fi. It answers only `GET /follow/<token>` (a random per-ticket token, one ticket's label,
queue and place: no personal data), reads `queue.db` read-only, and runs in one daemon thread per
process. If the port is taken by another process of ours on the same PC (the kiosk runs in its own
process), that one serves the page and this process only builds the URLs.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import socket
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, create_engine

from counter_app.clock import Clock
from counter_app.queue import service
from counter_app.queue.follow_page import NOT_FOUND_PAGE, render_follow_page

_log = logging.getLogger(__name__)
_PATH: Final = re.compile(r"^/follow/([A-Za-z0-9_-]{8,64})/?$")
PROBE_ADDRESS: Final = ("10.255.255.255", 1)  # a UDP "connect" sends nothing; it only picks the route


def lan_address() -> str | None:
    """This PC's address on its local network, or None when it has none (loopback only)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(PROBE_ADDRESS)
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _handler(engine: Engine, clock: Clock) -> type[BaseHTTPRequestHandler]:
    class FollowHandler(BaseHTTPRequestHandler):
        server_version = "counter-app-follow"

        def do_GET(self) -> None:
            match = _PATH.match(self.path.split("?", 1)[0])
            found = None
            if match:
                with engine.connect() as conn:
                    found = service.follow(conn, match.group(1), clock.now_utc())
            wants_html = "text/html" in self.headers.get("Accept", "")
            if found is None:
                body = NOT_FOUND_PAGE if wants_html else json.dumps({"code": "not_found"})
                self._send(404, body, wants_html)
            elif wants_html:
                self._send(200, render_follow_page(found), True)
            else:
                self._send(200, json.dumps(asdict(found), ensure_ascii=False), False)

        def _send(self, status: int, body: str, is_html: bool) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            kind = "text/html" if is_html else "application/json"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            _log.debug("follow %s", format % args)

    return FollowHandler


class FollowServer:
    """The follow page of `queue.db` on `port` of every interface, in a daemon thread."""

    def __init__(self, db_path: Path, port: int, clock: Clock, host: str = "0.0.0.0") -> None:
        self.engine = create_engine(f"sqlite:///file:{db_path.as_posix()}?mode=ro&uri=true")
        self.httpd = ThreadingHTTPServer((host, port), _handler(self.engine, clock))
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="queue-follow", daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.engine.dispose()


_lock = threading.Lock()
_servers: dict[Path, FollowServer] = {}


def ensure_follow_server(db_path: Path, port: int, clock: Clock) -> bool:
    """Serve `db_path`'s follow page on `port` from this process unless already served; False when the
    port belongs to something that is not ours (nothing will answer the QR code)."""
    with _lock:
        if db_path in _servers:
            return True
        try:
            _servers[db_path] = FollowServer(db_path, port, clock)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                _log.warning("queue follow page not served on port %s: %s", port, exc)
                return False
            return _ours_on(port)
        return True


def _ours_on(port: int) -> bool:
    """Whether the process already listening on `port` is a follow server of ours."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"HEAD /follow/probe-probe HTTP/1.0\r\n\r\n")
            return b"counter-app-follow" in conn.recv(512)
    except OSError:
        return False


def stop_follow_servers() -> None:
    """Stop every follow server of this process (tests, and the app at exit)."""
    with _lock:
        for server in _servers.values():
            server.close()
        _servers.clear()


def follow_base_url(port: int, host: str = "") -> str:
    """`http://<LAN address>:<port>` for the QR codes, or "" when this PC has no LAN address."""
    address = host or lan_address()
    return f"http://{address}:{port}" if address else ""
