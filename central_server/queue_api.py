"""The site queue under /api/v1/queue: the kiosk issues tickets, desks call, the display reads its state.

Who may do what (docs/queue.md §3):
- desks (counters): their Bearer token from enrolment; the site is the counter's agency;
- the kiosk and the display: the site key (header X-Queue-Key, `counter-central queue setup --new-key`);
  the kiosk issues normal tickets only (priority tickets need a desk: staff, with a reason);
- anyone: GET /follow/{token} (the ticket's QR code; the token is random and tells only that ticket).
Errors are problem+json; the rules are in counter_app/queue/service.py, shared with single-PC mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from central_server import auth, db, models
from central_server.problems import ApiError, unauthorised
from counter_app.queue import service
from counter_app.queue.errors import QueueError
from counter_app.queue.follow_page import render_follow_page
from counter_app.queue.model import DESK_ACTIONS, to_json

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": models.Problem, "description": f"problem+json ({s})"} for s in statuses}


_ERRORS = _problems(401, 403, 404, 409)  # 409: the queue's refusals (QueueError)
_bearer = HTTPBearer(auto_error=False, description="a counter's token (desks)")


class TicketRequest(BaseModel):
    """Issue a ticket in queue `line`; priority (with reason and issued_by) only from a desk."""

    line: str = Field(min_length=1, max_length=2)
    priority: str | None = None
    reason: str | None = Field(default=None, max_length=500)
    issued_by: str | None = Field(default=None, max_length=200)


class DeskActionRequest(BaseModel):
    """A desk's action: who acts (clerk, role as signed in at the counter) and its arguments."""

    clerk: str = Field(default="", max_length=200)
    role: str = Field(default="clerk", max_length=32)
    ticket_id: str | None = Field(default=None, max_length=36)
    to_line: str | None = Field(default=None, max_length=2)
    to_desk: int | None = None
    lines: list[str] = Field(default_factory=list, max_length=26)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


class Caller:
    """The site of the request and whether a desk (counter) or the site key made it."""

    def __init__(self, site: str, counter: Mapping[str, Any] | None) -> None:
        self.site = site
        self.counter = counter


def caller(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_queue_key: Annotated[str | None, Header()] = None,
) -> Caller:
    """A counter's Bearer token, else the site key; 401 otherwise."""
    with db.read(_engine(request)) as conn:
        if creds is not None:
            counter = auth.counter_for_token(conn, f"Bearer {creds.credentials}")
            return Caller(str(counter["agency_code"]), counter)
        if x_queue_key:
            site = service.site_for_key(conn, x_queue_key)
            if site is not None:
                return Caller(site, None)
    raise unauthorised("Cần mã truy cập của quầy hoặc khoá hàng đợi của điểm (X-Queue-Key).")


def desk_caller(who: Annotated[Caller, Depends(caller)]) -> Caller:
    """Only a counter (Bearer) may act at a desk or read the statistics."""
    if who.counter is None:
        raise ApiError(403, "forbidden", "Chỉ quầy (đã đăng ký) được gọi số và xem thống kê.")
    return who


def _run(request: Request, fn: Any, *args: Any, write: bool = False, **kwargs: Any) -> JSONResponse:
    ctx = db.write if write else db.read
    try:
        with ctx(_engine(request)) as conn:
            result = fn(conn, args[0], _now(), *args[1:], **kwargs)
    except QueueError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return JSONResponse(to_json(result))


@router.get("/lines", responses=_ERRORS, summary="the site's queues with waiting counts (kiosk)")
def get_lines(request: Request, who: Annotated[Caller, Depends(caller)]) -> JSONResponse:
    with db.write(_engine(request)) as conn:  # the first request of a site creates its default queues
        lines = service.line_infos(conn, who.site, _now())
    return JSONResponse({"lines": to_json(lines)})


@router.post(
    "/tickets",
    responses=_ERRORS,
    summary="issue a ticket (kiosk: normal; desk: also priority, with a reason)",
)
def post_ticket(
    request: Request, body: TicketRequest, who: Annotated[Caller, Depends(caller)]
) -> JSONResponse:
    if body.priority and who.counter is None:
        raise ApiError(403, "forbidden", "Số ưu tiên do cán bộ tại quầy cấp, có ghi lý do.")
    issued_by = body.issued_by
    if who.counter is not None:
        issued_by = f"{body.issued_by or ''} ({who.counter['name']})".strip()
    return _run(
        request,
        service.issue_ticket,
        who.site,
        body.line,
        priority=body.priority,
        reason=body.reason,
        issued_by=issued_by if body.priority else None,
        write=True,
    )


@router.get(
    "/desks/{desk}", responses=_ERRORS, summary="a desk's current ticket, parked tickets, queue lengths"
)
def get_desk(request: Request, desk: int, who: Annotated[Caller, Depends(desk_caller)]) -> JSONResponse:
    return _run(request, service.desk_view, who.site, desk, write=True)


@router.post(
    "/desks/{desk}/{action}",
    responses=_ERRORS,
    summary="next, recall, skip, park, unpark, transfer, start, finish, call",
)
def post_desk_action(
    request: Request,
    desk: int,
    action: str,
    body: DeskActionRequest,
    who: Annotated[Caller, Depends(desk_caller)],
) -> JSONResponse:
    if action not in DESK_ACTIONS:
        raise ApiError(404, "not_found", f"Không có thao tác «{action}».")
    clerk = body.clerk or str(who.counter["name"] if who.counter else "")
    req = service.DeskRequest(
        action, desk, clerk, body.role, body.ticket_id, body.to_line, body.to_desk, tuple(body.lines)
    )
    return _run(request, service.desk_action, who.site, req, write=True)


@router.get(
    "/display",
    responses=_ERRORS,
    summary="the waiting-room display: serving per desk, last calls, queue lengths",
)
def get_display(request: Request, who: Annotated[Caller, Depends(caller)]) -> JSONResponse:
    return _run(request, service.display_state, who.site, write=True)


@router.get("/stats", responses=_ERRORS, summary="today's waiting statistics (supervisors)")
def get_stats(request: Request, who: Annotated[Caller, Depends(desk_caller)]) -> JSONResponse:
    return _run(request, service.queue_stats, who.site, write=True)


@router.get(
    "/follow/{token}",
    responses=_problems(404),
    summary="one ticket's place in its queue (the ticket's QR code; no sign-in)",
)
def get_follow(request: Request, token: str) -> Response:
    with db.read(_engine(request)) as conn:
        found = service.follow(conn, token, _now())
    if found is None:
        raise ApiError(404, "not_found", "Không tìm thấy số thứ tự này (số chỉ có giá trị trong ngày).")
    if "text/html" in request.headers.get("accept", ""):  # a phone's browser after scanning the QR
        return HTMLResponse(render_follow_page(found))
    return JSONResponse(to_json(found))
