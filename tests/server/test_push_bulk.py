"""One batch mixing every outcome gets, op for op, what pushing the ops one at a time gets."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import AGENCY, OTHER_AGENCY, Api
from ops_factory import code_of, event, make_op, push_body, received
from sqlalchemy import func, select

from central_server import schema
from counter_app.sync import protocol as p

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


def _mixed(agency: str) -> list[p.WireOp]:
    """applied, duplicate (same op again), conflict (code taken), op id reused, bad hash, unknown
    dossier, an applied transition, a stale transition, an op that is not valid."""
    first = received(agency, code_of(agency, 1, 1))
    second = received(agency, code_of(agency, 1, 2))
    taken = received(agency, code_of(agency, 1, 1))  # another dossier under the first one's code
    other = received(agency, code_of(agency, 1, 3))
    reused = p.WireOp(
        second.op_id, 9, second.kind, other.entity_id, other.payload, other.payload_sha256, second.created_at
    )
    third = received(agency, code_of(agency, 1, 4))
    bad_hash = p.WireOp(
        third.op_id, 10, third.kind, third.entity_id, third.payload, "0" * 64, third.created_at, "clerk-1"
    )
    code = code_of(agency, 1, 1)
    return [
        first,
        first,
        second,
        taken,
        reused,
        bad_hash,
        event("no-such-dossier", "x", "processing", 2, 4),
        event(first.entity_id, code, "processing", 2, 4),
        event(first.entity_id, code, "processing", 2, 4),  # the dossier is at 4 by now
        make_op(p.OP_DOSSIER_RECEIVED, "x", {"dossier": "not an object"}),
    ]


def _push(api: Api, counter: dict[str, Any], ops: list[p.WireOp]) -> list[dict[str, Any]]:
    resp = api.client.post(PUSH, json=push_body(counter["counter_id"], ops), headers=counter["headers"])
    assert resp.status_code == 200, resp.text
    results: list[dict[str, Any]] = resp.json()["results"]
    return results


def _outcome(result: dict[str, Any]) -> tuple[str, str | None]:
    return result["result"], (result["error"] or {}).get("code")


def _rows(api: Api, agency: str) -> tuple[int, int, int]:
    d, c = schema.dossiers.c, schema.change_log.c
    with api.engine.connect() as conn:
        dossiers = conn.execute(select(func.count()).where(d.agency_code == agency)).scalar_one()
        changes = conn.execute(select(func.count()).where(c.agency_code == agency)).scalar_one()
        events = conn.execute(
            select(func.count())
            .select_from(schema.dossier_events.join(schema.dossiers))
            .where(d.agency_code == agency)
        ).scalar_one()
    return int(dossiers), int(changes), int(events)


def test_a_mixed_batch_gets_the_results_of_pushing_its_ops_one_by_one(api: Api) -> None:
    bulk_desk, single_desk = api.counter(AGENCY), api.counter(OTHER_AGENCY, name="Quầy xã khác")
    batch = _push(api, bulk_desk, _mixed(AGENCY))
    one_by_one = [_push(api, single_desk, [op])[0] for op in _mixed(OTHER_AGENCY)]

    assert (
        [_outcome(r) for r in batch]
        == [_outcome(r) for r in one_by_one]
        == [
            ("applied", None),
            ("duplicate", None),
            ("applied", None),
            ("conflict", p.ERR_CODE_TAKEN),
            ("rejected", p.ERR_OP_ID_REUSED),
            ("rejected", p.ERR_HASH_MISMATCH),
            ("rejected", p.ERR_UNKNOWN_DOSSIER),
            ("applied", None),
            ("conflict", p.ERR_STALE),
            ("rejected", p.ERR_INVALID_OP),
        ]
    )
    # The duplicate names the first copy's change; a conflict carries the server's dossier.
    assert batch[1]["server_seq"] == batch[0]["server_seq"]
    assert batch[3]["server"]["code"] == code_of(AGENCY, 1, 1) and batch[8]["server"]["status"] == 4
    applied = [r["server_seq"] for r in batch if r["result"] == "applied"]
    assert applied == sorted(applied) and len(set(applied)) == 3  # one serialised change per applied op
    assert _rows(api, AGENCY) == _rows(api, OTHER_AGENCY) == (2, 3, 3)
    with api.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.applied_ops)).scalar_one() == 6


def test_a_batch_sent_again_is_answered_duplicate_op_for_op(api: Api) -> None:
    desk = api.counter()
    ops = _mixed(AGENCY)
    first = _push(api, desk, ops)
    second = _push(api, desk, ops)
    for before, after in zip(first, second, strict=True):  # a lost answer: the same batch again
        if before["result"] in ("applied", "duplicate"):
            assert _outcome(after) == ("duplicate", None) and after["server_seq"] == before["server_seq"]
        else:
            assert _outcome(after) == _outcome(before)
    assert _rows(api, AGENCY) == (2, 3, 3)


@pytest.mark.parametrize(
    ("field", "value"), [("seq", True), ("seq", "1"), ("payload", 5), ("op_id", None), ("clerk_id", 3)]
)
def test_an_op_of_the_wrong_shape_is_still_refused_by_name(field: str, value: Any) -> None:
    data = received(AGENCY, code_of(AGENCY, 1, 1)).to_json()
    data[field] = value
    with pytest.raises(p.ProtocolError, match=field):
        p.WireOp.from_json(data)
