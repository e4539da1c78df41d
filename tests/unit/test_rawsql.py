"""Plain-SQL writes store dates and times exactly as the ORM's SQLite types would; UUIDv7 text is standard."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy.dialects import sqlite

from counter_app.ids import uuid7
from counter_app.services import rawsql

DIALECT = sqlite.dialect()


def test_timestamps_are_stored_like_the_orm_does() -> None:
    to_db = sqlite.DATETIME().bind_processor(DIALECT)
    assert to_db is not None
    for value in (
        datetime(2024, 6, 14, 2, 30),
        datetime(2024, 6, 14, 2, 30, 5, 123),
        datetime(1, 1, 1),
        datetime(9999, 12, 31, 23, 59, 59, 999_999),
        datetime(2024, 6, 14, 9, 30, tzinfo=timezone(timedelta(hours=7))),
    ):
        assert rawsql.timestamp(value) == to_db(value)


def test_days_are_stored_like_the_orm_does() -> None:
    to_db = sqlite.DATE().bind_processor(DIALECT)
    assert to_db is not None
    for value in (date(2024, 6, 14), date(1, 1, 1), date(999, 2, 3), date(9999, 12, 31)):
        assert rawsql.day(value) == to_db(value)


def test_uuid7_text_is_the_standard_form() -> None:
    for ms in (None, 0, 1, (1 << 48) - 1):
        text = uuid7(ms)
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 7 and parsed.variant == uuid.RFC_4122
