"""The central database's tables (SQLAlchemy Core); times are ISO 8601 text, UTC."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# A change-log sequence: BIGINT on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY) on SQLite.
Seq = BigInteger().with_variant(Integer(), "sqlite")

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

server_meta = Table(
    "server_meta",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: the one row writers lock
    Column("epoch", String(36), nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("web_secret", String(64), nullable=False),  # keys the department web page's form tokens
)

counters = Table(
    "counters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("agency_code", String(64), nullable=False),
    Column("agency_name", String(255), nullable=False, default=""),
    Column("name", String(255), nullable=False),
    Column("slot", Integer, nullable=False),
    Column("enrol_code_hash", String(64), unique=True),
    Column("enrol_expires_at", String(40)),
    Column("token_hash", String(64), unique=True),
    Column("file_key", String(64), nullable=False),
    Column("revoked_at", String(40)),
    Column("enrolled_at", String(40)),
    Column("counter_uuid", String(64)),
    Column("hostname", String(255)),
    Column("app_version", String(64)),
    Column("last_push_at", String(40)),
    Column("last_pull_at", String(40)),
    Column("audit_last_id", BigInteger),
    Column("audit_head_hash", String(64)),
    Column("created_at", String(40), nullable=False),
    Column("replaces", String(36)),  # the counter whose slot this one took over (--replace)
    Index("ix_counters_agency_slot", "agency_code", "slot"),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("agency_code", String(64), nullable=False),
    Column("counter_id", String(36), ForeignKey("counters.id"), nullable=False),
    Column("slot", Integer, nullable=False),  # parsed from the code: the enrolment's high water
    Column("code_day", String(10), nullable=False),  # ISO date of the code's yyMMdd
    Column("code_number", Integer, nullable=False),  # n of slot*1000+n
    Column("procedure_code", String(64), nullable=False),
    Column("procedure_name", Text, nullable=False, default=""),
    Column("status", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("received_at", String(40)),
    Column("appointment_at", String(40)),
    Column("finished_at", String(40)),
    Column("returned_at", String(40)),
    Column("intake", Text, nullable=False),  # the dossier.received payload text, as the counter sent it
    Column("applicant_name", Text, nullable=False, default=""),
    Column("created_seq", BigInteger, nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_dossiers_agency_code", "agency_code", "code"),
    Index("ix_dossiers_agency_status", "agency_code", "status", "code"),
    Index("ix_dossiers_slot_day", "agency_code", "slot", "code_day"),
)

dossier_events = Table(
    "dossier_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("dossier_id", String(36), ForeignKey("dossiers.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("status_from", Integer),
    Column("status_to", Integer),
    Column("at", String(40)),
    Column("user", String(255), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("step_deadline", String(40)),
    Column("payload", Text, nullable=False, default="{}"),
    Column("source", String(16), nullable=False),  # "counter" | "department"
    Column("seq", BigInteger, nullable=False),  # the change-log entry that brought it
    Index("ix_dossier_events_dossier", "dossier_id", "position"),
    sqlite_with_rowid=False,  # small rows keyed by text: one B-tree instead of table + key index
)

applied_ops = Table(
    "applied_ops",
    metadata,
    Column("op_id", String(64), primary_key=True),
    Column("counter_id", String(36), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("result_json", Text, nullable=False),
    Column("server_seq", BigInteger),
    Column("created_at", String(40), nullable=False),
    sqlite_with_rowid=False,
)

change_log = Table(
    "change_log",
    metadata,
    Column("seq", Seq, primary_key=True, autoincrement=False),
    Column("agency_code", String(64), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    # The dossier snapshot after the change (JSON text) without its intake, which never changes after
    # receipt: pull splices dossiers.intake back in (snapshot.with_intake), so it is stored once.
    Column("data", Text, nullable=False),
    Index("ix_change_log_agency_seq", "agency_code", "seq"),
)

dept_users = Table(
    "dept_users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("full_name", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),  # officer | head | admin
    Column("agency_code", String(64), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(40), nullable=False),
)

audit_anchors = Table(
    "audit_anchors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("counter_id", String(36), nullable=False),
    Column("op_id", String(64), nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("received_at", String(40), nullable=False),
)
