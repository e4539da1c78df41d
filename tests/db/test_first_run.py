"""The first-run service: everything created in one go or nothing at all; later changes are audited."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from counter_app import settings
from counter_app.clock import SystemClock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import audit, first_run, users
from counter_app.services.counter_setup import load_identity
from counter_app.services.first_run import (
    AdminAnswers,
    AgencyAnswers,
    CounterSettings,
    FirstRunAnswers,
    HoursAnswers,
    PrinterAnswers,
    ServerAnswers,
)
from counter_app.storage.database import Database, open_database
from counter_app.storage.models import AuditEntry, Procedure, Setting, SyncEnrolment, User

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
ANSWERS = FirstRunAnswers(
    agency=AgencyAnswers(
        "000.00.31.H12", "Trung tâm Phục vụ hành chính công xã Ỷ La", "UBND xã Ỷ La", "Ỷ La"
    ),
    admin=AdminAnswers("QuanTri", "Nguyễn Văn Quản", "mat-khau-123", "mat-khau-123"),
    hours=HoursAnswers("13:30-17:00, 7:00-11:30", "7:00-11:30"),
    printers=PrinterAnswers("HP LaserJet (quầy 1)", "XP-80C"),
)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_apply_creates_the_whole_counter_and_signs_the_admin_in(tmp_path: Path) -> None:
    path = tmp_path / "data" / "counter.db"
    assert first_run.needs_first_run(path)
    result = first_run.apply_first_run(path, ANSWERS, SystemClock(), policy=FAST)
    assert result.db_path == path and result.enrolment is None
    assert (result.user.username, result.user.role) == ("quantri", "admin")
    assert files(path.parent) == ["counter.db"]  # no staging file, no -wal, no lock left
    assert not first_run.needs_first_run(path)
    db = open_database(path)
    try:
        with db.read() as session:
            identity = load_identity(session)
            assert identity.agency_name == "Trung tâm Phục vụ hành chính công xã Ỷ La"
            assert (identity.working_hours, identity.saturday_hours) == (
                "07:00-11:30,13:30-17:00",
                "07:00-11:30",
            )
            assert session.scalar(select(func.count()).select_from(Procedure)) == 31
            assert settings.get(session, settings.RECEIPT_PRINTER) == "HP LaserJet (quầy 1)"
            assert settings.get(session, settings.TICKET_PRINTER) == "XP-80C"
            actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
            assert actions[-1] == "sign_in" and "counter.first_run" in actions
            detail = session.scalar(select(AuditEntry.detail).where(AuditEntry.action == "counter.first_run"))
            assert detail is not None and "mat-khau" not in detail
            assert json.loads(detail)["catalogue_procedures"] == 31
            assert audit.verify_chain(session) == []
    finally:
        db.close()


def test_apply_without_the_sample_catalogue(tmp_path: Path) -> None:
    answers = dataclasses.replace(ANSWERS, agency=dataclasses.replace(ANSWERS.agency, load_catalogue=False))
    first_run.apply_first_run(tmp_path / "counter.db", answers, SystemClock(), policy=FAST)
    db = open_database(tmp_path / "counter.db")
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Procedure)) == 0
    finally:
        db.close()


def test_apply_checks_every_page_before_writing(tmp_path: Path) -> None:
    bad = FirstRunAnswers(
        agency=AgencyAnswers("a b", "", "", ""),
        admin=AdminAnswers("Q", "", "ngan", "ngan"),
        hours=HoursAnswers("7h", "x"),
        server=ServerAnswers("ftp://x", ""),
    )
    with pytest.raises(FieldErrors) as caught:
        first_run.apply_first_run(tmp_path / "counter.db", bad, SystemClock(), policy=FAST)
    assert set(caught.value.errors) == {
        "agency_code",
        "agency_name",
        "parent_name",
        "place_name",
        "working_hours",
        "saturday_hours",
        "username",
        "full_name",
        "password",
        "server_url",
        "enrol_code",
    }
    assert files(tmp_path) == []


def test_apply_never_overwrites_a_database(tmp_path: Path, db_path: Path) -> None:
    before = db_path.read_bytes()
    with pytest.raises(UserFacingError, match="Đã có cơ sở dữ liệu"):
        first_run.apply_first_run(db_path, ANSWERS, SystemClock(), policy=FAST)
    assert db_path.read_bytes() == before
    assert not [name for name in files(db_path.parent) if "setup" in name]


def test_enrolment_refused_leaves_nothing(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def enrol(db: Database, clock: object, url: str, code: str, *, by_user_id: str | None = None) -> None:
        seen["path"] = db.path
        with db.read() as session:  # the counter is complete when the server is asked
            seen["users"] = session.scalar(select(func.count()).select_from(User))
        raise UserFacingError("Không kết nối được máy chủ", field="server_url")

    answers = dataclasses.replace(ANSWERS, server=ServerAnswers("https://motcua.tinh.gov.vn", "MA-1"))
    with pytest.raises(UserFacingError, match="Không kết nối"):
        first_run.apply_first_run(tmp_path / "counter.db", answers, SystemClock(), policy=FAST, enrol=enrol)
    assert seen["users"] == 1 and seen["path"].name.startswith(".counter.db.setup-")
    assert files(tmp_path) == []


def test_a_crash_while_populating_removes_the_staging_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mất điện giả")

    monkeypatch.setattr(first_run.settings, "put", boom)
    with pytest.raises(RuntimeError):
        first_run.apply_first_run(tmp_path / "counter.db", ANSWERS, SystemClock(), policy=FAST)
    assert files(tmp_path) == []


def test_check_printers_uses_the_declared_settings() -> None:
    assert first_run.check_printers(PrinterAnswers("", "")) == {}
    errors = first_run.check_printers(PrinterAnswers("x" * 201, "a\nb"))
    assert set(errors) == {"receipt_printer", "ticket_printer"}
    assert settings.BY_KEY["printing.receipt_printer"] is settings.RECEIPT_PRINTER
    assert settings.RECEIPT_PRINTER.default == settings.TICKET_PRINTER.default == ""


@pytest.fixture
def admin_db(tmp_path: Path) -> Any:
    result = first_run.apply_first_run(tmp_path / "counter.db", ANSWERS, SystemClock(), policy=FAST)
    db = open_database(result.db_path)
    yield db, result.user
    db.close()


def test_change_counter_settings_audits_what_changed(admin_db: Any) -> None:
    db, admin = admin_db
    clock = SystemClock()
    with db.read() as session:
        current = first_run.load_counter_settings(session)
    new = CounterSettings(
        dataclasses.replace(current.agency, agency_name="Bộ phận Một cửa xã Ỷ La"),
        HoursAnswers("07:30-11:30,13:30-17:00", ""),
        dataclasses.replace(current.printers, ticket_printer=""),
    )
    with db.write() as session:
        identity = first_run.change_counter_settings(session, clock, admin.id, new)
    assert (identity.agency_name, identity.working_hours, identity.saturday_hours) == (
        "Bộ phận Một cửa xã Ỷ La",
        "07:30-11:30,13:30-17:00",
        "",
    )
    with db.read() as session:
        changes = session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(["counter.identity_change", "setting.change"]))
        ).all()
        keys = [(c.action, c.entity_id) for c in changes]
        assert keys.count(("setting.change", "printing.receipt_printer")) == 1  # only the wizard's put
        assert keys.count(("setting.change", "printing.ticket_printer")) == 2
        identity_change = next(c for c in changes if c.action == "counter.identity_change")
        assert set(json.loads(identity_change.detail)) == {"agency_name", "working_hours", "saturday_hours"}
        assert session.scalar(select(Setting.value).where(Setting.key == "printing.ticket_printer")) == '""'


def test_change_counter_settings_refusals(admin_db: Any) -> None:
    db, admin = admin_db
    clock = SystemClock()
    with db.read() as session:
        current = first_run.load_counter_settings(session)
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        first_run.change_counter_settings(
            session, clock, admin.id, dataclasses.replace(current, hours=HoursAnswers("", "x"))
        )
    assert set(caught.value.errors) == {"working_hours", "saturday_hours"}
    with db.write() as session:
        clerk = users.create_user(session, clock, "canbo", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST)
    with pytest.raises(UserFacingError, match="quản trị"), db.write() as session:
        first_run.change_counter_settings(session, clock, clerk.id, current)
    with db.write() as session:  # an enrolled counter keeps the code the server gave it
        session.add(
            SyncEnrolment(
                id=1,
                server_url="https://motcua.tinh.gov.vn",
                counter_id="q1",
                token="t",
                file_key="k",
                agency_code="000.00.31.H12",
                agency_name="x",
                counter_name="Quầy 1",
                slot=1,
                ca_bundle="",
                enrolled_at=clock.now_utc(),
            )
        )
    renamed = dataclasses.replace(current, agency=dataclasses.replace(current.agency, agency_code="H56.14"))
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        first_run.change_counter_settings(session, clock, admin.id, renamed)
    assert "máy chủ" in caught.value.errors["agency_code"]
