"""A late-announced day off moves exactly the open dossiers it should, keeps the printed date, and is audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Desk
from sqlalchemy import func, select

from counter_app.cli.admin import main
from counter_app.clock import FixedClock, SystemClock, utc_to_local
from counter_app.deadlines import compute_appointment
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.services import appointment, calendar_admin, workflow
from counter_app.storage.database import open_database
from counter_app.storage.models import AuditEntry, CalendarChange, Dossier, DossierEvent, Procedure, User


@pytest.fixture
def seeded(db_path: Path) -> Path:
    assert main(["seed-demo", "--db", str(db_path), "--dossiers", "3000", "--seed", "7"]) == 0
    return db_path


def _target_day(path: Path) -> date:
    """The first day after today on which an open dossier is due: a day off there must move it."""
    db = open_database(path)
    try:
        with db.read() as session:
            tomorrow = utc_to_local(SystemClock().now_utc()).date() + timedelta(days=1)
            dues = session.scalars(
                select(Dossier.appointment_at).where(Dossier.status.in_(calendar_admin.OPEN_STATUSES))
            ).all()
            return min(
                utc_to_local(d).date() for d in dues if d is not None and utc_to_local(d).date() >= tomorrow
            )
    finally:
        db.close()


def _appointments(path: Path) -> dict[str, object]:
    db = open_database(path)
    try:
        with db.read() as session:
            return dict(session.execute(select(Dossier.id, Dossier.appointment_at)).all())
    finally:
        db.close()


def test_calendar_day_off_moves_only_dossiers_due_on_or_after_it(seeded: Path) -> None:
    day = _target_day(seeded)
    before = _appointments(seeded)
    db = open_database(seeded)
    try:
        with db.write() as session:
            moved = calendar_admin.apply_day_change(
                session,
                SystemClock(),
                day=day,
                kind="off",
                name="Nghỉ do bão số 9",
                reason="Công điện 12/CĐ-UBND",
                user_id=None,
            )
        assert moved, "the seeded open dossiers include some due on or after the new day off"
        with db.read() as session:
            cal = calendar_admin.counter_calendar(session)
            hours = calendar_admin.counter_hours(session)
            assert not cal.is_working_day(day)
            for item in moved:
                dossier = session.get(Dossier, item.dossier_id)
                assert dossier is not None and dossier.status in calendar_admin.OPEN_STATUSES
                assert item.old is not None and item.new is not None and item.new > item.old
                assert item.old.date() >= day, "a dossier due before the new day off does not move"
                # The printed promise stays visible beside the new legal appointment.
                assert utc_to_local(dossier.printed_appointment_at) == item.printed
                assert utc_to_local(dossier.appointment_at) == item.new
                expected = compute_appointment(
                    utc_to_local(dossier.received_at),
                    calendar_admin.rule_of(dossier.procedure),
                    calendar=cal,
                    hours=hours,
                    pauses=calendar_admin.pauses_of(dossier.events),
                ).due
                assert expected == item.new
                assert dossier.events[-1].kind == calendar_admin.EVENT_RECOMPUTED
            unmoved = set(before) - {m.dossier_id for m in moved}
            for dossier_id in unmoved:
                assert session.get(Dossier, dossier_id).appointment_at == before[dossier_id]  # type: ignore[union-attr]
            change = session.scalars(select(CalendarChange)).one()
            assert change.dossiers_moved == len(moved) and change.new_kind == "off"
            audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.change")).one()
            assert moved[0].code in audit.detail
    finally:
        db.close()


def test_calendar_dry_run_and_validation_write_nothing(seeded: Path) -> None:
    day = _target_day(seeded)
    before = _appointments(seeded)
    db = open_database(seeded)
    try:
        with db.read() as session:
            preview = calendar_admin.preview_day_change(session, day, "off", "Nghỉ")
        assert preview
        with pytest.raises(FieldErrors) as info, db.write() as session:
            calendar_admin.apply_day_change(
                session, SystemClock(), day=day, kind="off", name="Nghỉ", reason=" ", user_id=None
            )
        assert "reason" in info.value.errors
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(CalendarChange)) == 0
            events = session.scalar(
                select(func.count())
                .select_from(DossierEvent)
                .where(DossierEvent.kind == calendar_admin.EVENT_RECOMPUTED)
            )
            assert events == 0
    finally:
        db.close()
    assert _appointments(seeded) == before


def test_calendar_remove_day_restores_appointments(seeded: Path) -> None:
    day = _target_day(seeded)
    before = _appointments(seeded)
    clock = FixedClock(SystemClock().now_utc())
    db = open_database(seeded)
    try:
        with db.write() as session:
            calendar_admin.apply_day_change(
                session, clock, day=day, kind="off", name="Nghỉ", reason="TB 1", user_id=None
            )
        clock.advance(timedelta(minutes=5))
        with db.write() as session:
            back = calendar_admin.apply_day_change(
                session, clock, day=day, kind=None, name="", reason="Thu hồi TB 1", user_id=None
            )
        assert back
        with db.read() as session:
            assert [c.new_kind for c in calendar_admin.history(session)] == [None, "off"]
    finally:
        db.close()
    assert _appointments(seeded) == before


def test_calendar_change_refused_for_a_clerk(seeded: Path) -> None:
    db = open_database(seeded)
    try:
        with db.read() as session:
            clerk_id = session.scalars(select(User.id).where(User.role == "clerk")).first()
            assert clerk_id is not None
        with pytest.raises(UserFacingError), db.write() as session:
            calendar_admin.apply_day_change(
                session,
                SystemClock(),
                day=_target_day(seeded),
                kind="off",
                name="Nghỉ",
                reason="TB",
                user_id=clerk_id,
            )
    finally:
        db.close()


def test_calendar_cli_set_day_lists_moved_dossiers(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = _target_day(seeded).isoformat()
    args = [
        "calendar",
        "set-day",
        "--db",
        str(seeded),
        "--date",
        day,
        "--kind",
        "off",
        "--name",
        "Nghỉ đột xuất",
        "--reason",
        "Công điện 12",
    ]
    assert main([*args, "--dry-run"]) == 0
    assert "Xem trước (chưa lưu)" in capsys.readouterr().out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Đã lưu" in out and "hẹn mới" in out
    assert main(["calendar", "show", "--db", str(seeded), "--year", day[:4]]) == 0
    assert "Nghỉ đột xuất" in capsys.readouterr().out


def test_calendar_change_keeps_an_extended_appointment(desk: Desk) -> None:
    """A date moved by Mẫu 04 is a promise made by hand: a calendar change recomputes the others only.

    It moves only if the change makes that very date a day off: to the same time, next working day.
    """
    received = datetime(2026, 1, 5, 9, 32)  # Monday; the procedure takes 3 working days
    with desk.db.read() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        due = appointment.compute_appointment_for(session, procedure, received)
    extended_code = desk.register(appointment=due)
    plain_code = desk.register("Trần Văn Bảo", appointment=due, id_number="008186001299")
    promised = datetime(2026, 1, 13, 16, 0)  # Tuesday
    desk.clock.advance(timedelta(hours=1))
    with desk.db.write() as session:
        workflow.transition(
            session,
            desk.clock,
            extended_code,
            "extended",
            desk.clerk_id,
            reason="Cần xác minh tại nơi cư trú trước đây",
            new_appointment_local=promised,
        )

    def change(day: date) -> list[calendar_admin.MovedDossier]:
        with desk.db.write() as session:
            return calendar_admin.apply_day_change(
                session,
                desk.clock,
                day=day,
                kind="off",
                name="Nghỉ do bão",
                reason="Công điện 12/CĐ-UBND",
                user_id=None,
            )

    def appointment_of(code: str) -> datetime:
        with desk.db.read() as session:
            value = session.scalar(select(Dossier.appointment_at).where(Dossier.code == code))
            assert value is not None
            return utc_to_local(value)

    # A day off before the promised date moves the rule's appointment, never the extended one.
    with desk.db.read() as session:
        preview = calendar_admin.preview_day_change(session, date(2026, 1, 7), "off", "Nghỉ do bão")
    assert [m.code for m in preview] == [plain_code]
    moved = change(date(2026, 1, 7))
    assert [(m.code, m.old, m.new) for m in moved] == [(plain_code, due, due + timedelta(days=1))]
    assert appointment_of(extended_code) == promised
    assert appointment_of(plain_code) == due + timedelta(days=1)

    # The promised day itself becomes a day off: same time on the next working day, printed date kept.
    moved = change(date(2026, 1, 13))
    assert [(m.code, m.old, m.new) for m in moved] == [
        (extended_code, promised, datetime(2026, 1, 14, 16, 0))
    ]
    assert appointment_of(extended_code) == datetime(2026, 1, 14, 16, 0)
    with desk.db.read() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == extended_code))
        assert row is not None
        assert row.events[-1].kind == calendar_admin.EVENT_RECOMPUTED
        assert [e.kind for e in row.events].count("extended") == 1  # the extension is still on record
