"""The JSON API under /api/v1: head, enrol, push, pull, and the department endpoints."""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from sqlalchemy import Engine

from central_server import auth, db, dept, models, pull, push
from central_server.migrations import now_iso
from central_server.problems import ApiError, unauthorised
from central_server.snapshot import JSONError, dumps, loads
from counter_app import __version__
from counter_app.sync import protocol as p

router = APIRouter(prefix=p.API_PREFIX)
MAX_BODY_BYTES = 64 * 1024 * 1024
_bearer = HTTPBearer(auto_error=False, description="the counter's token from enrolment")


class _Utf8Basic(HTTPBasic):
    """HTTP Basic credentials decoded as UTF-8 (RFC 7617 charset="UTF-8": Vietnamese passwords)."""

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        header = request.headers.get("authorization", "")
        scheme, _, param = header.partition(" ")
        if scheme.lower() != "basic" or not param:
            return None
        try:
            username, sep, password = (
                base64.b64decode(param.strip(), validate=True).decode("utf-8").partition(":")
            )
        except (ValueError, UnicodeDecodeError):
            return None
        return HTTPBasicCredentials(username=username, password=password) if sep else None


_basic = _Utf8Basic(
    auto_error=False, scheme_name="HTTPBasic", description="a department user (admin users add)"
)


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": models.Problem, "description": f"problem+json ({s})"} for s in statuses}


def engine_of(request: Request) -> Engine:
    """The application's database engine."""
    engine: Engine = request.app.state.engine
    return engine


def counter_of(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Mapping[str, Any]:
    """The counter presenting the bearer token (401 unknown, 403 revoked)."""
    header = f"Bearer {creds.credentials}" if creds else None
    with db.read(engine_of(request)) as conn:
        return dict(auth.counter_for_token(conn, header))


def dept_actor(
    request: Request, creds: Annotated[HTTPBasicCredentials | None, Depends(_basic)]
) -> dept.Actor:
    """The department user of the HTTP Basic credentials (401 otherwise)."""
    if creds is None:
        raise unauthorised("Cần đăng nhập (tài khoản phòng ban).", "Basic")
    with db.read(engine_of(request)) as conn:
        row = auth.verify_user(conn, creds.username, creds.password)
    if row is None:
        raise unauthorised("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khoá.", "Basic")
    return dept.Actor.from_user(row)


CounterDep = Annotated[Mapping[str, Any], Depends(counter_of)]
ActorDep = Annotated[dept.Actor, Depends(dept_actor)]


def _check_protocol(version: Any) -> None:
    supported = not isinstance(version, int) or isinstance(version, bool)
    if not supported and not p.PROTOCOL_MIN <= version <= p.PROTOCOL_MAX:
        raise ApiError(
            426,
            p.ERR_PROTOCOL,
            f"Máy chủ hỗ trợ giao thức {p.PROTOCOL_MIN}–{p.PROTOCOL_MAX}, phần mềm quầy gửi {version}. "
            "Hãy cập nhật phần mềm.",
            extra={"protocol_min": p.PROTOCOL_MIN, "protocol_max": p.PROTOCOL_MAX},
        )


@router.get("/health", include_in_schema=False)
def health() -> dict[str, Any]:
    """A liveness probe."""
    return {"status": "ok", "version": __version__, "protocol": p.PROTOCOL_VERSION}


@router.get("/sync/head", response_model=models.Head, summary="The cheap probe (no authentication)")
def head(request: Request) -> Response:
    with db.read(engine_of(request)) as conn:
        epoch, last_seq = auth.server_epoch(conn)
    return JSONResponse(p.Head(p.PROTOCOL_MIN, p.PROTOCOL_MAX, epoch, now_iso(), last_seq).to_json())


@router.post(
    "/enrol",
    response_model=models.EnrolResponse,
    responses=_problems(400, 403, 426),
    summary="Exchange a one-time enrolment code for a token, a file key and a code slot",
)
def enrol(request: Request, body: models.EnrolRequest) -> Response:
    result = auth.enrol(engine_of(request), p.EnrolRequest(**body.model_dump()))
    return JSONResponse(result.to_json())


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    encoding = request.headers.get("content-encoding", "").lower()
    try:
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
    except (OSError, zlib.error, EOFError) as exc:
        raise ApiError(400, p.ERR_BAD_REQUEST, "Không giải nén được nội dung yêu cầu.") from exc
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, p.ERR_BATCH_TOO_LARGE, "Nội dung yêu cầu quá lớn; hãy gửi lô nhỏ hơn.")
    try:
        return loads(raw)
    except JSONError as exc:
        raise ApiError(400, p.ERR_BAD_REQUEST, "Nội dung yêu cầu không phải JSON hợp lệ.") from exc


@router.post(
    "/sync/push",
    response_model=models.PushResponse,
    responses=_problems(400, 401, 403, 413, 426),
    summary="Push a batch of outbox ops; one result per op (applied, duplicate, conflict, rejected)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "gzip or deflate Content-Encoding accepted",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}},
        }
    },
)
async def push_ops(request: Request, counter: CounterDep) -> Response:
    data = await _json_body(request)
    if not isinstance(data, dict):
        raise ApiError(400, p.ERR_BAD_REQUEST, "Nội dung phải là một đối tượng JSON.")
    _check_protocol(data.get("protocol"))
    if isinstance(data.get("ops"), list) and len(data["ops"]) > p.PUSH_MAX_OPS:
        raise ApiError(
            413,
            p.ERR_BATCH_TOO_LARGE,
            f"Lô có {len(data['ops'])} op, tối đa {p.PUSH_MAX_OPS}; hãy chia nhỏ.",
            extra={"max_ops": p.PUSH_MAX_OPS},
        )
    try:
        req = p.PushRequest.from_json(data)
    except p.ProtocolError as exc:
        raise ApiError(400, p.ERR_BAD_REQUEST, f"Lô không đúng giao thức: {exc}") from exc
    if req.counter_id != counter["id"]:
        raise ApiError(403, p.ERR_FORBIDDEN, "counter_id của lô không phải quầy của mã truy cập này.")
    engine = engine_of(request)
    results = await run_in_threadpool(push.push, engine, push.CounterInfo.from_row(counter), req.ops)
    with db.read(engine) as conn:
        epoch, _ = auth.server_epoch(conn)
    body = dumps(p.PushResponse(tuple(results), now_iso(), epoch).to_json())
    return Response(body, media_type="application/json")


@router.get(
    "/sync/pull",
    response_model=models.PullResponse,
    responses=_problems(401, 403, 410, 426),
    summary="Changes of the counter's whole agency after a cursor, in server order",
)
def pull_changes(
    request: Request,
    counter: CounterDep,
    since: int = Query(0, ge=0, description="the last seq already applied (next_since of the previous page)"),
    limit: int = Query(500, ge=1, description=f"page size, at most {p.PULL_MAX_LIMIT}"),
    epoch: str | None = Query(None, description="the epoch the cursor belongs to; another one answers 410"),
) -> Response:
    _check_protocol(_header_int(request.headers.get(p.PROTOCOL_HEADER)))
    text = pull.pull(engine_of(request), counter["id"], counter["agency_code"], since, limit, epoch)
    return Response(text, media_type="application/json")


def _header_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@router.get(
    "/dept/dossiers",
    response_model=models.DeptList,
    responses=_problems(400, 401, 403),
    summary="Dossiers of the user's agency (an admin: any agency), by code",
)
def dept_dossiers(
    request: Request,
    actor: ActorDep,
    status: int | None = Query(None, description="only this national status"),
    limit: int = Query(100, ge=1, le=dept.LIST_MAX),
    after: str | None = Query(None, description="the last code of the previous page"),
    agency_code: str | None = Query(None, description="an admin's agency filter"),
) -> Response:
    page = dept.list_dossiers(
        engine_of(request), actor, status=status, limit=limit, after=after, agency_code=agency_code
    )
    return JSONResponse(page)


@router.post(
    "/dept/dossiers/{code}/transition",
    response_model=models.DeptTransitionResponse,
    responses=_problems(400, 401, 403, 404, 409),
    summary="Move a dossier to another status as the department (role-checked)",
)
def dept_transition(
    request: Request, code: str, body: models.DeptTransitionRequest, actor: ActorDep
) -> Response:
    out = dept.transition(engine_of(request), actor, code, body.to, body.reason)
    return JSONResponse(
        {
            "code": out.code,
            "action": out.action,
            "status_from": out.status_from,
            "status_to": out.status_to,
            "server_seq": out.seq,
            "dossier": out.snapshot,
        }
    )
