"""The fault proxy against a real upstream (a stdlib HTTP server that counts the bodies it fully received)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.faultproxy import (
    Bandwidth,
    Blackhole,
    CaptivePortal,
    Delay,
    DropRequestMidway,
    FailNTimes,
    FaultProxy,
    Flaky,
    LoseResponse,
    Reset,
    Status,
)

BODY = b"x" * 10_000


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.complete = 0  # POST bodies received in full
        self.truncated = 0  # POST bodies cut short by EOF
        self.seen = 0  # requests of any kind whose head was parsed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.seen += 1
        self._answer(b'{"ok":true}')

    def do_POST(self) -> None:
        with self.server.lock:
            self.server.seen += 1
        length = int(self.headers["Content-Length"])
        data = self.rfile.read(length)
        with self.server.lock:
            if len(data) == length:
                self.server.complete += 1
            else:
                self.server.truncated += 1
                self.close_connection = True
                return
            n = self.server.complete
        self._answer(b'{"n":%d}' % n)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", upstream.server_address[1]) as p:
        yield p


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def post(proxy: FaultProxy, body: bytes = BODY, **kw: object) -> requests.Response:
    return requests.post(proxy.url + "/bulk", data=body, timeout=kw.pop("timeout", 5), **kw)  # type: ignore[arg-type]


def test_pass_through(proxy: FaultProxy, upstream: Upstream) -> None:
    assert requests.get(proxy.url + "/", timeout=5).json() == {"ok": True}
    assert post(proxy).json() == {"n": 1}
    assert upstream.complete == 1
    assert proxy.stats.connections == 2 and proxy.stats.requests == 2
    assert proxy.stats.bytes_to_upstream > len(BODY) and proxy.stats.bytes_to_client > 0


def test_keep_alive_connection_gets_per_request_faults(proxy: FaultProxy, upstream: Upstream) -> None:
    with requests.Session() as s:
        assert s.post(proxy.url, data=BODY, timeout=5).status_code == 200
        proxy.set_mode(Status(503, retry_after=1))
        assert s.post(proxy.url, data=BODY, timeout=5).status_code == 503
        proxy.heal()
        assert s.post(proxy.url, data=BODY, timeout=5).json() == {"n": 2}
        assert proxy.stats.connections == 1  # all three on one persistent connection
        proxy.set_mode(LoseResponse())
        with pytest.raises(requests.ConnectionError):
            s.post(proxy.url, data=BODY, timeout=5)
        assert upstream.complete == 3
        proxy.heal()
        assert s.post(proxy.url, data=BODY, timeout=5).json() == {"n": 4}


def test_lose_response_after_the_server_committed(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_mode(LoseResponse())
    with pytest.raises(requests.ConnectionError):
        post(proxy)
    assert upstream.complete == 1
    assert proxy.stats.faults["LoseResponse"] == 1


def test_drop_request_midway(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_mode(DropRequestMidway(after_bytes=1000))
    with pytest.raises(requests.ConnectionError):
        post(proxy)
    assert wait_for(lambda: upstream.truncated == 1)
    assert upstream.complete == 0


def test_captive_portal_never_reaches_upstream(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_mode(CaptivePortal())
    response = post(proxy)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Đăng nhập" in response.text
    assert upstream.seen == 0


@pytest.mark.parametrize("code", [413, 429, 503])
def test_status_answers_without_upstream(proxy: FaultProxy, upstream: Upstream, code: int) -> None:
    proxy.set_mode(Status(code, retry_after=7 if code != 413 else None))
    response = post(proxy)
    assert response.status_code == code
    assert response.headers.get("Retry-After") == (None if code == 413 else "7")
    assert upstream.seen == 0


def test_blackhole_makes_the_client_time_out(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_mode(Blackhole())
    with pytest.raises(requests.ReadTimeout):
        post(proxy, timeout=(2, 0.5))
    assert upstream.seen == 0


@pytest.mark.parametrize("after_request", [False, True])
def test_reset(proxy: FaultProxy, upstream: Upstream, after_request: bool) -> None:
    proxy.set_mode(Reset(after_request=after_request))
    with pytest.raises(requests.ConnectionError):
        post(proxy)
    assert upstream.seen == 0 and proxy.stats.faults["Reset"] == 1


def test_fail_n_times_then_heals(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.set_mode(FailNTimes(Reset(), 2))
    with requests.Session() as s:
        for _ in range(2):
            with pytest.raises(requests.ConnectionError):
                s.post(proxy.url, data=BODY, timeout=5)
        assert s.post(proxy.url, data=BODY, timeout=5).json() == {"n": 1}
    assert proxy.stats.faults["Reset"] == 2


def test_flaky_is_deterministic_with_its_seed(proxy: FaultProxy) -> None:
    def codes() -> list[int]:
        proxy.set_mode(Flaky(0.5, (Status(503), Status(429)), seed=42))
        with requests.Session() as s:
            return [s.get(proxy.url, timeout=5).status_code for _ in range(12)]

    first = codes()
    assert first == codes()
    assert {200, 503, 429} == set(first)


def test_delay_adds_at_least_the_delay(proxy: FaultProxy) -> None:
    proxy.set_mode(Delay(0.3))
    started = time.perf_counter()
    assert post(proxy).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_bandwidth_slows_a_large_body(proxy: FaultProxy) -> None:
    proxy.set_mode(Bandwidth(1_000_000))
    started = time.perf_counter()
    assert post(proxy, b"y" * 200_000).status_code == 200
    assert time.perf_counter() - started >= 0.95 * 200_000 / 1_000_000


def test_stop_then_start_keeps_the_url(proxy: FaultProxy) -> None:
    url = proxy.url
    proxy.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    proxy.start()
    assert proxy.url == url
    assert requests.get(url, timeout=5).status_code == 200
