"""A forwarding HTTP proxy for sync tests that decides per request (by method, path and body) what to do.

Unlike the TCP fault proxy (tests/faultproxy.py), it sees whole requests, so a test can fail only the
push, refuse a body above a size (a reverse proxy's body limit), or forward a push and then lose the
answer after the server has committed it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass(frozen=True)
class Canned:
    """Answer this instead of forwarding."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


LOSE = "lose"  # forward, then close the client's connection without answering
Decision = Canned | str | None  # None: forward and answer


@dataclass
class Seen:
    """One request the proxy received, and what it did."""

    method: str
    path: str
    ops: int  # ops in a push body (0 otherwise)
    action: str


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (a timeout test) is expected here


@dataclass
class HttpFaults:
    """The proxy: `decide(method, path, body) -> Decision` runs for every request."""

    upstream: str
    decide: Callable[[str, str, bytes], Decision] = lambda m, p, b: None
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

        self.server = _Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop listening."""
        self.server.shutdown()
        self.server.server_close()

    def actions(self, path_part: str = "") -> list[str]:
        """What was done to the requests whose path contains `path_part`."""
        with self._lock:
            return [s.action for s in self.seen if path_part in s.path]

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        ops = _count_ops(body)
        decision = self.decide(method, handler.path, body)
        action = (
            "forward"
            if decision is None
            else (decision if isinstance(decision, str) else str(decision.status))
        )
        with self._lock:
            self.seen.append(Seen(method, handler.path, ops, action))
        if isinstance(decision, Canned):
            handler.send_response(decision.status)
            for name, value in decision.headers:
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(decision.body)))
            handler.end_headers()
            handler.wfile.write(decision.body)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length")}
        upstream = requests.request(
            method, self.upstream + handler.path, data=body or None, headers=headers, timeout=60
        )
        if decision == LOSE:  # the server committed; the counter never hears of it
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        handler.send_response(upstream.status_code)
        for name, value in upstream.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(upstream.content)))
        handler.end_headers()
        handler.wfile.write(upstream.content)


def _count_ops(body: bytes) -> int:
    if not body:
        return 0
    try:
        data: Any = json.loads(body)
    except ValueError:
        return 0
    return len(data.get("ops", [])) if isinstance(data, dict) else 0


def only_push(decision: Decision) -> Callable[[str, str, bytes], Decision]:
    """Apply `decision` to pushes only; everything else passes."""
    return lambda method, path, body: decision if path.endswith("/sync/push") else None
