"""The sync HTTP client against canned answers: only a well-formed answer of our protocol is a success."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from counter_app.services import outbox
from counter_app.sync import protocol
from counter_app.sync.client import SyncClient, check_server_url, parse_retry_after
from counter_app.sync.errors import BatchTooLarge, Fatal, MustRefetch, Transient
from tests.sync.httpfaults import Canned, HttpFaults

OURS = ((protocol.PROTOCOL_HEADER, "1"), ("Content-Type", "application/json"))
HEAD = protocol.Head(1, 1, "epoch-1", "2026-01-05T02:32:00+00:00", 7)


def problem(status: int, code: str, detail: str = "") -> Canned:
    body = protocol.Problem(status, code, "t", detail).to_json()
    return Canned(status, json.dumps(body).encode(), ((protocol.PROTOCOL_HEADER, "1"),))


@pytest.fixture
def stub() -> Iterator[HttpFaults]:
    proxy = HttpFaults("http://127.0.0.1:9")  # never forwarded: every answer is canned
    yield proxy
    proxy.close()


def answer(stub: HttpFaults, canned: Canned) -> SyncClient:
    stub.decide = lambda m, p, b: canned
    return SyncClient(stub.url, token="tok")


def test_a_well_formed_answer_with_our_header_is_parsed(stub: HttpFaults) -> None:
    client = answer(stub, Canned(200, json.dumps(HEAD.to_json()).encode(), OURS))
    assert client.head() == HEAD


@pytest.mark.parametrize(
    "canned",
    [
        Canned(200, b"<html>Wi-Fi login</html>", (("Content-Type", "text/html"),)),  # a captive portal
        Canned(
            200, json.dumps(HEAD.to_json()).encode(), (("Content-Type", "application/json"),)
        ),  # no header
        Canned(200, b'{"protocol_min": 1}', OURS),  # ours, but not a Head
        Canned(200, b"not json", OURS),
        Canned(403, b"<html>blocked</html>"),  # someone else's 403 is not a revocation
        Canned(500, b"oops", OURS),
        Canned(502, b"bad gateway"),
    ],
    ids=["portal", "no-header", "wrong-shape", "not-json", "foreign-403", "500", "502"],
)
def test_anything_else_is_transient(stub: HttpFaults, canned: Canned) -> None:
    with pytest.raises(Transient):
        answer(stub, canned).head()


def test_retry_after_seconds_and_http_date(stub: HttpFaults) -> None:
    with pytest.raises(Transient) as caught:
        answer(stub, Canned(503, b"", (("Retry-After", "7"),))).head()
    assert caught.value.retry_after == 7
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    with pytest.raises(Transient) as caught:
        answer(stub, Canned(429, b"", (("Retry-After", when),))).head()
    assert caught.value.retry_after is not None and 80 <= caught.value.retry_after <= 91
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_whole_request_codes_map_to_what_the_engine_must_do(stub: HttpFaults) -> None:
    with pytest.raises(BatchTooLarge):
        answer(stub, Canned(413, b"<html>nginx</html>")).head()  # a proxy's limit, no header needed
    with pytest.raises(MustRefetch):
        answer(stub, problem(410, protocol.ERR_MUST_REFETCH)).head()
    with pytest.raises(Fatal, match="thu hồi") as revoked:
        answer(stub, problem(403, protocol.ERR_REVOKED)).head()
    assert revoked.value.code == protocol.ERR_REVOKED
    with pytest.raises(Fatal, match="đăng ký lại"):
        answer(stub, problem(401, protocol.ERR_UNAUTHORISED)).head()
    with pytest.raises(Fatal, match="cập nhật"):
        answer(stub, problem(426, protocol.ERR_PROTOCOL)).head()
    with pytest.raises(Fatal) as bad_code:
        answer(stub, problem(400, protocol.ERR_ENROL_CODE, "Mã sai")).enrol(protocol.EnrolRequest("x", "u"))
    assert bad_code.value.code == protocol.ERR_ENROL_CODE


def test_push_answer_must_cover_every_op_in_order(stub: HttpFaults) -> None:
    op = protocol.WireOp("op-1", 1, protocol.OP_DOSSIER_EVENT, "d1", "{}", protocol.sha256_text("{}"), "t")
    partial = protocol.PushResponse((), "2026-01-05T02:32:00+00:00", "e")
    client = answer(stub, Canned(200, json.dumps(partial.to_json()).encode(), OURS))
    with pytest.raises(Transient, match="thiếu"):
        client.push(protocol.PushRequest("c", "b", (op,)))


def test_the_token_and_plain_json_go_with_every_request(stub: HttpFaults) -> None:
    seen: dict[str, str] = {}

    def capture(method: str, path: str, body: bytes) -> Canned:
        seen["body"] = body.decode("utf-8")
        return Canned(200, json.dumps(HEAD.to_json()).encode(), OURS)

    stub.decide = capture
    client = SyncClient(stub.url, token="tok-123")
    with pytest.raises(Transient):  # a Head is not an enrolment answer
        client.enrol(protocol.EnrolRequest("MÃ-1", "u"))
    assert json.loads(seen["body"])["code"] == "MÃ-1"  # UTF-8 JSON, not gzip
    assert client.http.headers["Authorization"] == "Bearer tok-123"
    assert client.http.verify is True  # TLS verification always on
    assert SyncClient("https://x.example", ca_bundle="/etc/ca.pem").http.verify == "/etc/ca.pem"


def test_a_push_body_is_byte_for_byte_what_the_standard_library_writes(stub: HttpFaults) -> None:
    payload = outbox.canonical_json(
        {
            "note": 'Ông "Ánh" \\ C:\\hồ sơ\n\t\u2028 ✓ 🙂 \x00\x1f',
            "n": [1, -2, 10**18],
            "ok": True,
            "x": None,
        }
    )
    op = protocol.WireOp(
        "op-1", 7, protocol.OP_DOSSIER_EVENT, "d1", payload, protocol.sha256_text(payload), "t"
    )
    request = protocol.PushRequest("quầy", "lô\x01\x7f\n\u2028🙂", (op,))  # raw control characters too
    body = request.to_json()
    seen: list[bytes] = []

    def capture(method: str, path: str, sent: bytes) -> Canned:
        seen.append(sent)
        return Canned(200, json.dumps(HEAD.to_json()).encode(), OURS)

    stub.decide = capture
    with pytest.raises(Transient):  # a Head is not a push answer; the body went out all the same
        SyncClient(stub.url, token="t").push(request)
    assert seen == [json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")]
    assert json.loads(seen[0])["ops"][0]["payload"] == payload  # the hashed text arrives unchanged


def test_no_listener_and_timeouts_are_transient(stub: HttpFaults) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(Transient) as refused:
        SyncClient(f"http://127.0.0.1:{port}").head()
    assert not refused.value.timeout

    def slow(method: str, path: str, body: bytes) -> Canned:
        time.sleep(1.0)
        return Canned(200, json.dumps(HEAD.to_json()).encode(), OURS)

    stub.decide = slow
    with pytest.raises(Transient) as late:
        SyncClient(stub.url, read_timeout=0.2).head()
    assert late.value.timeout


@pytest.mark.parametrize("url", ["", "ftp://x", "motcua.tinh.gov.vn", "http://", "http://host:99999"])
def test_bad_server_addresses_are_refused_in_vietnamese(url: str) -> None:
    with pytest.raises(ValueError, match="không hợp lệ"):
        check_server_url(url)
