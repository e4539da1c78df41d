"""The queue's tables (SQLAlchemy Core): created by central_server's migration 2 and by the local file."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

# One row per site (an agency's one-stop hall): hours, the priority ratio, the kiosk/display key.
sites = Table(
    "queue_sites",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("key_hash", String(64), nullable=True, unique=True),  # sha256 of the site key (kiosk, display)
    Column("opens", String(5), nullable=False, default="07:00"),  # local time HH:MM
    Column("closes", String(5), nullable=False, default="17:00"),
    Column("priority_every", Integer, nullable=False, default=3),  # one priority ticket per N normal ones
    Column("max_misses", Integer, nullable=False, default=3),  # no-shows before a ticket is dropped
    Column("streak_day", String(10), nullable=False, default=""),
    Column("normal_streak", Integer, nullable=False, default=0),  # normal calls since the last priority call
    Column("created_at", String(32), nullable=False),
)

# A queue (per field or service group), with its letter.
lines = Table(
    "queue_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(64), nullable=False),
    Column("prefix", String(2), nullable=False),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("active", Integer, nullable=False, default=1),
    UniqueConstraint("site", "prefix", name="uq_queue_lines_prefix"),
)

# A ticket. Times are naive UTC ISO 8601 text (sortable); `day` is the local (UTC+7) day of issue.
tickets = Table(
    "queue_tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("line_id", Integer, nullable=False),
    Column("day", String(10), nullable=False),
    Column("number", Integer, nullable=False),
    Column("label", String(8), nullable=False),
    Column("priority", String(16), nullable=True),  # elderly | disabled | pregnant | supplement
    Column("priority_reason", Text, nullable=True),
    Column("issued_by", String(200), nullable=True),
    Column("issued_at", String(32), nullable=False),
    Column("queued_at", String(32), nullable=False),  # when it (re)joined the queue
    Column("place", Integer, nullable=False),  # order in the day's queues; a no-show gets a new, last place
    Column("state", String(12), nullable=False),  # waiting | called | serving | parked | done | dropped
    Column("desk", Integer, nullable=True),  # the desk calling or serving it
    Column("target_desk", Integer, nullable=True),  # transferred to one desk
    Column("parked_by", Integer, nullable=True),
    Column("clerk", String(200), nullable=True),
    Column("first_called_at", String(32), nullable=True),
    Column("called_at", String(32), nullable=True),
    Column("started_at", String(32), nullable=True),
    Column("done_at", String(32), nullable=True),
    Column("misses", Integer, nullable=False, default=0),
    Column("follow_token", String(32), nullable=False, unique=True),
    UniqueConstraint("site", "line_id", "day", "number", name="uq_queue_tickets_number"),
    Index("ix_queue_tickets_day_state", "site", "day", "state"),
)

# Every call, recall, skip, transfer, park, out-of-turn call: the display's feed and the audit trail.
events = Table(
    "queue_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("ticket_id", String(36), nullable=True),
    Column("label", String(8), nullable=True),
    Column("at", String(32), nullable=False),
    Column("action", String(24), nullable=False),
    Column("desk", Integer, nullable=True),
    Column("clerk", String(200), nullable=True),
    Column("detail", Text, nullable=True),
    Index("ix_queue_events_site_day", "site", "day", "id"),
)
