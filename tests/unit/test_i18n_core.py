"""The core's texts in English: deadlines, statuses, validation and setting messages follow the language."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, datetime

import pytest

from counter_app import i18n, settings
from counter_app.deadlines import DeadlineRule, Timeliness, status_at
from counter_app.deadlines.engine import explain
from counter_app.errors import FieldErrors
from counter_app.i18n import _
from counter_app.services import dossier_query, intake
from counter_app.services.validation import DocumentLine, IntakeForm, check_full_name, validate_intake
from counter_app.sync import status as sync_status

D = datetime
DUE = D(2026, 3, 13, 9, 0)  # Friday
TODAY = date(2026, 3, 2)


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("vi")


@pytest.mark.parametrize(
    ("now", "text"),
    [
        (D(2026, 3, 12, 9, 0), "1 day left"),
        (D(2026, 3, 11, 9, 0), "2 days left"),
        (D(2026, 3, 10, 16, 0), "2 days 3 hours left"),
        (D(2026, 3, 13, 8, 15), "45 minutes left"),
        (D(2026, 3, 16, 9, 0), "Overdue 1 day"),
        (D(2026, 3, 17, 9, 0), "Overdue 2 days"),
        (D(2026, 3, 16, 10, 0), "Overdue 1 day 1 hour"),
        (D(2026, 3, 13, 9, 0), "Due now"),
    ],
)
def test_deadline_texts_are_english_with_singular_and_plural(english: None, now: datetime, text: str) -> None:
    assert status_at(DUE, now).text == text


def test_deadline_texts_stay_vietnamese_by_default() -> None:
    assert status_at(DUE, D(2026, 3, 12, 9, 0)).text == "Còn 1 ngày"
    assert status_at(DUE, D(2026, 3, 17, 9, 0)).text == "Quá hạn 2 ngày"


def test_a_deadline_explanation_is_english(english: None) -> None:
    appointment = explain(D(2026, 3, 10, 9, 0), DeadlineRule.working_days(3))
    texts = [step.text for step in appointment.steps]
    assert texts[0].startswith("Received: ")
    assert "3 working days" in texts[0]
    assert texts[-1].startswith("Return: ")


def test_status_names_are_translated_when_shown(english: None) -> None:
    assert _(intake.STATUS_NAMES[2]) == "Received"
    assert _(dossier_query.STATUS_NAMES[10]) == "Result handed back"
    assert Timeliness.SAP_DEN_HAN.label == "Due soon"
    assert Timeliness.QUA_HAN.label == "Overdue"
    assert Timeliness.QUA_HAN.vi_label == "Quá hạn"  # official registers stay Vietnamese
    assert (
        sync_status.DossierSyncState("pending", _(sync_status.LABELS["pending"]), "").label
        == "Waiting to send"
    )


def test_status_name_tables_keep_the_vietnamese_source() -> None:
    i18n.set_language("en")
    try:
        assert intake.STATUS_NAMES[2] == "Được tiếp nhận"  # translated only where shown
    finally:
        i18n.set_language("vi")


def _form(**changes: object) -> IntakeForm:
    base = IntakeForm(
        procedure_id=1,
        full_name="Nguyễn Văn An",
        id_number="001092012345",
        birth_date=date(1992, 6, 15),
        gender="nam",
        phone="0912345678",
        documents=(DocumentLine("Tờ khai", 1),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_intake_validation_messages_are_english(english: None) -> None:
    errors = validate_intake(_form(id_number="12", phone="123", sets_count=0), today=TODAY, catalogue_fee=0)
    assert errors["id_number"] == (
        "The CCCD / personal ID number must have 12 digits (old ID card: 9 digits); it has 2"
    )
    assert errors["sets_count"] == "The number of dossier sets must be 1 or more"
    assert check_full_name("") == "Enter the full name"
    message = str(FieldErrors({"sets_count": errors["sets_count"]}))
    assert message == "Invalid information — sets_count: The number of dossier sets must be 1 or more"


def test_intake_validation_messages_stay_vietnamese_by_default() -> None:
    errors = validate_intake(_form(sets_count=0), today=TODAY, catalogue_fee=0)
    assert errors["sets_count"] == "Số bộ hồ sơ phải từ 1 trở lên"


def test_setting_labels_and_their_errors_are_english(english: None) -> None:
    assert settings.SYNC_INTERVAL_SECONDS.text() == "Sync every (seconds)"
    with pytest.raises(FieldErrors) as caught:
        settings.SYNC_INTERVAL_SECONDS.parse("5")
    assert caught.value.errors == {"sync.interval_seconds": "Sync every (seconds): from 10 to 3600 seconds"}
    with pytest.raises(FieldErrors) as caught:
        settings.SYNC_INTERVAL_SECONDS.parse("abc")
    assert caught.value.errors == {"sync.interval_seconds": "Sync every (seconds): enter a whole number"}
