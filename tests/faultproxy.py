"""A fault-injecting HTTP/1.1-aware TCP proxy for tests (asyncio in a background thread)."""

# Keep-alive: the proxy parses HTTP/1.1 message boundaries (Content-Length, chunked, read-to-close),
# so a requests.Session may reuse its connection and each request on it gets the fault in force when
# that request arrives. Every request is forwarded on a fresh upstream connection (closed after its
# response), so an upstream idle timeout can never masquerade as an injected fault.
# The mode is resolved once per request: for a connection's first request when it is accepted (so
# Blackhole and Reset act before any byte is read), for later ones when they arrive (there Reset
# acts after reading the request). FailNTimes counts and Flaky draws per request, not per connection.

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus


@dataclass(frozen=True)
class PassThrough:
    """Forward untouched (the same as no mode)."""


@dataclass(frozen=True)
class Delay:
    """Wait `seconds` before forwarding each request and each response."""

    seconds: float


@dataclass(frozen=True)
class Bandwidth:
    """Cap both directions at `bytes_per_s`."""

    bytes_per_s: int


@dataclass(frozen=True)
class DropRequestMidway:
    """Forward only the first `after_bytes` of the request (at most all but one), then close both sides."""

    after_bytes: int


@dataclass(frozen=True)
class LoseResponse:
    """Forward the request, read the server's complete response, close the client without a byte."""


@dataclass(frozen=True)
class Reset:
    """Close the client with an RST: on connect, or after reading the request (never forwarded)."""

    after_request: bool = False


@dataclass(frozen=True)
class Blackhole:
    """Accept and read, never answer: the client must time out."""


@dataclass(frozen=True)
class CaptivePortal:
    """Answer a Wi-Fi login page (200 text/html) without contacting upstream."""


@dataclass(frozen=True)
class Status:
    """Answer `code` (413, 429, 503, ...) without contacting upstream."""

    code: int
    retry_after: int | None = None
    body: str = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FailNTimes:
    """Inject `fault` into the next `n` requests, then pass through."""

    fault: Fault
    n: int


@dataclass(frozen=True)
class Flaky:
    """Per request, with `probability` inject one of `faults` (chosen at random); reproducible by `seed`."""

    probability: float
    faults: tuple[Fault, ...]
    seed: int = 0


Fault = (
    PassThrough
    | Delay
    | Bandwidth
    | DropRequestMidway
    | LoseResponse
    | Reset
    | Blackhole
    | CaptivePortal
    | Status
    | FailNTimes
    | Flaky
)

PORTAL_HTML = (
    "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Đăng nhập Wi-Fi</title></head>"
    "<body><h1>Chào mừng bạn đến với Wi-Fi miễn phí</h1><p>Vui lòng đăng nhập để tiếp tục truy cập Internet.</p>"
    "<form method='post'><input name='sdt' placeholder='Số điện thoại'><button>Đăng nhập</button></form>"
    "</body></html>"
).encode()


@dataclass
class ProxyStats:
    """What the proxy did: connections and requests seen, faults injected by kind, bytes forwarded."""

    connections: int = 0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    bytes_to_upstream: int = 0
    bytes_to_client: int = 0


@dataclass
class _Message:
    raw: bytes
    method: str  # the request method, or "" for a response
    close: bool  # the sender will close (or asked to close) after this message


async def _read_message(reader: asyncio.StreamReader, request_method: str | None = None) -> _Message | None:
    """One HTTP/1.1 request (request_method None) or response to it; None on EOF before any byte."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    lines = head.decode("latin-1").split("\r\n")
    start = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    is_response = request_method is not None
    version = start[0] if is_response else start[2]
    connection = headers.get("connection", "")
    close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
    body = b""
    if is_response:
        status = int(start[1])
        if request_method == "HEAD" or status < 200 or status in (204, 304):
            return _Message(head, "", close)
    if "chunked" in headers.get("transfer-encoding", ""):
        parts = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            parts.append(size_line)
            if size == 0:
                while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                    parts.append(trailer)
                parts.append(trailer)
                break
            parts.append(await reader.readexactly(size + 2))
        body = b"".join(parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif is_response:
        body, close = await reader.read(), True  # a response delimited by the connection's close
    return _Message(head + body, "" if is_response else start[0], close)


def _canned(
    code: int, body: bytes, content_type: str, headers: tuple[tuple[str, str], ...], close: bool
) -> bytes:
    lines = [f"HTTP/1.1 {code} {HTTPStatus(code).phrase}", f"Content-Type: {content_type}"]
    lines += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers)]
    lines += ["Connection: close"] if close else []
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """Listens on 127.0.0.1 (a free port chosen at construction, kept across stop/start)."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._sock: socket.socket | None = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stats = ProxyStats()
        self._lock = threading.Lock()
        self._mode: Fault | None = None
        self._remaining = 0
        self._rng: random.Random | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- control (any thread) --------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._main(),), name="faultproxy", daemon=True
        )
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("fault proxy failed to start") from self._error

    def stop(self) -> None:
        """Close the listener and every connection (clients then see connection refused)."""
        if self._thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: Fault | None) -> None:
        """The fault for requests from now on (restarts FailNTimes' count and Flaky's random sequence)."""
        with self._lock:
            self._mode = mode
            self._remaining = mode.n if isinstance(mode, FailNTimes) else 0
            self._rng = random.Random(mode.seed) if isinstance(mode, Flaky) else None

    def heal(self) -> None:
        """Pass-through from now on."""
        self.set_mode(None)

    def _next_fault(self) -> Fault | None:
        with self._lock:
            mode = self._mode
            if isinstance(mode, FailNTimes):
                if self._remaining <= 0:
                    return None
                self._remaining -= 1
                return mode.fault
            if isinstance(mode, Flaky):
                assert self._rng is not None
                return self._rng.choice(mode.faults) if self._rng.random() < mode.probability else None
            return None if isinstance(mode, PassThrough) else mode

    # -- the event loop (proxy thread) -----------------------------------------------------------

    async def _main(self) -> None:
        try:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            if self._sock is not None:
                server = await asyncio.start_server(self._serve, sock=self._sock)
                self._sock = None
            else:
                server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.stats.connections += 1
        fault, first = self._next_fault(), True
        try:
            if isinstance(fault, Reset) and not fault.after_request:
                self.stats.faults["Reset"] += 1
                _rst(writer)
                return
            if isinstance(fault, Blackhole):
                await self._blackhole(reader)
                return
            while (request := await _read_message(reader)) is not None:
                self.stats.requests += 1
                fault = fault if first else self._next_fault()
                first = False
                if isinstance(fault, Blackhole):
                    await self._blackhole(reader)
                    return
                if not await self._exchange(request, fault, writer):
                    return
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            pass  # a broken or malformed connection just ends
        except asyncio.CancelledError:
            pass  # stop(): end quietly (asyncio logs a cancelled connection callback as an error)
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _blackhole(self, reader: asyncio.StreamReader) -> None:
        self.stats.faults["Blackhole"] += 1
        while await reader.read(65536):
            pass

    async def _exchange(self, request: _Message, fault: Fault | None, writer: asyncio.StreamWriter) -> bool:
        """Serve one request under `fault`; False when the client connection must end."""
        if fault is not None:
            self.stats.faults[type(fault).__name__] += 1
        if isinstance(fault, Reset):
            _rst(writer)
            return False
        if isinstance(fault, CaptivePortal | Status):
            if isinstance(fault, CaptivePortal):
                answer = _canned(200, PORTAL_HTML, "text/html; charset=utf-8", (), request.close)
            else:
                extra = (("Retry-After", str(fault.retry_after)),) if fault.retry_after is not None else ()
                body = (fault.body or f"{fault.code} {HTTPStatus(fault.code).phrase}").encode()
                answer = _canned(fault.code, body, fault.content_type, extra + fault.headers, request.close)
            await self._send(writer, answer, None, up=False)
            return not request.close
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            if isinstance(fault, DropRequestMidway):
                await self._send(
                    up_writer, request.raw[: min(fault.after_bytes, len(request.raw) - 1)], None, up=True
                )
                return False
            await self._send(up_writer, request.raw, fault, up=True)
            response = await _read_message(up_reader, request.method)
            if response is None or isinstance(fault, LoseResponse):
                return False
            await self._send(writer, response.raw, fault, up=False)
            return not (request.close or response.close)
        finally:
            up_writer.close()

    async def _send(self, writer: asyncio.StreamWriter, data: bytes, fault: Fault | None, up: bool) -> None:
        if isinstance(fault, Delay):
            await asyncio.sleep(fault.seconds)
        step = len(data) or 1
        if isinstance(fault, Bandwidth):
            step = max(1, min(step, fault.bytes_per_s // 20))
        for start in range(0, len(data), step):
            chunk = data[start : start + step]
            writer.write(chunk)
            await writer.drain()
            if up:
                self.stats.bytes_to_upstream += len(chunk)
            else:
                self.stats.bytes_to_client += len(chunk)
            if isinstance(fault, Bandwidth):
                await asyncio.sleep(len(chunk) / fault.bytes_per_s)
