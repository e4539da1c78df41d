"""The sync wire format shared by the counter and the central server: one module, one truth.

Everything that crosses the wire is plain JSON built and checked here, so the client and the server
cannot drift apart. Version range: a server speaks PROTOCOL_MIN..PROTOCOL_MAX; every response carries
the `X-Sync-Protocol` header (a 200 without it, e.g. a captive portal's HTML page, is not ours).

Endpoints (all under /api/v1):
- GET  sync/head                     -> Head (no authentication; the cheap probe)
- POST enrol                         EnrolRequest -> EnrolResponse (one-time code)
- POST sync/push   (Bearer token)    PushRequest -> PushResponse (per-op results)
- GET  sync/pull?since=N&limit=L&epoch=E (Bearer token) -> PullResponse, or 410 must_refetch

An op's `payload` travels as the exact canonical JSON text the counter hashed (`payload_sha256`), so
the server can check the hash byte for byte and store the op frozen. Ops are idempotent by `op_id`:
the same op again is answered `duplicate` (success); the same op_id with another hash is `rejected`
with code `op_id_reused`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
PROTOCOL_MIN: Final = 1
PROTOCOL_MAX: Final = 1
PROTOCOL_HEADER: Final = "X-Sync-Protocol"
API_PREFIX: Final = "/api/v1"

PUSH_MAX_OPS: Final = 1000  # a larger batch is answered 413 (the client halves and retries)
PULL_MAX_LIMIT: Final = 1000

# Op kinds a counter may push.
OP_DOSSIER_RECEIVED: Final = "dossier.received"  # payload: {"dossier": {...}, "applicant": ..., "event": ...}
OP_DOSSIER_EVENT: Final = "dossier.event"  # payload: {"dossier_id", "code", "status", "event": {...}, ...}
OP_AUDIT_ANCHOR: Final = "audit.anchor"  # payload: {"last_id": int, "head_hash": str}
OP_KINDS: Final = (OP_DOSSIER_RECEIVED, OP_DOSSIER_EVENT, OP_AUDIT_ANCHOR)

# Per-op results.
APPLIED: Final = "applied"
DUPLICATE: Final = "duplicate"
CONFLICT: Final = "conflict"
REJECTED: Final = "rejected"
RESULTS: Final = (APPLIED, DUPLICATE, CONFLICT, REJECTED)

# Stable error codes: per-op `error.code` and problem+json `code` of whole-request errors.
ERR_BAD_REQUEST: Final = "bad_request"  # 400: malformed body
ERR_UNAUTHORISED: Final = "unauthorised"  # 401: no or unknown token
ERR_REVOKED: Final = "counter_revoked"  # 403: the counter was revoked; stop and tell the supervisor
ERR_FORBIDDEN: Final = "forbidden"  # 403: role or scope
ERR_NOT_FOUND: Final = "not_found"  # 404
ERR_ENROL_CODE: Final = "enrolment_code_invalid"  # 400: unknown, used or expired enrolment code
ERR_BATCH_TOO_LARGE: Final = "batch_too_large"  # 413
ERR_PROTOCOL: Final = "protocol_unsupported"  # 426: update the application
ERR_MUST_REFETCH: Final = "must_refetch"  # 410: epoch changed or cursor unknown; refetch server data
ERR_RATE_LIMITED: Final = "rate_limited"  # 429 with Retry-After
ERR_UNAVAILABLE: Final = "unavailable"  # 503 with Retry-After
ERR_INVALID_STATUS: Final = "invalid_transition"  # per op: the server's status does not allow it
# Per-op codes.
ERR_OP_ID_REUSED: Final = "op_id_reused"  # same op_id, different payload: quarantine, never resend
ERR_HASH_MISMATCH: Final = "payload_hash_mismatch"  # payload text does not hash to payload_sha256
ERR_INVALID_OP: Final = "invalid_op"  # payload fails validation (missing field, wrong type)
ERR_CODE_SLOT: Final = "code_not_in_slot"  # a dossier code outside the counter's agency or slot
ERR_CODE_TAKEN: Final = "code_taken"  # the code already belongs to another dossier (conflict)
ERR_NOT_OWNER: Final = "not_owner"  # the dossier belongs to another agency
ERR_UNKNOWN_DOSSIER: Final = "unknown_dossier"  # an event for a dossier the server does not hold
ERR_STALE: Final = "stale_status"  # conflict: the dossier moved on the server since the counter saw it

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"


class ProtocolError(ValueError):
    """A message that does not follow this protocol (a client or server bug, or not our server)."""


def sha256_text(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, as 64 lower-case hex digits (the op payload hash)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _req(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, Mapping) or key not in data:
        raise ProtocolError(f"{where}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProtocolError(f"{where}: '{key}' has the wrong type")
    return value


def _opt(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, Mapping):
        raise ProtocolError(f"{where}: not an object")
    if data.get(key) is None:
        return None
    return _req(data, key, kind, where)


@dataclass(frozen=True)
class Head:
    """The cheap probe's answer: which protocol versions, which epoch, the server's clock."""

    protocol_min: int
    protocol_max: int
    server_epoch: str
    server_time: str  # ISO 8601 UTC with offset
    last_seq: int  # the newest change-log sequence (a cursor above it means the server went back)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Head:
        w = "head"
        return cls(
            _req(data, "protocol_min", int, w),
            _req(data, "protocol_max", int, w),
            _req(data, "server_epoch", str, w),
            _req(data, "server_time", str, w),
            _req(data, "last_seq", int, w),
        )


@dataclass(frozen=True)
class EnrolRequest:
    """A counter presents the one-time code the province's admin gave it."""

    code: str
    counter_uuid: str
    hostname: str = ""
    app_version: str = ""
    protocol: int = PROTOCOL_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnrolRequest:
        w = "enrol"
        return cls(
            _req(data, "code", str, w),
            _req(data, "counter_uuid", str, w),
            _opt(data, "hostname", str, w) or "",
            _opt(data, "app_version", str, w) or "",
            _opt(data, "protocol", int, w) or PROTOCOL_VERSION,
        )


@dataclass(frozen=True)
class SlotHighWater:
    """The last number the server has seen in this slot for one day (never issue it again)."""

    day: str  # ISO date
    last_number: int  # n of slot*1000+n


@dataclass(frozen=True)
class EnrolResponse:
    """What a counter needs to work: its id, secret token, file-signing key, agency and code slot."""

    counter_id: str
    token: str
    file_key: str  # hex; signs offline outbox files (HMAC-SHA256)
    agency_code: str
    agency_name: str
    counter_name: str
    slot: int
    server_epoch: str
    server_time: str
    high_water: tuple[SlotHighWater, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["high_water"] = [asdict(h) for h in self.high_water]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnrolResponse:
        w = "enrol response"
        marks = _opt(data, "high_water", list, w) or []
        return cls(
            _req(data, "counter_id", str, w),
            _req(data, "token", str, w),
            _req(data, "file_key", str, w),
            _req(data, "agency_code", str, w),
            _req(data, "agency_name", str, w),
            _req(data, "counter_name", str, w),
            _req(data, "slot", int, w),
            _req(data, "server_epoch", str, w),
            _req(data, "server_time", str, w),
            tuple(SlotHighWater(_req(m, "day", str, w), _req(m, "last_number", int, w)) for m in marks),
        )


_WIRE_TEXT: Final = ("op_id", "kind", "entity_id", "payload", "payload_sha256", "created_at")


@dataclass(frozen=True)
class WireOp:
    """One outbox op on the wire. `seq` is the counter's outbox order (ops apply in that order)."""

    op_id: str
    seq: int
    kind: str
    entity_id: str
    payload: str  # canonical JSON text, exactly as hashed
    payload_sha256: str
    created_at: str  # the counter's clock (data, never an ordering key)
    clerk_id: str = ""

    def to_json(self) -> dict[str, Any]:
        # What asdict gives, without its deep copy (a push batch encodes up to 1000 of these).
        return {
            "op_id": self.op_id,
            "seq": self.seq,
            "kind": self.kind,
            "entity_id": self.entity_id,
            "payload": self.payload,
            "payload_sha256": self.payload_sha256,
            "created_at": self.created_at,
            "clerk_id": self.clerk_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WireOp:
        if type(data) is dict:  # the common case at a batch's rate: plain types, checked at once
            values: tuple[Any, ...] = tuple(data.get(k) for k in _WIRE_TEXT)
            seq, clerk = data.get("seq"), data.get("clerk_id")
            if (
                type(seq) is int
                and all(type(v) is str for v in values)
                and (clerk is None or type(clerk) is str)
            ):
                op_id, kind, entity_id, payload, payload_sha256, created_at = values
                return cls(op_id, seq, kind, entity_id, payload, payload_sha256, created_at, clerk or "")
        w = "op"  # anything else: field by field, naming what is wrong
        return cls(
            _req(data, "op_id", str, w),
            _req(data, "seq", int, w),
            _req(data, "kind", str, w),
            _req(data, "entity_id", str, w),
            _req(data, "payload", str, w),
            _req(data, "payload_sha256", str, w),
            _req(data, "created_at", str, w),
            _opt(data, "clerk_id", str, w) or "",
        )


@dataclass(frozen=True)
class PushRequest:
    """A batch of ops in outbox order; the batch id is for logs only (idempotency is per op)."""

    counter_id: str
    batch_id: str
    ops: tuple[WireOp, ...]
    protocol: int = PROTOCOL_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "counter_id": self.counter_id,
            "batch_id": self.batch_id,
            "ops": [op.to_json() for op in self.ops],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushRequest:
        w = "push"
        ops = _req(data, "ops", list, w)
        return cls(
            _req(data, "counter_id", str, w),
            _req(data, "batch_id", str, w),
            tuple(WireOp.from_json(op) for op in ops),
            _req(data, "protocol", int, w),
        )


@dataclass(frozen=True)
class OpError:
    """Why an op was not applied: a stable code and a Vietnamese detail for the supervisor."""

    code: str
    detail: str


@dataclass(frozen=True)
class OpResult:
    """The server's answer for one op. `server` is the dossier as the server holds it (on conflict)."""

    op_id: str
    result: str  # one of RESULTS
    server_seq: int | None = None  # change-log sequence of the effect (applied/duplicate)
    error: OpError | None = None
    server: Mapping[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        """Applied or duplicate: the server holds the op's effect; never send it again."""
        return self.result in (APPLIED, DUPLICATE)

    def to_json(self) -> dict[str, Any]:
        return {
            "op_id": self.op_id,
            "result": self.result,
            "server_seq": self.server_seq,
            "error": asdict(self.error) if self.error else None,
            "server": dict(self.server) if self.server is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OpResult:
        if type(data) is dict and data.get("error") is None and data.get("server") is None:
            # The common case at a batch's rate (applied/duplicate): plain types, checked at once.
            op_id, result, seq = data.get("op_id"), data.get("result"), data.get("server_seq")
            if type(op_id) is str and result in RESULTS and (seq is None or type(seq) is int):
                return cls(op_id, result, seq)
        w = "op result"  # anything else: field by field, naming what is wrong
        result = _req(data, "result", str, w)
        if result not in RESULTS:
            raise ProtocolError(f"{w}: unknown result '{result}'")
        err = _opt(data, "error", Mapping, w)
        return cls(
            _req(data, "op_id", str, w),
            result,
            _opt(data, "server_seq", int, w),
            OpError(_req(err, "code", str, w), _req(err, "detail", str, w)) if err else None,
            _opt(data, "server", Mapping, w),
        )


@dataclass(frozen=True)
class PushResponse:
    """One result per op, in request order, plus the server's clock and epoch."""

    results: tuple[OpResult, ...]
    server_time: str
    server_epoch: str
    protocol: int = PROTOCOL_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "results": [r.to_json() for r in self.results],
            "server_time": self.server_time,
            "server_epoch": self.server_epoch,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PushResponse:
        w = "push response"
        return cls(
            tuple(map(OpResult.from_json, _req(data, "results", list, w))),
            _req(data, "server_time", str, w),
            _req(data, "server_epoch", str, w),
            _req(data, "protocol", int, w),
        )


@dataclass(frozen=True)
class Change:
    """One change-log entry: the dossier's whole server snapshot after the change (see `snapshot`)."""

    seq: int
    kind: str  # "dossier"
    entity_id: str
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "entity_id": self.entity_id, "data": dict(self.data)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        if type(data) is dict:  # the common case at a page's rate: plain types, checked at once
            seq, kind, entity_id = data.get("seq"), data.get("kind"), data.get("entity_id")
            snap = data.get("data")
            if type(seq) is int and type(kind) is str and type(entity_id) is str and type(snap) is dict:
                return cls(seq, kind, entity_id, snap)
        w = "change"  # anything else: field by field, naming what is wrong
        return cls(
            _req(data, "seq", int, w),
            _req(data, "kind", str, w),
            _req(data, "entity_id", str, w),
            _req(data, "data", Mapping, w),
        )


@dataclass(frozen=True)
class PullResponse:
    """A page of changes after the cursor, in server order; loop while `has_more`."""

    changes: tuple[Change, ...]
    next_since: int
    has_more: bool
    server_epoch: str
    server_time: str
    protocol: int = PROTOCOL_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "changes": [c.to_json() for c in self.changes],
            "next_since": self.next_since,
            "has_more": self.has_more,
            "server_epoch": self.server_epoch,
            "server_time": self.server_time,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PullResponse:
        w = "pull response"
        return cls(
            tuple(Change.from_json(c) for c in _req(data, "changes", list, w)),
            _req(data, "next_since", int, w),
            _req(data, "has_more", bool, w),
            _req(data, "server_epoch", str, w),
            _req(data, "server_time", str, w),
            _req(data, "protocol", int, w),
        )


# The dossier snapshot carried by a pull change and by a conflict result. Keys:
#   id, code, agency_code, counter_id, procedure_code, procedure_name, status, version (server's,
#   +1 per change), received_at, appointment_at, finished_at, returned_at (ISO UTC or None),
#   intake (the dossier.received payload as the counter sent it: applicant, submitter, documents, ...),
#   events: [{id, kind, status_from, status_to, at, user, note, step_deadline, payload, source}]
#   in server order; `source` is "counter" or "department".
SNAPSHOT_KEYS: Final = (
    "id",
    "code",
    "agency_code",
    "counter_id",
    "procedure_code",
    "procedure_name",
    "status",
    "version",
    "received_at",
    "appointment_at",
    "finished_at",
    "returned_at",
    "intake",
    "events",
)


def check_snapshot(data: Mapping[str, Any]) -> None:
    """Raise ProtocolError unless `data` has every snapshot key with a plausible type."""
    w = "snapshot"
    for key in ("id", "code", "agency_code", "procedure_code"):
        _req(data, key, str, w)
    _req(data, "status", int, w)
    _req(data, "version", int, w)
    _req(data, "intake", Mapping, w)
    _req(data, "events", list, w)
    for key in ("received_at", "appointment_at", "finished_at", "returned_at"):
        _opt(data, key, str, w)


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem+json body with our stable `code`."""

    status: int
    code: str
    title: str
    detail: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": f"urn:counter-sync:{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **dict(self.extra),
        }

    @classmethod
    def from_json(cls, status: int, data: Mapping[str, Any]) -> Problem:
        code = data.get("code") if isinstance(data, Mapping) else None
        if not isinstance(code, str):
            raise ProtocolError("problem: missing 'code'")
        return cls(status, code, str(data.get("title", "")), str(data.get("detail", "")))


def batch(ops: Sequence[WireOp], size: int) -> list[tuple[WireOp, ...]]:
    """Split ops into batches of at most `size`, keeping their order."""
    if size < 1:
        raise ValueError("batch size must be positive")
    return [tuple(ops[i : i + size]) for i in range(0, len(ops), size)]


# Offline outbox files (a USB stick when there is no link at all):
#   {"format": OUTBOX_FILE_FORMAT, "counter_id", "created_at", "ops": [WireOp...], "signature"}
# `signature` is the hex HMAC-SHA256, keyed with the counter's `file_key` (hex, from enrolment), of the
# canonical JSON of the object without "signature". The central server imports it with push's rules.
OUTBOX_FILE_FORMAT: Final = "counter-outbox/1"


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_outbox_file(
    counter_id: str, created_at: str, ops: Sequence[WireOp], file_key: str
) -> dict[str, Any]:
    """The signed outbox-file object for `ops` (write it with json.dump)."""
    body: dict[str, Any] = {
        "format": OUTBOX_FILE_FORMAT,
        "counter_id": counter_id,
        "created_at": created_at,
        "ops": [op.to_json() for op in ops],
    }
    body["signature"] = hmac.new(bytes.fromhex(file_key), _canonical(body), "sha256").hexdigest()
    return body


def read_outbox_file(data: Mapping[str, Any], file_key_for: Any) -> tuple[str, tuple[WireOp, ...]]:
    """Check an outbox file and return (counter_id, ops); `file_key_for(counter_id)` gives the hex key.

    Raises ProtocolError if the format is unknown, the counter unknown or the signature wrong.
    """
    w = "outbox file"
    if _req(data, "format", str, w) != OUTBOX_FILE_FORMAT:
        raise ProtocolError(f"{w}: unknown format")
    counter_id = _req(data, "counter_id", str, w)
    signature = _req(data, "signature", str, w)
    key = file_key_for(counter_id)
    if not key:
        raise ProtocolError(f"{w}: unknown counter {counter_id}")
    body = {k: v for k, v in data.items() if k != "signature"}
    expected = hmac.new(bytes.fromhex(key), _canonical(body), "sha256").hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ProtocolError(f"{w}: bad signature")
    return counter_id, tuple(WireOp.from_json(op) for op in _req(data, "ops", list, w))
