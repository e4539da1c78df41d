"""Test data of the supervisor's figures: a seeded year plus dossiers received and moved by the real services.

`build(path)` seeds 2,500 demo dossiers received over the year before NOW (channel 1, every status),
then receives and moves DESK_CASES through intake and the workflow (online and postal channels,
early / on-time / late results, a withdrawal, a stop, a supplement pause, a dossier carried over from
February), all with a fixed clock. `sql(path, query)` runs independent SQL on the file.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from counter_app.clock import FixedClock, local_to_utc, utc_to_local
from counter_app.deadlines import WorkingHours, default_calendar
from counter_app.demo.appointments import BulkAppointments
from counter_app.demo.seed import seed_demo
from counter_app.services import appointment, intake, users, workflow
from counter_app.services.counter_setup import load_identity
from counter_app.services.intake import DocumentLine, IntakeForm
from counter_app.storage.database import open_database, raw_connect
from counter_app.storage.models import Procedure

NOW_LOCAL = datetime(2026, 3, 11, 10, 0)  # Wednesday; March 2026 has no public holiday
NOW_UTC = local_to_utc(NOW_LOCAL)
SOON_CUTOFF_LOCAL = datetime(2026, 3, 12, 10, 0)  # now + one working day (8 h: 07:00–11:30, 13:30–17:00)
PROCEDURE = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
SEEDED = 2500


@dataclass(frozen=True)
class Case:
    """A dossier received at the desk and the steps it then went through (local times)."""

    name: str
    id_number: str
    received: datetime
    channel: int
    steps: tuple[tuple[str, datetime], ...]


D = datetime
DESK_CASES = (
    Case("Hà Thị Trực Tuyến", "001190000011", D(2026, 3, 9, 8), 2,
         (("processing", D(2026, 3, 9, 9)), ("result_ready", D(2026, 3, 10, 15)), ("returned", D(2026, 3, 11, 8, 30)))),
    Case("Đỗ Văn Bưu Điện", "001090000012", D(2026, 3, 9, 9), 3,
         (("processing", D(2026, 3, 9, 10)), ("result_ready", D(2026, 3, 11, 9)))),
    Case("Lý Thị Rút", "001190000013", D(2026, 3, 10, 8), 2,
         (("processing", D(2026, 3, 10, 9)), ("withdrawn", D(2026, 3, 10, 10)))),
    Case("Mạc Văn Dừng", "001090000014", D(2026, 3, 10, 9), 1,
         (("processing", D(2026, 3, 10, 9, 30)), ("stopped", D(2026, 3, 11, 8)))),
    Case("Tạ Thị Bổ Sung", "001190000015", D(2026, 3, 10, 10), 3,
         (("processing", D(2026, 3, 10, 11)), ("supplement_requested", D(2026, 3, 10, 14)))),
    Case("Phùng Văn Mới", "001090000016", D(2026, 3, 11, 8), 2, ()),
    Case("Vi Thị Đúng Hẹn", "001190000017", D(2026, 3, 2, 8), 1,
         (("processing", D(2026, 3, 2, 9)), ("result_ready", D(2026, 3, 5, 14)), ("returned", D(2026, 3, 6, 9)))),
    Case("Âu Văn Trễ", "001090000018", D(2026, 3, 2, 9), 2,
         (("processing", D(2026, 3, 2, 10)), ("result_ready", D(2026, 3, 6, 9)))),
    Case("Kha Thị Quá Hạn", "001190000019", D(2026, 3, 4, 8), 1, (("processing", D(2026, 3, 4, 9)),)),
    Case("Lục Văn Tháng Hai", "001090000020", D(2026, 2, 25, 8), 3,
         (("processing", D(2026, 2, 25, 9)), ("result_ready", D(2026, 3, 3, 9)))),
)  # fmt: skip


def seed(path: Path, count: int = SEEDED, seed_value: int = 7) -> list[str]:
    """Seed `count` demo dossiers received before NOW, as `counter-admin seed-demo` does; returns clerk ids."""
    clock = FixedClock(NOW_UTC)
    db = open_database(path)
    try:
        with db.write() as session:
            identity = load_identity(session)
            clerks = [
                users.create_user(session, clock, f"canbo{i}", name, "clerk", "mat-khau-123", policy=FAST).id
                for i, name in enumerate(
                    ("Nguyễn Thị Hồng Nhung", "Trần Văn Đức", "Lê Thị Ánh Tuyết"), start=1
                )
            ]
    finally:
        db.close()
    bulk = BulkAppointments(default_calendar(), WorkingHours.parse(identity.working_hours, None))
    conn = raw_connect(path)
    try:
        seed_demo(
            conn,
            count=count,
            seed=seed_value,
            now_local=NOW_LOCAL.replace(hour=7),  # the desk's own dossiers of today come later
            agency_code=identity.agency_code,
            commune=identity.place_name,
            working_hours=identity.working_hours,
            is_working_day=bulk.is_working_day,
            appointment=bulk,
            clerk_ids=clerks,
        )
        # seed-demo records its code numbers under 'yyMMdd' days while intake uses ISO days, so a desk
        # receiving on a seeded day would reuse a number: the desk works as counter slot 2 (codes 2xxx).
        conn.execute("UPDATE counter_config SET code_slot = 2")
    finally:
        conn.close()
    return clerks


def receive_cases(path: Path, cases: tuple[Case, ...] = DESK_CASES) -> tuple[dict[str, str], dict[str, str]]:
    """Receive and move the cases with the real services; returns (name → code, role → user id)."""
    clock = FixedClock(NOW_UTC)
    db = open_database(path)
    codes: dict[str, str] = {}
    try:
        with db.write() as session:
            clerk = users.create_user(
                session, clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST
            )
            boss = users.create_user(
                session, clock, "lanhdao", "Phạm Quốc Việt", "supervisor", "mat-khau-123", policy=FAST
            )
        for case in sorted(cases, key=lambda c: c.received):  # codes are issued in date order
            with db.write() as session:
                procedure = session.scalar(select(Procedure).where(Procedure.code == PROCEDURE))
                assert procedure is not None
                due = appointment.compute_appointment_for(session, procedure, case.received)
                form = IntakeForm(
                    procedure_id=procedure.id,
                    full_name=case.name,
                    id_number=case.id_number,
                    channel=case.channel,
                    documents=tuple(
                        DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                        for d in procedure.documents
                    ),
                )
                registered = intake.register_dossier(
                    session, clock, form, clerk.id, due, received_local=case.received
                )
                codes[case.name] = registered.code
            for action, at in case.steps:
                extra: dict[str, Any] = {}
                if action in ("withdrawn", "stopped"):
                    extra["reason"] = "Lý do thử nghiệm"
                if action == "supplement_requested":
                    extra.update(reason="Thiếu giấy", missing=("Tờ khai có chữ ký",))
                with db.write() as session:
                    workflow.transition(
                        session, clock, registered.code, action, clerk.id, at_local=at, **extra
                    )
    finally:
        db.close()
    return codes, {"clerk": clerk.id, "supervisor": boss.id}


def sql(path: Path, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of an independent SQL query on the database file (plain sqlite3, no application code)."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, args).fetchall()
    finally:
        conn.close()


def one(path: Path, query: str, *args: Any) -> int:
    """The single number of an independent SQL query."""
    value = sql(path, query, *args)[0][0]
    return int(value or 0)


def stamp(local: datetime) -> str:
    """A local instant as the stored naive-UTC text, for independent SQL parameters."""
    return local_to_utc(local).isoformat(sep=" ", timespec="microseconds")


def local(text: str) -> datetime:
    """A stored naive-UTC text as local time."""
    return utc_to_local(datetime.fromisoformat(text))
