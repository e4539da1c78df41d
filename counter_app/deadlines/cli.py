"""counter-admin commands of the deadline engine: `deadline` (compute an appointment) and `calendar show`."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime, time

from counter_app.deadlines.calendar import DayKind, WorkingCalendar, load_calendar_file
from counter_app.deadlines.display import format_day, weekday_short
from counter_app.deadlines.engine import compute_appointment, explain
from counter_app.deadlines.errors import DeadlineError
from counter_app.deadlines.hours import WorkingHours
from counter_app.deadlines.rules import DeadlineRule
from counter_app.i18n import N_, _

EXIT_OK = 0
EXIT_USAGE = 2

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_KIND_LABELS = {DayKind.OFF: N_("nghỉ"), DayKind.WORK: N_("làm bù")}


class _BadInput(Exception):
    """A command-line value that cannot be used; the message is the Vietnamese reason."""


def _fail(message: str) -> int:
    print(_("Lỗi: {message}").format(message=message), file=sys.stderr)
    return EXIT_USAGE


def _parse_received(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _BadInput(
            _('thời điểm tiếp nhận "{text}" không hợp lệ (cần dạng YYYY-MM-DDTHH:MM).').format(text=text)
        ) from None
    if value.tzinfo is not None:
        raise _BadInput(_("thời điểm tiếp nhận là giờ Việt Nam, không ghi múi giờ."))
    return value


def _parse_amount(text: str, option: str) -> float:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise _BadInput(
            _('{option} cần một số, nhận được "{text}".').format(option=option, text=text)
        ) from None
    if not value >= 0 or value == float("inf"):
        raise _BadInput(_("{option} phải là số không âm.").format(option=option))
    return value


def _parse_cutoff(text: str) -> time:
    match = _HHMM.match(text.strip())
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise _BadInput(_('giờ chốt "{text}" không hợp lệ (cần dạng HH:MM, ví dụ 15:00).').format(text=text))
    return time(int(match.group(1)), int(match.group(2)))


def _calendar(files: Sequence[str] | None, base: WorkingCalendar | None = None) -> WorkingCalendar:
    """`base` (default: the shipped calendar) with the given files on top, in order (later files win)."""
    extra = [entry for path in files or () for entry in load_calendar_file(path)]
    return base.with_overrides(extra) if base is not None else WorkingCalendar(extra)


def _rule(args: argparse.Namespace) -> DeadlineRule:
    cutoff = _parse_cutoff(args.cutoff) if args.cutoff else None
    if args.same_day:
        return DeadlineRule.same_day(cutoff=cutoff)
    if args.days is not None:
        return DeadlineRule.working_days(_parse_amount(args.days, "--days"), cutoff=cutoff)
    if args.hours is not None:
        return DeadlineRule.working_hours(_parse_amount(args.hours, "--hours"), cutoff=cutoff)
    if args.calendar_days is not None:
        amount = _parse_amount(args.calendar_days, "--calendar-days")
        if amount != int(amount):
            raise _BadInput(_("--calendar-days phải là số nguyên."))
        return DeadlineRule.calendar_days(int(amount), cutoff=cutoff)
    raise _BadInput(_("cần chọn một thời hạn: --days, --hours, --calendar-days hoặc --same-day."))


def run_deadline(args: argparse.Namespace) -> int:
    """`deadline`: print the appointment as YYYY-MM-DDTHH:MM on the last line (steps first with --explain)."""
    try:
        received = _parse_received(args.received)
        rule = _rule(args)
        hours = WorkingHours.parse(args.working_hours, args.saturday_hours)
        calendar = _calendar(args.calendar)
        compute = explain if args.explain else compute_appointment
        result = compute(received, rule, calendar=calendar, hours=hours)
    except (_BadInput, DeadlineError) as exc:
        return _fail(exc.message if isinstance(exc, DeadlineError) else str(exc))
    assert result.due is not None  # no pauses on the command line, so the clock never stops
    for step in result.steps:
        print(step.text)
    print(f"{result.due:%Y-%m-%dT%H:%M}")
    return EXIT_OK


def run_calendar_show(args: argparse.Namespace, base: WorkingCalendar | None = None) -> int:
    """`calendar show`: the named days off and make-up working days of a year, one per line.

    `base` is the calendar to start from (the counter's, with its admin days); None: the shipped one.
    """
    year_text = str(args.year).strip()
    if not year_text.isdigit() or not 1900 <= int(year_text) <= 2200:
        return _fail(_('năm "{year}" không hợp lệ (cần một năm từ 1900 đến 2200).').format(year=args.year))
    try:
        calendar = _calendar(args.calendar, base)
    except DeadlineError as exc:
        return _fail(exc.message)
    entries = calendar.entries(int(year_text))
    if args.json:
        rows = [
            {
                "date": e.day.isoformat(),
                "weekday": weekday_short(e.day),
                "kind": e.kind.value,
                "name": e.name,
                "legal_ref": e.legal_ref,
                "source": e.source,
            }
            for e in entries
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for e in entries:
        print(f"{format_day(e.day)}  {_(_KIND_LABELS[e.kind]):<6}  {e.name}")
    return EXIT_OK


def _add_calendar_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--calendar",
        action="append",
        metavar=_("TỆP"),
        help=_("tệp lịch TOML bổ sung (thêm vào lịch có sẵn; có thể lặp lại, tệp sau ghi đè tệp trước)"),
    )


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add the `deadline` and `calendar` commands; returns the `calendar` subcommands for more to join."""
    deadline = sub.add_parser(
        "deadline",
        help=_("tính ngày hẹn trả kết quả"),
        description=_("Tính ngày hẹn trả; dòng cuối là ngày hẹn dạng YYYY-MM-DDTHH:MM (giờ Việt Nam)."),
    )
    deadline.add_argument(
        "--received", required=True, metavar="YYYY-MM-DDTHH:MM", help=_("thời điểm tiếp nhận")
    )
    unit = deadline.add_mutually_exclusive_group()
    unit.add_argument("--days", metavar="N", help=_("số ngày làm việc (được phép lẻ, ví dụ 0,5)"))
    unit.add_argument("--hours", metavar="N", help=_("số giờ làm việc"))
    unit.add_argument("--calendar-days", metavar="N", help=_("số ngày theo lịch"))
    unit.add_argument("--same-day", action="store_true", help=_("trả trong ngày"))
    deadline.add_argument(
        "--cutoff", metavar="HH:MM", help=_("giờ chốt (mặc định 15:00 cho thủ tục trong ngày)")
    )
    deadline.add_argument(
        "--working-hours",
        default="07:00-11:30,13:30-17:00",
        metavar=_("KHOẢNG"),
        help=_("giờ làm việc trong tuần"),
    )
    deadline.add_argument(
        "--saturday-hours", default="", metavar=_("KHOẢNG"), help=_("giờ làm việc thứ Bảy (nếu có)")
    )
    _add_calendar_option(deadline)
    deadline.add_argument("--explain", action="store_true", help=_("giải thích từng bước"))
    deadline.set_defaults(func=run_deadline)

    calendar = sub.add_parser("calendar", help=_("lịch làm việc: ngày nghỉ, ngày làm bù"))
    calendar_sub = calendar.add_subparsers(dest="calendar_command", metavar=_("LỆNH"))
    calendar_sub.required = True
    show = calendar_sub.add_parser("show", help=_("liệt kê ngày nghỉ và ngày làm bù của một năm"))
    show.add_argument("--year", required=True, metavar="YYYY")
    show.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    _add_calendar_option(show)
    show.set_defaults(func=run_calendar_show)
    return calendar_sub
