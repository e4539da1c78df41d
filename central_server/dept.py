"""Department actions on dossiers (list, transition), shared by the API, the web page and the CLI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Engine, select

from central_server import auth, db, schema
from central_server.migrations import now_iso
from central_server.problems import ERR_CONFLICT, ApiError
from central_server.snapshot import (
    KIND_DOSSIER,
    advance_seq,
    dumps,
    load_dossiers,
    lock_change_log,
    save_states,
    wire_time,
    write_changes,
)
from counter_app.services.intake import STATUS_NAMES
from counter_app.services.workflow import ACTION_LABELS, TRANSITIONS
from counter_app.sync import protocol as p

SOURCE_DEPARTMENT: Final = "department"
OFFICER_ACTIONS: Final = ("supplement_requested", "payment_requested", "paid", "result_ready")
ROLE_ACTIONS: Final = {
    "officer": OFFICER_ACTIONS,
    "head": (*OFFICER_ACTIONS, "stopped"),
    "admin": (*OFFICER_ACTIONS, "stopped"),
}
NEEDS_REASON: Final = ("supplement_requested", "stopped")
FINISHING: Final = ("result_ready", "stopped")
LIST_MAX: Final = 500


def status_name(status: int | None) -> str:
    """The Vietnamese name of a national status code."""
    return STATUS_NAMES.get(status, str(status)) if status is not None else ""


@dataclass(frozen=True)
class Actor:
    """Who acts: a department user, or the server's command line (`agency_code` None: every agency)."""

    username: str
    full_name: str
    role: str
    agency_code: str | None

    @classmethod
    def cli(cls) -> Actor:
        return cls("cli", "Quản trị máy chủ (dòng lệnh)", "admin", None)

    @classmethod
    def from_user(cls, row: Any) -> Actor:
        role = str(row["role"])
        return cls(
            str(row["username"]),
            str(row["full_name"]),
            role,
            None if role == "admin" else str(row["agency_code"]),
        )

    @classmethod
    def load(cls, engine: Engine, username: str) -> Actor:
        with db.read(engine) as conn:
            row = auth.get_user(conn, username)
        if row is None or not row["active"]:
            raise ApiError(403, p.ERR_FORBIDDEN, f"Không có người dùng đang hoạt động «{username}».")
        return cls.from_user(row)


@dataclass(frozen=True)
class Outcome:
    """What a transition did."""

    code: str
    action: str
    status_from: int
    status_to: int
    seq: int
    snapshot: dict[str, Any]

    @property
    def status_from_name(self) -> str:
        return status_name(self.status_from)

    @property
    def status_to_name(self) -> str:
        return status_name(self.status_to)


def action_for(status: int, to: int) -> str | None:
    """The workflow action leading from `status` to `to`, if any."""
    for action, rule in TRANSITIONS.items():
        if rule.target == to and status in rule.sources:
            return action
    return None


def allowed(role: str, status: int) -> list[dict[str, Any]]:
    """The actions a role may take on a dossier in `status`: [{action, to, label, needs_reason}]."""
    out = []
    for action in ROLE_ACTIONS.get(role, ()):
        rule = TRANSITIONS[action]
        if status in rule.sources and rule.target is not None:
            out.append(
                {
                    "action": action,
                    "to": rule.target,
                    "label": ACTION_LABELS.get(action, action),
                    "needs_reason": action in NEEDS_REASON,
                }
            )
    return out


def transition(engine: Engine, actor: Actor, code: str, to: int, reason: str = "") -> Outcome:
    """Move a dossier to status `to` as the department: event + new version + change log, one transaction."""
    reason = reason.strip()
    with db.write(engine) as conn:
        last = lock_change_log(conn)
        state = next(iter(load_dossiers(conn, codes=[code]).values()), None)
        if state is None:
            raise ApiError(404, p.ERR_NOT_FOUND, f"Không có hồ sơ mã {code}.")
        row = state.row
        if actor.agency_code is not None and row["agency_code"] != actor.agency_code:
            raise ApiError(403, p.ERR_FORBIDDEN, f"Hồ sơ {code} không thuộc cơ quan của bạn.")
        current = int(row["status"])
        action = action_for(current, to)
        if action is None:
            raise ApiError(
                409,
                p.ERR_INVALID_STATUS,
                f"Không thể chuyển hồ sơ {code} từ «{status_name(current)}» sang «{status_name(to)}».",
                extra={"server": state.snapshot()},
            )
        if action not in ROLE_ACTIONS.get(actor.role, ()):
            raise ApiError(
                403,
                p.ERR_FORBIDDEN,
                f"Vai trò «{actor.role}» không được thực hiện «{ACTION_LABELS.get(action, action)}».",
            )
        if action in NEEDS_REASON and not reason:
            raise ApiError(400, p.ERR_BAD_REQUEST, f"Cần ghi lý do cho thao tác «{ACTION_LABELS[action]}».")
        seq = advance_seq(conn, 1)
        if seq != last + 1:
            raise ApiError(500, ERR_CONFLICT, "change-log sequence moved under the writers' lock")
        now = wire_time()
        payload = {"reason": reason} if reason else {}
        event = {
            "id": str(uuid.uuid4()),
            "kind": action,
            "status_from": current,
            "status_to": to,
            "at": now,
            "user": actor.username,
            "note": reason,
            "step_deadline": None,
            "payload": payload,
            "source": SOURCE_DEPARTMENT,
        }
        state.events.append(event)
        row["status"] = to
        row["version"] += 1
        row["updated_at"] = now_iso()
        if action in FINISHING:
            row["finished_at"] = now
        state.dirty = True
        event_row = {
            **event,
            "payload": dumps(payload),
            "dossier_id": row["id"],
            "position": len(state.events),
            "seq": seq,
        }
        save_states(conn, [state], [event_row])
        write_changes(
            conn,
            [
                {
                    "seq": seq,
                    "agency_code": row["agency_code"],
                    "entity_id": row["id"],
                    "kind": KIND_DOSSIER,
                    "data": state.head_text(),
                }
            ],
        )
        snapshot = state.snapshot()
    return Outcome(code, action, current, to, seq, snapshot)


def list_dossiers(
    engine: Engine,
    actor: Actor,
    *,
    status: int | None = None,
    limit: int = 100,
    after: str | None = None,
    agency_code: str | None = None,
) -> dict[str, Any]:
    """A page of dossiers of the actor's agency (an admin: any, or `agency_code`), ordered by code."""
    d = schema.dossiers.c
    limit = max(1, min(limit, LIST_MAX))
    agency = actor.agency_code or agency_code
    query = select(
        d.id,
        d.code,
        d.agency_code,
        d.applicant_name,
        d.procedure_code,
        d.procedure_name,
        d.status,
        d.version,
        d.received_at,
        d.appointment_at,
        d.finished_at,
        d.returned_at,
    )
    if agency:
        query = query.where(d.agency_code == agency)
    if status is not None:
        query = query.where(d.status == status)
    if after:
        query = query.where(d.code > after)
    with db.read(engine) as conn:
        rows = conn.execute(query.order_by(d.code).limit(limit + 1)).all()
    items = []
    for r in rows[:limit]:
        item = dict(r._mapping)
        item["status_name"] = status_name(r.status)
        item["actions"] = allowed(actor.role, int(r.status))
        items.append(item)
    return {"dossiers": items, "next_after": items[-1]["code"] if len(rows) > limit else None}
