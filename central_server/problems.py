"""Errors as RFC 9457 problem+json with our stable codes; `ApiError` is also the CLI's user error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.responses import JSONResponse

from counter_app.sync import protocol as p

ERR_METHOD_NOT_ALLOWED: Final = "method_not_allowed"  # 405
ERR_CONFLICT: Final = "conflict"  # 409: e.g. a department transition the status does not allow
ERR_INTERNAL: Final = "internal_error"  # 500: never with a traceback

TITLES: Final = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột trạng thái",
    410: "Cần tải lại dữ liệu từ máy chủ",
    413: "Lô quá lớn",
    426: "Cần cập nhật phần mềm",
    500: "Lỗi máy chủ",
}


class ApiError(Exception):
    """A refusal with an HTTP status, a stable code and a Vietnamese detail (the CLI prints the detail)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    def problem(self) -> p.Problem:
        return p.Problem(self.status, self.code, TITLES.get(self.status, "Lỗi"), self.detail, self.extra)


def problem_response(
    status: int,
    code: str,
    detail: str = "",
    *,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response carrying the protocol header (also for errors raised outside middleware)."""
    body = p.Problem(status, code, TITLES.get(status, "Lỗi"), detail, dict(extra or {})).to_json()
    all_headers = {p.PROTOCOL_HEADER: str(p.PROTOCOL_VERSION), **dict(headers or {})}
    return JSONResponse(body, status_code=status, media_type=p.PROBLEM_MEDIA_TYPE, headers=all_headers)


def from_error(error: ApiError) -> JSONResponse:
    """The response for an ApiError."""
    return problem_response(error.status, error.code, error.detail, extra=error.extra, headers=error.headers)


def code_for_status(status: int) -> str:
    """The stable code of a bare HTTP status (404 from routing, 405, ...)."""
    return {
        400: p.ERR_BAD_REQUEST,
        401: p.ERR_UNAUTHORISED,
        403: p.ERR_FORBIDDEN,
        404: p.ERR_NOT_FOUND,
        405: ERR_METHOD_NOT_ALLOWED,
        409: ERR_CONFLICT,
        410: p.ERR_MUST_REFETCH,
        413: p.ERR_BATCH_TOO_LARGE,
        426: p.ERR_PROTOCOL,
        429: p.ERR_RATE_LIMITED,
        503: p.ERR_UNAVAILABLE,
    }.get(status, ERR_INTERNAL if status >= 500 else p.ERR_BAD_REQUEST)


def unauthorised(detail: str, scheme: str = "Bearer") -> ApiError:
    """401 with the WWW-Authenticate challenge of `scheme`."""
    challenge = 'Basic realm="counter-central", charset="UTF-8"' if scheme == "Basic" else "Bearer"
    return ApiError(401, p.ERR_UNAUTHORISED, detail, headers={"WWW-Authenticate": challenge})
