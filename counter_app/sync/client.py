"""The HTTP client of the sync protocol: one requests.Session, timeouts, TLS, and strict answers.

A response counts only if it carries the `X-Sync-Protocol` header AND its body parses with the
protocol's `from_json`: a captive portal's 200 HTML page, a proxy's error page or another web server
are "not our server" (Transient), never a success. No automatic retries here (urllib3's Retry would
not retry POSTs anyway): the engine retries at the outbox level, which is safe because ops are
idempotent by op_id.

Request bodies are sent as plain UTF-8 JSON, not gzip: the reference server does not decode
`Content-Encoding: gzip` request bodies, counters mostly sit on a LAN or a provincial WAN, and a slow
counter PC would spend the time it saves on the wire compressing. Responses may be gzip (requests
decodes them). If a deployment needs it, the server can advertise gzip in `head` later (additive).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

from counter_app import __version__
from counter_app.i18n import N_, _
from counter_app.sync import protocol
from counter_app.sync.errors import BatchTooLarge, Fatal, MustRefetch, Transient

if TYPE_CHECKING:
    import requests

CONNECT_TIMEOUT_S: Final = 5.0
READ_TIMEOUT_S: Final = 30.0
MAX_RETRY_AFTER_S: Final = 3600.0
USER_AGENT: Final = f"counter-app/{__version__}"

T = TypeVar("T")

_NOT_OURS = N_(
    "Máy chủ trả lời không đúng giao thức đồng bộ (có thể mạng đang chặn bằng trang đăng nhập Wi-Fi)"
)


try:  # a push body of 500 ops (~1 MB of escaped payload text) encodes in ~1 ms instead of ~7 ms
    import orjson

    def encode_body(body: Mapping[str, Any]) -> bytes:
        """A request body as compact UTF-8 JSON, non-ASCII kept (the same bytes as without orjson)."""
        return orjson.dumps(body if type(body) is dict else dict(body))

except ImportError:  # pragma: no cover - a dependency; the standard library writes the same bytes, slower

    def encode_body(body: Mapping[str, Any]) -> bytes:
        """A request body as compact UTF-8 JSON, non-ASCII kept."""
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(delta, 0.0), MAX_RETRY_AFTER_S)


def check_server_url(url: str) -> str:
    """The URL without a trailing slash; ValueError (Vietnamese) unless it is http(s)://host[:port][/path]."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            _(
                "Địa chỉ máy chủ “{url}” không hợp lệ; hãy nhập dạng https://ten-may-chu hoặc "
                "http://192.168.1.10:8000"
            ).format(url=url)
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValueError(_("Cổng trong địa chỉ máy chủ “{url}” không hợp lệ.").format(url=url)) from None
    return url.strip().rstrip("/")


class SyncClient:
    """Talks to one central server. `token` is the counter's Bearer token (None before enrolment)."""

    def __init__(
        self,
        server_url: str,
        *,
        token: str | None = None,
        ca_bundle: str | None = None,
        session: requests.Session | None = None,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        read_timeout: float = READ_TIMEOUT_S,
    ) -> None:
        self.base = check_server_url(server_url) + protocol.API_PREFIX
        self.timeout = (connect_timeout, read_timeout)
        import requests  # ~80 ms to import: only when a client is made, not at the app's startup

        self.http = session or requests.Session()
        # TLS verification is always on; a province's own CA is given as a bundle file.
        self.http.verify = ca_bundle or True
        self.http.trust_env = False  # a desk's proxy settings must not reroute sync (or leak the token)
        self.http.headers["User-Agent"] = USER_AGENT
        self.http.headers["Accept"] = "application/json"
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Release the connection pool."""
        self.http.close()

    # -- endpoints -------------------------------------------------------------------------------------

    def head(self) -> protocol.Head:
        """The cheap probe: protocol range, epoch, the server's clock and its newest sequence."""
        return self._call("GET", "/sync/head", protocol.Head.from_json)

    def enrol(self, request: protocol.EnrolRequest) -> protocol.EnrolResponse:
        """Exchange a one-time enrolment code for the counter's credentials."""
        return self._call("POST", "/enrol", protocol.EnrolResponse.from_json, body=request.to_json())

    def push(self, request: protocol.PushRequest) -> protocol.PushResponse:
        """Send a batch of ops; one result per op, in order."""
        response = self._call("POST", "/sync/push", protocol.PushResponse.from_json, body=request.to_json())
        sent = [op.op_id for op in request.ops]
        if [r.op_id for r in response.results] != sent:
            raise Transient(_("Máy chủ trả lời thiếu hoặc sai thứ tự kết quả của các thao tác đã gửi"))
        return response

    def pull(self, since: int, limit: int, epoch: str | None) -> protocol.PullResponse:
        """A page of changes after `since`; MustRefetch if the epoch changed or the cursor is unknown."""
        params: dict[str, Any] = {"since": since, "limit": limit}
        if epoch:
            params["epoch"] = epoch
        return self._call("GET", "/sync/pull", protocol.PullResponse.from_json, params=params)

    # -- plumbing --------------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Mapping[str, Any]], T],
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> T:
        import requests  # already loaded by __init__: a dictionary lookup

        headers = {}
        data = None
        if body is not None:
            data = encode_body(body)
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = self.http.request(
                method, self.base + path, data=data, params=params, headers=headers, timeout=self.timeout
            )
        except requests.exceptions.SSLError as exc:
            raise Transient(
                _("Không kiểm tra được chứng chỉ bảo mật của máy chủ (sai chứng chỉ hoặc mạng đang chặn)")
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise Transient(_("Máy chủ không trả lời kịp (quá thời gian chờ)"), timeout=True) from exc
        except requests.exceptions.RequestException as exc:
            raise Transient(_("Không kết nối được máy chủ (mất mạng hoặc máy chủ đang tắt)")) from exc
        with response:
            return self._answer(response, parse)

    def _answer(self, response: requests.Response, parse: Callable[[Mapping[str, Any]], T]) -> T:
        status = response.status_code
        ours = protocol.PROTOCOL_HEADER in response.headers
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 413:  # often a proxy's body-size limit, so ours or not
            raise BatchTooLarge(
                _("Lô gửi quá lớn so với giới hạn của máy chủ"), code="batch_too_large", status=413
            )
        if status in (429, 503):
            raise Transient(
                _("Máy chủ đang bận, sẽ thử lại sau"),
                retry_after=retry_after,
                code=_code(response),
                status=status,
            )
        if status >= 500 or status in (408, 409, 502, 504):
            raise Transient(
                _("Máy chủ gặp lỗi (HTTP {status}), sẽ thử lại sau").format(status=status),
                retry_after=retry_after,
                status=status,
            )
        if not ours:
            raise Transient(f"{_(_NOT_OURS)} (HTTP {status})", status=status)
        payload = _json_body(response)
        if status == 200:
            if payload is None:
                raise Transient(_(_NOT_OURS), status=status)
            try:
                return parse(payload)
            except protocol.ProtocolError as exc:
                raise Transient(f"{_(_NOT_OURS)}: {exc}", status=status) from exc
        code, detail = _problem(status, payload)
        if status == 410:
            raise MustRefetch(
                _("Máy chủ yêu cầu tải lại dữ liệu (máy chủ đã được khôi phục)"), code=code, status=410
            )
        if status == 401:
            raise Fatal(
                _("Máy chủ không nhận ra quầy này (mã xác thực sai hoặc hết hạn); hãy đăng ký lại quầy"),
                code=code or protocol.ERR_UNAUTHORISED,
                status=status,
            )
        if status == 403:
            if code == protocol.ERR_REVOKED:
                message = _(
                    "Quầy đã bị thu hồi quyền đồng bộ trên máy chủ; hãy báo lãnh đạo hoặc quản trị tỉnh"
                )
            else:
                message = _("Máy chủ từ chối quyền truy cập{tail}").format(tail=_tail(detail))
            raise Fatal(message, code=code or protocol.ERR_FORBIDDEN, status=status)
        if status == 426:
            raise Fatal(
                _("Phiên bản phần mềm quá cũ so với máy chủ; hãy cập nhật phần mềm"),
                code=code or protocol.ERR_PROTOCOL,
                status=status,
            )
        raise Fatal(
            _("Máy chủ từ chối yêu cầu (HTTP {status}){tail}").format(status=status, tail=_tail(detail)),
            code=code,
            status=status,
        )


def _json_body(response: requests.Response) -> Mapping[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, Mapping) else None


def _problem(status: int, payload: Mapping[str, Any] | None) -> tuple[str, str]:
    if payload is None:
        return "", ""
    try:
        problem = protocol.Problem.from_json(status, payload)
    except protocol.ProtocolError:
        return "", str(payload.get("detail", ""))
    return problem.code, problem.detail


def _code(response: requests.Response) -> str:
    return (
        _problem(response.status_code, _json_body(response))[0]
        if protocol.PROTOCOL_HEADER in response.headers
        else ""
    )


def _tail(detail: str) -> str:
    return f": {detail}" if detail else ""
