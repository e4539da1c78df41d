"""First start of a counter: check the setup wizard's answers page by page, then create everything at once.

`apply_first_run` builds the whole counter — database, agency identity, working hours, catalogue,
printer settings, the first administrator and, when asked, the enrolment with the central server —
in a staging file beside the final one, and moves it into place with one rename only when every
part succeeded. Cancelling or failing at any point leaves no database behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from counter_app import settings
from counter_app.clock import Clock
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _
from counter_app.ids import uuid7
from counter_app.services import counter_setup, users
from counter_app.services.audit import append_audit
from counter_app.services.users import ACCOUNT_POLICY, AccountPolicy, UserDTO
from counter_app.storage.database import Database, create_database, open_database
from counter_app.storage.fileinfo import FileKind, inspect_file

log = logging.getLogger(__name__)

# enrol(db, clock, server_url, code, by_user_id=…) → anything; counter_app.sync.enrol.enrol by default.
Enrol = Callable[..., Any]


@dataclass(frozen=True)
class AgencyAnswers:
    """Page 1: the agency printed on every form header."""

    agency_code: str
    agency_name: str
    parent_name: str
    place_name: str
    load_catalogue: bool = True


@dataclass(frozen=True)
class HoursAnswers:
    """Page 2: working hours, Monday–Friday and (empty = closed) Saturday."""

    working_hours: str = counter_setup.DEFAULT_WORKING_HOURS
    saturday_hours: str = ""


@dataclass(frozen=True)
class PrinterAnswers:
    """Page 3: printer names as the system knows them; "" = the system's default printer."""

    receipt_printer: str = ""
    ticket_printer: str = ""


@dataclass(frozen=True)
class AdminAnswers:
    """Page 4: the first administrator."""

    username: str
    full_name: str
    password: str
    password_repeat: str


@dataclass(frozen=True)
class ServerAnswers:
    """Page 5 (optional): the central server and the one-time enrolment code it issued."""

    server_url: str = ""
    enrol_code: str = ""

    @property
    def wanted(self) -> bool:
        """True when the admin filled in the server page at all."""
        return bool(self.server_url.strip() or self.enrol_code.strip())


@dataclass(frozen=True)
class FirstRunAnswers:
    """Everything the wizard collected."""

    agency: AgencyAnswers
    admin: AdminAnswers
    hours: HoursAnswers = field(default_factory=HoursAnswers)
    printers: PrinterAnswers = field(default_factory=PrinterAnswers)
    server: ServerAnswers = field(default_factory=ServerAnswers)
    language: str = "vi"  # the interface language the wizard was used in (settings.UI_LANGUAGE)


@dataclass(frozen=True)
class FirstRunResult:
    """The counter just created: its database file, the administrator (signed in), the enrolment."""

    db_path: Path
    user: UserDTO
    enrolment: Any = None


def needs_first_run(path: Path) -> bool:
    """True when there is no counter database at `path` yet (missing, or an empty file)."""
    return inspect_file(path).kind in (FileKind.MISSING, FileKind.EMPTY)


def check_agency(answers: AgencyAnswers) -> dict[str, str]:
    """Messages by field for page 1, exactly as `counter-admin init` checks them; {} when fine."""
    try:
        counter_setup.validate_identity(
            answers.agency_code, answers.agency_name, answers.parent_name, answers.place_name
        )
    except FieldErrors as exc:
        return exc.errors
    return {}


def check_hours(answers: HoursAnswers) -> dict[str, str]:
    """Messages by field for page 2 (the deadline engine's own checks); {} when fine."""
    return counter_setup.check_working_hours(answers.working_hours, answers.saturday_hours)


def check_printers(answers: PrinterAnswers) -> dict[str, str]:
    """Messages by field for page 3 (the declared settings' checks); {} when fine."""
    errors: dict[str, str] = {}
    for name, spec, value in (
        ("receipt_printer", settings.RECEIPT_PRINTER, answers.receipt_printer),
        ("ticket_printer", settings.TICKET_PRINTER, answers.ticket_printer),
    ):
        try:
            spec.parse(value)
        except FieldErrors as exc:
            errors[name] = next(iter(exc.errors.values()))
    return errors


def check_admin(answers: AdminAnswers, policy: AccountPolicy = ACCOUNT_POLICY) -> dict[str, str]:
    """Messages by field for page 4: user name rule, full name, the password rule, the repeat."""
    errors: dict[str, str] = {}
    if not answers.username.strip():
        errors["username"] = _("Hãy nhập tên đăng nhập")
    else:
        problem = users.check_username(answers.username)
        if problem:
            errors["username"] = problem
    if not answers.full_name.strip():
        errors["full_name"] = _("Hãy nhập họ và tên")
    problem = users.check_password_rule(answers.password, policy)
    if problem:
        errors["password"] = problem
    elif answers.password_repeat != answers.password:
        errors["password_repeat"] = _("Mật khẩu nhập lại không khớp")
    return errors


def check_server(answers: ServerAnswers) -> dict[str, str]:
    """Messages by field for page 5: both fields or neither, and a well-formed http(s) address."""
    if not answers.wanted:
        return {}
    errors: dict[str, str] = {}
    if not answers.server_url.strip():
        errors["server_url"] = _("Hãy nhập địa chỉ máy chủ, hoặc xoá mã đăng ký để bỏ qua bước này")
    else:
        from counter_app.sync.client import check_server_url

        try:
            check_server_url(answers.server_url)
        except ValueError as exc:
            errors["server_url"] = str(exc)
    if not answers.enrol_code.strip():
        errors["enrol_code"] = _("Hãy nhập mã đăng ký do quản trị máy chủ cấp, hoặc xoá địa chỉ máy chủ")
    return errors


def check_all(answers: FirstRunAnswers, policy: AccountPolicy = ACCOUNT_POLICY) -> dict[str, str]:
    """Every page's messages together, by field."""
    return {
        **check_agency(answers.agency),
        **check_hours(answers.hours),
        **check_printers(answers.printers),
        **check_admin(answers.admin, policy),
        **check_server(answers.server),
    }


def _default_enrol() -> Enrol:
    from counter_app.sync.enrol import enrol

    return enrol


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal", ".lock", ".clean")]


def _remove(path: Path) -> None:
    for leftover in (path, *_sidecars(path)):
        with contextlib.suppress(OSError):
            leftover.unlink(missing_ok=True)


def _populate(db: Database, clock: Clock, answers: FirstRunAnswers, policy: AccountPolicy) -> UserDTO:
    """The one transaction: identity, hours, catalogue, admin, printers, audit, first sign-in."""
    agency, hours, printers, admin = answers.agency, answers.hours, answers.printers, answers.admin
    with db.write() as session:
        config = counter_setup.initialise_counter(
            session,
            clock,
            agency_code=agency.agency_code,
            agency_name=agency.agency_name,
            parent_name=agency.parent_name,
            place_name=agency.place_name,
            working_hours=hours.working_hours,
            saturday_hours=hours.saturday_hours,
        )
        loaded = 0
        if agency.load_catalogue:
            from counter_app.catalogue.service import load_builtin_catalogue

            loaded = load_builtin_catalogue(session, clock).total
        created = users.create_first_admin(
            session, clock, admin.username, admin.full_name, admin.password, policy=policy
        )
        settings.put(session, clock, settings.RECEIPT_PRINTER, printers.receipt_printer, created.id)
        settings.put(session, clock, settings.TICKET_PRINTER, printers.ticket_printer, created.id)
        if answers.language != settings.UI_LANGUAGE.default:
            settings.put(session, clock, settings.UI_LANGUAGE, answers.language, created.id)
        append_audit(
            session,
            clock,
            created.id,
            "counter.first_run",
            "counter",
            config.counter_uuid,
            {"catalogue_procedures": loaded, "server_url": answers.server.server_url.strip() or None},
        )
        result = users.authenticate(session, clock, admin.username, admin.password, policy=policy)
    return result.user_or_raise()


def apply_first_run(
    path: Path,
    answers: FirstRunAnswers,
    clock: Clock,
    *,
    policy: AccountPolicy = ACCOUNT_POLICY,
    enrol: Enrol | None = None,
) -> FirstRunResult:
    """Create the counter at `path` from the wizard's answers, all or nothing; the admin is signed in.

    FieldErrors (every wrong field) before anything is written; UserFacingError if a database
    already exists at `path` or the central server refuses the enrolment — in every failure the
    staging file is removed and `path` is left as it was.
    """
    errors = check_all(answers, policy)
    if errors:
        raise FieldErrors(errors)
    if not needs_first_run(path):
        raise UserFacingError(
            _("Đã có cơ sở dữ liệu {path}; không ghi đè. Hãy mở phần mềm bình thường.").format(path=path)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.setup-{uuid7()}")
    try:
        create_database(staging)
        db = open_database(staging)
        try:
            user = _populate(db, clock, answers, policy)
            enrolment = None
            if answers.server.wanted:
                enrolment = (enrol or _default_enrol())(
                    db, clock, answers.server.server_url, answers.server.enrol_code, by_user_id=user.id
                )
        finally:
            db.close()  # checkpoints: the staging file is complete on its own
        for sidecar in _sidecars(staging):
            sidecar.unlink(missing_ok=True)
        if not needs_first_run(path):  # someone created it meanwhile (counter-admin init?)
            raise UserFacingError(_("Đã có cơ sở dữ liệu {path}; không ghi đè.").format(path=path))
        os.replace(staging, path)
    except BaseException:
        _remove(staging)
        raise
    log.info("first run: created %s for %s", path, answers.agency.agency_code)
    return FirstRunResult(path, user, enrolment)


@dataclass(frozen=True)
class CounterSettings:
    """What Quản trị → Cơ quan shows and changes: the wizard's pages 1–3, read back from the database."""

    agency: AgencyAnswers
    hours: HoursAnswers
    printers: PrinterAnswers


def load_counter_settings(session: Session) -> CounterSettings:
    """The agency, hours and printers in force."""
    identity = counter_setup.load_identity(session)
    return CounterSettings(
        AgencyAnswers(identity.agency_code, identity.agency_name, identity.parent_name, identity.place_name),
        HoursAnswers(identity.working_hours, identity.saturday_hours),
        PrinterAnswers(
            settings.get(session, settings.RECEIPT_PRINTER), settings.get(session, settings.TICKET_PRINTER)
        ),
    )


def change_counter_settings(
    session: Session, clock: Clock, user_id: str | None, new: CounterSettings
) -> counter_setup.CounterIdentity:
    """An administrator changes what the wizard set (not the catalogue choice), in the caller's transaction.

    FieldErrors name every wrong field; each change is audited (identity fields together, each
    printer as a setting); an unchanged printer writes nothing.
    """
    users.require_role(session, user_id, "admin")
    errors = {**check_agency(new.agency), **check_hours(new.hours), **check_printers(new.printers)}
    if errors:
        raise FieldErrors(errors)
    identity = counter_setup.update_identity(
        session,
        clock,
        user_id,
        agency_code=new.agency.agency_code,
        agency_name=new.agency.agency_name,
        parent_name=new.agency.parent_name,
        place_name=new.agency.place_name,
        working_hours=new.hours.working_hours,
        saturday_hours=new.hours.saturday_hours,
    )
    for spec, value in (
        (settings.RECEIPT_PRINTER, new.printers.receipt_printer),
        (settings.TICKET_PRINTER, new.printers.ticket_printer),
    ):
        if spec.parse(value) != settings.get(session, spec):
            settings.put(session, clock, spec, value, user_id)
    return identity
