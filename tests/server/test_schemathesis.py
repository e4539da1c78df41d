"""schemathesis against the central server's OpenAPI document (issue 9 point 6), in-process, bounded.

Every documented operation gets property-based requests (valid and invalid bodies, parameters and
headers) from the committed document, with a counter's Bearer token or a department user's Basic
credentials so the requests reach past the 401. Checks: never a 5xx; responses match the documented
schema and, where the operation documents them, the status codes; errors are problem+json.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode, checks  # noqa: E402
from schemathesis.core.transport import Response  # noqa: E402

AGENCY = "000.00.31.H12"
PASSWORD = "mật khẩu 123"
MAX_EXAMPLES = int(os.environ.get("COUNTER_SCHEMATHESIS_EXAMPLES", "12"))
PROBLEM = "application/problem+json"


class Fuzz:
    """The loaded schema plus the credentials each security scheme gets."""

    def __init__(self, db_url: str) -> None:
        from central_server.app import create_app
        from central_server.auth import add_user, create_counter

        self.app = create_app(db_url)
        engine = self.app.state.engine
        from fastapi.testclient import TestClient

        _, code = create_counter(engine, AGENCY, "Quầy 1", agency_name="UBND xã")
        with TestClient(self.app) as client:
            resp = client.post("/api/v1/enrol", json={"code": code, "counter_uuid": "u-1"})
        assert resp.status_code == 200, resp.text
        self.counter_id = resp.json()["counter_id"]
        self.bearer = {"Authorization": f"Bearer {resp.json()['token']}"}
        add_user(engine, "can.bo", "head", AGENCY, "Người can.bo", PASSWORD)
        basic = base64.b64encode(f"can.bo:{PASSWORD}".encode()).decode()
        self.basic = {"Authorization": f"Basic {basic}"}
        self.schema = schemathesis.openapi.from_asgi("/openapi.json", self.app)

    def headers_for(self, operation: Any) -> dict[str, str]:
        schemes = {name for req in operation.definition.raw.get("security", []) for name in req}
        if "HTTPBasic" in schemes:
            return dict(self.basic)
        if "HTTPBearer" in schemes:
            return dict(self.bearer)
        return {}


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    path: Path = tmp_path_factory.mktemp("schemathesis") / "central.db"
    f = Fuzz(f"sqlite:///{path}")
    yield f
    f.app.state.engine.dispose()


def problem_json_errors(ctx: Any, response: Response, case: Any) -> bool:
    """Every error (4xx/5xx) is application/problem+json with a stable `code`."""
    if response.status_code >= 400:
        ctype = response.headers.get("content-type", [""])[0]
        assert ctype.startswith(PROBLEM), f"{response.status_code} answered {ctype!r}"
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("code"), str), body
    return True


CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
    checks.status_code_conformance,
    problem_json_errors,
]


def _operations() -> list[str]:
    import json

    doc = json.loads((Path(__file__).parents[2] / "central_server" / "openapi.json").read_text("utf-8"))
    return [f"{m.upper()} {p}" for p, ops in doc["paths"].items() for m in ops]


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize("label", _operations())
def test_operation(fuzz: Fuzz, label: str, mode: str) -> None:
    method, path = label.split(" ", 1)
    operation = fuzz.schema[path][method]
    headers = fuzz.headers_for(operation)

    @given(case=operation.as_strategy(GenerationMode(mode)))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:  # e.g. GET /sync/head in negative mode: nothing in it can be made invalid
        pytest.skip(f"{label}: no invalid request can be generated")
