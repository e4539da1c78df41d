"""A supervisor corrects what was typed at intake: one "corrected" event holding the fields before and after.

The received event is never rewritten (history is append-only): the receipt, the detail view and a
reprint read the applicant as received with every later correction applied on top
(`intake.get_dossier_by_code`). The dossier row, its applicant row and the search columns (folded
name, CCCD, phone) take the new values. The correction is audited and queued for sync in the caller's
transaction, and needs the dossier's current version, like every change made from a screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _
from counter_app.services.dossier_events import append_event, find_dossier
from counter_app.services.intake import get_dossier_by_code
from counter_app.services.users import require_role
from counter_app.services.validation import (
    CHANNELS,
    IntakeForm,
    normalise_id_number,
    normalise_phone,
    validate_intake,
)
from counter_app.text import fold, nfc

__all__ = [
    "APPLICANT_FIELDS",
    "CORRECTED",
    "DOSSIER_FIELDS",
    "FIELD_LABELS",
    "Change",
    "Correction",
    "IntakeValues",
    "correct_intake",
    "intake_values",
]

CORRECTED = "corrected"
CORRECTOR_ROLES = ("supervisor",)  # an admin runs the system, never edits a citizen's dossier
APPLICANT_FIELDS = {
    "full_name": N_("Họ và tên"),
    "birth_date": N_("Ngày sinh"),
    "gender": N_("Giới tính"),
    "id_number": N_("Số CCCD/định danh cá nhân"),
    "phone": N_("Số điện thoại"),
    "email": N_("Thư điện tử"),
    "address_street": N_("Số nhà, thôn, xóm"),
    "address_commune": N_("Xã, phường"),
    "address_province": N_("Tỉnh, thành phố"),
}
DOSSIER_FIELDS = {
    "submitter_name": N_("Người nộp thay"),
    "submitter_id_number": N_("Số CCCD người nộp thay"),
    "authorisation_note": N_("Giấy tờ ủy quyền"),
    "channel": N_("Kênh tiếp nhận"),
    "sets_count": N_("Số bộ hồ sơ"),
    "delivery": N_("Cách nhận kết quả"),
    "delivery_address": N_("Địa chỉ nhận kết quả qua bưu điện"),
    "fee_note": N_("Ghi chú về phí, lệ phí"),
}
FIELD_LABELS = {**APPLICANT_FIELDS, **DOSSIER_FIELDS}
_GENDER_TEXT = {"": "", "nam": N_("Nam"), "nu": N_("Nữ"), "khac": N_("Khác")}
_DELIVERY_TEXT = {"counter": N_("Tại quầy"), "post": N_("Qua bưu điện")}
# A change of one field re-checks the fields checked together with it.
_CHECKED_WITH = {
    "birth_date": ("id_number",),
    "gender": ("id_number",),
    "submitter_name": ("submitter_id_number", "authorisation_note"),
    "submitter_id_number": ("submitter_name", "authorisation_note"),
    "authorisation_note": ("submitter_name", "submitter_id_number"),
    "delivery": ("delivery_address",),
}


@dataclass(frozen=True)
class IntakeValues:
    """The correctable fields of a dossier as they stand, and the version a correction must name."""

    code: str
    version: int
    procedure_name: str
    received_local: datetime
    values: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One corrected field, before and after, as shown to people."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Correction:
    """What a correction did: the fields changed and the dossier's new version."""

    code: str
    event_id: str
    changes: tuple[Change, ...]
    version: int


def intake_values(session: Session, code: str) -> IntakeValues:
    """The current intake data of the dossier `code` (the applicant as received, corrections applied)."""
    detail = get_dossier_by_code(session, code)
    dossier = find_dossier(session, code)
    applicant = detail.applicant
    values: dict[str, Any] = {name: getattr(applicant, name) for name in APPLICANT_FIELDS}
    values.update({name: getattr(dossier, name) for name in DOSSIER_FIELDS})
    return IntakeValues(detail.code, detail.version, detail.procedure_name, detail.received_local, values)


def display(field: str, value: Any) -> str:
    """A field's value as a person reads it (dates DD/MM/YYYY, codes as words)."""
    if value is None or value == "":
        return _("(trống)")
    if field == "birth_date" and isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if field == "gender":
        return _(_GENDER_TEXT.get(str(value), str(value)))
    if field == "channel":
        return _(CHANNELS.get(int(value), str(value))).capitalize()
    if field == "delivery":
        return _(_DELIVERY_TEXT.get(str(value), str(value)))
    return str(value)


def _normalised(field: str, value: Any) -> Any:
    if field == "birth_date":
        if value is not None and not isinstance(value, date):
            raise FieldErrors({field: _("Ngày sinh không hợp lệ")})
        return value
    if field in ("channel", "sets_count"):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise FieldErrors(
                {field: _("{label} phải là một số").format(label=_(FIELD_LABELS[field]))}
            ) from None
    text = nfc(str(value or "")).strip()
    if field in ("id_number", "submitter_id_number"):
        return normalise_id_number(text)
    if field == "phone":
        return normalise_phone(text) if text else ""
    return text


def _check(merged: dict[str, Any], changed: set[str], today: date) -> None:
    form = IntakeForm(
        procedure_id=1, **{k: v for k, v in merged.items() if k in IntakeForm.__dataclass_fields__}
    )
    problems = validate_intake(form, today=today)
    relevant = set(changed)
    for name in changed:
        relevant.update(_CHECKED_WITH.get(name, ()))
    errors = {k: v for k, v in problems.items() if k in relevant}
    if merged["channel"] not in CHANNELS:
        errors["channel"] = _("Kênh tiếp nhận phải là trực tiếp, trực tuyến hoặc bưu chính công ích")
    if errors:
        raise FieldErrors(errors)


def correct_intake(
    session: Session,
    clock: Clock,
    code: str,
    user_id: str,
    changes: Mapping[str, Any],
    reason: str,
    *,
    expected_version: int | None = None,
) -> Correction:
    """Correct intake fields of the dossier `code` (a supervisor or admin), in the caller's transaction.

    `changes` maps field names of FIELD_LABELS to new values; unchanged ones are ignored. Raises
    FieldErrors before writing anything (unknown field, invalid value, no reason) and UserFacingError
    when nothing changes or the dossier changed since it was read (`expected_version`).
    """
    user = require_role(session, user_id, *CORRECTOR_ROLES)
    unknown = [name for name in changes if name not in FIELD_LABELS]
    if unknown:
        raise FieldErrors({name: _("Không sửa được thông tin này") for name in unknown})
    why = nfc(reason).strip()
    if not why:
        raise FieldErrors({"reason": _("Hãy ghi lý do sửa thông tin (ví dụ: nhập sai số CCCD)")})
    current = intake_values(session, code)
    if expected_version is not None and expected_version != current.version:
        raise UserFacingError(_("Hồ sơ vừa được người khác cập nhật; hãy tải lại rồi sửa."))
    wanted = {name: _normalised(name, value) for name, value in changes.items()}
    changed = {name for name, value in wanted.items() if value != current.values[name]}
    if not changed:
        raise UserFacingError(_("Không có thông tin nào thay đổi."))
    _check({**current.values, **wanted}, changed, utc_to_local(clock.now_utc()).date())

    dossier = find_dossier(session, code)
    applicant = dossier.applicant
    before: dict[str, dict[str, Any]] = {"applicant": {}, "dossier": {}}
    after: dict[str, dict[str, Any]] = {"applicant": {}, "dossier": {}}
    for name in sorted(changed):
        part = "applicant" if name in APPLICANT_FIELDS else "dossier"
        old, new = current.values[name], wanted[name]
        before[part][name] = old.isoformat() if isinstance(old, date) else old
        after[part][name] = new.isoformat() if isinstance(new, date) else new
        if part == "dossier":
            setattr(dossier, name, new)
        else:
            setattr(applicant, name, new)
    if "full_name" in changed:
        dossier.name_fold = applicant.name_fold = fold(wanted["full_name"])
    if "id_number" in changed:
        dossier.id_number = wanted["id_number"]
    if "phone" in changed:
        dossier.phone = wanted["phone"]
    made = tuple(
        Change(name, _(FIELD_LABELS[name]), display(name, current.values[name]), display(name, wanted[name]))
        for name in sorted(changed, key=list(FIELD_LABELS).index)
    )
    event = append_event(
        session,
        clock,
        dossier,
        CORRECTED,
        user.id,
        note=why,
        payload={"reason": why, "before": before, "after": after},
        audit_detail={"reason": why, "before": before, "after": after},
        new_version=True,
    )
    return Correction(dossier.code, event.id, made, dossier.version)
