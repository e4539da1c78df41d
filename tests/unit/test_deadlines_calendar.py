"""Tests of the working calendar: holidays package defaults, shipped TOML files, layers, bad files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from counter_app.deadlines import (
    CalendarFileError,
    DayKind,
    DayOverride,
    WorkingCalendar,
    builtin_calendar_dir,
    builtin_calendar_files,
    default_calendar,
    load_calendar_file,
)
from counter_app.deadlines.calendar import _HolidayPackage


@pytest.fixture(scope="module")
def package_only() -> WorkingCalendar:
    return WorkingCalendar(files=[])


@pytest.fixture(scope="module")
def files_only() -> WorkingCalendar:
    return WorkingCalendar(use_holidays_package=False)


def test_calendar_package_knows_swaps_and_make_up_saturdays(package_only: WorkingCalendar) -> None:
    cal = package_only
    assert cal.is_working_day(date(2025, 4, 26))  # Saturday made a working day
    assert not cal.is_working_day(date(2025, 5, 2))
    assert cal.is_working_day(date(2026, 8, 22))
    assert not cal.is_working_day(date(2026, 8, 31))
    assert not cal.is_working_day(date(2026, 4, 27))  # nghỉ bù Giỗ Tổ
    assert not cal.is_working_day(date(2026, 11, 24))
    assert cal.make_up_days(2025) == [(date(2025, 4, 26), "Làm bù cho ngày 02/05/2025")]
    assert cal.make_up_days(2026) == [(date(2026, 8, 22), "Làm bù cho ngày 31/08/2026")]


def test_calendar_package_names_are_vietnamese_whatever_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    layer = _HolidayPackage().year(2026)
    assert layer[date(2026, 2, 17)].name == "Tết Nguyên Đán"
    assert layer[date(2026, 11, 24)].name == "Ngày Văn hóa Việt Nam"


def test_calendar_builtin_files_are_shipped_and_load() -> None:
    names = [p.name for p in builtin_calendar_files()]
    assert names == ["vn-2025.toml", "vn-2026.toml"]
    assert builtin_calendar_dir().name == "calendar"
    for path in builtin_calendar_files():
        entries = load_calendar_file(path)
        assert entries and all(e.name for e in entries)
        assert all(e.source == path.name for e in entries)


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2025, 1, 1), DayKind.OFF),
        (date(2025, 1, 27), DayKind.OFF),
        (date(2025, 1, 31), DayKind.OFF),
        (date(2025, 4, 7), DayKind.OFF),
        (date(2025, 4, 26), DayKind.WORK),
        (date(2025, 5, 2), DayKind.OFF),
        (date(2025, 9, 1), DayKind.OFF),
        (date(2025, 9, 2), DayKind.OFF),
        (date(2026, 1, 1), DayKind.OFF),
        (date(2026, 2, 16), DayKind.OFF),
        (date(2026, 2, 20), DayKind.OFF),
        (date(2026, 4, 27), DayKind.OFF),
        (date(2026, 4, 30), DayKind.OFF),
        (date(2026, 5, 1), DayKind.OFF),
        (date(2026, 8, 22), DayKind.WORK),
        (date(2026, 8, 31), DayKind.OFF),
        (date(2026, 9, 1), DayKind.OFF),
        (date(2026, 9, 2), DayKind.OFF),
        (date(2026, 11, 24), DayKind.OFF),
    ],
)
def test_calendar_files_alone_hold_the_official_schedule(
    files_only: WorkingCalendar, day: date, kind: DayKind
) -> None:
    entry = files_only.entry(day)
    assert entry is not None and entry.kind is kind


def test_calendar_default_names_and_lists() -> None:
    cal = default_calendar()
    assert cal.day_name(date(2026, 2, 16)) == "Tết Nguyên Đán"
    assert cal.day_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert cal.day_name(date(2026, 3, 10)) is None
    assert cal.day_name(date(2026, 3, 14)) is None  # an ordinary Saturday has no name
    assert cal.make_up_days(2026) == [(date(2026, 8, 22), "Làm bù cho ngày 31/8/2026")]
    off = dict(cal.days_off(2026))
    assert off[date(2026, 2, 16)] == "Tết Nguyên Đán"
    assert off[date(2026, 4, 27)] == "Nghỉ bù Giỗ Tổ Hùng Vương"
    assert date(2026, 3, 10) not in off
    assert [d for d, _ in cal.days_off(2026)] == sorted(off)


def test_calendar_next_working_day() -> None:
    cal = default_calendar()
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert cal.next_working_day(date(2025, 4, 25)) == date(2025, 4, 26)
    assert cal.next_working_day(date(2026, 3, 10)) == date(2026, 3, 11)
    assert cal.next_working_day(date(2026, 8, 28)) == date(2026, 9, 3)


def test_calendar_with_overrides_returns_a_new_calendar() -> None:
    base = default_calendar()
    late = DayOverride(date(2026, 3, 10), DayKind.OFF, "Nghỉ đột xuất (bão)", source="admin")
    cancel = DayOverride(date(2026, 11, 24), DayKind.WORK, "Vẫn làm việc")
    changed = base.with_overrides([late, cancel])
    assert not changed.is_working_day(date(2026, 3, 10))
    assert changed.day_name(date(2026, 3, 10)) == "Nghỉ đột xuất (bão)"
    assert changed.is_working_day(date(2026, 11, 24))
    assert base.is_working_day(date(2026, 3, 10))
    assert not base.is_working_day(date(2026, 11, 24))
    # The rest of the base calendar is kept.
    assert not changed.is_working_day(date(2026, 2, 16))


def test_calendar_later_layers_win(tmp_path: Path) -> None:
    first = tmp_path / "a.toml"
    first.write_text('[[day]]\ndate = 2027-03-01\nkind = "off"\nname = "Tệp A"\n', encoding="utf-8")
    second = tmp_path / "b.toml"
    second.write_text('[[day]]\ndate = 2027-03-01\nkind = "work"\nname = "Tệp B"\n', encoding="utf-8")
    cal = WorkingCalendar(files=[first, second])
    assert cal.entry(date(2027, 3, 1)) == DayOverride(
        date(2027, 3, 1), DayKind.WORK, "Tệp B", source="b.toml"
    )
    on_top = WorkingCalendar([DayOverride(date(2027, 3, 1), DayKind.OFF, "Quản trị")], files=[first, second])
    assert on_top.day_name(date(2027, 3, 1)) == "Quản trị"
    # A file entry overrides the package's name for the same day.
    assert WorkingCalendar().day_name(date(2026, 8, 31)) == "Nghỉ hoán đổi (làm bù Thứ Bảy 22/08/2026)"


def test_calendar_file_accepts_string_dates_and_legal_refs(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text(
        '[calendar]\nname = "Thử"\n\n[[day]]\ndate = "2026-08-22"\nkind = "work"\n'
        'name = "Làm bù cho ngày 31/8/2026"\nlegal_ref = "TB 1/2026"\n',
        encoding="utf-8",
    )
    [entry] = load_calendar_file(path)
    assert entry.day == date(2026, 8, 22)
    assert entry.kind is DayKind.WORK
    assert entry.legal_ref == "TB 1/2026"


GOOD = '[[day]]\ndate = 2026-01-02\nkind = "off"\nname = "Một"\n\n'


@pytest.mark.parametrize(
    ("body", "index", "field", "fragment"),
    [
        (GOOD + '[[day]]\nkind = "off"\nname = "Hai"\n', 2, "date", "thiếu trường"),
        (GOOD + '[[day]]\ndate = 2026-01-03\nkind = "holiday"\nname = "Hai"\n', 2, "kind", '"work"'),
        (GOOD + '[[day]]\ndate = 2026-01-03\nname = "Hai"\n', 2, "kind", "thiếu trường"),
        (
            GOOD + '[[day]]\ndate = 2026-01-03T08:00:00\nkind = "off"\nname = "Hai"\n',
            2,
            "date",
            "không ghi giờ",
        ),
        (GOOD + '[[day]]\ndate = "2026-02-30"\nkind = "off"\nname = "Hai"\n', 2, "date", "không tồn tại"),
        (GOOD + '[[day]]\ndate = "03/01/2026"\nkind = "off"\nname = "Hai"\n', 2, "date", "YYYY-MM-DD"),
        (GOOD + '[[day]]\ndate = 2026-01-03\nkind = "off"\nname = "  "\n', 2, "name", "không rỗng"),
        (GOOD + '[[day]]\ndate = 2026-01-03\nkind = "off"\n', 2, "name", "thiếu trường"),
        (
            GOOD + '[[day]]\ndate = 2026-01-03\nkind = "off"\nname = "Hai"\nknd = "x"\n',
            2,
            "knd",
            "không được hỗ trợ",
        ),
        (GOOD + '[[day]]\ndate = 2026-01-02\nkind = "work"\nname = "Trùng"\n', 2, "date", "mục thứ 1"),
    ],
)
def test_calendar_bad_entry_names_file_entry_and_field(
    tmp_path: Path, body: str, index: int, field: str, fragment: str
) -> None:
    path = tmp_path / "lich-xa.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(path)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.index, error.field) == (index, field)
    assert '"lich-xa.toml"' in error.message
    assert f"mục [[day]] thứ {index}" in error.message
    assert f'trường "{field}"' in error.message
    assert fragment in error.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'[[day]]\ndate = 2026-01-02\nkind = "off"\nname = "M\n', "cú pháp TOML"),
        (b"[[days]]\ndate = 2026-01-02\n", '"days"'),
        (b'day = "2026-01-02"\n', "[[day]]"),
        (b"day = [1]\n", "bảng [[day]]"),
        (b'[[day]]\ndate = 2026-01-02\nkind = "off"\nname = "\xff"\n', "UTF-8"),
    ],
)
def test_calendar_bad_file_is_reported(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "hong.toml"
    path.write_bytes(content)
    with pytest.raises(CalendarFileError) as caught:
        load_calendar_file(path)
    assert caught.value.message.startswith('Tệp lịch "hong.toml"')
    assert fragment in caught.value.message


def test_calendar_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CalendarFileError, match="không tìm thấy"):
        WorkingCalendar(files=[tmp_path / "khong-co.toml"])
