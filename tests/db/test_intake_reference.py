"""The save path writes exactly the rows of the reference snapshot taken from the original ORM save path.

`intake_reference.json` was generated from the ORM implementation of `register_dossier` (before the
write path was rewritten for speed) by running this scenario with `--write`. Every row of every table
a reception touches (applicant, dossier, documents, event, code sequence and clock guard, the audit
rows with their hash chain, the outbox payload bytes and digest) and every refusal (error type and
Vietnamese message) must stay the same for the same input, clock and identifiers.

    python -m tests.db.test_intake_reference --write   # regenerate (only when a change is intended)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import tempfile
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from counter_app import ids
from counter_app.clock import FixedClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import appointment, codes, intake, users
from counter_app.services.intake import DocumentLine, IntakeForm
from counter_app.storage.database import Database, create_database, open_database
from tests.db.intake_seed import seed_intake_counter

REFERENCE = Path(__file__).with_name("intake_reference.json")
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
APPOINTMENT = datetime(2024, 6, 18, 9, 30)
# Tables compared row by row; `users.password_hash` has argon2's own random salt and is left out.
SKIPPED_COLUMNS = {("users", "password_hash")}


class _FixedIds:
    """uuid7 with a fixed millisecond and counted 'random' bytes: the same ids on every run."""

    def __init__(self) -> None:
        self.calls = 0

    def urandom(self, size: int) -> bytes:
        self.calls += 1
        return hashlib.sha256(f"id-{self.calls}".encode()).digest()[:size]

    def time(self) -> float:
        return 1718332200.0 + self.calls / 1000


def _form(**changes: Any) -> IntakeForm:
    values: dict[str, Any] = {
        "procedure_id": 1,
        "full_name": "Nguyễn Văn An",
        "id_number": "001092012345",
        "birth_date": date(1992, 6, 15),
        "gender": "nam",
        "phone": "+84 912 345 678",
        "email": " an@example.vn ",
        "address_street": "Số 5 ngõ 12",
        "address_commune": "Phường Ỷ La",
        "address_province": "Tỉnh Tuyên Quang",
        "documents": (
            DocumentLine("Tờ khai đăng ký khai sinh", 1),
            DocumentLine("Giấy chứng sinh", 1, 1, 2),
            DocumentLine("Giấy ủy quyền", 1, received=False),
        ),
        "extras": (DocumentLine("Bản sao sổ hộ khẩu", copies=1),),
    }
    values.update(changes)
    return IntakeForm(**values)


def _setup(path: Path, clock: FixedClock) -> tuple[Database, str, str]:
    create_database(path)
    db = open_database(path)
    with db.write() as session:
        seed_intake_counter(session, clock)
        clerk = users.create_user(
            session, clock, "an", "Trần Thị Cán Bộ", "clerk", "mat-khau-123", policy=FAST
        )
        gone = users.create_user(session, clock, "cu", "Người Đã Nghỉ", "clerk", "mat-khau-123", policy=FAST)
        admin = users.create_user(session, clock, "qt", "Quản Trị Viên", "admin", "mat-khau-123", policy=FAST)
    with db.write() as session:
        users.deactivate(session, clock, gone.id, by=admin.id)
    return db, clerk.id, gone.id


def _attempt(db: Database, clock: FixedClock, clerk_id: str, form: IntakeForm, **kw: Any) -> dict[str, Any]:
    """One reception in its own transaction: what it returned, or how it was refused."""
    appointment_local = kw.pop("appointment_local", APPOINTMENT)
    via_engine = kw.pop("via_engine", False)
    try:
        with db.write() as session:
            if via_engine:
                received = kw.get("received_local") or clock.now_utc() + timedelta(hours=7)
                r = appointment.receive_dossier(session, clock, form, clerk_id, received)
            else:
                r = intake.register_dossier(session, clock, form, clerk_id, appointment_local, **kw)
    except FieldErrors as exc:
        return {"error": "FieldErrors", "errors": list(exc.errors.items())}
    except UserFacingError as exc:
        return {"error": "UserFacingError", "message": exc.message}
    except ValueError as exc:
        return {"error": "ValueError", "message": str(exc)}
    return {
        "id": r.id,
        "code": r.code,
        "received_at_utc": r.received_at_utc.isoformat(),
        "appointment_local": r.appointment_local.isoformat(),
        "applicant_id": r.applicant_id,
        "event_id": r.event_id,
        "op_id": r.op_id,
    }


def _tables(path: Path) -> dict[str, list[list[Any]]]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        names.append("sqlite_sequence")
        dump: dict[str, list[list[Any]]] = {}
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            columns = [c[0] for c in cursor.description]
            rows = [
                [
                    "<skipped>" if (name, col) in SKIPPED_COLUMNS else value
                    for col, value in zip(columns, row, strict=True)
                ]
                for row in cursor
            ]
            if rows:
                dump[name] = [columns, *rows]
        return dump
    finally:
        conn.close()


def run_scenario(folder: Path) -> dict[str, Any]:
    """Receptions and refusals covering every branch of the save, and then every row they left."""
    clock = FixedClock(datetime(2024, 6, 14, 2, 30))  # Friday 14/06/2024 09:30 in Vietnam
    path = folder / "counter.db"
    db, clerk_id, gone_id = _setup(path, clock)
    outcomes: list[dict[str, Any]] = []
    try:

        def attempt(form: IntakeForm, **kw: Any) -> None:
            outcomes.append(_attempt(db, clock, kw.pop("clerk", clerk_id), form, **kw))
            clock.advance(timedelta(minutes=3))

        attempt(_form())  # a new applicant, catalogue fee, an extra paper
        attempt(_form(phone="0987654321", email="", birth_date=None, address_street=""))  # same person
        attempt(
            _form(
                full_name=unicodedata.normalize("NFD", "Lê  Thị Hằng"),
                id_number="001 192.012-346",
                gender="nu",
                birth_date=date(1992, 1, 2),
                phone="",
                submitter_name=unicodedata.normalize("NFD", "Phạm Văn Bình"),
                submitter_id_number="001090 000001",
                authorisation_note="Giấy ủy quyền số 12/UQ",
                delivery="post",
                delivery_address=unicodedata.normalize("NFD", "Thôn Đồng, xã Ỷ La"),
                fee_collected=0,
                fee_reason="Miễn lệ phí (hộ nghèo)",
                sets_count=2,
                channel=3,
                extras=(),
            )
        )
        attempt(_form(id_number="", birth_date=None, gender="", full_name="Trần Văn Không Số"))
        attempt(_form(), received_local=datetime(2024, 6, 14, 7, 15))
        attempt(_form(), via_engine=True)
        # Refusals: every problem at once, the catalogue, the clerk, the times, the clock guard.
        attempt(
            _form(
                full_name="X",
                id_number="12345",
                phone="12",
                email="@",
                birth_date=date(2030, 1, 1),
                delivery="post",
                fee_collected=0,
                sets_count=0,
            )
        )
        attempt(_form(documents=(DocumentLine("Tờ khai đăng ký khai sinh", 1),)))
        attempt(
            _form(
                documents=(
                    DocumentLine("Tờ khai đăng ký khai sinh", 1),
                    DocumentLine("Giấy chứng sinh", 1, received=False),
                )
            )
        )
        attempt(_form(procedure_id=0))
        attempt(_form(procedure_id=2))
        attempt(_form(procedure_id=77))
        attempt(_form(), clerk="no-such-user")
        attempt(_form(), clerk=gone_id)
        attempt(_form(), received_local=datetime(2024, 6, 14, 23, 0))
        attempt(_form(), appointment_local=datetime(2024, 6, 14, 9, 0))
        with db.write() as session:
            codes.hold_codes(session, clock, "Vừa khôi phục từ bản sao lưu; chờ đồng bộ.", clerk_id)
        attempt(_form())
        with db.write() as session:
            codes.release_hold(session, clock, clerk_id, "test", {"by": "reference"})
        # The next day: a new daily sequence and the clock guard moves on; then the clock goes back.
        clock.advance(timedelta(days=1))
        attempt(_form(full_name="Đỗ Thị Mai", id_number="001192099999", gender="nu", birth_date=None))
        attempt(_form(), appointment_local=APPOINTMENT + timedelta(days=1))
        clock.advance(timedelta(days=-2))
        attempt(_form(), appointment_local=APPOINTMENT)
        # Monday 17/06: all 999 numbers of the day already known as used (after a restore).
        clock.advance(timedelta(days=4))
        with db.write() as session:
            codes.raise_high_water(session, clock, "000.00.31.H12", 1, date(2024, 6, 17), 999)
        attempt(_form(), appointment_local=APPOINTMENT + timedelta(days=3))
    finally:
        db.close()
    return {"outcomes": outcomes, "tables": _tables(path)}


def _run_with_fixed_ids(folder: Path, monkeypatch: pytest.MonkeyPatch | None = None) -> dict[str, Any]:
    fixed = _FixedIds()
    if monkeypatch is not None:
        monkeypatch.setattr(ids, "os", SimpleNamespace(urandom=fixed.urandom))
        monkeypatch.setattr(ids, "time", SimpleNamespace(time=fixed.time))
        return run_scenario(folder)
    saved_os, saved_time = ids.os, ids.time
    ids.os, ids.time = SimpleNamespace(urandom=fixed.urandom), SimpleNamespace(time=fixed.time)  # type: ignore[assignment]
    try:
        return run_scenario(folder)
    finally:
        ids.os, ids.time = saved_os, saved_time


def _normalised(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


def test_receptions_write_exactly_the_reference_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    actual = _normalised(_run_with_fixed_ids(tmp_path, monkeypatch))
    assert actual["outcomes"] == expected["outcomes"]
    assert sorted(actual["tables"]) == sorted(expected["tables"])
    for table, rows in expected["tables"].items():
        assert actual["tables"][table] == rows, table
    assert actual == expected


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: python -m tests.db.test_intake_reference --write")
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = _normalised(_run_with_fixed_ids(Path(tmp)))
    REFERENCE.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}")
