"""The queue host over HTTP (counter-central on a site PC): requests, short timeouts, problem+json.

Desks authenticate with their counter's Bearer token; the kiosk and the display with the site key
(header X-Queue-Key). Any network failure is QueueUnreachable, so the panel can say so and intake
carries on; a refusal of the host (closed, not a supervisor, ...) is QueueError with its message.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Final, TypeVar

import requests

from counter_app.i18n import _
from counter_app.queue.errors import QueueError, QueueUnreachable
from counter_app.queue.model import (
    DeskView,
    DisplayState,
    IssuedTicket,
    LineInfo,
    QueueStats,
    from_json,
)
from counter_app.queue.service import DeskRequest

PREFIX: Final = "/api/v1/queue"
KEY_HEADER: Final = "X-Queue-Key"
CONNECT_TIMEOUT_S: Final = 1.5
READ_TIMEOUT_S: Final = 4.0
T = TypeVar("T")


class QueueClient:
    """One site's queue on a host; pass `token` (a desk) or `site_key` (kiosk, display) or both."""

    def __init__(self, base_url: str, *, token: str | None = None, site_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # a LAN host: never through the province's HTTP proxy
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        if site_key:
            self.session.headers[KEY_HEADER] = site_key

    @property
    def where(self) -> str:
        return self.base_url

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base_url}{PREFIX}{path}"
        try:
            resp = self.session.request(method, url, json=body, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except requests.RequestException as exc:
            raise QueueUnreachable(self.base_url, type(exc).__name__) from exc
        try:
            data = resp.json()
        except ValueError:
            raise QueueUnreachable(
                self.base_url,
                _("HTTP {status_code}, không phải máy chủ hàng đợi").format(status_code=resp.status_code),
            ) from None
        if resp.status_code >= 500 or not isinstance(data, dict):
            raise QueueUnreachable(self.base_url, f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise QueueError(str(data.get("code", "error")), str(data.get("detail", "")), resp.status_code)
        return data

    def _get(self, cls: type[T], path: str, body: dict[str, Any] | None = None, method: str = "GET") -> T:
        try:
            return from_json(cls, self._call(method, path, body))
        except (TypeError, ValueError, KeyError) as exc:
            raise QueueUnreachable(
                self.base_url, _("trả lời không đọc được ({error})").format(error=exc)
            ) from None

    def lines(self) -> tuple[LineInfo, ...]:
        data = self._call("GET", "/lines")
        return tuple(from_json(LineInfo, item) for item in data.get("lines", []))

    def issue(
        self,
        prefix: str,
        *,
        priority: str | None = None,
        reason: str | None = None,
        issued_by: str | None = None,
    ) -> IssuedTicket:
        body = {"line": prefix, "priority": priority, "reason": reason, "issued_by": issued_by}
        return self._get(IssuedTicket, "/tickets", body, "POST")

    def desk(self, desk: int) -> DeskView:
        return self._get(DeskView, f"/desks/{desk}")

    def act(self, req: DeskRequest) -> DeskView:
        body = asdict(req)
        body.pop("action")
        body.pop("desk")
        body["lines"] = list(req.lines)
        return self._get(DeskView, f"/desks/{req.desk}/{req.action}", body, "POST")

    def display(self) -> DisplayState:
        return self._get(DisplayState, "/display")

    def stats(self) -> QueueStats:
        return self._get(QueueStats, "/stats")

    def follow_url(self, token: str) -> str:
        return f"{self.base_url}{PREFIX}/follow/{token}"
