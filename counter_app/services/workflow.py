"""The dossier status workflow: one table of allowed transitions, each written as an event + projection."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, local_to_utc, utc_to_local
from counter_app.deadlines import (
    DeadlineState,
    Extension,
    PauseRule,
    Timeliness,
    apply_extension,
    classify_finished,
    compute_appointment,
    format_instant,
    working_time,
)
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _
from counter_app.ids import uuid7
from counter_app.services import outbox  # called as outbox.enqueue, like intake
from counter_app.services.audit import append_audit
from counter_app.services.calendar_admin import counter_calendar, counter_hours, pauses_of, rule_of
from counter_app.services.departments import department_of
from counter_app.services.intake import STAFF_ROLES, STATUS_NAMES
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy, authenticate, require_role
from counter_app.storage.models import Dossier, DossierEvent, User
from counter_app.text import nfc

__all__ = [
    "ACTION_LABELS",
    "TRANSITIONS",
    "TimelineEntry",
    "Transition",
    "TransitionResult",
    "allowed_actions",
    "check_override",
    "dossier_timeline",
    "transition",
]

EXTENDED = "extended"
REFUSED = "refused"
OVERRIDE_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class Transition:
    """One allowed action: the statuses it may start from and the status it leads to (None: unchanged)."""

    sources: frozenset[int]
    target: int | None


# THE table of allowed transitions (national status codes, domain §5). The action name is also the
# kind of the event written. "extended" (Mẫu 04, hẹn lại) keeps the status and moves the appointment.
TRANSITIONS: dict[str, Transition] = {
    "processing": Transition(frozenset({2}), 4),
    "supplement_requested": Transition(frozenset({4}), 5),
    "supplement_received": Transition(frozenset({5}), 4),
    "payment_requested": Transition(frozenset({4}), 6),
    "paid": Transition(frozenset({6}), 4),
    "result_ready": Transition(frozenset({4}), 9),
    "returned": Transition(frozenset({9}), 10),
    "withdrawn": Transition(frozenset({2, 4, 5, 6}), 7),
    "stopped": Transition(frozenset({4, 5, 6}), 8),
    # Refused after intake: found invalid (not eligible, not competent) on checking or in processing,
    # or the applicant never brought the supplement. Mẫu 03 with the reason; status 3.
    REFUSED: Transition(frozenset({2, 4, 5}), 3),
    EXTENDED: Transition(frozenset({2, 4, 6}), None),
}

# Vietnamese labels of every event kind (the transitions above and the events other services write).
ACTION_LABELS: dict[str, str] = {
    "received": N_("Tiếp nhận hồ sơ"),
    "processing": N_("Chuyển xử lý"),
    "supplement_requested": N_("Yêu cầu bổ sung giấy tờ"),
    "supplement_received": N_("Nhận hồ sơ bổ sung"),
    "payment_requested": N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "paid": N_("Đã thực hiện nghĩa vụ tài chính"),
    "result_ready": N_("Đã có kết quả"),
    "returned": N_("Trả kết quả"),
    "withdrawn": N_("Công dân rút hồ sơ"),
    "stopped": N_("Dừng xử lý"),
    REFUSED: N_("Từ chối giải quyết hồ sơ (Mẫu 03)"),
    EXTENDED: N_("Gia hạn, hẹn lại ngày trả (Mẫu 04)"),
    "appointment_recomputed": N_("Tính lại ngày hẹn do thay đổi lịch làm việc"),
    "receipt_printed": N_("In Giấy tiếp nhận và hẹn trả kết quả"),
    "receipt_reprinted": N_("In lại Giấy tiếp nhận và hẹn trả kết quả"),
    "corrected": N_("Sửa thông tin tiếp nhận"),
    "reprint_requested": N_("Đề nghị in lại giấy tờ"),
    "reprint_approved": N_("Lãnh đạo duyệt in lại"),
    "reprint_refused": N_("Lãnh đạo không duyệt in lại"),
}
# What the "chuyển sang «…»" part of a refusal names for each action.
_TARGET_TEXT: dict[str, str] = {
    **{action: STATUS_NAMES[t.target] for action, t in TRANSITIONS.items() if t.target is not None},
    EXTENDED: N_("Gia hạn (hẹn lại ngày trả)"),
    REFUSED: N_("Từ chối giải quyết (Không được tiếp nhận)"),
}
_NEEDS_REASON = {
    "supplement_requested": N_("lý do yêu cầu bổ sung"),
    "withdrawn": N_("lý do công dân rút hồ sơ"),
    "stopped": N_("lý do dừng xử lý"),
    REFUSED: N_("lý do từ chối giải quyết (ghi trên Mẫu 03)"),
    EXTENDED: N_("lý do gia hạn (ghi trên Mẫu 04)"),
}
_OPEN_TARGETS = (2, 4, 6)  # statuses in which the appointment is a step deadline being counted


@dataclass(frozen=True)
class TransitionResult:
    """What one accepted transition did; `appointment_local` is the appointment in force afterwards."""

    code: str
    action: str
    status_from: int
    status_to: int
    appointment_local: datetime | None
    timeliness: Timeliness | None
    seq: int
    version: int


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a dossier's history for the detail view (times are local)."""

    seq: int
    kind: str
    label: str
    status_from: int | None
    status_from_name: str
    status_to: int | None
    status_to_name: str
    at_local: datetime
    user_name: str
    note: str
    step_deadline_local: datetime | None
    payload: dict[str, Any]


def allowed_actions(status: int) -> list[str]:
    """The actions the table allows from `status`, in table order (for menus and help)."""
    return [action for action, t in TRANSITIONS.items() if status in t.sources]


def _status_name(status: int | None) -> str:
    return _(STATUS_NAMES.get(status, str(status))) if status is not None else ""


def _label(kind: str) -> str:
    if kind in ACTION_LABELS:
        return _(ACTION_LABELS[kind])
    if kind.endswith("_reprinted"):
        return _("In lại giấy tờ")
    if kind.endswith("_printed"):
        return _("In giấy tờ")
    return kind


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="minutes") if value is not None else None


def _load(session: Session, code: str) -> Dossier:
    dossier = session.scalar(select(Dossier).where(Dossier.code == code.strip()))
    if dossier is None:
        raise UserFacingError(_("Không tìm thấy hồ sơ có mã {text}.").format(text=code.strip()))
    # Other services add events by dossier_id; reload the list so it holds every event written so far.
    session.flush()
    session.expire(dossier, ["events"])
    return dossier


def _check_fields(
    action: str,
    reason: str,
    missing: tuple[str, ...],
    new_appointment_local: datetime | None,
    fee_collected: int,
) -> None:
    errors: dict[str, str] = {}
    if action in _NEEDS_REASON and not reason:
        errors["reason"] = _("Hãy ghi {what}").format(what=_(_NEEDS_REASON[action]))
    if action == "supplement_requested" and not missing:
        errors["missing"] = _("Hãy ghi đủ các giấy tờ cần bổ sung (một lần, theo Mẫu 02)")
    if action == EXTENDED and new_appointment_local is None:
        errors["new_appointment"] = _("Hãy chọn ngày hẹn trả mới")
    if fee_collected < 0:
        errors["fee_collected"] = _("Số tiền phí, lệ phí không được âm")
    if errors:
        raise FieldErrors(errors)


def _extensions(dossier: Dossier) -> list[Extension]:
    found = []
    for event in dossier.events:
        if event.kind == EXTENDED:
            data = json.loads(event.payload)
            found.append(
                Extension(
                    datetime.fromisoformat(data["previous"]),
                    datetime.fromisoformat(data["new"]),
                    event.note,
                    event.user_id or "",
                    data.get("override_by"),
                )
            )
    return found


def _after_pause_change(
    session: Session, dossier: Dossier, events: Sequence[DossierEvent], before: datetime | None
) -> datetime | None:
    """The appointment after a supplement request or receipt (`events` includes the new one).

    Without an extension the engine recomputes from the receipt with every pause so far. After an
    extension (Mẫu 04) the engine's rule no longer gives the appointment in force, so the extended
    appointment is moved by the pause the same way the engine would move it.
    """
    calendar, hours = counter_calendar(session), counter_hours(session)
    rule = rule_of(dossier.procedure)
    pauses = pauses_of(events)
    if not any(e.kind == EXTENDED for e in events) or rule.pause_rule is PauseRule.RESTART:
        received = utc_to_local(dossier.received_at)
        return compute_appointment(received, rule, calendar=calendar, hours=hours, pauses=pauses).due
    last = pauses[-1]
    if rule.pause_rule is PauseRule.NONE or before is None or last.start >= before:
        return before  # nothing to stop, or the time had already run out
    if last.end is None:
        return None  # stopped until the applicant comes back
    wt = working_time(calendar, hours)
    return wt.add_working_seconds(before, wt.working_seconds_between(last.start, last.end))


def _pause_base(dossier: Dossier) -> datetime | None:
    """The appointment in force when the open supplement request was made (stored in its event)."""
    for event in reversed(dossier.events):
        if event.kind == "supplement_requested":
            value = json.loads(event.payload).get("appointment_before")
            return datetime.fromisoformat(value) if value else None
    return None


def transition(
    session: Session,
    clock: Clock,
    code: str,
    to: str,
    user_id: str,
    *,
    at_local: datetime | None = None,
    reason: str = "",
    missing: Sequence[str] = (),
    new_appointment_local: datetime | None = None,
    collector_name: str = "",
    collector_id_number: str = "",
    fee_collected: int = 0,
    override_by: str | None = None,
    expected_version: int | None = None,
    department: str = "",
) -> TransitionResult:
    """Apply the action `to` (a key of TRANSITIONS) to the dossier `code`, in the caller's transaction.

    Checks everything first (user, fields, the transition table, time, version) and raises
    UserFacingError / FieldErrors with a Vietnamese reason before writing anything. Then appends the
    event (next seq), updates the dossier row and its version, appends an audit row and queues a
    "dossier.event" outbox op. Never commits. `at_local` (default: now) may not be in the future nor
    before the dossier's last status step (prints, recorded when they happen, do not count).
    `expected_version`, when given, must equal the row's version. `department` (transfer to
    processing only) is where the dossier goes; empty means the default (`departments.department_of`).
    It is kept in the event's payload and printed on the Phiếu kiểm soát.
    """
    user = require_role(session, user_id, *STAFF_ROLES)
    action = to.strip()
    if action not in TRANSITIONS:
        raise UserFacingError(
            _("Không có thao tác “{action}”; các thao tác: {join}.").format(
                action=action, join=", ".join(TRANSITIONS)
            ),
            field="to",
        )
    reason = nfc(reason).strip()
    items = tuple(nfc(m).strip() for m in missing if nfc(m).strip())
    _check_fields(action, reason, items, new_appointment_local, fee_collected)
    dossier = _load(session, code)
    if expected_version is not None and expected_version != dossier.version:
        raise UserFacingError(_("Hồ sơ vừa được người khác cập nhật; hãy tải lại."))
    rule = TRANSITIONS[action]
    status_from = dossier.status
    if status_from not in rule.sources:
        raise UserFacingError(
            _("Hồ sơ đang ở trạng thái «{status_name}»; không thể chuyển sang «{TARGET_TEXT}».").format(
                status_name=_status_name(status_from), TARGET_TEXT=_(_TARGET_TEXT[action])
            )
        )
    status_to = rule.target if rule.target is not None else status_from

    now_local = utc_to_local(clock.now_utc())
    at = at_local if at_local is not None else now_local
    if at > now_local:
        raise UserFacingError(
            _("Thời điểm {when} ở sau thời điểm hiện tại; hãy ghi thời điểm đã xảy ra.").format(
                when=format_instant(at)
            ),
            field="at",
        )
    # Prints are recorded when they happen and carry no status: only the workflow's steps order time.
    last_at = max((e.at for e in dossier.events if e.status_to is not None), default=dossier.received_at)
    if local_to_utc(at) < last_at:
        raise UserFacingError(
            _("Thời điểm {when} ở trước bước gần nhất của hồ sơ ({when2}).").format(
                when=format_instant(at), when2=format_instant(utc_to_local(last_at))
            ),
            field="at",
        )

    before = utc_to_local(dossier.appointment_at) if dossier.appointment_at else None
    appointment = before
    timeliness: Timeliness | None = None
    payload: dict[str, Any] = {}
    note = reason
    override_user: User | None = None
    event = DossierEvent(
        id=uuid7(),
        dossier_id=dossier.id,
        seq=max((e.seq for e in dossier.events), default=0) + 1,
        kind=action,
        status_from=status_from,
        status_to=status_to,
        at=local_to_utc(at),
        user_id=user.id,
    )

    if action == EXTENDED:
        assert new_appointment_local is not None  # checked in _check_fields
        if before is None:
            raise UserFacingError(_("Hồ sơ chưa có ngày hẹn trả nên không thể gia hạn."))
        previous = _extensions(dossier)
        if previous and override_by:
            override_user = require_role(session, override_by, *OVERRIDE_ROLES)
        state = (
            DeadlineState(previous[0].previous, (*previous[:-1], _moved_to(previous[-1], before)))
            if previous
            else DeadlineState(before)
        )
        granted = apply_extension(
            state,
            new_appointment_local,
            reason,
            user.id,
            override_user.id if override_user else None,
            calendar=counter_calendar(session),
            hours=counter_hours(session),
        )
        appointment = granted.appointment
        payload = {
            "previous": _iso(before),
            "new": _iso(appointment),
            "number": len(granted.extensions),
            "override_by": override_user.id if override_user else None,
            "override_by_name": override_user.full_name if override_user else None,
        }
    elif action == "supplement_requested":
        note = f"{reason} — Cần bổ sung: {'; '.join(items)}"  # i18n: skip
        payload = {"reason": reason, "missing": list(items), "appointment_before": _iso(before)}
        appointment = _after_pause_change(session, dossier, [*dossier.events, event], before)
    elif action == "supplement_received":
        appointment = _after_pause_change(session, dossier, [*dossier.events, event], _pause_base(dossier))
        payload = {"previous": _iso(before), "new": _iso(appointment)}
    elif action == "processing":
        payload = {"department": department_of(session, dossier.procedure_id, department)}
    elif action == "result_ready":
        dossier.finished_at = event.at
    elif action == "returned":
        finished = utc_to_local(dossier.finished_at) if dossier.finished_at else at
        timeliness = classify_finished(finished, before) if before is not None else None
        by_applicant = not nfc(collector_name).strip()
        applicant = dossier.applicant
        payload = {
            "collector_is_applicant": by_applicant,
            "collector_name": applicant.full_name if by_applicant else nfc(collector_name).strip(),
            "collector_id_number": (applicant.id_number if by_applicant else collector_id_number.strip()),
            "fee_collected": fee_collected,
            "finished_at": _iso(finished),
            "appointment": _iso(before),
            "timeliness": timeliness.value if timeliness else None,
        }
        note = note or f"Người nhận: {payload['collector_name']}"  # i18n: skip
        dossier.returned_at = event.at
    elif reason:
        payload = {"reason": reason}
    if action == "payment_requested" and fee_collected:
        payload["amount"] = fee_collected

    event.note = note
    event.step_deadline = local_to_utc(appointment) if appointment and status_to in _OPEN_TARGETS else None
    event.payload = outbox.canonical_json(payload)
    dossier.events.append(event)
    dossier.status = status_to
    dossier.appointment_at = local_to_utc(appointment) if appointment else None
    dossier.version += 1
    dossier.updated_at = clock.now_utc()
    session.flush()

    append_audit(
        session,
        clock,
        user.id,
        f"dossier_{action}",
        "dossier",
        dossier.id,
        {
            "code": dossier.code,
            "seq": event.seq,
            "status_from": status_from,
            "status_to": status_to,
            "reason": reason,
            "override_by": override_user.id if override_user else None,
        },
    )
    outbox.enqueue(
        session,
        clock,
        "dossier.event",
        dossier.id,
        {
            "dossier_id": dossier.id,
            "code": dossier.code,
            "version": dossier.version,
            "status": status_to,
            "appointment_at": dossier.appointment_at,
            "finished_at": dossier.finished_at,
            "returned_at": dossier.returned_at,
            "event": {
                "id": event.id,
                "seq": event.seq,
                "kind": action,
                "status_from": status_from,
                "status_to": status_to,
                "at": event.at,
                "user_id": user.id,
                "note": note,
                "step_deadline": event.step_deadline,
                "payload": payload,
            },
        },
    )
    return TransitionResult(
        dossier.code, action, status_from, status_to, appointment, timeliness, event.seq, dossier.version
    )


def check_override(
    session: Session,
    clock: Clock,
    username: str,
    password: str,
    *,
    policy: AccountPolicy = ACCOUNT_POLICY,
) -> tuple[str | None, str]:
    """A supervisor's approval typed at the clerk's desk: (their user id, "") or (None, why not).

    The password is checked like a sign-in (`users.authenticate`, purpose "extension_override"):
    a wrong one counts toward the account's lock and is recorded in the caller's transaction, so
    on a refusal the caller must still commit, then report it (see `counter_app.services.users`).
    Only a supervisor or an admin may approve.
    """
    name = nfc(username).strip()
    if not name or not password:
        return None, _("Hãy nhập tên đăng nhập và mật khẩu của lãnh đạo (giám sát) phê duyệt.")
    checked = authenticate(session, clock, name, password, policy=policy, purpose="extension_override")
    if checked.user is None:
        return None, _("Lãnh đạo phê duyệt: {refusal}").format(refusal=checked.refusal)
    if checked.user.role not in OVERRIDE_ROLES:
        return None, (
            _(
                "Tài khoản {username} ({full_name}) không có quyền phê duyệt; cần tài khoản giám sát hoặc "
                "quản trị."
            ).format(username=checked.user.username, full_name=checked.user.full_name)
        )
    return checked.user.id, ""


def _moved_to(extension: Extension, appointment: datetime) -> Extension:
    # A pause after the last extension moved the appointment; the state must start from where it is now.
    return Extension(extension.previous, appointment, extension.reason, extension.by, extension.override_by)


def dossier_timeline(session: Session, code: str) -> list[TimelineEntry]:
    """Every event of the dossier `code`, in order, with Vietnamese labels; UserFacingError if unknown."""
    dossier = _load(session, code)
    names: dict[str, str] = {}
    entries = []
    for event in dossier.events:
        user_name = ""
        if event.user_id:
            if event.user_id not in names:
                found = session.get(User, event.user_id)
                names[event.user_id] = found.full_name if found else event.user_id
            user_name = names[event.user_id]
        entries.append(
            TimelineEntry(
                seq=event.seq,
                kind=event.kind,
                label=_label(event.kind),
                status_from=event.status_from,
                status_from_name=_status_name(event.status_from),
                status_to=event.status_to,
                status_to_name=_status_name(event.status_to),
                at_local=utc_to_local(event.at),
                user_name=user_name,
                note=event.note,
                step_deadline_local=utc_to_local(event.step_deadline) if event.step_deadline else None,
                payload=json.loads(event.payload or "{}"),
            )
        )
    return entries
