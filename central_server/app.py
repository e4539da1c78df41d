"""The FastAPI application: routes, problem+json errors, the X-Sync-Protocol header, OpenAPI."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central_server import api, db, migrations, models, queue_api, web
from central_server.problems import ERR_INTERNAL, ApiError, code_for_status, from_error, problem_response
from counter_app.sync import protocol as p

log = logging.getLogger(__name__)
PROTOCOL_VERSION = p.PROTOCOL_VERSION
TITLE = "Máy chủ trung tâm — Phần mềm Một cửa cấp xã"
API_VERSION = "1"  # the document's version: the /api/v1 surface, not the application release
DESCRIPTION = (
    "Reference central server for the one-stop counters. Wire format: counter_app/sync/protocol.py "
    f"(protocol {p.PROTOCOL_MIN}–{p.PROTOCOL_MAX}). Every response carries the {p.PROTOCOL_HEADER} header; "
    "every error is application/problem+json with a stable `code`."
)
_HTTP_DETAILS = {
    404: "Không có địa chỉ này.",
    405: "Địa chỉ này không nhận phương thức đó.",
}
_REQUEST_MODELS = (models.PushRequest,)  # bodies parsed by hand (speed, gzip), described here


class ProtocolHeader:
    """Pure ASGI middleware: every response carries X-Sync-Protocol (and nosniff)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.value = str(p.PROTOCOL_VERSION).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-sync-protocol"]
                headers.append((b"x-sync-protocol", self.value))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


async def _on_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return from_error(exc)


async def _on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = _HTTP_DETAILS.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "")
    return problem_response(exc.status_code, code_for_status(exc.status_code), detail, headers=exc.headers)


async def _on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for err in exc.errors()[:10]:
        where = ".".join(str(x) for x in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg', '')}")
    return problem_response(400, p.ERR_BAD_REQUEST, "Yêu cầu không hợp lệ — " + "; ".join(parts))


async def _on_any_error(_request: Request, exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return problem_response(500, ERR_INTERNAL, "Lỗi máy chủ; quản trị xem nhật ký của máy chủ.")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=False,
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    # Validation errors are answered 400 problem+json (not FastAPI's 422 shape): say so.
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = {
                    "description": "problem+json (400)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
            for status, response in responses.items():  # errors are served as problem+json: say so
                content = response.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    content[p.PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for model in _REQUEST_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = schema
    doc["components"]["schemas"] = dict(sorted(components.items()))
    app.openapi_schema = doc
    return doc


def create_app(db_url: str | None = None, *, migrate: bool = True) -> FastAPI:
    """The application over the database at `db_url` (migrated first unless migrate=False).
    Without a URL it can only describe itself (OpenAPI)."""
    app = FastAPI(title=TITLE, version=API_VERSION, description=DESCRIPTION, redoc_url=None)
    app.state.engine = None
    if db_url is not None:
        app.state.engine = db.make_engine(db_url)
        if migrate:
            migrations.migrate(app.state.engine)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_any_error)
    app.add_middleware(ProtocolHeader)
    app.include_router(api.router)
    app.include_router(web.router)
    app.include_router(queue_api.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def openapi_text() -> str:
    """The OpenAPI document as committed in central_server/openapi.json."""
    return json.dumps(create_app().openapi(), ensure_ascii=False, indent=2) + "\n"
