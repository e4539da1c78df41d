"""The reception's reads and writes in the caller's transaction: prepared SQL, no ORM unit of work.

`intake.register_dossier` runs on the session's own DB-API connection (`rawsql.connection`): one
statement for the catalogue entry, one for the clerk and the counter, then the code
(`codes.take_dossier_code`), the applicant, the dossier, its papers and its "received" event. The rows
are exactly those the ORM models would store (same columns, defaults and storage formats); the
session's identity map is told about rows it may hold (`rawsql.expire`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from counter_app.clock import Clock
from counter_app.ids import uuid7
from counter_app.services.rawsql import day, timestamp
from counter_app.text import fold

_CATALOGUE_ENTRY = (
    "SELECT p.code, p.fee_amount, p.active, d.name, d.required FROM procedures AS p "
    "LEFT JOIN procedure_documents AS d ON d.procedure_id = p.id WHERE p.id = ? ORDER BY d.position"
)
# The clerk's role if the account is active, and the counter's agency code and code slot (NULL when the
# counter was never initialised).
_DESK = (
    "SELECT (SELECT role FROM users WHERE id = ? AND active), "
    "(SELECT agency_code FROM counter_config WHERE id = 1), "
    "(SELECT code_slot FROM counter_config WHERE id = 1)"
)
# The applicant's latest known data (the same person is one applicant, found by ID number).
_APPLICANT_FIELDS = (
    "full_name",
    "gender",
    "id_number",
    "phone",
    "email",
    "address_street",
    "address_commune",
    "address_province",
)
_LATEST_APPLICANT = (
    f"SELECT id, birth_date, name_fold, {', '.join(_APPLICANT_FIELDS)} FROM applicants "
    "WHERE id_number = ? ORDER BY created_at DESC LIMIT 1"
)
_INSERT_APPLICANT = (
    f"INSERT INTO applicants (id, birth_date, {', '.join(_APPLICANT_FIELDS)}, name_fold, created_at) "
    f"VALUES (?, ?, {', '.join('?' for _ in _APPLICANT_FIELDS)}, ?, ?)"
)
_UPDATE_APPLICANT = (
    f"UPDATE applicants SET birth_date = ?, {', '.join(f'{f} = ?' for f in _APPLICANT_FIELDS)}, "
    "name_fold = ? WHERE id = ?"
)
# Every column the ORM writes for a new dossier (server_version and origin carry the models' defaults).
DOSSIER_COLUMNS = (
    "id",
    "code",
    "procedure_id",
    "applicant_id",
    "status",
    "channel",
    "received_at",
    "appointment_at",
    "printed_appointment_at",
    "sets_count",
    "delivery",
    "delivery_address",
    "fee_collected",
    "fee_note",
    "submitter_name",
    "submitter_id_number",
    "authorisation_note",
    "name_fold",
    "id_number",
    "phone",
    "clerk_id",
    "version",
    "created_at",
    "updated_at",
    "server_version",
    "origin",
)
_INSERT_DOSSIER = (
    f"INSERT INTO dossiers ({', '.join(DOSSIER_COLUMNS)}) VALUES ({', '.join('?' for _ in DOSSIER_COLUMNS)})"
)
DOCUMENT_COLUMNS = ("position", "name", "originals", "certified_copies", "copies", "received")
_INSERT_DOCUMENT = (
    f"INSERT INTO dossier_documents (dossier_id, {', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' for _ in DOCUMENT_COLUMNS)})"
)
EVENT_COLUMNS = (
    "id",
    "seq",
    "kind",
    "status_from",
    "status_to",
    "at",
    "user_id",
    "note",
    "step_deadline",
    "payload",
)
_INSERT_EVENT = (
    f"INSERT INTO dossier_events (dossier_id, {', '.join(EVENT_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' for _ in EVENT_COLUMNS)})"
)


class CatalogueDocument(NamedTuple):
    """A paper the catalogue lists for the procedure."""

    name: str
    required: bool


class CatalogueEntry(NamedTuple):
    """What a reception needs of its procedure."""

    id: int
    code: str
    fee_amount: int
    active: bool
    documents: tuple[CatalogueDocument, ...]


class Desk(NamedTuple):
    """The clerk's role (None: no such active user) and the counter's code identity (None: not set up)."""

    clerk_role: str | None
    agency_code: str | None
    code_slot: int | None


def catalogue_entry(conn: sqlite3.Connection, procedure_id: int) -> CatalogueEntry | None:
    """The procedure with its papers in catalogue order, or None if there is no such procedure."""
    rows = conn.execute(_CATALOGUE_ENTRY, (procedure_id,)).fetchall()
    if not rows:
        return None
    code, fee_amount, active = rows[0][:3]
    documents = tuple(CatalogueDocument(r[3], bool(r[4])) for r in rows if r[3] is not None)
    return CatalogueEntry(procedure_id, code, fee_amount, bool(active), documents)


def desk(conn: sqlite3.Connection, clerk_id: str) -> Desk:
    """Who is at the desk and which counter it is, in one statement."""
    role, agency_code, code_slot = conn.execute(_DESK, (clerk_id,)).fetchone()
    return Desk(role, agency_code, code_slot)


def save_applicant(conn: sqlite3.Connection, clock: Clock, snapshot: Mapping[str, Any]) -> str:
    """Insert the applicant, or bring the latest one with this ID number up to date; returns its id.

    The clerk has just checked the papers: what the form says is the latest known data (an empty
    field keeps the known value). Earlier dossiers keep their own copy in their "received" event.
    """
    row = None
    if snapshot["id_number"]:
        row = conn.execute(_LATEST_APPLICANT, (snapshot["id_number"],)).fetchone()
    birth = snapshot["birth_date"]  # ISO text, as the DATE column stores it
    name_fold = fold(snapshot["full_name"])
    if row is None:
        applicant_id = uuid7()
        fields = [snapshot[f] for f in _APPLICANT_FIELDS]
        conn.execute(_INSERT_APPLICANT, (applicant_id, birth, *fields, name_fold, timestamp(clock.now_utc())))
        return applicant_id
    applicant_id, known_birth, known_fold, *known = row
    fields = [
        snapshot[f] if snapshot[f] or not old else old
        for f, old in zip(_APPLICANT_FIELDS, known, strict=True)
    ]
    new_birth = birth if birth is not None else known_birth
    if (new_birth, name_fold, fields) != (known_birth, known_fold, known):
        conn.execute(_UPDATE_APPLICANT, (new_birth, *fields, name_fold, applicant_id))
    return str(applicant_id)


def _stored(value: object) -> object:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return day(value)
    return value


# The DATETIME columns (the only values that need converting before they are bound).
_DOSSIER_TIMES = frozenset(
    ("received_at", "appointment_at", "printed_appointment_at", "created_at", "updated_at")
)
_EVENT_TIMES = frozenset(("at", "step_deadline"))


def insert_dossier(
    conn: sqlite3.Connection,
    dossier: Mapping[str, Any],
    documents: Sequence[Mapping[str, Any]],
    event: Mapping[str, Any],
) -> None:
    """The dossier row, its papers (in position order) and its first event."""
    conn.execute(
        _INSERT_DOSSIER, [_stored(dossier[c]) if c in _DOSSIER_TIMES else dossier[c] for c in DOSSIER_COLUMNS]
    )
    dossier_id = dossier["id"]
    conn.executemany(_INSERT_DOCUMENT, [(dossier_id, *(d[c] for c in DOCUMENT_COLUMNS)) for d in documents])
    conn.execute(
        _INSERT_EVENT,
        [dossier_id, *(_stored(event[c]) if c in _EVENT_TIMES else event[c] for c in EVENT_COLUMNS)],
    )
