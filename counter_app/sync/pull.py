"""Apply pulled dossier snapshots to the counter database: ownership, never a merge, never a silent overwrite.

Rules (architecture §5, research §2.1):
- a dossier unknown here is inserted (origin 'pulled': another desk's, or this desk's own dossier that a
  restored database had forgotten, whose code number is then never issued again), with its
  applicant, procedure (an inactive placeholder when the catalogue lacks it), papers and history, so
  any desk can look up and return any dossier of its agency;
- a known dossier is skipped if the snapshot is not newer than its `server_version`; otherwise the
  events it lacks are added (by event id), and the server-owned fields (status, appointment, finished,
  returned) are taken from the snapshot only if the dossier has no op still on its way and no open
  conflict (otherwise local state stays until the push converges or the supervisor decides);
- intake fields belong to the counter that received the dossier and are never overwritten;
- what cannot be applied (a code already used here by another dossier, a malformed snapshot) goes to
  the supervisor's conflict list with the server's side.

Inserts are bulk (one INSERT per table per page) so a page of 500 changes is one short transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.ids import uuid7
from counter_app.services import codes, outbox
from counter_app.storage.models import Applicant, Base, Dossier, DossierDocument, DossierEvent, Procedure
from counter_app.sync import conflicts, protocol
from counter_app.sync.state import parse_instant
from counter_app.text import fold, nfc

log = logging.getLogger(__name__)

_GENDERS = ("", "nam", "nu", "khac")
# outbox.canonical_json's text for what came parsed from JSON (its date handling is never needed
# here), with the encoder built once instead of once per event.
_canonical = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


@dataclass
class ApplyStats:
    """What one page (or a whole pull) did to the local database."""

    changes: int = 0
    inserted: int = 0
    updated: int = 0
    kept_local: int = 0  # newer on the server, but local work is still on its way (or in conflict)
    skipped: int = 0  # not newer than what we have
    events_added: int = 0
    refused: int = 0  # to the supervisor's list


@dataclass(frozen=True)
class Scope:
    """Who we are, to tell our own dossiers from other desks' (and protect our code numbers)."""

    counter_id: str
    agency_code: str
    slot: int


class _Invalid(ValueError):
    pass


def apply_changes(
    session: Session, clock: Clock, changes: Sequence[protocol.Change], scope: Scope
) -> ApplyStats:
    """Apply one page of changes in the caller's transaction (the caller stores the cursor with it)."""
    stats = ApplyStats(changes=len(changes))
    latest: dict[str, Mapping[str, Any]] = {}
    for change in changes:
        if change.kind != "dossier":
            stats.skipped += 1
            continue
        data = change.data
        try:
            protocol.check_snapshot(data)
            if data["id"] != change.entity_id:
                raise protocol.ProtocolError("snapshot id differs from the change's entity id")
        except protocol.ProtocolError as exc:
            _refuse(session, clock, change.entity_id, data, "invalid", "invalid_snapshot", str(exc))
            stats.refused += 1
            continue
        # Every change carries the whole snapshot: only the newest of a page matters.
        previous = latest.get(change.entity_id)
        if previous is not None:
            stats.skipped += 1
        if previous is None or int(data["version"]) >= int(previous["version"]):
            latest[change.entity_id] = data
    if not latest:
        return stats
    now = clock.now_utc()
    ids = list(latest)
    existing = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(ids)))}
    busy = outbox.unfinished_entities(session, existing) | conflicts.open_entities(session, existing)
    events = _known_events(session, list(existing))
    batch = _Inserts(session, clock, scope, now)
    batch.prefetch([snap for dossier_id, snap in latest.items() if dossier_id not in existing])
    for dossier_id, snap in latest.items():
        try:
            dossier = existing.get(dossier_id)
            if dossier is None:
                batch.add(snap, stats)
            else:
                _update(dossier, snap, events.get(dossier_id, ({}, 0)), busy, batch, stats, now)
        except (_Invalid, ValueError, TypeError, KeyError) as exc:
            _refuse(session, clock, dossier_id, snap, "invalid", "invalid_snapshot", str(exc))
            stats.refused += 1
    batch.flush()
    return stats


def apply_snapshot_now(session: Session, clock: Clock, snap: Mapping[str, Any], scope: Scope) -> bool:
    """Take the server's side for one dossier regardless of local work (a supervisor's decision).

    Adds the missing events and sets the server-owned fields; returns False if the dossier is unknown.
    """
    protocol.check_snapshot(snap)
    dossier = session.get(Dossier, snap["id"])
    if dossier is None:
        return False
    stats = ApplyStats()
    now = clock.now_utc()
    batch = _Inserts(session, clock, scope, now)
    _update(
        dossier,
        snap,
        _known_events(session, [dossier.id]).get(dossier.id, ({}, 0)),
        set(),
        batch,
        stats,
        now,
        force=True,
    )
    batch.flush()
    return True


def _known_events(session: Session, dossier_ids: list[str]) -> dict[str, tuple[dict[str, int], int]]:
    """Per dossier: {event id: seq} and the highest seq."""
    found: dict[str, tuple[dict[str, int], int]] = {}
    for start in range(0, len(dossier_ids), 500):
        rows = session.execute(
            select(DossierEvent.dossier_id, DossierEvent.id, DossierEvent.seq).where(
                DossierEvent.dossier_id.in_(dossier_ids[start : start + 500])
            )
        )
        for dossier_id, event_id, seq in rows:
            known, top = found.get(dossier_id, ({}, 0))
            known[event_id] = seq
            found[dossier_id] = (known, max(top, seq))
    return found


def _update(
    dossier: Dossier,
    snap: Mapping[str, Any],
    events: tuple[dict[str, int], int],
    busy: set[str],
    batch: _Inserts,
    stats: ApplyStats,
    now: datetime,
    *,
    force: bool = False,
) -> None:
    version = int(snap["version"])
    if version <= dossier.server_version and not force:
        stats.skipped += 1
        return
    fields = _server_fields(snap)  # parse everything before touching anything
    known, top = events
    fresh = [e for e in snap["events"] if isinstance(e, Mapping) and e.get("id") not in known]
    rows = [_event_row(dossier.id, event, top + i) for i, event in enumerate(fresh, start=1)]
    batch.events.extend(rows)
    known.update((row["id"], row["seq"]) for row in rows)
    stats.events_added += len(rows)
    if dossier.id in busy and not force:
        stats.kept_local += 1
    else:
        changed = [name for name, value in fields.items() if getattr(dossier, name) != value]
        for name in changed:
            setattr(dossier, name, fields[name])
        if changed:
            dossier.version += 1  # an open form's expected_version now fails instead of overwriting
            dossier.updated_at = now
            stats.updated += 1
        else:
            stats.skipped += 1
    dossier.server_version = max(dossier.server_version, version)


def _server_fields(snap: Mapping[str, Any]) -> dict[str, Any]:
    status = int(snap["status"])
    if not 1 <= status <= 10:
        raise _Invalid(f"status {status} is not a national status code")
    return {
        "status": status,
        "appointment_at": parse_instant(snap.get("appointment_at")),
        "finished_at": parse_instant(snap.get("finished_at")),
        "returned_at": parse_instant(snap.get("returned_at")),
    }


def _refuse(
    session: Session,
    clock: Clock,
    dossier_id: str,
    snap: Mapping[str, Any],
    kind: str,
    code: str,
    detail: str,
) -> None:
    log.warning("pulled dossier %s not applied (%s): %s", dossier_id, code, detail)
    conflicts.record(
        session,
        clock,
        kind=kind,
        dossier_id=dossier_id,
        code=str(snap.get("code", "")) if isinstance(snap, Mapping) else "",
        op_id=None,
        error_code=code,
        detail=detail,
        local={},
        server=snap if isinstance(snap, Mapping) else {},
        once=True,
    )


@lru_cache(maxsize=16384)
def _nfc(text: str) -> str:
    """`nfc`, remembered: a page repeats the same places, procedures and people many times."""
    return nfc(text)


@lru_cache(maxsize=16384)
def _fold(text: str) -> str:
    return fold(text)


def _text(value: Any, default: str = "") -> str:
    if not isinstance(value, str):
        return default
    return _nfc(value) if value else ""


def _int(value: Any, default: int, low: int, high: int | None = None) -> int:
    number = value if isinstance(value, int) and not isinstance(value, bool) else default
    return max(low, number if high is None else min(number, high))


def _birth(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


class _Inserts:
    """Rows to insert for one page, written with one bulk INSERT per table at the end."""

    def __init__(self, session: Session, clock: Clock, scope: Scope, now: datetime) -> None:
        self.session = session
        self.clock = clock
        self.scope = scope
        self.now = now
        self.applicants: list[dict[str, Any]] = []
        self.dossiers: list[dict[str, Any]] = []
        self.documents: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._procedures: dict[str, int] = {}
        self._applicant_ids: set[str] = set()
        self._codes: dict[str, str] = {}  # code → dossier id: this page's new dossiers and known codes
        self._known_applicants: set[str] = set()

    def prefetch(self, snaps: list[Mapping[str, Any]]) -> None:
        """Look up, in a few queries, the codes, applicants and procedures the page's new dossiers need."""
        codes = [str(s.get("code")) for s in snaps]
        procedures = list({str(s.get("procedure_code")) for s in snaps})
        for start in range(0, len(procedures), 500):
            found = self.session.execute(
                select(Procedure.code, Procedure.id).where(
                    Procedure.code.in_(procedures[start : start + 500])
                )
            )
            self._procedures.update({code: int(procedure_id) for code, procedure_id in found})
        wanted = [
            str(s["intake"]["dossier"].get("applicant_id"))
            for s in snaps
            if isinstance(s.get("intake"), Mapping) and isinstance(s["intake"].get("dossier"), Mapping)
        ]
        for start in range(0, len(snaps), 500):
            rows = self.session.execute(
                select(Dossier.code, Dossier.id).where(Dossier.code.in_(codes[start : start + 500]))
            )
            self._codes.update({code: dossier_id for code, dossier_id in rows})
            self._known_applicants.update(
                self.session.scalars(
                    select(Applicant.id).where(Applicant.id.in_(wanted[start : start + 500]))
                )
            )

    def add(self, snap: Mapping[str, Any], stats: ApplyStats) -> None:
        """Queue a dossier unknown here, or refuse it if its code is already another dossier's."""
        dossier_id, code = str(snap["id"]), str(snap["code"])
        owner = self._codes.get(code)
        if owner is not None and owner != dossier_id:
            _refuse(
                self.session,
                self.clock,
                dossier_id,
                snap,
                "code_clash",
                protocol.ERR_CODE_TAKEN,
                f"Mã hồ sơ {code} đã thuộc một hồ sơ khác trên quầy này",  # i18n: skip
            )
            stats.refused += 1
            return
        intake = snap["intake"]
        record = _mapping(intake.get("dossier"))
        person = _mapping(intake.get("applicant"))
        submitter = _mapping(intake.get("submitter"))
        received_at = parse_instant(snap.get("received_at")) or parse_instant(record.get("received_at"))
        if received_at is None:
            raise _Invalid("the snapshot has no reception time")
        fields = _server_fields(snap)
        events = [e for e in snap["events"] if isinstance(e, Mapping)]
        history = [_event_row(dossier_id, event, seq) for seq, event in enumerate(events, start=1)]
        # Everything parsed: now the rows that the dossier points to.
        procedure_id = self._procedure(str(snap["procedure_code"]), _text(snap.get("procedure_name")))
        applicant_id = self._applicant(record.get("applicant_id"), person)
        full_name = _text(person.get("full_name"))
        own = snap.get("counter_id") == self.scope.counter_id
        self.dossiers.append(
            {
                "id": dossier_id,
                "code": code,
                "procedure_id": procedure_id,
                "applicant_id": applicant_id,
                "channel": _int(record.get("channel"), 1, 1, 3),
                "received_at": received_at,
                "printed_appointment_at": None,
                "sets_count": _int(record.get("sets_count"), 1, 1),
                "delivery": record.get("delivery")
                if record.get("delivery") in ("counter", "post")
                else "counter",
                "delivery_address": _text(record.get("delivery_address")),
                "fee_collected": _int(record.get("fee_collected"), 0, 0),
                "fee_note": _text(record.get("fee_note")),
                "submitter_name": _text(submitter.get("name")),
                "submitter_id_number": _text(submitter.get("id_number")),
                "authorisation_note": _text(submitter.get("authorisation_note")),
                "name_fold": _fold(full_name),
                "id_number": _text(person.get("id_number")),
                "phone": _text(person.get("phone")),
                "clerk_id": None,  # another desk's clerk is not a user here
                "version": 1,
                "created_at": self.now,
                "updated_at": self.now,
                "server_version": int(snap["version"]),
                "origin": "pulled",  # came from the server, not received into this database
                **fields,
            }
        )
        self._codes[code] = dossier_id
        papers = intake.get("documents") if isinstance(intake.get("documents"), list) else []
        for position, paper in enumerate((p for p in papers if isinstance(p, Mapping)), start=1):
            self.documents.append(
                {
                    "dossier_id": dossier_id,
                    "position": position,
                    "name": _text(paper.get("name"), "(không rõ tên)") or "(không rõ tên)",  # i18n: skip
                    "originals": _int(paper.get("originals"), 0, 0),
                    "certified_copies": _int(paper.get("certified_copies"), 0, 0),
                    "copies": _int(paper.get("copies"), 0, 0),
                    "received": bool(paper.get("received", True)),
                }
            )
        self.events.extend(history)
        stats.inserted += 1
        stats.events_added += len(history)
        if own:
            self._protect_code(code)

    def _procedure(self, code: str, name: str) -> int:
        found = self._procedures.get(code)
        if found is None:
            found = self.session.scalar(select(Procedure.id).where(Procedure.code == code))
        if found is None:
            # Not in this desk's catalogue: an inactive placeholder, so that the dossier can be shown and
            # returned here, while no new dossier can be received under it.
            title = name or f"Thủ tục {code}"  # i18n: skip
            found = int(
                self.session.execute(
                    insert(Procedure).returning(Procedure.id),
                    {
                        "code": code,
                        "name": title,
                        "name_fold": fold(title),
                        "field_name": "",
                        "deadline_amount": 0,
                        "deadline_unit": "working_days",
                        "deadline_note": "Thủ tục chưa có trong danh mục của quầy (tạo khi đồng bộ)",  # i18n: skip
                        "active": False,
                        "unconfirmed": True,
                        "updated_at": self.now,
                    },
                ).scalar_one()
            )
        self._procedures[code] = found
        return found

    def _applicant(self, wanted: Any, person: Mapping[str, Any]) -> str:
        applicant_id = wanted if isinstance(wanted, str) and wanted else uuid7()
        if applicant_id in self._applicant_ids or applicant_id in self._known_applicants:
            return applicant_id
        full_name = _text(person.get("full_name"))
        self.applicants.append(
            {
                "id": applicant_id,
                "full_name": full_name,
                "name_fold": _fold(full_name),
                "birth_date": _birth(person.get("birth_date")),
                "gender": person.get("gender") if person.get("gender") in _GENDERS else "",
                "id_number": _text(person.get("id_number")),
                "phone": _text(person.get("phone")),
                "email": _text(person.get("email")),
                "address_province": _text(person.get("address_province")),
                "address_commune": _text(person.get("address_commune")),
                "address_street": _text(person.get("address_street")),
                "created_at": self.now,
            }
        )
        self._applicant_ids.add(applicant_id)
        return applicant_id

    def _protect_code(self, code: str) -> None:
        # Our own dossier that this database had forgotten (a restored backup): never issue its number again.
        match = codes.CODE_PATTERN.match(code)
        if match is None or match.group("agency") != self.scope.agency_code:
            return
        number = int(match.group("number"))
        if number // 1000 != self.scope.slot or number % 1000 == 0:
            return
        day = datetime.strptime(match.group("day"), "%y%m%d").date()
        codes.raise_high_water(
            self.session, self.clock, self.scope.agency_code, self.scope.slot, day, number % 1000
        )

    def flush(self) -> None:
        """Write the queued rows (the ORM's pending changes first, so that foreign keys hold)."""
        self.session.flush()
        for model, rows in (
            (Applicant, self.applicants),
            (Dossier, self.dossiers),
            (DossierDocument, self.documents),
            (DossierEvent, self.events),
        ):
            if rows:
                _insert_many(self.session, Base.metadata.tables[model.__tablename__], rows)
            rows.clear()


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT rows that share their keys, as one executemany straight through the driver.

    The values go through each column type's own conversion (dates and times as SQLAlchemy stores
    them) and omitted columns get their scalar defaults, so the rows are exactly what a Core insert
    would write, without its per-row parameter processing (which costs more than SQLite's insert).
    """
    names = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in rows[0] or column.default is None:
            continue
        if not column.default.is_scalar:  # a computed default: let SQLAlchemy compute it per row
            session.execute(insert(table), rows)
            return
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    columns = names + list(defaults)
    converters = [
        (i, _fast_time(conv))
        for i, name in enumerate(columns)
        if (conv := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    extra = tuple(defaults.values())
    params: list[Any] = []
    for row in rows:
        if len(row) != len(names):
            raise ValueError("bulk insert rows must share their keys")
        one = list(values(row))
        one.extend(extra)
        for i, conv in converters:
            one[i] = conv(one[i])
        params.append(tuple(one))
    prep = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {prep.format_table(table)} ({', '.join(prep.quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    session.connection().exec_driver_sql(sql, params)


_SAMPLES = (datetime(2026, 1, 5, 2, 3, 4, 56), datetime(2026, 12, 31, 23, 59, 59))


def _fast_time(conv: Any) -> Any:
    """The column's converter; for a time column stored as ISO text with microseconds (SQLAlchemy's
    SQLite DATETIME), `isoformat` on naive datetimes, which writes the same text several times faster."""
    try:
        same = all(conv(t) == t.isoformat(" ", "microseconds") for t in _SAMPLES)
    except (TypeError, ValueError, AttributeError):
        return conv
    if not same:
        return conv

    def convert(value: Any) -> Any:
        if value.__class__ is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return conv(value)

    return convert


def _event_row(dossier_id: str, event: Mapping[str, Any], seq: int) -> dict[str, Any]:
    """One pulled history event as a row, with the local sequence number `seq`."""
    at = parse_instant(event.get("at"))
    if at is None:
        raise _Invalid(f"event {event.get('id')} has no time")
    payload = event.get("payload")
    body: dict[str, Any] = dict(payload) if isinstance(payload, Mapping) else {}
    # Who did it elsewhere is not a user of this desk: keep the name with the event, for the timeline.
    if event.get("user"):
        body.setdefault("by", event.get("user"))
    if event.get("source"):
        body.setdefault("source", event.get("source"))
    return {
        "id": str(event.get("id") or uuid7()),
        "dossier_id": dossier_id,
        "seq": seq,
        "kind": _text(event.get("kind"), "unknown") or "unknown",
        "status_from": _status(event.get("status_from")),
        "status_to": _status(event.get("status_to")),
        "at": at,
        "user_id": None,
        "note": _text(event.get("note")),
        "step_deadline": parse_instant(event.get("step_deadline")),
        "payload": _canonical(body),
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _status(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10 else None
