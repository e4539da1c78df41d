"""The sync bookkeeping kept in the counter database: the enrolment row and the sync_state keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.storage.models import SyncEnrolment, SyncStateEntry

# The keys of sync_state (values are text; datetimes are naive UTC ISO strings).
PULL_CURSOR: Final = "pull_cursor"
SERVER_EPOCH: Final = "server_epoch"
LAST_SUCCESS_AT: Final = "last_success_at"  # a whole round (push + pull) completed
LAST_ATTEMPT_AT: Final = "last_attempt_at"
LAST_CONTACT_AT: Final = "last_contact_at"  # the server answered with a valid protocol message
LAST_ACK_AT: Final = "last_ack_at"  # the server acknowledged at least one op
LAST_ERROR: Final = "last_error"
LAST_ERROR_KIND: Final = "last_error_kind"  # transient | fatal | ''
CLOCK_SKEW_SECONDS: Final = "clock_skew_seconds"  # server_time - local time, seconds
LAST_SERVER_TIME: Final = "last_server_time"
CONSECUTIVE_FAILURES: Final = "consecutive_failures"
NEXT_ATTEMPT_AT: Final = "next_attempt_at"  # back-off: no automatic round before this instant
RETRY_AFTER_UNTIL: Final = "retry_after_until"  # the server asked us to wait until then
AUDIT_ANCHOR_LAST_ID: Final = "audit_anchor_last_id"  # the audit head the server last acknowledged
AUDIT_ANCHOR_HASH: Final = "audit_anchor_hash"

Value = str | int | float | datetime | None


@dataclass(frozen=True)
class Enrolment:
    """This counter's credentials with its central server."""

    server_url: str
    counter_id: str
    token: str
    file_key: str
    agency_code: str
    agency_name: str
    counter_name: str
    slot: int
    ca_bundle: str
    enrolled_at: datetime


def load_enrolment(session: Session) -> Enrolment | None:
    """The enrolment, or None for a standalone counter."""
    row = session.get(SyncEnrolment, 1)
    if row is None:
        return None
    return Enrolment(
        row.server_url,
        row.counter_id,
        row.token,
        row.file_key,
        row.agency_code,
        row.agency_name,
        row.counter_name,
        row.slot,
        row.ca_bundle,
        row.enrolled_at,
    )


def get_all(session: Session) -> dict[str, str]:
    """Every sync_state key and its text value."""
    return {key: value for key, value in session.execute(select(SyncStateEntry.key, SyncStateEntry.value))}


def put(session: Session, now: datetime, **values: Value) -> None:
    """Set keys in the caller's transaction (None stores ''; datetimes as naive UTC ISO text)."""
    for key, value in values.items():
        text = _text(value)
        row = session.get(SyncStateEntry, key)
        if row is None:
            session.add(SyncStateEntry(key=key, value=text, updated_at=now))
        else:
            row.value = text
            row.updated_at = now
    session.flush()


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def as_int(values: dict[str, str], key: str, default: int = 0) -> int:
    """A stored integer (default when absent or unreadable)."""
    try:
        return int(values.get(key) or default)
    except ValueError:
        return default


def as_float(values: dict[str, str], key: str) -> float | None:
    """A stored number, or None."""
    try:
        return float(values[key]) if values.get(key) else None
    except ValueError:
        return None


def as_time(values: dict[str, str], key: str) -> datetime | None:
    """A stored naive-UTC instant, or None."""
    try:
        return datetime.fromisoformat(values[key]) if values.get(key) else None
    except ValueError:
        return None


def parse_instant(text: str | None) -> datetime | None:
    """An ISO 8601 instant from the wire as naive UTC (an offset is honoured; none means UTC)."""
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
