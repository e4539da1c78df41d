"""Pull: the change log of the counter's whole agency after a cursor, in seq order, built as text."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import Engine, select, update

from central_server import db, schema
from central_server.auth import server_epoch
from central_server.migrations import now_iso
from central_server.problems import ApiError
from central_server.snapshot import with_intake
from counter_app.sync import protocol as p

LAST_PULL_EVERY_S = 5.0  # last_pull_at is written at most this often per counter (a pull is a read)
_last_noted: dict[str, float] = {}
_lock = threading.Lock()


def must_refetch(detail: str, epoch: str) -> ApiError:
    """410: the client's cursor or epoch is not this server's; it refetches server data."""
    return ApiError(410, p.ERR_MUST_REFETCH, detail, extra={"server_epoch": epoch})


def pull(engine: Engine, counter_id: str, agency_code: str, since: int, limit: int, epoch: str | None) -> str:
    """The PullResponse JSON text (changes spliced in as stored). 410 if `epoch` differs from the
    server's or `since` is beyond the newest sequence (the server went back in time)."""
    limit = max(1, min(limit, p.PULL_MAX_LIMIT))
    c = schema.change_log.c
    with db.read(engine) as conn:
        server, last_seq = server_epoch(conn)
        if epoch and epoch != server:
            raise must_refetch("Máy chủ đã được khôi phục hoặc đổi epoch; cần tải lại dữ liệu.", server)
        if since > last_seq:
            raise must_refetch(
                f"Con trỏ {since} lớn hơn số thứ tự mới nhất của máy chủ ({last_seq}); cần tải lại dữ liệu.",
                server,
            )
        d = schema.dossiers.c
        rows = conn.execute(
            select(c.seq, c.entity_id, c.kind, c.data, d.intake)
            .join_from(schema.change_log, schema.dossiers, d.id == c.entity_id)
            .where(c.agency_code == agency_code, c.seq > since)
            .order_by(c.seq)
            .limit(limit + 1)
        ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Every change up to last_seq had committed when we read it (writers commit in seq order), so
    # with no more rows the cursor may jump to last_seq: other agencies' changes are never re-scanned.
    next_since = rows[-1].seq if rows else since
    if not has_more:
        next_since = max(next_since, last_seq)
    parts = [
        f'{{"seq":{r.seq},"kind":{json.dumps(r.kind)},"entity_id":{json.dumps(r.entity_id)},"data":{with_intake(r.data, r.intake)}}}'
        for r in rows
    ]
    _note_pull(engine, counter_id)
    return (
        f'{{"protocol":{p.PROTOCOL_VERSION},"changes":[{",".join(parts)}],"next_since":{next_since},'
        f'"has_more":{"true" if has_more else "false"},"server_epoch":{json.dumps(server)},'
        f'"server_time":{json.dumps(now_iso())}}}'
    )


def _note_pull(engine: Engine, counter_id: str) -> None:
    now = time.monotonic()
    with _lock:
        if _last_noted.get(counter_id, -1e9) + LAST_PULL_EVERY_S > now:
            return
        _last_noted[counter_id] = now
    with db.write(engine) as conn:
        conn.execute(
            update(schema.counters).where(schema.counters.c.id == counter_id).values(last_pull_at=now_iso())
        )
