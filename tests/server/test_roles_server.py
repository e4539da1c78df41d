"""Roles enforced on the server, table-driven: every department endpoint against every kind of caller.

For each (endpoint, caller) the table says what the server must answer. A refusal is problem+json with a
stable `code` (401 `unauthorised`, 403 `forbidden`) and changes nothing: the dossier keeps its status and
version, the change log does not grow. Counters may only push codes of their own agency and slot, may not
push as another counter, and may not touch another agency's dossiers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import AGENCY, OTHER_AGENCY, Api
from ops_factory import code_of, event, push_body, received
from sqlalchemy import func, select

from central_server import schema
from counter_app.sync import protocol as p

CODE = code_of(AGENCY, 1, 1)
PROBLEM = "application/problem+json"

# Callers: how each one authenticates (built by _callers).
CALLERS = ("anonymous", "counter", "officer", "head", "admin", "stranger", "disabled")


@dataclass(frozen=True)
class Case:
    """One endpoint: how to call it, and the outcome per caller (status, problem code or None)."""

    name: str
    call: Call
    expected: dict[str, tuple[int, str | None]]


Call = Callable[[Api, dict[str, str], str], Any]


def _transition(to: int, reason: str = "") -> Call:
    def call(api: Api, headers: dict[str, str], code: str) -> Any:
        url = f"/api/v1/dept/dossiers/{code}/transition"
        return api.client.post(url, json={"to": to, "reason": reason}, headers=headers)

    return call


def _web_form(to: int, reason: str = "") -> Call:
    """The department page's form, with the caller's own form token when the page shows them one."""

    def call(api: Api, headers: dict[str, str], code: str) -> Any:
        page = api.client.get("/dept", headers=headers)
        found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        token = found.group(1) if found else "0" * 32
        data = {"code": code, "to": str(to), "reason": reason, "csrf": token}
        return api.client.post("/dept/transition", data=data, headers=headers, follow_redirects=False)

    return call


NO_LOGIN = (401, p.ERR_UNAUTHORISED)
FORBIDDEN = (403, p.ERR_FORBIDDEN)
OK = (200, None)
DEPT_LOGIN_ONLY = {"anonymous": NO_LOGIN, "counter": NO_LOGIN, "disabled": NO_LOGIN}

CASES = (
    Case(
        "stop a dossier (head, admin only)",
        _transition(8, "Hồ sơ giả mạo"),
        {**DEPT_LOGIN_ONLY, "officer": FORBIDDEN, "head": OK, "admin": OK, "stranger": FORBIDDEN},
    ),
    Case(
        "result ready (any department role of the agency)",
        _transition(9),
        {**DEPT_LOGIN_ONLY, "officer": OK, "head": OK, "admin": OK, "stranger": FORBIDDEN},
    ),
    Case(
        "ask for papers (any department role of the agency)",
        _transition(5, "Thiếu giấy chứng sinh"),
        {**DEPT_LOGIN_ONLY, "officer": OK, "head": OK, "admin": OK, "stranger": FORBIDDEN},
    ),
    Case(
        "the department page's form: stop",
        _web_form(8, "Hồ sơ giả mạo"),
        # A refusal inside the form is shown on the page (303 back with the message), not a 403; a
        # stranger's page holds no form for this dossier, so their post has no valid form token.
        {
            **DEPT_LOGIN_ONLY,
            "officer": (303, None),
            "head": (303, None),
            "admin": (303, None),
            "stranger": FORBIDDEN,
        },
    ),
)

LISTS = (
    (
        "/api/v1/dept/dossiers",
        {**DEPT_LOGIN_ONLY, "officer": True, "head": True, "admin": True, "stranger": False},
    ),
)


def _code(who: str) -> str:
    """Each caller acts on a dossier of its own, so that one caller's success does not hide another's."""
    return code_of(AGENCY, 1, 1 + CALLERS.index(who))


def _setup(api: Api) -> dict[str, dict[str, str]]:
    """A dossier in processing (status 4) of AGENCY per caller, and one set of credentials per caller."""
    from central_server.auth import set_user_active

    counter = api.counter()
    ops = []
    for who in CALLERS:
        rec = received(AGENCY, _code(who), name="Lò Thị Ưng", id_number="001190012345")
        ops += [rec, event(rec.entity_id, _code(who), "processing", 2, 4)]
    resp = api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], ops), headers=counter["headers"]
    )
    assert {r["result"] for r in resp.json()["results"]} == {"applied"}
    callers = {
        "anonymous": {},
        "counter": counter["headers"],
        "officer": api.user("can.bo", "officer"),
        "head": api.user("truong.phong", "head"),
        "admin": api.user("quan.tri", "admin", agency=OTHER_AGENCY),  # an admin acts in every agency
        "stranger": api.user("nguoi.la", "head", agency=OTHER_AGENCY),
        "disabled": api.user("da.nghi", "head"),
    }
    set_user_active(api.engine, "da.nghi", False)
    return callers


def _state(api: Api, code: str = CODE) -> tuple[Any, ...]:
    with api.engine.connect() as conn:
        d = schema.dossiers.c
        row = conn.execute(select(d.status, d.version, d.updated_at).where(d.code == code)).one()
        log = conn.execute(select(func.count()).select_from(schema.change_log)).scalar_one()
        events = conn.execute(select(func.count()).select_from(schema.dossier_events)).scalar_one()
    return (*row, log, events)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_department_action_by_each_caller(api: Api, case: Case) -> None:
    callers = _setup(api)
    for who in CALLERS:
        dossier = _code(who)
        before = _state(api, dossier)
        status, code = case.expected[who]
        resp = case.call(api, callers[who], dossier)
        assert resp.status_code == status, (who, resp.text)
        if status >= 400:
            assert resp.headers["content-type"].startswith(PROBLEM)
            problem = resp.json()
            assert problem["code"] == code and problem["detail"], who  # a stable code, a Vietnamese sentence
            assert _state(api, dossier) == before, f"a refused request by {who} changed the dossier"
        elif status == 303:
            moved = _state(api, dossier) != before
            assert moved == (who in ("head", "admin")), (who, resp.headers["location"])
            if not moved:
                assert "ok=0" in resp.headers["location"], who  # the page says why
        else:
            assert _state(api, dossier) != before, who


def test_the_department_list_by_each_caller(api: Api) -> None:
    callers = _setup(api)
    every = sorted(_code(w) for w in CALLERS)
    for who in CALLERS:
        for path, expected in LISTS:
            resp = api.client.get(path, headers=callers[who])
            want = expected[who]
            if isinstance(want, tuple):
                assert (resp.status_code, resp.json()["code"]) == want, who
                assert resp.headers["content-type"].startswith(PROBLEM)
            else:
                assert resp.status_code == 200, resp.text
                assert sorted(d["code"] for d in resp.json()["dossiers"]) == (every if want else []), who
        page = api.client.get("/dept", headers=callers[who])
        if who in DEPT_LOGIN_ONLY:
            assert page.status_code == 401, who
        else:
            assert page.status_code == 200 and (CODE in page.text) == (who != "stranger"), who


def test_department_users_cannot_use_the_counters_sync_api(api: Api) -> None:
    callers = _setup(api)
    before = _state(api)
    for who in ("officer", "head", "admin"):
        body = push_body("x", [event("x", CODE, "result_ready", 4, 9)])
        pushed = api.client.post("/api/v1/sync/push", json=body, headers=callers[who])
        pulled = api.client.get("/api/v1/sync/pull", headers=callers[who])
        for resp in (pushed, pulled):
            assert resp.status_code == 401 and resp.json()["code"] == p.ERR_UNAUTHORISED
    assert _state(api) == before


def test_a_counter_touches_only_its_own_agency_and_slot(api: Api) -> None:
    _setup(api)
    before = _state(api)
    own = api.counter(name="Quầy 2")  # slot 2 of the same agency
    elsewhere = api.counter(OTHER_AGENCY, name="Quầy xã khác")
    with api.engine.connect() as conn:
        dossier_id = conn.execute(
            select(schema.dossiers.c.id).where(schema.dossiers.c.code == CODE)
        ).scalar_one()

    def push(counter: dict[str, Any], ops: list[Any], as_id: str | None = None) -> Any:
        body = push_body(as_id or counter["counter_id"], ops)
        return api.client.post("/api/v1/sync/push", json=body, headers=counter["headers"])

    refused = push(elsewhere, [event(dossier_id, CODE, "result_ready", 4, 9)]).json()["results"][0]
    assert (refused["result"], refused["error"]["code"]) == ("rejected", p.ERR_NOT_OWNER)
    for code in (code_of(AGENCY, 1, 50), code_of(OTHER_AGENCY, 2, 1)):  # slot 1's range; another agency
        result = push(own, [received(AGENCY, code)]).json()["results"][0]
        assert (result["result"], result["error"]["code"]) == ("rejected", p.ERR_CODE_SLOT)
    as_other = push(own, [received(AGENCY, code_of(AGENCY, 2, 1))], as_id=elsewhere["counter_id"])
    assert as_other.status_code == 403 and as_other.json()["code"] == p.ERR_FORBIDDEN
    assert _state(api) == before
    with api.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.dossiers)).scalar_one() == len(CALLERS)
