"""counter-admin calendar set-day / remove-day / history, and `calendar show --db` with the admin's days."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path

from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.deadlines import cli as deadline_cli
from counter_app.deadlines import format_day
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import calendar_admin
from counter_app.services.calendar_admin import MovedDossier


def register(calendar_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the database-backed calendar subcommands under `calendar`."""
    show = calendar_sub.choices["show"]
    show.add_argument(
        "--db", type=Path, default=None, help=_("dùng lịch của quầy (gồm ngày do quản trị thêm)")
    )
    show.set_defaults(func=run_show)

    set_day = calendar_sub.add_parser(
        "set-day", help=_("đặt một ngày nghỉ hoặc ngày làm việc (công bố muộn)")
    )
    common.add_db_option(set_day)
    set_day.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    set_day.add_argument(
        "--kind", required=True, choices=("off", "work"), help=_("off = nghỉ; work = làm việc")
    )
    set_day.add_argument("--name", required=True, help=_("tên ngày, ví dụ: Nghỉ theo Thông báo số …"))
    set_day.add_argument("--reason", required=True, help=_("căn cứ (số thông báo, văn bản)"))
    set_day.add_argument("--dry-run", action="store_true", help=_("chỉ xem hồ sơ nào bị dời hẹn, không lưu"))
    set_day.add_argument("--json", action="store_true")
    set_day.set_defaults(func=run_set_day)

    remove = calendar_sub.add_parser("remove-day", help=_("bỏ ngày do quản trị đặt (về lịch chung)"))
    common.add_db_option(remove)
    remove.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    remove.add_argument("--reason", required=True)
    remove.add_argument("--dry-run", action="store_true")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(func=run_remove_day, kind=None, name="")

    hist = calendar_sub.add_parser("history", help=_("lịch sử thay đổi lịch làm việc của quầy"))
    common.add_db_option(hist)
    hist.set_defaults(func=run_history)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserFacingError(
            _('ngày "{text}" không hợp lệ (cần dạng YYYY-MM-DD).').format(text=text)
        ) from None


def run_show(args: argparse.Namespace) -> int:
    """Like the engine's `calendar show`, starting from the counter's calendar when --db is given."""
    if args.db is None:
        return deadline_cli.run_calendar_show(args)
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            base = calendar_admin.counter_calendar(session)
    finally:
        db.close()
    return deadline_cli.run_calendar_show(args, base)


def _change(args: argparse.Namespace, kind: str | None) -> int:
    day = _parse_date(args.date)
    db = common.open_for(args, write=not args.dry_run)
    try:
        if args.dry_run:
            with db.read() as session:
                moved = calendar_admin.preview_day_change(session, day, kind, args.name)
        else:
            with db.write() as session:
                moved = calendar_admin.apply_day_change(
                    session,
                    SystemClock(),
                    day=day,
                    kind=kind,
                    name=args.name,
                    reason=args.reason,
                    user_id=None,
                )
    finally:
        db.close()
    _report(moved, args.json, saved=not args.dry_run)
    return common.EXIT_OK


def run_set_day(args: argparse.Namespace) -> int:
    """Declare a day off or a working day; list the open dossiers whose appointment moves."""
    return _change(args, args.kind)


def run_remove_day(args: argparse.Namespace) -> int:
    """Remove the admin's entry for a day."""
    return _change(args, None)


def _fmt(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else "—"


def _report(moved: list[MovedDossier], as_json: bool, *, saved: bool) -> None:
    if as_json:
        common.print_json(
            [
                {
                    "code": m.code,
                    "applicant": m.applicant_name,
                    "procedure": m.procedure_name,
                    "printed": _fmt(m.printed),
                    "old": _fmt(m.old),
                    "new": _fmt(m.new),
                }
                for m in moved
            ]
        )
        return
    verb = _("Đã lưu") if saved else _("Xem trước (chưa lưu)")
    print(_("{verb}: {count} hồ sơ đang giải quyết bị dời ngày hẹn.").format(verb=verb, count=len(moved)))
    for m in moved:
        print(
            _("{code}  {applicant_name:<28}  hẹn in: {fmt}  →  hẹn mới: {fmt2}").format(
                code=m.code, applicant_name=m.applicant_name, fmt=_fmt(m.printed), fmt2=_fmt(m.new)
            )
        )


def run_history(args: argparse.Namespace) -> int:
    """Print the counter's calendar changes, newest first."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            rows = calendar_admin.history(session)
    finally:
        db.close()
    labels = {"off": _("nghỉ"), "work": _("làm việc"), None: _("(lịch chung)")}
    for r in rows:
        print(
            _(
                "{fmt} UTC  {day}: {labels} → {labels2}  {name}  — {reason}  ({dossiers_moved} hồ sơ dời hẹn)"
            ).format(
                fmt=_fmt(r.changed_at),
                day=format_day(r.day),
                labels=labels[r.old_kind],
                labels2=labels[r.new_kind],
                name=r.name,
                reason=r.reason,
                dossiers_moved=r.dossiers_moved,
            )
        )
    return common.EXIT_OK
