"""Dossier state in memory, its snapshot text (protocol.SNAPSHOT_KEYS), and the serialised change log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from central_server import schema
from counter_app.sync import protocol as p

KIND_DOSSIER = "dossier"
_HEAD_KEYS = tuple(k for k in p.SNAPSHOT_KEYS if k not in ("intake", "events"))
_EVENT_KEYS = (
    "id",
    "kind",
    "status_from",
    "status_to",
    "at",
    "user",
    "note",
    "step_deadline",
    "payload",
    "source",
)


try:  # orjson (the server extra) parses and writes JSON several times faster than the standard library
    import orjson

    def dumps(value: Any) -> str:
        """Compact JSON, UTF-8 kept (the change log and the wire)."""
        return orjson.dumps(value).decode("utf-8")

    def loads(text: str | bytes) -> Any:
        """Parse JSON text."""
        return orjson.loads(text)

    JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, ValueError)
except ImportError:  # pragma: no cover - the standard library gives the same results, slower
    _encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

    def dumps(value: Any) -> str:
        """Compact JSON, UTF-8 kept (the change log and the wire)."""
        return _encoder.encode(value)

    def loads(text: str | bytes) -> Any:
        """Parse JSON text."""
        return json.loads(text)

    JSONError = (ValueError,)


def wire_time(moment: datetime | None = None) -> str:
    """A time written into dossier data: naive UTC ISO 8601, like the counter's own."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@dataclass
class DossierState:
    """One dossier as loaded (or created) during a transaction; `row` holds the dossiers columns."""

    row: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)  # snapshot form, payload as a dict
    new: bool = False
    dirty: bool = False

    def head_text(self) -> str:
        """The snapshot without its intake: what the change log stores (the intake never changes
        after receipt, so it is stored once, in dossiers, and spliced back in by `with_intake`)."""
        head = {k: self.row[k] for k in _HEAD_KEYS}
        head["events"] = self.events
        return dumps(head)

    def snapshot_text(self) -> str:
        """The snapshot JSON; the intake is spliced in as the exact text the counter sent."""
        return with_intake(self.head_text(), self.row["intake"])

    def snapshot(self) -> dict[str, Any]:
        """The snapshot as a dict (conflict answers, the department API)."""
        data: dict[str, Any] = loads(self.snapshot_text())
        return data


def with_intake(head_text: str, intake_text: str) -> str:
    """A stored snapshot head plus the dossier's intake text: the whole snapshot."""
    return f'{head_text[:-1]},"intake":{intake_text}}}'


def event_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A dossier_events row in snapshot form."""
    data = {k: row[k] for k in _EVENT_KEYS}
    data["payload"] = loads(row["payload"] or "{}")
    return data


def among(conn: Connection, column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)` with ONE parameter instead of hundreds (a batch looks up to 1000 keys):
    PostgreSQL `column = ANY(:array)`, SQLite `column IN (SELECT value FROM json_each(:json))`."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if conn.dialect.name == "sqlite":
        each = func.json_each(bindparam(None, dumps(values), type_=String())).table_valued("value")
        return column.in_(select(each.c.value))
    return column.in_(values)


def load_dossiers(
    conn: Connection, *, ids: Iterable[str] = (), codes: Iterable[str] = (), with_events: bool = True
) -> dict[str, DossierState]:
    """Dossiers by id or code (one query, plus one for their events), keyed by id."""
    ids, codes = list(set(ids)), list(set(codes))
    if not ids and not codes:
        return {}
    d = schema.dossiers.c
    conds = []
    if ids:
        conds.append(among(conn, d.id, ids))
    if codes:
        conds.append(among(conn, d.code, codes))
    states = {
        r.id: DossierState(dict(r._mapping)) for r in conn.execute(select(schema.dossiers).where(or_(*conds)))
    }
    if with_events and states:
        e = schema.dossier_events.c
        rows = conn.execute(
            select(schema.dossier_events)
            .where(among(conn, e.dossier_id, states))
            .order_by(e.dossier_id, e.position)
        )
        for r in rows:
            states[r.dossier_id].events.append(event_from_row(dict(r._mapping)))
    return states


def lock_change_log(conn: Connection) -> int:
    """Take the writers' lock (PostgreSQL: the server_meta row; SQLite: BEGIN IMMEDIATE did) and return
    last_seq. Held until commit, so commit order is seq order and a pull never skips a late commit."""
    m = schema.server_meta.c
    query = select(m.last_seq).where(m.id == 1)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def advance_seq(conn: Connection, n: int) -> int:
    """Allocate n sequence numbers in this transaction; returns the new last_seq."""
    result = conn.execute(
        text("UPDATE server_meta SET last_seq = last_seq + :n WHERE id = 1 RETURNING last_seq"), {"n": n}
    )
    return int(result.scalar_one())


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (sharing their keys) in bulk, straight through the driver: SQLite executemany;
    PostgreSQL COPY (one stream instead of a statement per row). Both skip SQLAlchemy's per-row
    parameter processing, which costs more than the database's own insert here."""
    if not rows:
        return
    columns = list(rows[0])
    values = itemgetter(*columns) if len(columns) > 1 else (lambda r: (r[columns[0]],))
    prep = conn.dialect.identifier_preparer
    names = ", ".join(prep.quote(c) for c in columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.cursor()
        try:
            with cursor.copy(f"COPY {prep.format_table(table)} ({names}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(values(r))
        finally:
            cursor.close()
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {prep.format_table(table)} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, list(map(values, rows)))


def write_changes(conn: Connection, entries: list[dict[str, Any]]) -> None:
    """Insert change-log entries {seq, agency_code, entity_id, kind, data (a `head_text`)}."""
    insert_many(conn, schema.change_log, entries)


_UPDATABLE = ("status", "version", "appointment_at", "finished_at", "returned_at", "updated_at")


def save_states(conn: Connection, states: Iterable[DossierState], new_events: list[dict[str, Any]]) -> None:
    """Write new and changed dossiers (executemany) and the new events."""
    new_rows, changed = [], []
    for s in states:
        if s.new:
            new_rows.append(s.row)
        elif s.dirty:
            changed.append({"b_id": s.row["id"], **{k: s.row[k] for k in _UPDATABLE}})
    insert_many(conn, schema.dossiers, new_rows)
    if changed:
        d = schema.dossiers
        conn.execute(update(d).where(d.c.id == bindparam("b_id")), changed)
    insert_many(conn, schema.dossier_events, new_events)
