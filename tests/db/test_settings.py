"""Settings declared once: defaults, validated changes with Vietnamese messages, audited writes."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from counter_app import settings
from counter_app.clock import FixedClock
from counter_app.errors import FieldErrors
from counter_app.services.audit import verify_chain
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry


def test_unset_setting_reads_its_default(db: Database) -> None:
    with db.read() as session:
        assert settings.get(session, settings.IDLE_LOCK_MINUTES) == 10
        assert settings.get(session, settings.STATUS_PAGE_URL).startswith("https://")


def test_put_validates_stores_and_audits(db: Database) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0))
    with db.write() as session:
        assert settings.put(session, clock, settings.IDLE_LOCK_MINUTES, " 15 ", by=None) == 15
    with db.read() as session:
        assert settings.get(session, settings.IDLE_LOCK_MINUTES) == 15
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "setting.change")).one()
        assert entry.entity_id == "ui.idle_lock_minutes"
        assert json.loads(entry.detail) == {"old": 10, "new": 15}
        assert verify_chain(session) == []


@pytest.mark.parametrize(
    ("spec", "raw", "fragment"),
    [
        (settings.IDLE_LOCK_MINUTES, "mười", "số nguyên"),
        (settings.IDLE_LOCK_MINUTES, 0, "từ 1 đến 240"),
        (settings.STATUS_PAGE_URL, "dichvucong.gov.vn", "https://"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(
    db: Database, spec: settings.SettingSpec[object], raw: object, fragment: str
) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0))
    with pytest.raises(FieldErrors) as caught, db.write() as session:
        settings.put(session, clock, spec, raw, by=None)
    message = caught.value.errors[spec.key]
    assert spec.label in message and fragment in message
    with db.read() as session:
        assert settings.get(session, spec) == spec.default
