"""Pydantic models that describe the wire format (protocol.py) in the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """An RFC 9457 problem+json body; `code` is stable (protocol.ERR_*)."""

    type: str
    title: str
    status: int
    detail: str = ""
    code: str


class Head(BaseModel):
    protocol_min: int
    protocol_max: int
    server_epoch: str
    server_time: str = Field(description="ISO 8601 UTC with offset")
    last_seq: int = Field(description="the newest change-log sequence")


class EnrolRequest(BaseModel):
    code: str = Field(description="the one-time enrolment code from `admin create-counter`")
    counter_uuid: str
    hostname: str = ""
    app_version: str = ""
    protocol: int = 1


class SlotHighWater(BaseModel):
    day: str = Field(description="ISO date")
    last_number: int = Field(description="n of slot*1000+n: never issue it again for that day")


class EnrolResponse(BaseModel):
    counter_id: str
    token: str = Field(description="bearer token for sync; shown once")
    file_key: str = Field(description="hex key signing offline outbox files (HMAC-SHA256)")
    agency_code: str
    agency_name: str
    counter_name: str
    slot: int
    server_epoch: str
    server_time: str
    high_water: list[SlotHighWater]


class WireOp(BaseModel):
    op_id: str
    seq: int = Field(description="the counter's outbox order")
    kind: Literal["dossier.received", "dossier.event", "audit.anchor"]
    entity_id: str = Field(description="the dossier UUID")
    payload: str = Field(description="canonical JSON text exactly as hashed")
    payload_sha256: str
    created_at: str
    clerk_id: str = ""


class PushRequest(BaseModel):
    protocol: int
    counter_id: str
    batch_id: str
    ops: list[WireOp] = Field(description="at most PUSH_MAX_OPS (1000); more is answered 413")


class OpError(BaseModel):
    code: str
    detail: str


class DossierEvent(BaseModel):
    id: str
    kind: str
    status_from: int | None
    status_to: int | None
    at: str | None
    user: str
    note: str
    step_deadline: str | None
    payload: dict[str, Any]
    source: Literal["counter", "department"]


class Snapshot(BaseModel):
    """A dossier as the server holds it (times are naive UTC ISO 8601, like the counter's)."""

    id: str
    code: str
    agency_code: str
    counter_id: str
    procedure_code: str
    procedure_name: str
    status: int
    version: int
    received_at: str | None
    appointment_at: str | None
    finished_at: str | None
    returned_at: str | None
    intake: dict[str, Any] = Field(description="the dossier.received payload as the counter sent it")
    events: list[DossierEvent]


class OpResult(BaseModel):
    op_id: str
    result: Literal["applied", "duplicate", "conflict", "rejected"]
    server_seq: int | None = None
    error: OpError | None = None
    server: Snapshot | None = Field(None, description="the server's dossier, on conflict")


class PushResponse(BaseModel):
    protocol: int
    results: list[OpResult] = Field(description="one per op, in request order")
    server_time: str
    server_epoch: str


class Change(BaseModel):
    seq: int
    kind: Literal["dossier"]
    entity_id: str
    data: Snapshot


class PullResponse(BaseModel):
    protocol: int
    changes: list[Change]
    next_since: int
    has_more: bool
    server_epoch: str
    server_time: str


class DeptAction(BaseModel):
    action: str
    to: int
    label: str
    needs_reason: bool


class DeptDossier(BaseModel):
    id: str
    code: str
    agency_code: str
    applicant_name: str
    procedure_code: str
    procedure_name: str
    status: int
    status_name: str
    version: int
    received_at: str | None
    appointment_at: str | None
    finished_at: str | None
    returned_at: str | None
    actions: list[DeptAction] = Field(description="what the signed-in user may do now")


class DeptList(BaseModel):
    dossiers: list[DeptDossier]
    next_after: str | None = Field(description="pass as `after` for the next page")


class DeptTransitionRequest(BaseModel):
    to: int = Field(description="target national status code")
    reason: str = ""


class DeptTransitionResponse(BaseModel):
    code: str
    action: str
    status_from: int
    status_to: int
    server_seq: int
    dossier: Snapshot
