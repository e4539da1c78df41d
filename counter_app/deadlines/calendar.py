"""The working calendar: weekends, public holidays, announced swaps and make-up Saturdays (làm bù)."""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import holidays

from counter_app.deadlines.errors import CalendarFileError
from counter_app.i18n import _
from counter_app.paths import resources_dir
from counter_app.text import nfc

if TYPE_CHECKING:
    from counter_app.deadlines.hours import WorkingHours
    from counter_app.deadlines.worktime import WorkingTime


class DayKind(StrEnum):
    """What an entry of the calendar makes of its day."""

    WORK = "work"  # a working day, e.g. a make-up Saturday
    OFF = "off"  # a day off: holiday, nghỉ bù, swapped day


@dataclass(frozen=True)
class DayOverride:
    """One dated entry of a calendar layer; `source` says where it came from (package, file, admin)."""

    day: date
    kind: DayKind
    name: str
    legal_ref: str = ""
    source: str = ""


def builtin_calendar_dir() -> Path:
    """The folder of the calendar files shipped with the app (`resources/calendar`, checkout or bundle)."""
    return resources_dir() / "calendar"


def builtin_calendar_files() -> list[Path]:
    """The shipped calendar files (`vn-YYYY.toml`), in name order so later years load last."""
    folder = builtin_calendar_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


# ----------------------------------------------------------------------------- TOML files

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ENTRY_KEYS = {"date", "kind", "name", "legal_ref"}
_TOP_KEYS = {"day", "calendar"}


def _entry_date(path: Path, index: int, value: object) -> date:
    if isinstance(value, datetime):
        # datetime is a subclass of date, so this test must come first.
        raise CalendarFileError(
            path, _("chỉ ghi ngày (YYYY-MM-DD), không ghi giờ."), index=index, field="date"
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise CalendarFileError(
                path, _('ngày "{value}" không tồn tại.').format(value=value), index=index, field="date"
            ) from None
    raise CalendarFileError(
        path,
        _("cần một ngày dạng YYYY-MM-DD, nhận được {value!r}.").format(value=value),
        index=index,
        field="date",
    )


def _entry_text(path: Path, index: int, entry: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise CalendarFileError(path, _("thiếu trường bắt buộc."), index=index, field=key)
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise CalendarFileError(path, _("cần một chuỗi chữ không rỗng."), index=index, field=key)
    return nfc(value)


def _parse_entry(path: Path, index: int, entry: object) -> DayOverride:
    if not isinstance(entry, dict):
        raise CalendarFileError(path, _("mỗi mục phải là một bảng [[day]]."), index=index)
    for key in entry:
        if key not in _ENTRY_KEYS:
            raise CalendarFileError(
                path,
                _("trường không được hỗ trợ (chỉ có date, kind, name, legal_ref)."),
                index=index,
                field=key,
            )
    if "date" not in entry:
        raise CalendarFileError(path, _("thiếu trường bắt buộc."), index=index, field="date")
    day = _entry_date(path, index, entry["date"])
    kind_text = entry.get("kind")
    if kind_text is None:
        raise CalendarFileError(path, _("thiếu trường bắt buộc."), index=index, field="kind")
    try:
        kind = DayKind(kind_text)
    except ValueError:
        raise CalendarFileError(
            path,
            _('phải là "work" (ngày làm việc) hoặc "off" (ngày nghỉ), nhận được {kind_text!r}.').format(
                kind_text=kind_text
            ),
            index=index,
            field="kind",
        ) from None
    name = _entry_text(path, index, entry, "name", required=True)
    legal_ref = _entry_text(path, index, entry, "legal_ref", required=False)
    return DayOverride(day, kind, name, legal_ref, source=path.name)


def parse_calendar_document(path: Path | str, data: Mapping[str, Any]) -> list[DayOverride]:
    """Validate an already-parsed TOML document; `path` is only used to name the file in errors."""
    path = Path(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise CalendarFileError(
                path, _('khóa "{key}" không được hỗ trợ (chỉ có [calendar] và [[day]]).').format(key=key)
            )
    days = data.get("day", [])
    if not isinstance(days, list):
        raise CalendarFileError(path, _("cần các mục [[day]] (một danh sách bảng)."), field="day")
    result: list[DayOverride] = []
    seen: dict[date, int] = {}
    for index, entry in enumerate(days, start=1):
        override = _parse_entry(path, index, entry)
        if override.day in seen:
            raise CalendarFileError(
                path,
                _("ngày {isoformat} đã có ở mục thứ {seen}.").format(
                    isoformat=override.day.isoformat(), seen=seen[override.day]
                ),
                index=index,
                field="date",
            )
        seen[override.day] = index
        result.append(override)
    return result


def load_calendar_file(path: Path | str) -> list[DayOverride]:
    """Read a calendar TOML file (one `[[day]]` per date); raises `CalendarFileError` naming what is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CalendarFileError(path, _("không tìm thấy tệp.")) from None
    except OSError as exc:
        raise CalendarFileError(
            path, _("không đọc được tệp ({strerror}).").format(strerror=exc.strerror)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarFileError(path, _("sai cú pháp TOML ({exc}).").format(exc=exc)) from None
    except UnicodeDecodeError:
        raise CalendarFileError(path, _("tệp phải được lưu bằng mã UTF-8.")) from None
    return parse_calendar_document(path, data)


# ----------------------------------------------------------------------------- holidays package layer

_SUBSTITUTED = re.compile(r"thay cho ngày (\d{2}/\d{2}/\d{4})")  # i18n: skip


class _HolidayPackage:
    """One shared `holidays` object for Vietnam, populated a year at a time and cached per year."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # language="vi" always: otherwise names follow the process locale (platform notes §5).
        self._lib = holidays.country_holidays("VN", years=[], language="vi")
        self._years: dict[int, dict[date, DayOverride]] = {}

    def year(self, year: int) -> dict[date, DayOverride]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        with self._lock:
            # A make-up Saturday may belong to a neighbouring year's swap, so load the neighbours too.
            for y in (year - 1, year, year + 1):
                if 1 <= y <= 9999:
                    _loaded = date(y, 1, 1) in self._lib
            layer: dict[date, DayOverride] = {}
            for day, name in self._lib.items():
                if day.year == year:
                    layer[day] = DayOverride(day, DayKind.OFF, nfc(str(name)), source="holidays")
            substituted = self._substitutions()
            for day in sorted(self._lib.weekend_workdays):
                if day.year == year:
                    label = substituted.get(day)
                    name = f"Làm bù cho ngày {label}" if label else "Ngày làm việc bù"  # i18n: skip
                    layer[day] = DayOverride(day, DayKind.WORK, name, source="holidays")
            self._years[year] = layer
            return layer

    def _substitutions(self) -> dict[date, str]:
        """Make-up Saturday → the day off it pays for, read from the "thay cho ngày …" names."""
        found: dict[date, str] = {}
        for day, name in self._lib.items():
            match = _SUBSTITUTED.search(str(name))
            if match:
                found[datetime.strptime(match.group(1), "%d/%m/%Y").date()] = day.strftime("%d/%m/%Y")
        return found


@cache
def _holiday_package() -> _HolidayPackage:
    return _HolidayPackage()


# ----------------------------------------------------------------------------- the calendar


class WorkingCalendar:
    """Which days are working days, built from layers where later layers win.

    Layers, in order: the `holidays` package (Vietnamese names), the shipped calendar files
    (`resources/calendar/*.toml`), then `overrides` (extra files, days added by an admin). Without an
    entry, Monday–Friday are working days and Saturday/Sunday are not; Saturday opening hours are a
    matter of `WorkingHours`, not of the calendar. Instances never change: `with_overrides` returns a
    new one. Per-year lookups are cached, so queries are dictionary reads.
    """

    def __init__(
        self,
        overrides: Iterable[DayOverride] = (),
        *,
        files: Iterable[Path | str] | None = None,
        use_holidays_package: bool = True,
    ) -> None:
        """`files` None means the shipped files; pass `[]` for none, or your own list to replace them."""
        paths = builtin_calendar_files() if files is None else [Path(p) for p in files]
        explicit: dict[date, DayOverride] = {}
        for path in paths:
            for entry in load_calendar_file(path):
                explicit[entry.day] = entry
        for entry in overrides:
            explicit[entry.day] = entry
        self._init(explicit, use_holidays_package)

    def _init(self, explicit: dict[date, DayOverride], use_holidays_package: bool) -> None:
        self._explicit = explicit
        self._use_package = use_holidays_package
        self._years: dict[int, dict[date, DayOverride]] = {}
        # Filled by `worktime.working_time`: kept here so the arrays live exactly as long as the calendar.
        self._working_times: dict[WorkingHours, WorkingTime] = {}

    def with_overrides(self, overrides: Iterable[DayOverride]) -> WorkingCalendar:
        """A new calendar with `overrides` on top (e.g. a day off announced late); this one is unchanged."""
        explicit = dict(self._explicit)
        for entry in overrides:
            explicit[entry.day] = entry
        clone = WorkingCalendar.__new__(WorkingCalendar)
        clone._init(explicit, self._use_package)
        return clone

    def _year(self, year: int) -> dict[date, DayOverride]:
        merged = self._years.get(year)
        if merged is None:
            merged = dict(_holiday_package().year(year)) if self._use_package else {}
            merged.update((d, e) for d, e in self._explicit.items() if d.year == year)
            self._years[year] = merged
        return merged

    def entry(self, day: date) -> DayOverride | None:
        """The entry in force on `day` (holiday, swap, make-up day), or None for an ordinary day."""
        return self._year(day.year).get(day)

    def entries(self, year: int) -> list[DayOverride]:
        """Every entry of `year` after merging the layers, by date."""
        return sorted(self._year(year).values(), key=lambda e: e.day)

    def is_working_day(self, day: date) -> bool:
        """True on Monday–Friday unless it is a day off, and on make-up days (civil-service week)."""
        found = self._year(day.year).get(day)
        if found is not None:
            return found.kind is DayKind.WORK
        return day.weekday() < 5

    def day_name(self, day: date) -> str | None:
        """Why the day is special ("Tết Nguyên Đán", "Làm bù cho ngày …"); None for an ordinary day."""
        found = self.entry(day)
        return found.name if found is not None else None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def days_off(self, year: int) -> list[tuple[date, str]]:
        """Named days off of `year` (holidays, nghỉ bù, swapped days) with their names, by date."""
        return [(e.day, e.name) for e in self.entries(year) if e.kind is DayKind.OFF]

    def make_up_days(self, year: int) -> list[tuple[date, str]]:
        """Days turned into working days (make-up Saturdays, cancelled days off), by date."""
        return [(e.day, e.name) for e in self.entries(year) if e.kind is DayKind.WORK]


@cache
def default_calendar() -> WorkingCalendar:
    """The shared calendar of the holidays package plus the shipped files (built once per process)."""
    return WorkingCalendar()
