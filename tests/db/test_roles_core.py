"""Roles enforced in the core: every privileged action refuses every role it is not for, and writes nothing.

ACTIONS is the table of actions (service functions that change data on behalf of a user) with the roles
allowed. For each action and each role not allowed — and for a deactivated user of an allowed role —
the core service, called directly as that user, must raise UserFacingError with the Vietnamese role
message, and no table may gain, lose or change a row count (the audit trail included). The meta-test
fails when a public core function that acts for a user (it takes `user_id`, `by`, `clerk_id`, …) is
neither in ACTIONS nor in NOT_ACTIONS with the reason it needs no check of its own.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import counter_app
from counter_app.catalogue.schema import ProcedureSpec
from counter_app.catalogue.service import export_catalogue
from counter_app.errors import UserFacingError
from counter_app.services import (
    appointment,
    audit_trail,
    calendar_admin,
    catalogue_admin,
    codes,
    corrections,
    day_close,
    first_run,
    forms,
    intake,
    intake_notices,
    reprints,
    restore,
    step_forms,
    users,
    workflow,
)
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, Procedure
from counter_app.sync import conflicts
from counter_app.sync.enrol import enrol
from tests.conftest import Desk

STAFF = ("clerk", "supervisor", "admin")
LEADS = ("supervisor", "admin")
ADMIN = ("admin",)
ROLE_MESSAGE = "Chỉ người dùng có vai trò"
APPOINTMENT = datetime(2026, 1, 9, 9, 0)
FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@dataclass
class World:
    """A desk with one user per role (and a deactivated one per role), a dossier and an open conflict."""

    db: Database
    desk: Desk
    tmp: Path
    active: dict[str, str]
    inactive: dict[str, str]
    code: str
    dossier_id: str
    conflict_id: int

    @property
    def clock(self) -> Any:
        return self.desk.clock


def _form(session: Session, name: str = "Phạm Thị Hoa") -> IntakeForm:
    procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
    assert procedure is not None
    return IntakeForm(
        procedure_id=procedure.id,
        full_name=name,
        id_number="008186005678",
        gender="nu",
        phone="0912345678",
        address_street="Thôn Đồng Tâm",
        address_commune="Xã Ỷ La",
        address_province="Tỉnh Tuyên Quang",
        documents=tuple(
            DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True) for d in procedure.documents
        ),
    )


def _renamed_catalogue(session: Session) -> list[ProcedureSpec]:
    """The stored catalogue with its first procedure renamed and its last one left out (a real change)."""
    first, *rest = export_catalogue(session)
    return [replace(first, name=first.name + " (sửa đổi)"), *rest[:-1]]


def _procedure_id(session: Session) -> int:
    found = session.scalar(select(Procedure.id).where(Procedure.code == "1.004873"))
    assert found is not None
    return int(found)


# -- the table ---------------------------------------------------------------------------------------

Call = Callable[[World, Session, str], object]


@dataclass(frozen=True)
class Action:
    name: str  # module.function, as the meta-test finds it
    allowed: tuple[str, ...]
    call: Call
    own_session: bool = False  # the function opens its own transactions (takes the Database)


ACTIONS: tuple[Action, ...] = (
    Action(
        "intake.register_dossier",
        STAFF,
        lambda w, s, a: intake.register_dossier(s, w.clock, _form(s), a, APPOINTMENT),
    ),
    Action(
        "appointment.receive_dossier",
        STAFF,
        lambda w, s, a: appointment.receive_dossier(s, w.clock, _form(s), a, datetime(2026, 1, 5, 9, 30)),
    ),
    Action(
        "intake.record_print",
        STAFF,
        lambda w, s, a: intake.record_print(s, w.clock, w.dossier_id, a, "receipt"),
    ),
    Action("forms.print_receipt", STAFF, lambda w, s, a: forms.print_receipt(s, w.clock, w.code, a)),
    Action(
        "step_forms.print_form",
        STAFF,
        lambda w, s, a: step_forms.print_form(s, w.clock, a, w.code, "receipt"),
    ),
    Action(
        "intake_notices.refuse_intake",
        STAFF,
        lambda w, s, a: intake_notices.refuse_intake(
            s,
            w.clock,
            clerk_id=a,
            procedure_id=_procedure_id(s),
            applicant_name="Phạm Thị Hoa",
            applicant_id_number="008186005678",
            reason="Không thuộc thẩm quyền của xã",
        ),
    ),
    Action(
        "intake_notices.request_supplement_at_intake",
        STAFF,
        lambda w, s, a: intake_notices.request_supplement_at_intake(
            s,
            w.clock,
            clerk_id=a,
            procedure_id=_procedure_id(s),
            applicant_name="Phạm Thị Hoa",
            applicant_id_number="008186005678",
            missing=["Tờ khai"],
        ),
    ),
    Action(
        "workflow.transition", STAFF, lambda w, s, a: workflow.transition(s, w.clock, w.code, "transfer", a)
    ),
    Action(
        "reprints.request_reprint",
        STAFF,
        lambda w, s, a: reprints.request_reprint(s, w.clock, w.code, a, "Biên nhận bị rách"),
    ),
    Action("reprints.approve_reprint", LEADS, lambda w, s, a: reprints.approve_reprint(s, w.clock, "x", a)),
    Action(
        "reprints.refuse_reprint",
        LEADS,
        lambda w, s, a: reprints.refuse_reprint(s, w.clock, "x", a, "Không cần"),
    ),
    Action(
        "reprints.reprint_with_approval",
        LEADS,
        lambda w, s, a: reprints.reprint_with_approval(
            s, w.clock, w.code, w.active["clerk"], a, "Biên nhận bị rách"
        ),
    ),
    Action(
        "corrections.correct_intake",
        ("supervisor",),  # an admin runs the system and never edits a citizen's dossier (issue 9)
        lambda w, s, a: corrections.correct_intake(
            s, w.clock, w.code, a, {"full_name": "Nguyễn Thị Ánh Hồng"}, "Ghi sai tên khi tiếp nhận"
        ),
    ),
    Action(
        "catalogue_admin.import_procedures",
        ADMIN,
        lambda w, s, a: catalogue_admin.import_procedures(
            s, w.clock, _renamed_catalogue(s), replace=True, source="danh-muc.json", by=a
        ),
    ),
    Action(
        "day_close.close_day",
        LEADS,
        lambda w, s, a: day_close.close_day(s, w.clock, a, day_close.SyncAttempt(False, False, "")),
    ),
    Action(
        "calendar_admin.apply_day_change",
        LEADS,
        lambda w, s, a: calendar_admin.apply_day_change(
            s,
            w.clock,
            day=date(2026, 1, 7),
            kind="off",
            name="Nghỉ bù",
            reason="Quyết định của tỉnh",
            user_id=a,
        ),
    ),
    Action(
        "conflicts.resolve",
        LEADS,
        lambda w, s, a: conflicts.resolve(s, w.clock, w.conflict_id, a, conflicts.ACCEPT_SERVER),
    ),
    Action(
        "audit_trail.export",
        LEADS,
        lambda w, s, a: audit_trail.export(
            w.db, w.clock, w.tmp / "nhat-ky.csv", audit_trail.AuditFilter(), a
        ),
        own_session=True,
    ),
    Action(
        "codes.reset_date_guard",
        ADMIN,
        lambda w, s, a: codes.reset_date_guard(s, w.clock, "000.00.31.H12", date(2026, 1, 5), a),
    ),
    Action(
        "first_run.change_counter_settings",
        ADMIN,
        lambda w, s, a: first_run.change_counter_settings(s, w.clock, a, first_run.load_counter_settings(s)),
    ),
    Action(
        "restore.release_with_last_code",
        ADMIN,
        lambda w, s, a: restore.release_with_last_code(s, w.clock, a, None),
    ),
    Action(
        "users.create_user",
        ADMIN,
        lambda w, s, a: users.create_user(
            s, w.clock, "moi", "Người Mới", "clerk", "mat-khau-123", a, policy=FAST
        ),
    ),
    Action("users.deactivate", ADMIN, lambda w, s, a: users.deactivate(s, w.clock, w.active["clerk"], by=a)),
    Action(
        "users.reactivate", ADMIN, lambda w, s, a: users.reactivate(s, w.clock, w.inactive["clerk"], by=a)
    ),
    Action(
        "users.set_role", ADMIN, lambda w, s, a: users.set_role(s, w.clock, w.active["clerk"], "admin", by=a)
    ),
    Action(
        "users.change_password",  # someone else's: a reset (one's own needs the old password instead)
        ADMIN,
        lambda w, s, a: users.change_password(
            s, w.clock, w.inactive["clerk"], "mat-khau-moi-1", by=a, policy=FAST
        ),
    ),
    Action(
        "enrol.enrol",
        ADMIN,
        lambda w, s, a: enrol(w.db, w.clock, "http://127.0.0.1:9", "ABCD-EFGH", by_user_id=a),
        own_session=True,
    ),
)

# Public functions that take a user but are not actions of their own, and why.
NOT_ACTIONS: dict[str, str] = {
    "audit.append_audit": "writes the audit row of an action that checked its user",
    "audit.append_audit_row": "the same, for a row built by the caller (the intake save path)",
    "audit.chain_hash": "pure hash of an audit row",
    "dossier_events.append_event": "adds the event of an action that checked its user (workflow, reprints, corrections)",
    "codes.hold_codes": "called by restore (after the admin's restore) and by nobody else",
    "codes.release_hold": "called by restore.release_with_last_code (admin checked) and the sync engine",
    "counter_setup.update_identity": "called only by first_run.change_counter_settings (admin checked)",
    "users.get_user": "read",
    "intake_write.desk": "read: who is at the desk, for intake.register_dossier's role check",
    "users.require_role": "the check itself",
    "settings.put": "low level; callers check (first_run: admin); the UI language is anyone's choice",
    "extension.apply_extension": "pure computation; workflow.transition checks the user and override_by",
    "service.issue_ticket": "queue ticket at the kiosk or desk; the server's queue API checks the caller",
}

ACTOR = re.compile(r"^(by|actor|user_id|by_user_id|clerk_id|supervisor_id|override_by|issued_by|\w+_by)$")
CORE_PACKAGES = ("services", "sync", "deadlines", "queue")


def _acting_functions() -> set[str]:
    """module.function of every public core function with a parameter naming the acting user."""
    found: set[str] = set()
    modules = ["counter_app.settings"]
    for package in CORE_PACKAGES:
        pkg = importlib.import_module(f"counter_app.{package}")
        modules += [m.name for m in pkgutil.walk_packages(pkg.__path__, f"counter_app.{package}.")]
    for name in modules:
        module = importlib.import_module(name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fname.startswith("_") or fn.__module__ != module.__name__:
                continue
            if any(ACTOR.match(p) for p in inspect.signature(fn).parameters):
                found.add(f"{name.rsplit('.', 1)[1]}.{fname}")
    return found


def test_every_core_function_acting_for_a_user_is_in_the_role_table() -> None:
    listed = {a.name for a in ACTIONS} | set(NOT_ACTIONS)
    acting = _acting_functions()
    unlisted = acting - listed
    assert not unlisted, (
        f"add these to ACTIONS (with the roles allowed) or NOT_ACTIONS (why): {sorted(unlisted)}"
    )
    gone = listed - acting
    assert not gone, f"listed but no longer found: {sorted(gone)}"
    assert counter_app  # the package walked


# -- the refusals ------------------------------------------------------------------------------------


@pytest.fixture
def world(db: Database, desk: Desk, tmp_path: Path) -> World:
    active = {"clerk": desk.clerk_id}
    inactive: dict[str, str] = {}
    with db.write() as session:
        for role in ("supervisor", "admin"):
            active[role] = users.create_user(
                session, desk.clock, f"{role}1", f"Người {role}", role, "mat-khau-123", policy=FAST
            ).id
        for role in STAFF:
            user_id = users.create_user(
                session, desk.clock, f"{role}-cu", f"Người cũ {role}", role, "mat-khau-123", policy=FAST
            ).id
            users.deactivate(session, desk.clock, user_id, by=active["admin"])
            inactive[role] = user_id
    code = desk.register(appointment=APPOINTMENT)
    with db.write() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        row = conflicts.record(
            session,
            desk.clock,
            kind="rejected",
            dossier_id=dossier.id,
            code=code,
            op_id=None,
            error_code="invalid_op",
            detail="Máy chủ từ chối",
            local={},
            server=None,
        )
        assert row is not None
        return World(db, desk, tmp_path, active, inactive, code, dossier.id, row.id)


def _counts(db: Database) -> dict[str, int]:
    """Rows of every table (the audit trail, users, dossiers, outbox, settings, …)."""
    with db.read() as session:
        tables = [
            r[0]
            for r in session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            )
        ]
        return {t: int(session.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0) for t in tables}


def _cases() -> list[Any]:
    cases = []
    for action in ACTIONS:
        for role in STAFF:
            if role not in action.allowed:
                cases.append(pytest.param(action, role, True, id=f"{action.name}-{role}"))
        cases.append(
            pytest.param(action, action.allowed[0], False, id=f"{action.name}-inactive-{action.allowed[0]}")
        )
    return cases


@pytest.mark.parametrize(("action", "role", "active"), _cases())
def test_the_core_refuses_a_role_not_allowed_and_writes_nothing(
    world: World, action: Action, role: str, active: bool
) -> None:
    actor = (world.active if active else world.inactive)[role]
    before = _counts(world.db)
    with pytest.raises(UserFacingError) as refused:
        if action.own_session:
            action.call(world, None, actor)  # type: ignore[arg-type]
        else:
            with world.db.write() as session:
                action.call(world, session, actor)
    assert ROLE_MESSAGE in str(refused.value), str(refused.value)
    assert _counts(world.db) == before
    assert not (world.tmp / "nhat-ky.csv").exists()


def test_allowed_roles_pass_the_check_of_a_lead_only_action(world: World) -> None:
    """The control: the same calls go through for the roles allowed (the refusals above are the role's)."""
    with world.db.write() as session:
        corrections.correct_intake(
            session,
            world.clock,
            world.code,
            world.active["supervisor"],
            {"full_name": "Nguyễn Thị Ánh Hồng"},
            "Sai tên",
        )
    assert (
        audit_trail.export(
            world.db, world.clock, world.tmp / "a.csv", audit_trail.AuditFilter(), world.active["supervisor"]
        )
        > 0
    )
    with world.db.write() as session:
        conflicts.resolve(
            session, world.clock, world.conflict_id, world.active["admin"], conflicts.ACCEPT_SERVER
        )
        codes.reset_date_guard(session, world.clock, "000.00.31.H12", date(2026, 1, 5), world.active["admin"])
