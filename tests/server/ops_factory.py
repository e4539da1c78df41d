"""Build wire ops shaped like the counter's own (services/intake.py, services/workflow.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from counter_app.ids import uuid7
from counter_app.services.outbox import canonical_json, sha256_hex
from counter_app.sync import protocol as p


def make_op(kind: str, entity_id: str, payload: dict[str, Any], seq: int = 1) -> p.WireOp:
    """A WireOp whose payload is canonical JSON with its true sha256."""
    text = canonical_json(payload)
    return p.WireOp(uuid7(), seq, kind, entity_id, text, sha256_hex(text), "2025-03-03T02:00:00", "clerk-1")


def code_of(agency: str, slot: int, n: int, day: date = date(2025, 3, 3)) -> str:
    """`<agency>-<yyMMdd>-<slot*1000+n>`."""
    return f"{agency}-{day:%y%m%d}-{slot * 1000 + n:04d}"


def received(
    agency: str,
    code: str,
    *,
    name: str = "Lò Thị Ưng",
    id_number: str = "001190012345",
    dossier_id: str | None = None,
    seq: int = 1,
) -> p.WireOp:
    """A dossier.received op as intake.register_dossier enqueues it."""
    dossier_id = dossier_id or uuid7()
    payload = {
        "dossier": {
            "id": dossier_id,
            "code": code,
            "procedure_code": "1.001612",
            "procedure_name": "Đăng ký khai sinh",
            "applicant_id": uuid7(),
            "status": 2,
            "channel": "direct",
            "received_at": "2025-03-03T02:00:00",
            "appointment_at": "2025-03-05T09:00:00",
            "sets_count": 1,
            "delivery": "counter",
            "delivery_address": "",
            "fee_collected": 0,
            "fee_note": "",
            "clerk_id": "clerk-1",
            "version": 1,
        },
        "applicant": {
            "full_name": name,
            "birth_date": "1990-01-02",
            "gender": "female",
            "id_number": id_number,
            "phone": "0912345678",
            "email": "",
            "address_street": "Bản Púng",
            "address_commune": "Ỷ La",
            "address_province": "Tuyên Quang",
        },
        "submitter": {"name": "", "id_number": "", "authorisation_note": ""},
        "documents": [
            {
                "position": 1,
                "name": "Tờ khai đăng ký khai sinh",
                "originals": 1,
                "certified_copies": 0,
                "copies": 0,
                "received": True,
            },
            {
                "position": 2,
                "name": "Giấy chứng sinh",
                "originals": 1,
                "certified_copies": 0,
                "copies": 0,
                "received": True,
            },
        ],
        "event": {
            "id": uuid7(),
            "seq": 1,
            "kind": "received",
            "status_to": 2,
            "at": "2025-03-03T02:00:00",
            "step_deadline": "2025-03-05T09:00:00",
            "user_id": "clerk-1",
        },
        "agency_code": agency,
    }
    return make_op(p.OP_DOSSIER_RECEIVED, dossier_id, payload, seq)


def event(
    dossier_id: str,
    code: str,
    kind: str,
    status_from: int | None,
    status_to: int | None,
    *,
    seq: int = 2,
    event_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> p.WireOp:
    """A dossier.event op as workflow.transition enqueues it (status_from/to None: a print event)."""
    ev: dict[str, Any] = {
        "id": event_id or uuid7(),
        "seq": seq,
        "kind": kind,
        "at": "2025-03-03T03:00:00",
        "user_id": "clerk-1",
        "note": "",
    }
    payload: dict[str, Any] = {"dossier_id": dossier_id, "code": code, "event": ev}
    if status_from is not None:
        ev.update(status_from=status_from, status_to=status_to, step_deadline=None, payload={})
        payload.update(
            status=status_to, appointment_at="2025-03-06T09:00:00", finished_at=None, returned_at=None
        )
    payload.update(extra or {})
    return make_op(p.OP_DOSSIER_EVENT, dossier_id, payload, seq)


def push_body(
    counter_id: str, ops: list[p.WireOp] | tuple[p.WireOp, ...], protocol: int = 1
) -> dict[str, Any]:
    """A PushRequest body."""
    return p.PushRequest(counter_id, uuid7(), tuple(ops), protocol).to_json()
