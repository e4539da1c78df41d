"""Typed SQLAlchemy models of the counter database (mirrors db/migrations; a test keeps them equal)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Base class of every counter table."""


class CounterConfig(Base):
    """The single row describing this counter: agency identity, form header, hours, code slot."""

    __tablename__ = "counter_config"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter_uuid: Mapped[str] = mapped_column(String)
    agency_code: Mapped[str] = mapped_column(String)
    agency_name: Mapped[str] = mapped_column(String)
    parent_name: Mapped[str] = mapped_column(String)
    place_name: Mapped[str] = mapped_column(String)
    working_hours: Mapped[str] = mapped_column(String, default="07:00-11:30,13:30-17:00")
    saturday_hours: Mapped[str] = mapped_column(String, default="")
    code_slot: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Setting(Base):
    """One typed setting, stored as JSON text; declared in counter_app.settings."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class User(Base):
    """A person who signs in at the counter: clerk, supervisor or admin."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    username: Mapped[str] = mapped_column(String, unique=True)
    full_name: Mapped[str] = mapped_column(String)
    role: Mapped[str] = mapped_column(String)
    password_hash: Mapped[str] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính) of the published catalogue."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str] = mapped_column(String)
    name_fold: Mapped[str] = mapped_column(String, index=True)
    field_code: Mapped[str] = mapped_column(String, default="")
    field_name: Mapped[str] = mapped_column(String)
    level: Mapped[str] = mapped_column(String, default="xa")
    deadline_amount: Mapped[float] = mapped_column(Float)
    deadline_unit: Mapped[str] = mapped_column(String)
    cutoff: Mapped[str | None] = mapped_column(String, nullable=True)
    pause_rule: Mapped[str] = mapped_column(String, default="pause")
    deadline_note: Mapped[str] = mapped_column(Text, default="")
    fee_amount: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    online_level: Mapped[str] = mapped_column(String, default="")
    agency_in_charge: Mapped[str] = mapped_column(String, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    unconfirmed: Mapped[bool] = mapped_column(Boolean, default=False)

    documents: Mapped[list[ProcedureDocument]] = relationship(
        back_populates="procedure", order_by="ProcedureDocument.position", cascade="all, delete-orphan"
    )


class ProcedureDocument(Base):
    """A paper the catalogue requires for a procedure, with original/certified/copy counts."""

    __tablename__ = "procedure_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    originals: Mapped[int] = mapped_column(Integer, default=0)
    certified_copies: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    procedure: Mapped[Procedure] = relationship(back_populates="documents")


class Applicant(Base):
    """The owner of a dossier (chủ hồ sơ): a citizen identified by CCCD/ĐDCN."""

    __tablename__ = "applicants"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    full_name: Mapped[str] = mapped_column(String)
    name_fold: Mapped[str] = mapped_column(String)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str] = mapped_column(String, default="")
    id_number: Mapped[str] = mapped_column(String, default="", index=True)
    phone: Mapped[str] = mapped_column(String, default="")
    email: Mapped[str] = mapped_column(String, default="")
    address_province: Mapped[str] = mapped_column(String, default="")
    address_commune: Mapped[str] = mapped_column(String, default="")
    address_street: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Dossier(Base):
    """The current state of a dossier (a projection of its events, updated in the same transaction)."""

    __tablename__ = "dossiers"
    # The list's keyset orders and searches (migration 0004); see db/migrations for the others.
    __table_args__ = (
        Index("ix_dossiers_status_appointment", "status", "appointment_at"),
        Index("ix_dossiers_received_id", "received_at", "id"),
        Index("ix_dossiers_appointment_id", "appointment_at", "id"),
        Index("ix_dossiers_name_received", "name_fold", "received_at", "id"),
        Index("ix_dossiers_clerk", "clerk_id", "received_at", "id"),
        Index("ix_dossiers_procedure", "procedure_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(String, primary_key=True)
    code: Mapped[str] = mapped_column(String, unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"))
    status: Mapped[int] = mapped_column(Integer)
    channel: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    printed_appointment_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sets_count: Mapped[int] = mapped_column(Integer, default=1)
    delivery: Mapped[str] = mapped_column(String, default="counter")
    delivery_address: Mapped[str] = mapped_column(String, default="")
    fee_collected: Mapped[int] = mapped_column(Integer, default=0)
    fee_note: Mapped[str] = mapped_column(String, default="")
    submitter_name: Mapped[str] = mapped_column(String, default="")
    submitter_id_number: Mapped[str] = mapped_column(String, default="")
    authorisation_note: Mapped[str] = mapped_column(String, default="")
    name_fold: Mapped[str] = mapped_column(String)
    id_number: Mapped[str] = mapped_column(String, default="", index=True)
    phone: Mapped[str] = mapped_column(String, default="", index=True)
    clerk_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # The server's version last applied here (0: the server has not been heard about it), and whether
    # the dossier was received into this database ('local') or inserted by a pull ('pulled': another
    # desk's dossier, or one of this desk's that a restored database had forgotten).
    server_version: Mapped[int] = mapped_column(Integer, default=0)
    origin: Mapped[str] = mapped_column(String, default="local")

    procedure: Mapped[Procedure] = relationship()
    applicant: Mapped[Applicant] = relationship()
    documents: Mapped[list[DossierDocument]] = relationship(
        order_by="DossierDocument.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[DossierEvent]] = relationship(
        order_by="DossierEvent.seq", cascade="all, delete-orphan"
    )


class DossierDocument(Base):
    """A paper received with a dossier (from the catalogue checklist or a free-text extra)."""

    __tablename__ = "dossier_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    originals: Mapped[int] = mapped_column(Integer, default=0)
    certified_copies: Mapped[int] = mapped_column(Integer, default=0)
    copies: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[bool] = mapped_column(Boolean, default=True)


class DossierEvent(Base):
    """One append-only step in a dossier's history: who, when, what, and the step's deadline."""

    __tablename__ = "dossier_events"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("dossiers.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String)
    status_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    step_deadline: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")


class CodeSequence(Base):
    """The last issued daily number of dossier codes for an agency, day and counter slot."""

    __tablename__ = "code_sequences"

    agency_code: Mapped[str] = mapped_column(String, primary_key=True)
    day: Mapped[str] = mapped_column(String, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """One append-only, hash-chained line of the audit trail (who did what, when, to which record)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String)
    entity_type: Mapped[str] = mapped_column(String, default="")
    entity_id: Mapped[str] = mapped_column(String, default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String)
    hash: Mapped[str] = mapped_column(String, unique=True)


class OutboxEntry(Base):
    """One local change waiting to be pushed to the central system (transactional outbox, FIFO by id)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str] = mapped_column(String)
    entity_id: Mapped[str] = mapped_column(String, index=True)
    payload: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The server's answer (migration 0005): applied/duplicate/conflict/rejected, its error code, the
    # change-log sequence of the effect and when the acknowledgement arrived.
    result: Mapped[str | None] = mapped_column(String, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String, nullable=True)
    server_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    acked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CodeHighWater(Base):
    """The latest date a dossier code was issued for, per agency: the clock-going-backwards guard."""

    __tablename__ = "code_high_water"

    agency_code: Mapped[str] = mapped_column(String, primary_key=True)
    last_day: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarDay(Base):
    """A day the counter's admin declared off or working (on top of the shipped calendar)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)
    legal_ref: Mapped[str] = mapped_column(String, default="")
    changed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class CalendarChange(Base):
    """History of the counter's calendar: who changed which day, why, and how many dossiers moved."""

    __tablename__ = "calendar_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    old_kind: Mapped[str | None] = mapped_column(String, nullable=True)
    new_kind: Mapped[str | None] = mapped_column(String, nullable=True)
    name: Mapped[str] = mapped_column(String, default="")
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    dossiers_moved: Mapped[int] = mapped_column(Integer, default=0)


class SyncEnrolment(Base):
    """The single row of this counter's enrolment with a central server (absent: standalone)."""

    __tablename__ = "sync_enrolment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(String)
    counter_id: Mapped[str] = mapped_column(String)
    token: Mapped[str] = mapped_column(String)
    file_key: Mapped[str] = mapped_column(String)
    agency_code: Mapped[str] = mapped_column(String)
    agency_name: Mapped[str] = mapped_column(String)
    counter_name: Mapped[str] = mapped_column(String)
    slot: Mapped[int] = mapped_column(Integer)
    ca_bundle: Mapped[str] = mapped_column(String, default="")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)


class SyncStateEntry(Base):
    """One key of the sync bookkeeping (pull cursor, epoch, last success, skew, back-off...), as text."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class SyncConflict(Base):
    """Something sync could not fit, with both sides, for the supervisor to resolve."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (
        Index("ix_sync_conflicts_open", "resolved_at", "dossier_id"),
        Index("ix_sync_conflicts_dossier", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str | None] = mapped_column(String, nullable=True)
    dossier_id: Mapped[str] = mapped_column(String)
    code: Mapped[str] = mapped_column(String, default="")
    kind: Mapped[str] = mapped_column(String)  # conflict, rejected, quarantine, code_clash, invalid
    error_code: Mapped[str] = mapped_column(String, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    local_json: Mapped[str] = mapped_column(Text, default="{}")
    server_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String, nullable=True)
