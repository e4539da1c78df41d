"""counter-admin init and info: create a counter database and describe one."""

from __future__ import annotations

import argparse
import sys

from counter_app.catalogue.service import load_builtin_catalogue
from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.i18n import _
from counter_app.services import counter_setup
from counter_app.storage.connect import is_encrypted, sqlite_library, sqlite_warning
from counter_app.storage.database import create_database, open_database
from counter_app.storage.fileinfo import FileKind, inspect_file
from counter_app.text import group_thousands


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `init` and `info`."""
    init = sub.add_parser("init", help=_("tạo cơ sở dữ liệu mới cho một quầy"))
    common.add_db_option(init)
    init.add_argument("--agency-code", required=True, help=_("mã định danh cơ quan, ví dụ 000.00.31.H12"))
    init.add_argument("--agency-name", required=True, help=_("tên cơ quan tiếp nhận (in trên biểu mẫu)"))
    init.add_argument("--parent-name", required=True, help=_("tên cơ quan chủ quản, ví dụ UBND XÃ …"))
    init.add_argument("--place", required=True, help=_("địa danh in ở dòng ngày tháng"))
    init.add_argument(
        "--empty-catalogue",
        action="store_true",
        help=_("không nạp danh mục thủ tục mẫu (tỉnh sẽ nhập danh mục riêng bằng catalogue import)"),
    )
    init.set_defaults(func=run_init)

    info = sub.add_parser("info", help=_("đường dẫn, phiên bản lược đồ và số bản ghi"))
    common.add_db_option(info)
    info.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    info.set_defaults(func=run_info)


def run_init(args: argparse.Namespace) -> int:
    """Create and initialise a new counter database; never touches an existing file."""
    path = common.db_path(args)
    counter_setup.validate_identity(args.agency_code, args.agency_name, args.parent_name, args.place)
    if inspect_file(path).kind not in (FileKind.MISSING, FileKind.EMPTY):
        return common.fail(_("tệp {path} đã tồn tại; không ghi đè.").format(path=path))
    create_database(path)
    try:
        db = open_database(path)
        try:
            with db.write() as session:
                counter_setup.initialise_counter(
                    session,
                    SystemClock(),
                    agency_code=args.agency_code,
                    agency_name=args.agency_name,
                    parent_name=args.parent_name,
                    place_name=args.place,
                )
                # The shipped catalogue is a starting point; the province's own list replaces it by import.
                loaded = 0 if args.empty_catalogue else load_builtin_catalogue(session, SystemClock()).total
            version = db.schema_version()
        finally:
            db.close()
    except BaseException:
        # Nothing half-made: a database whose initialisation failed is removed.
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    print(
        _("Đã tạo cơ sở dữ liệu {path} (lược đồ {version}), nạp {loaded} thủ tục của danh mục mẫu.").format(
            path=path, version=version, loaded=loaded
        )
    )
    return common.EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    """Describe the database without modifying it."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            identity = counter_setup.load_identity(session)
            numbers = counter_setup.counts(session)
        data = {
            "path": str(db.path),
            "schema_version": db.schema_version(),
            "agency_code": identity.agency_code,
            "agency_name": identity.agency_name,
            "parent_name": identity.parent_name,
            "place_name": identity.place_name,
            "counts": numbers,
        }
        encrypted = is_encrypted(db.path)
        data["sqlite_version"], data["sqlite_safe"] = sqlite_library(encrypted=encrypted)
    finally:
        db.close()
    if args.json:
        common.print_json(data)
    else:
        print(_("Cơ sở dữ liệu: {path}").format(path=data["path"]))
        print(_("Phiên bản lược đồ: {schema_version}").format(schema_version=data["schema_version"]))
        print(
            _("Cơ quan: {agency_name} ({agency_code}), {parent_name}").format(
                agency_name=identity.agency_name,
                agency_code=identity.agency_code,
                parent_name=identity.parent_name,
            )
        )
        labels = {
            "procedures": _("Thủ tục"),
            "users": _("Người dùng"),
            "applicants": _("Công dân"),
            "dossiers": _("Hồ sơ"),
            "events": _("Sự kiện"),
        }
        for key, value in numbers.items():
            print(f"{labels[key]}: {group_thousands(value)}")
        print(_("Thư viện SQLite: {version}").format(version=data["sqlite_version"]))
    warning = sqlite_warning(encrypted=encrypted)
    if warning:
        print(warning, file=sys.stderr)
    return common.EXIT_OK
