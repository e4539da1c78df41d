"""Creating and reading the counter's own configuration (agency identity and form header)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.deadlines.errors import WorkingHoursError
from counter_app.deadlines.hours import WorkingHours, parse_periods
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import _
from counter_app.ids import uuid7
from counter_app.services.audit import append_audit
from counter_app.storage.models import (
    Applicant,
    CounterConfig,
    Dossier,
    DossierEvent,
    Procedure,
    SyncEnrolment,
    User,
)
from counter_app.text import nfc

# Agency identifier codes are opaque (QĐ 20/2020): dotted groups of letters and digits, e.g.
# 000.00.31.H12 or H56.14; we check the character set only and never parse the hierarchy.
_AGENCY_CODE = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class CounterIdentity:
    """The agency data printed on every form header."""

    agency_code: str
    agency_name: str
    parent_name: str
    place_name: str
    working_hours: str
    saturday_hours: str
    code_slot: int


def validate_identity(agency_code: str, agency_name: str, parent_name: str, place: str) -> None:
    """Raise FieldErrors naming every invalid field."""
    errors: dict[str, str] = {}
    if not _AGENCY_CODE.match(agency_code.strip()):
        errors["agency_code"] = _("Mã định danh cơ quan chỉ gồm chữ, số và dấu chấm, ví dụ 000.00.31.H12")
    if not nfc(agency_name):
        errors["agency_name"] = _("Hãy nhập tên cơ quan tiếp nhận")
    if not nfc(parent_name):
        errors["parent_name"] = _("Hãy nhập tên cơ quan chủ quản")
    if not nfc(place):
        errors["place_name"] = _("Hãy nhập địa danh (in ở dòng ngày tháng)")
    if errors:
        raise FieldErrors(errors)


DEFAULT_WORKING_HOURS = "07:00-11:30,13:30-17:00"


def check_working_hours(working_hours: str, saturday_hours: str = "") -> dict[str, str]:
    """Vietnamese messages for working hours the deadline engine would refuse, by field; {} if fine.

    `working_hours` (Monday–Friday and làm bù days) must have at least one period; an empty
    `saturday_hours` means ordinary Saturdays are days off.
    """
    errors: dict[str, str] = {}
    for name, text, label in (
        ("working_hours", working_hours, _("trong tuần")),
        ("saturday_hours", saturday_hours, _("thứ Bảy")),
    ):
        try:
            parse_periods(text, label=label)
        except WorkingHoursError as exc:
            errors[name] = exc.message
    if "working_hours" not in errors:
        try:
            WorkingHours.parse(working_hours, saturday_hours if "saturday_hours" not in errors else None)
        except WorkingHoursError as exc:
            errors["working_hours"] = exc.message
    return errors


def canonical_hours(text: str) -> str:
    """Working hours written the one stored way, "07:00-11:30,13:30-17:00" (sorted, zero-padded)."""
    return ",".join(str(period) for period in parse_periods(text))


def initialise_counter(
    session: Session,
    clock: Clock,
    *,
    agency_code: str,
    agency_name: str,
    parent_name: str,
    place_name: str,
    working_hours: str = DEFAULT_WORKING_HOURS,
    saturday_hours: str = "",
) -> CounterConfig:
    """Write the counter's configuration row; a counter is initialised once."""
    validate_identity(agency_code, agency_name, parent_name, place_name)
    hour_errors = check_working_hours(working_hours, saturday_hours)
    if hour_errors:
        raise FieldErrors(hour_errors)
    if session.get(CounterConfig, 1) is not None:
        raise UserFacingError(_("Quầy này đã được khởi tạo; hãy sửa thông tin trong phần Quản trị."))
    config = CounterConfig(
        id=1,
        counter_uuid=uuid7(),
        agency_code=agency_code.strip(),
        agency_name=nfc(agency_name),
        parent_name=nfc(parent_name),
        place_name=nfc(place_name),
        working_hours=canonical_hours(working_hours),
        saturday_hours=canonical_hours(saturday_hours),
        code_slot=1,
        created_at=clock.now_utc(),
    )
    session.add(config)
    return config


def load_identity(session: Session) -> CounterIdentity:
    """The counter's identity; a user-facing error if the database was never initialised."""
    config = session.get(CounterConfig, 1)
    if config is None:
        raise UserFacingError(_("Quầy chưa được khởi tạo. Hãy chạy: counter-admin init …"))
    return CounterIdentity(
        agency_code=config.agency_code,
        agency_name=config.agency_name,
        parent_name=config.parent_name,
        place_name=config.place_name,
        working_hours=config.working_hours,
        saturday_hours=config.saturday_hours,
        code_slot=config.code_slot,
    )


def update_identity(
    session: Session,
    clock: Clock,
    by: str | None,
    *,
    agency_code: str,
    agency_name: str,
    parent_name: str,
    place_name: str,
    working_hours: str,
    saturday_hours: str = "",
) -> CounterIdentity:
    """Change the form header and working hours (Quản trị → Cơ quan), audited with old and new values.

    The agency code of a counter enrolled with a central server was assigned by that server and is
    not changed here. New hours apply to dossiers received from now on; appointments already
    given are kept.
    """
    validate_identity(agency_code, agency_name, parent_name, place_name)
    hour_errors = check_working_hours(working_hours, saturday_hours)
    if hour_errors:
        raise FieldErrors(hour_errors)
    config = session.get(CounterConfig, 1)
    if config is None:
        raise UserFacingError(_("Quầy chưa được khởi tạo. Hãy chạy: counter-admin init …"))
    if agency_code.strip() != config.agency_code and session.get(SyncEnrolment, 1) is not None:
        raise FieldErrors(
            {
                "agency_code": _(
                    "Quầy đã đăng ký với máy chủ trung tâm: mã định danh do máy chủ cấp, không sửa ở đây"
                )
            }
        )
    before = load_identity(session)
    config.agency_code = agency_code.strip()
    config.agency_name = nfc(agency_name)
    config.parent_name = nfc(parent_name)
    config.place_name = nfc(place_name)
    config.working_hours = canonical_hours(working_hours)
    config.saturday_hours = canonical_hours(saturday_hours)
    session.flush()
    after = load_identity(session)
    fields = ("agency_code", "agency_name", "parent_name", "place_name", "working_hours", "saturday_hours")
    changed = {f: {"old": getattr(before, f), "new": getattr(after, f)} for f in fields}
    changed = {f: v for f, v in changed.items() if v["old"] != v["new"]}
    if changed:
        append_audit(session, clock, by, "counter.identity_change", "counter", config.counter_uuid, changed)
    return after


def counts(session: Session) -> dict[str, int]:
    """Row counts shown by `counter-admin info`."""
    tables = {
        "procedures": Procedure,
        "users": User,
        "applicants": Applicant,
        "dossiers": Dossier,
        "events": DossierEvent,
    }
    return {
        name: int(session.scalar(select(func.count()).select_from(model)) or 0)
        for name, model in tables.items()
    }
