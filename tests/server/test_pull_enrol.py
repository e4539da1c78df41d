"""Enrolment (single use, expiry, revocation, high water) and pull (paging, agency scope, 410)."""

from __future__ import annotations

from datetime import date

from conftest import AGENCY, OTHER_AGENCY, Api
from ops_factory import code_of, push_body, received
from sqlalchemy import select, update

from central_server import schema
from central_server.auth import create_counter, revoke_counter
from central_server.ops import rotate_epoch
from counter_app.sync import protocol as p

PULL = "/api/v1/sync/pull"


def _push(api: Api, counter: dict, ops: list[p.WireOp]) -> None:
    resp = api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], ops), headers=counter["headers"]
    )
    assert resp.status_code == 200
    assert all(r["result"] == "applied" for r in resp.json()["results"]), resp.text


def test_enrol_code_works_once(api: Api) -> None:
    _, code = create_counter(api.engine, AGENCY, "Quầy 1", agency_name="UBND xã Ỷ La")
    first = api.client.post("/api/v1/enrol", json={"code": code.lower(), "counter_uuid": "u1"})
    assert first.status_code == 200
    data = p.EnrolResponse.from_json(first.json())
    assert data.slot == 1 and data.agency_name == "UBND xã Ỷ La" and len(data.token) >= 43
    again = api.client.post("/api/v1/enrol", json={"code": code, "counter_uuid": "u2"})
    assert again.status_code == 400 and again.json()["code"] == p.ERR_ENROL_CODE
    head = api.client.get("/api/v1/sync/head", headers={"Authorization": f"Bearer {data.token}"})
    assert head.json()["server_epoch"] == data.server_epoch


def test_enrol_expired_code_is_refused(api: Api) -> None:
    row, code = create_counter(api.engine, AGENCY, "Quầy 1")
    with api.engine.begin() as conn:
        conn.execute(
            update(schema.counters)
            .where(schema.counters.c.id == row["id"])
            .values(enrol_expires_at="2000-01-01T00:00:00+00:00")
        )
    resp = api.client.post("/api/v1/enrol", json={"code": code, "counter_uuid": "u1"})
    assert resp.status_code == 400 and resp.json()["code"] == p.ERR_ENROL_CODE


def test_revoked_counter_cannot_enrol_push_or_pull(api: Api) -> None:
    row, code = create_counter(api.engine, AGENCY, "Quầy chưa đăng ký")
    revoke_counter(api.engine, row["id"])
    resp = api.client.post("/api/v1/enrol", json={"code": code, "counter_uuid": "u1"})
    assert resp.status_code == 403 and resp.json()["code"] == p.ERR_REVOKED
    counter = api.counter(name="Quầy 2")
    revoke_counter(api.engine, counter["counter_id"])
    for resp in (
        api.client.get(PULL, headers=counter["headers"]),
        api.client.post(
            "/api/v1/sync/push", json=push_body(counter["counter_id"], []), headers=counter["headers"]
        ),
    ):
        assert resp.status_code == 403 and resp.json()["code"] == p.ERR_REVOKED


def test_enrol_hands_over_the_slots_high_water(api: Api) -> None:
    old = api.counter(name="Quầy cũ")
    _push(
        api,
        old,
        [
            received(AGENCY, code_of(AGENCY, 1, 5, date(2025, 3, 3))),
            received(AGENCY, code_of(AGENCY, 1, 9, date(2025, 3, 3))),
            received(AGENCY, code_of(AGENCY, 1, 2, date(2025, 3, 4))),
        ],
    )
    new = api.counter(name="Quầy thay thế", replace=old["counter_id"])
    assert new["slot"] == 1
    assert new["high_water"] == [
        {"day": "2025-03-03", "last_number": 9},
        {"day": "2025-03-04", "last_number": 2},
    ]
    # the replaced counter is revoked at once
    assert api.client.get(PULL, headers=old["headers"]).status_code == 403
    # a counter in another slot starts from nothing
    assert api.counter(name="Quầy 3")["high_water"] == []


def test_pull_pages_in_seq_order_with_has_more(api: Api) -> None:
    counter = api.counter()
    _push(api, counter, [received(AGENCY, code_of(AGENCY, 1, n)) for n in range(1, 8)])
    seen, since, pages = [], 0, 0
    while True:
        resp = api.client.get(PULL, params={"since": since, "limit": 3}, headers=counter["headers"])
        assert resp.status_code == 200 and resp.headers[p.PROTOCOL_HEADER] == "1"
        page = p.PullResponse.from_json(resp.json())
        for change in page.changes:
            p.check_snapshot(change.data)
        seen += [c.seq for c in page.changes]
        since, pages = page.next_since, pages + 1
        if not page.has_more:
            break
    assert seen == list(range(1, 8)) and pages == 3
    codes = [c["data"]["code"] for c in api.client.get(PULL, headers=counter["headers"]).json()["changes"]]
    assert codes == [code_of(AGENCY, 1, n) for n in range(1, 8)]
    empty = api.client.get(PULL, params={"since": since}, headers=counter["headers"]).json()
    assert empty["changes"] == [] and empty["has_more"] is False and empty["next_since"] == 7


def test_pull_covers_the_whole_agency_and_never_another(api: Api) -> None:
    desk1, desk2 = api.counter(name="Quầy 1"), api.counter(name="Quầy 2")
    elsewhere = api.counter(OTHER_AGENCY, name="Quầy xã khác")
    _push(api, desk1, [received(AGENCY, code_of(AGENCY, 1, 1))])
    _push(api, elsewhere, [received(OTHER_AGENCY, code_of(OTHER_AGENCY, 1, 1), name="Người xã khác")])
    _push(api, desk2, [received(AGENCY, code_of(AGENCY, 2, 1))])
    mine = api.client.get(PULL, headers=desk2["headers"]).json()
    assert [c["data"]["code"] for c in mine["changes"]] == [code_of(AGENCY, 1, 1), code_of(AGENCY, 2, 1)]
    assert mine["next_since"] == 3
    theirs = api.client.get(PULL, headers=elsewhere["headers"]).json()
    assert [c["data"]["code"] for c in theirs["changes"]] == [code_of(OTHER_AGENCY, 1, 1)]
    assert "Lò Thị Ưng" not in str(theirs)


def test_pull_with_another_epoch_or_a_cursor_from_the_future_is_410(api: Api) -> None:
    counter = api.counter()
    _push(api, counter, [received(AGENCY, code_of(AGENCY, 1, 1))])
    epoch = api.client.get("/api/v1/sync/head").json()["server_epoch"]
    assert api.client.get(PULL, params={"epoch": epoch}, headers=counter["headers"]).status_code == 200
    future = api.client.get(PULL, params={"since": 5, "epoch": epoch}, headers=counter["headers"])
    assert future.status_code == 410 and future.json()["code"] == p.ERR_MUST_REFETCH
    assert future.headers["content-type"] == p.PROBLEM_MEDIA_TYPE
    new_epoch = rotate_epoch(api.engine)
    gone = api.client.get(PULL, params={"epoch": epoch}, headers=counter["headers"])
    assert gone.status_code == 410 and gone.json()["server_epoch"] == new_epoch
    assert api.client.get("/api/v1/sync/head").json()["server_epoch"] == new_epoch


def test_pull_notes_the_last_pull(api: Api) -> None:
    counter = api.counter()
    assert api.client.get(PULL, headers=counter["headers"]).status_code == 200
    with api.engine.connect() as conn:
        value = conn.execute(select(schema.counters.c.last_pull_at)).scalar_one()
    assert value is not None
