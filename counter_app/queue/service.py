"""The queue's rules over a SQLAlchemy connection: issue, call (priority interleaved), recall, skip,
transfer, park, out-of-turn calls, the display state and today's statistics.

Every function takes the caller's connection (one transaction per request) and `now` as a naive UTC
datetime, so the server (real clock) and the single-PC mode and tests (injected clock) share them.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, func, insert, select, update

from counter_app.i18n import _
from counter_app.queue import estimate
from counter_app.queue import tables as t
from counter_app.queue.errors import QueueError
from counter_app.queue.model import (
    DESK_ACTIONS,
    PRIORITY_LABELS,
    SUPERVISOR_ROLES,
    Call,
    DeskView,
    DisplayState,
    Follow,
    IssuedTicket,
    LineInfo,
    LineStats,
    QueueStats,
    Serving,
    Ticket,
)

LOCAL_OFFSET: Final = timedelta(hours=7)  # Vietnam, no daylight saving (counter_app/clock.py)
DEFAULT_LINES: Final = (
    ("A", "Hộ tịch"),  # i18n: skip
    ("B", "Chứng thực"),  # i18n: skip
    ("C", "Đất đai – Xây dựng"),  # i18n: skip
    ("D", "Lĩnh vực khác"),  # i18n: skip
)
MAX_NUMBER: Final = 999
LAST_CALLS: Final = 8
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PREFIX = re.compile(r"^[A-Z]{1,2}$")
_ACTIVE = ("called", "serving")


def iso(instant: datetime) -> str:
    """Naive UTC → stored text."""
    return instant.replace(microsecond=0).isoformat()


def local_day(now: datetime) -> str:
    """The local (UTC+7) day of a naive UTC instant."""
    return (now + LOCAL_OFFSET).date().isoformat()


def hash_key(key: str) -> str:
    """sha256 of a site key (random 256 bits: a slow hash would add nothing)."""
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


# -- setup -----------------------------------------------------------------------------------------


def ensure_site(conn: Connection, site: str, now: datetime) -> dict[str, Any]:
    """The site's row, created with the default hours and queues on first use."""
    row = conn.execute(select(t.sites).where(t.sites.c.site == site)).mappings().first()
    if row is not None:
        return dict(row)
    conn.execute(
        insert(t.sites).values(
            site=site,
            opens="07:00",
            closes="17:00",
            priority_every=3,
            max_misses=3,
            streak_day="",
            normal_streak=0,
            created_at=iso(now),
        )
    )
    set_lines(conn, site, DEFAULT_LINES)
    return dict(conn.execute(select(t.sites).where(t.sites.c.site == site)).mappings().one())


def configure_site(
    conn: Connection,
    site: str,
    now: datetime,
    *,
    opens: str | None = None,
    closes: str | None = None,
    priority_every: int | None = None,
    max_misses: int | None = None,
    new_key: bool = False,
) -> str | None:
    """Change hours, ratio, misses; with new_key, a new kiosk/display key is returned (only its hash is kept)."""
    ensure_site(conn, site, now)
    values: dict[str, Any] = {}
    for name, value in (("opens", opens), ("closes", closes)):
        if value is not None:
            if not _HHMM.match(value):
                raise QueueError(
                    "bad_request", _("Giờ «{value}» không hợp lệ (HH:MM).").format(value=value), 400
                )
            values[name] = value
    if priority_every is not None:
        if not 0 <= priority_every <= 20:
            raise QueueError("bad_request", _("Tỉ lệ ưu tiên phải từ 0 (luôn trước) đến 20."), 400)
        values["priority_every"] = priority_every
    if max_misses is not None:
        if not 1 <= max_misses <= 10:
            raise QueueError("bad_request", _("Số lần vắng mặt trước khi huỷ phải từ 1 đến 10."), 400)
        values["max_misses"] = max_misses
    key = secrets.token_urlsafe(24) if new_key else None
    if key is not None:
        values["key_hash"] = hash_key(key)
    if values:
        conn.execute(update(t.sites).where(t.sites.c.site == site).values(**values))
    row = conn.execute(select(t.sites.c.opens, t.sites.c.closes).where(t.sites.c.site == site)).one()
    if row.opens >= row.closes:
        raise QueueError("bad_request", _("Giờ mở cửa phải trước giờ đóng cửa."), 400)
    return key


def set_lines(conn: Connection, site: str, wanted: Iterable[tuple[str, str]]) -> None:
    """Create or rename queues (prefix, name) in this order; queues not named are deactivated."""
    existing = {r.prefix: r.id for r in conn.execute(select(t.lines).where(t.lines.c.site == site))}
    seen: set[str] = set()
    for position, (prefix, name) in enumerate(wanted):
        prefix = prefix.strip().upper()
        if not _PREFIX.match(prefix) or not name.strip():
            raise QueueError(
                "bad_request", _("Hàng đợi «{prefix}»: chữ cái A–Z và một tên.").format(prefix=prefix), 400
            )
        seen.add(prefix)
        values = {"name": name.strip(), "position": position, "active": 1}
        if prefix in existing:
            conn.execute(update(t.lines).where(t.lines.c.id == existing[prefix]).values(**values))
        else:
            conn.execute(insert(t.lines).values(site=site, prefix=prefix, **values))
    for prefix, line_id in existing.items():
        if prefix not in seen:
            conn.execute(update(t.lines).where(t.lines.c.id == line_id).values(active=0))


def site_for_key(conn: Connection, key: str) -> str | None:
    """The site whose kiosk/display key this is (None: unknown key)."""
    value = conn.execute(select(t.sites.c.site).where(t.sites.c.key_hash == hash_key(key))).scalar()
    return str(value) if value is not None else None


# -- reading ---------------------------------------------------------------------------------------


def _lines(conn: Connection, site: str) -> dict[int, Any]:
    rows = conn.execute(select(t.lines).where(t.lines.c.site == site).order_by(t.lines.c.position))
    return {r.id: r for r in rows}


def _ticket(row: Any, lines: dict[int, Any]) -> Ticket:
    line = lines.get(row.line_id)
    return Ticket(
        id=row.id,
        label=row.label,
        line_prefix=line.prefix if line is not None else "",
        line_name=line.name if line is not None else "",
        day=row.day,
        issued_at=row.issued_at,
        state=row.state,
        priority=row.priority,
        priority_reason=row.priority_reason,
        desk=row.desk,
        target_desk=row.target_desk,
        misses=row.misses,
        follow_token=row.follow_token,
    )


def _today(conn: Connection, site: str, now: datetime, *states: str) -> list[Any]:
    q = select(t.tickets).where(t.tickets.c.site == site, t.tickets.c.day == local_day(now))
    if states:
        q = q.where(t.tickets.c.state.in_(states))
    return list(conn.execute(q.order_by(t.tickets.c.place)))


def _last_place(conn: Connection, site: str, now: datetime) -> int:
    value = conn.execute(
        select(func.max(t.tickets.c.place)).where(t.tickets.c.site == site, t.tickets.c.day == local_day(now))
    ).scalar()
    return int(value or 0)


def line_infos(conn: Connection, site: str, now: datetime) -> tuple[LineInfo, ...]:
    """Active queues with their waiting counts."""
    ensure_site(conn, site, now)
    lines = _lines(conn, site)
    counts: dict[int, int] = {}
    for row in _today(conn, site, now, "waiting"):
        counts[row.line_id] = counts.get(row.line_id, 0) + 1
    return tuple(LineInfo(r.prefix, r.name, counts.get(r.id, 0)) for r in lines.values() if r.active)


def _ahead(conn: Connection, site: str, now: datetime, line_id: int, place: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(t.tickets)
            .where(
                t.tickets.c.site == site,
                t.tickets.c.day == local_day(now),
                t.tickets.c.line_id == line_id,
                t.tickets.c.state == "waiting",
                t.tickets.c.place < place,
            )
        ).scalar_one()
    )


# -- issuing ---------------------------------------------------------------------------------------


def issue_ticket(
    conn: Connection,
    site: str,
    now: datetime,
    prefix: str,
    *,
    priority: str | None = None,
    reason: str | None = None,
    issued_by: str | None = None,
) -> IssuedTicket:
    """A new ticket in queue `prefix`, numbered per queue per local day (A001…); refused outside hours.

    Priority tickets need a reason and a member of staff (`issued_by`); they keep the queue's series.
    """
    row = ensure_site(conn, site, now)
    hhmm = (now + LOCAL_OFFSET).strftime("%H:%M")
    if hhmm >= row["closes"]:
        raise QueueError(
            "closed",
            _(
                "Đã hết giờ cấp số thứ tự hôm nay (sau {closes}). Mời công dân quay lại vào ngày làm việc "
                "tiếp theo."
            ).format(closes=row["closes"]),
        )
    if hhmm < row["opens"]:
        raise QueueError("closed", _("Chưa đến giờ cấp số thứ tự (từ {opens}).").format(opens=row["opens"]))
    line = conn.execute(
        select(t.lines).where(t.lines.c.site == site, t.lines.c.prefix == prefix.strip().upper())
    ).first()
    if line is None or not line.active:
        raise QueueError("unknown_line", _("Không có hàng đợi «{prefix}».").format(prefix=prefix), 404)
    if priority is not None:
        if priority not in PRIORITY_LABELS:
            raise QueueError(
                "bad_request", _("Loại ưu tiên «{priority}» không hợp lệ.").format(priority=priority), 400
            )
        if not (reason or "").strip() or not (issued_by or "").strip():
            raise QueueError("bad_request", _("Số ưu tiên do cán bộ cấp và phải ghi lý do."), 400)
    day = local_day(now)
    last = conn.execute(
        select(func.max(t.tickets.c.number)).where(
            t.tickets.c.site == site, t.tickets.c.line_id == line.id, t.tickets.c.day == day
        )
    ).scalar()
    number = int(last or 0) + 1
    if number > MAX_NUMBER:
        raise QueueError(
            "full",
            _("Hàng đợi {prefix} đã cấp hết {MAX_NUMBER} số hôm nay.").format(
                prefix=line.prefix, MAX_NUMBER=MAX_NUMBER
            ),
        )
    label = f"{line.prefix}{number:03d}"
    ticket_id = str(uuid.uuid4())
    at = iso(now)
    place = _last_place(conn, site, now) + 1
    ahead = _ahead(conn, site, now, line.id, place)
    conn.execute(
        insert(t.tickets).values(
            id=ticket_id,
            site=site,
            line_id=line.id,
            day=day,
            number=number,
            label=label,
            priority=priority,
            priority_reason=(reason or "").strip() or None,
            issued_by=(issued_by or "").strip() or None,
            issued_at=at,
            queued_at=at,
            place=place,
            state="waiting",
            misses=0,
            follow_token=secrets.token_urlsafe(12),
        )
    )
    _event(
        conn,
        site,
        now,
        ticket_id,
        label,
        "priority_issued" if priority else "issued",
        None,
        issued_by,
        {"priority": priority, "reason": reason} if priority else None,
    )
    found = conn.execute(select(t.tickets).where(t.tickets.c.id == ticket_id)).one()
    pace = estimate.queue_pace(conn, site, line.id, day, estimate.recent_days(day))
    return IssuedTicket(
        _ticket(found, _lines(conn, site)), ahead, wait_minutes=estimate.estimate_minutes(pace, ahead)
    )


def _event(
    conn: Connection,
    site: str,
    now: datetime,
    ticket_id: str | None,
    label: str | None,
    action: str,
    desk: int | None,
    clerk: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        insert(t.events).values(
            site=site,
            day=local_day(now),
            ticket_id=ticket_id,
            label=label,
            at=iso(now),
            action=action,
            desk=desk,
            clerk=clerk,
            detail=json.dumps(detail, ensure_ascii=False) if detail else None,
        )
    )


# -- calling ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRequest:
    """One action of a desk: who (desk number, clerk, role) and its arguments."""

    action: str
    desk: int
    clerk: str = ""
    role: str = "clerk"
    ticket_id: str | None = None
    to_line: str | None = None
    to_desk: int | None = None
    lines: tuple[str, ...] = ()  # queues this desk serves (empty: all)


def _current(conn: Connection, site: str, now: datetime, desk: int) -> Any | None:
    rows = [r for r in _today(conn, site, now, *_ACTIVE) if r.desk == desk]
    return rows[-1] if rows else None


def _set(conn: Connection, ticket_id: str, **values: Any) -> None:
    conn.execute(update(t.tickets).where(t.tickets.c.id == ticket_id).values(**values))


def _call(conn: Connection, site: str, now: datetime, row: Any, req: DeskRequest, action: str) -> None:
    _set(
        conn,
        row.id,
        state="called",
        desk=req.desk,
        clerk=req.clerk or None,
        target_desk=None,
        parked_by=None,
        called_at=iso(now),
        first_called_at=row.first_called_at or iso(now),
    )
    _event(
        conn,
        site,
        now,
        row.id,
        row.label,
        action,
        req.desk,
        req.clerk,
        {"role": req.role} if action == "call_out_of_turn" else None,
    )


def _finish_current(conn: Connection, site: str, now: datetime, req: DeskRequest) -> None:
    row = _current(conn, site, now, req.desk)
    if row is not None:
        _set(conn, row.id, state="done", done_at=iso(now), started_at=row.started_at or iso(now))
        _event(conn, site, now, row.id, row.label, "done", req.desk, req.clerk)


def pick_next(
    waiting: Sequence[Any], desk: int, every: int, streak: int, line_ids: set[int] | None
) -> tuple[Any | None, int]:
    """The next ticket for `desk` and the new normal-call streak.

    Tickets transferred to this desk come first; then a priority ticket when `every` normal tickets
    were called since the last priority one (every=0: priority always first) or nobody else waits;
    otherwise the normal ticket waiting longest. Rows are in queue order (place).
    """
    mine = [r for r in waiting if r.target_desk == desk]
    if mine:
        return mine[0], streak
    free = [r for r in waiting if r.target_desk is None and (line_ids is None or r.line_id in line_ids)]
    priority = [r for r in free if r.priority]
    normal = [r for r in free if not r.priority]
    if priority and (not normal or streak >= every):
        return priority[0], 0
    if normal:
        return normal[0], streak + 1
    return None, streak


def desk_action(conn: Connection, site: str, now: datetime, req: DeskRequest) -> DeskView:
    """Do one desk action in the caller's transaction and return the desk's new view."""
    if req.action not in DESK_ACTIONS:
        raise QueueError("bad_request", _("Thao tác «{action}» không có.").format(action=req.action), 400)
    if not 1 <= req.desk <= 99:
        raise QueueError("bad_request", _("Số quầy phải từ 1 đến 99."), 400)
    srow = ensure_site(conn, site, now)
    lines = _lines(conn, site)
    current = _current(conn, site, now, req.desk)
    message = ""
    if req.action == "next":
        _finish_current(conn, site, now, req)
        day = local_day(now)
        streak = srow["normal_streak"] if srow["streak_day"] == day else srow["priority_every"]
        by_prefix = {r.prefix: r.id for r in lines.values()}
        line_ids = {by_prefix[p] for p in req.lines if p in by_prefix} if req.lines else None
        row, streak = pick_next(
            _today(conn, site, now, "waiting"), req.desk, srow["priority_every"], streak, line_ids
        )
        conn.execute(
            update(t.sites).where(t.sites.c.site == site).values(streak_day=day, normal_streak=streak)
        )
        if row is None:
            message = _("Không còn ai đang chờ.")
        else:
            _call(conn, site, now, row, req, "call")
    elif req.action in ("unpark", "call"):
        if req.action == "call" and req.role not in SUPERVISOR_ROLES:
            raise QueueError("forbidden", _("Chỉ lãnh đạo (giám sát) được gọi số không theo thứ tự."), 403)
        wanted_id = (req.ticket_id or "").strip()
        row = conn.execute(
            select(t.tickets).where(
                t.tickets.c.site == site,
                (t.tickets.c.id == wanted_id)
                | ((t.tickets.c.label == wanted_id.upper()) & (t.tickets.c.day == local_day(now))),
            )
        ).first()  # by id, or by today's label (a supervisor types "A015")
        wanted = ("parked",) if req.action == "unpark" else ("waiting", "parked")
        if row is None or row.state not in wanted or row.day != local_day(now):
            raise QueueError("no_ticket", _("Số này không còn chờ (đã gọi, đã xong hoặc đã huỷ)."))
        _finish_current(conn, site, now, req)
        _call(conn, site, now, row, req, "call_out_of_turn" if req.action == "call" else "unpark")
    else:
        if current is None:
            raise QueueError("no_ticket", _("Quầy chưa gọi số nào."))
        if req.action == "recall":
            _set(conn, current.id, called_at=iso(now))
            _event(conn, site, now, current.id, current.label, "recall", req.desk, req.clerk)
        elif req.action == "skip":
            misses = current.misses + 1
            if misses >= srow["max_misses"]:
                _set(conn, current.id, state="dropped", misses=misses, desk=None, done_at=iso(now))
                _event(conn, site, now, current.id, current.label, "dropped", req.desk, req.clerk)
                message = _("Số {label} vắng mặt {misses} lần: đã huỷ.").format(
                    label=current.label, misses=misses
                )
            else:
                _set(
                    conn,
                    current.id,
                    state="waiting",
                    misses=misses,
                    desk=None,
                    queued_at=iso(now),
                    place=_last_place(conn, site, now) + 1,
                )
                _event(conn, site, now, current.id, current.label, "skip", req.desk, req.clerk)
                message = _("Số {label} vắng mặt (lần {misses}): chuyển xuống cuối hàng.").format(
                    label=current.label, misses=misses
                )
        elif req.action == "park":
            _set(conn, current.id, state="parked", desk=None, parked_by=req.desk)
            _event(conn, site, now, current.id, current.label, "park", req.desk, req.clerk)
        elif req.action == "transfer":
            message = _transfer(conn, site, now, current, req, lines)
        elif req.action == "start":
            _set(conn, current.id, state="serving", started_at=current.started_at or iso(now))
            _event(conn, site, now, current.id, current.label, "start", req.desk, req.clerk)
        elif req.action == "finish":
            _finish_current(conn, site, now, req)
    return desk_view(conn, site, now, req.desk, message)


def _transfer(
    conn: Connection, site: str, now: datetime, row: Any, req: DeskRequest, lines: dict[int, Any]
) -> str:
    # The citizen already waited: they keep their place (order of issue) in the new queue.
    if req.to_desk is not None:
        if req.to_desk == req.desk or not 1 <= req.to_desk <= 99:
            raise QueueError("bad_request", _("Chọn một quầy khác để chuyển."), 400)
        _set(conn, row.id, state="waiting", desk=None, target_desk=req.to_desk, queued_at=iso(now))
        _event(conn, site, now, row.id, row.label, "transfer", req.desk, req.clerk, {"to_desk": req.to_desk})
        return _("Đã chuyển số {label} sang quầy {to_desk}.").format(label=row.label, to_desk=req.to_desk)
    target = next((r for r in lines.values() if r.prefix == (req.to_line or "").upper() and r.active), None)
    if target is None:
        raise QueueError("unknown_line", _("Không có hàng đợi «{to_line}».").format(to_line=req.to_line), 404)
    _set(conn, row.id, state="waiting", desk=None, target_desk=None, line_id=target.id, queued_at=iso(now))
    _event(conn, site, now, row.id, row.label, "transfer", req.desk, req.clerk, {"to_line": target.prefix})
    return _("Đã chuyển số {label} sang hàng «{name}».").format(label=row.label, name=target.name)


def desk_view(conn: Connection, site: str, now: datetime, desk: int, message: str = "") -> DeskView:
    """The desk's current ticket, the tickets it parked, queue lengths."""
    ensure_site(conn, site, now)
    lines = _lines(conn, site)
    current = _current(conn, site, now, desk)
    parked = tuple(_ticket(r, lines) for r in _today(conn, site, now, "parked") if r.parked_by == desk)
    here = sum(1 for r in _today(conn, site, now, "waiting") if r.target_desk == desk)
    return DeskView(
        desk,
        _ticket(current, lines) if current is not None else None,
        parked,
        line_infos(conn, site, now),
        here,
        message,
    )


# -- display, follow, statistics -----------------------------------------------------------------


def display_state(conn: Connection, site: str, now: datetime) -> DisplayState:
    """What the waiting-room screen shows; `calls` newest first (ids grow: announce each id once)."""
    ensure_site(conn, site, now)
    lines = _lines(conn, site)
    serving = sorted(
        (
            Serving(r.desk, r.label, lines[r.line_id].name if r.line_id in lines else "", r.state)
            for r in _today(conn, site, now, *_ACTIVE)
        ),
        key=lambda s: s.desk,
    )
    calls = conn.execute(
        select(t.events)
        .where(
            t.events.c.site == site,
            t.events.c.day == local_day(now),
            t.events.c.action.in_(("call", "recall", "unpark", "call_out_of_turn")),
        )
        .order_by(t.events.c.id.desc())
        .limit(LAST_CALLS)
    )
    return DisplayState(
        tuple(serving),
        tuple(Call(r.id, r.label, r.desk, r.at, r.action) for r in calls),
        line_infos(conn, site, now),
        iso(now),
    )


def follow(conn: Connection, token: str, now: datetime) -> Follow | None:
    """A ticket by its QR token: state, people ahead, desk (None: unknown token)."""
    row = conn.execute(select(t.tickets).where(t.tickets.c.follow_token == token)).first()
    if row is None:
        return None
    line = conn.execute(select(t.lines.c.name).where(t.lines.c.id == row.line_id)).scalar()
    ahead = _ahead(conn, row.site, now, row.line_id, row.place) if row.state == "waiting" else 0
    pace = estimate.queue_pace(conn, row.site, row.line_id, row.day, estimate.recent_days(row.day))
    return Follow(
        row.label, str(line or ""), row.state, ahead, row.desk, estimate.estimate_minutes(pace, ahead)
    )


def _seconds(start: str, end: str) -> int:
    return int((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def queue_stats(conn: Connection, site: str, now: datetime) -> QueueStats:
    """Today's figures: waiting per queue, average and longest wait, served per desk and clerk, no-shows.

    A wait runs from issue to the first call; tickets still waiting count with their wait so far in
    the longest wait (not in the average, which is over called tickets)."""
    ensure_site(conn, site, now)
    lines = _lines(conn, site)
    rows = _today(conn, site, now)
    waits = [_seconds(r.issued_at, r.first_called_at) for r in rows if r.first_called_at]
    open_waits = [_seconds(r.issued_at, iso(now)) for r in rows if r.state == "waiting"]
    per_desk: dict[str, int] = {}
    per_clerk: dict[str, int] = {}
    for r in rows:
        if r.state == "done":
            per_desk[str(r.desk)] = per_desk.get(str(r.desk), 0) + 1
            per_clerk[r.clerk or "?"] = per_clerk.get(r.clerk or "?", 0) + 1
    per_line = []
    for line in lines.values():
        mine = [r for r in rows if r.line_id == line.id]
        if not line.active and not mine:
            continue
        per_line.append(
            LineStats(
                line.prefix,
                line.name,
                sum(1 for r in mine if r.state == "waiting"),
                len(mine),
                sum(1 for r in mine if r.state == "done"),
                sum(1 for r in mine if r.state == "dropped"),
            )
        )
    return QueueStats(
        day=local_day(now),
        waiting=sum(1 for r in rows if r.state == "waiting"),
        issued=len(rows),
        served=sum(1 for r in rows if r.state == "done"),
        no_shows=sum(1 for r in rows if r.state == "dropped"),
        average_wait_s=round(sum(waits) / len(waits)) if waits else 0,
        longest_wait_s=max([*waits, *open_waits], default=0),
        lines=tuple(per_line),
        served_per_desk=per_desk,
        served_per_clerk=per_clerk,
    )
