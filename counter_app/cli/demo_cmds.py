"""counter-admin seed-demo: fill a counter database with a year of realistic demo dossiers."""

from __future__ import annotations

import argparse
import sys

from counter_app.catalogue.service import load_builtin_catalogue
from counter_app.cli import common
from counter_app.cli.demo_accounts import DEMO_PASSWORD, DEMO_USERS
from counter_app.clock import SystemClock, utc_to_local
from counter_app.deadlines import WorkingHours, default_calendar
from counter_app.demo.appointments import BulkAppointments
from counter_app.demo.seed import seed_demo
from counter_app.i18n import _
from counter_app.services import counter_setup, users
from counter_app.storage.database import open_database, raw_connect
from counter_app.storage.models import Procedure, User
from counter_app.text import group_thousands


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `seed-demo`."""
    seed = sub.add_parser("seed-demo", help=_("thêm dữ liệu mẫu (hồ sơ của một năm) để dùng thử"))
    common.add_db_option(seed)
    seed.add_argument("--dossiers", type=int, required=True, help=_("số hồ sơ (tới 1.000.000)"))
    seed.add_argument(
        "--seed", type=int, default=1, help=_("hạt giống ngẫu nhiên (cùng hạt giống → cùng dữ liệu)")
    )
    seed.set_defaults(func=run_seed)


def run_seed(args: argparse.Namespace) -> int:
    """Ensure catalogue and demo users, then bulk-insert the dossiers in one transaction."""
    if not 1 <= args.dossiers <= 5_000_000:
        return common.fail(_("số hồ sơ phải từ 1 đến 5.000.000."), common.EXIT_USAGE)
    clock = SystemClock()
    db = open_database(common.db_path(args))
    try:
        with db.write() as session:
            identity = counter_setup.load_identity(session)
            if session.query(Procedure).count() == 0:
                load_builtin_catalogue(session, clock)
            clerk_ids = []
            for username, full_name, role in DEMO_USERS:
                existing = session.query(User).filter_by(username=username).one_or_none()
                user_id = (
                    existing.id
                    if existing
                    else users.create_user(session, clock, username, full_name, role, DEMO_PASSWORD).id
                )
                if role == "clerk":
                    clerk_ids.append(user_id)
        # The bulk insert runs on a raw connection while this process still holds the instance lock.
        db.writer.dispose()
        db.reader.dispose()
        bulk = BulkAppointments(
            default_calendar(), WorkingHours.parse(identity.working_hours, identity.saturday_hours or None)
        )
        conn = raw_connect(db.path)
        try:
            report = seed_demo(
                conn,
                count=args.dossiers,
                seed=args.seed,
                now_local=utc_to_local(clock.now_utc()),
                agency_code=identity.agency_code,
                commune=identity.place_name,
                working_hours=identity.working_hours,
                is_working_day=bulk.is_working_day,
                appointment=bulk,
                clerk_ids=clerk_ids,
                progress=lambda done: print(
                    f"\r{group_thousands(done)} / {group_thousands(args.dossiers)}",
                    end="",
                    file=sys.stderr,
                    flush=True,
                ),
            )
        finally:
            conn.close()
        print(file=sys.stderr)
    finally:
        db.close()
    print(
        _("Đã thêm {count} hồ sơ, {count2} sự kiện, {count3} giấy tờ trong {seconds:.1f} giây.").format(
            count=group_thousands(report.dossiers),
            count2=group_thousands(report.events),
            count3=group_thousands(report.documents),
            seconds=report.seconds,
        )
    )
    print(
        _("Tài khoản mẫu: {join}; mật khẩu: {DEMO_PASSWORD}").format(
            join=", ".join(u for u, _n, _r in DEMO_USERS), DEMO_PASSWORD=DEMO_PASSWORD
        )
    )
    return common.EXIT_OK
