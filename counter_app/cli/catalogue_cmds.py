"""counter-admin catalogue list/import/export: the procedure catalogue from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from counter_app.catalogue.schema import CatalogueError
from counter_app.catalogue.service import (
    CatalogueEntry,
    describe_fee,
    export_catalogue,
    format_deadline,
    list_procedures,
    read_catalogue_file,
    write_catalogue_file,
)
from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.i18n import _
from counter_app.services.catalogue_admin import import_procedures

NAME_WIDTH = 60


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `catalogue list`, `catalogue import` and `catalogue export`."""
    catalogue = sub.add_parser("catalogue", help=_("danh mục thủ tục hành chính: xem, nhập, xuất"))
    actions = catalogue.add_subparsers(dest="catalogue_command", metavar=_("THAO_TÁC"))
    actions.required = True

    show = actions.add_parser("list", help=_("liệt kê thủ tục: mã, tên, lĩnh vực, thời hạn, lệ phí"))
    common.add_db_option(show)
    show.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    show.add_argument("--all", action="store_true", help=_("gồm cả thủ tục đã ngừng áp dụng"))
    show.set_defaults(func=run_list)

    load = actions.add_parser(
        "import", help=_("nhập danh mục từ tệp .json hoặc .xlsx (cập nhật theo mã thủ tục)")
    )
    common.add_db_option(load)
    load.add_argument("file", type=Path, metavar=_("TỆP"))
    load.add_argument(
        "--replace", action="store_true", help=_("ngừng áp dụng các thủ tục không có trong tệp (không xóa)")
    )
    load.set_defaults(func=run_import)

    save = actions.add_parser("export", help=_("xuất danh mục ra tệp .json hoặc .xlsx"))
    common.add_db_option(save)
    save.add_argument("file", type=Path, metavar=_("TỆP"))
    save.set_defaults(func=run_export)


def _entry_json(entry: CatalogueEntry) -> dict[str, Any]:
    data = {"id": entry.id, "active": entry.active, **entry.spec.to_dict()}
    data["deadline_text"] = format_deadline(entry.spec)
    data["fee_text"] = describe_fee(entry.spec)
    return data


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_list(args: argparse.Namespace) -> int:
    """Print the catalogue as a table or as JSON."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            entries = list_procedures(session, active_only=not args.all)
    finally:
        db.close()
    if args.json:
        common.print_json([_entry_json(entry) for entry in entries])
        return common.EXIT_OK
    if not entries:
        print(_("Danh mục chưa có thủ tục nào. Nhập bằng lệnh: counter-admin catalogue import TỆP"))
        return common.EXIT_OK
    rows = [
        (
            e.spec.code + ("" if e.active else _(" (ngừng)")),
            _clip(e.spec.name, NAME_WIDTH),
            _clip(e.spec.field_name, 30),
            format_deadline(e.spec),
            _clip(describe_fee(e.spec), 40),
        )
        for e in entries
    ]
    header = (_("Mã thủ tục"), _("Tên thủ tục"), _("Lĩnh vực"), _("Thời hạn"), _("Lệ phí"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(_("Tổng: {count} thủ tục.").format(count=len(entries)))
    return common.EXIT_OK


def _print_problems(path: Path, error: CatalogueError) -> int:
    if not error.problems:
        return common.fail(error.message)
    print(
        _("Lỗi: tệp {path} có {count} lỗi; chưa nhập gì vào cơ sở dữ liệu.").format(
            path=path, count=len(error.problems)
        ),
        file=sys.stderr,
    )
    for problem in error.problems:
        print(f"  - {problem.describe()}", file=sys.stderr)
    return common.EXIT_ERROR


def run_import(args: argparse.Namespace) -> int:
    """Validate the whole file first; write only if every row is valid (one transaction)."""
    path: Path = args.file
    try:
        specs = read_catalogue_file(path)
    except CatalogueError as exc:
        return _print_problems(path, exc)
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:
            report = import_procedures(
                session, SystemClock(), specs, replace=args.replace, source=path.name, by=None
            )
    finally:
        db.close()
    line = _("Đã nhập {total} thủ tục: thêm {added}, cập nhật {updated}, không đổi {unchanged}").format(
        total=report.total, added=report.added, updated=report.updated, unchanged=report.unchanged
    )
    if args.replace:
        line += _(", ngừng áp dụng {deactivated}").format(deactivated=report.deactivated)
    print(line + ".")
    return common.EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the active catalogue to a .json or .xlsx file."""
    path: Path = args.file
    if path.suffix.lower() not in (".json", ".xlsx"):
        return common.fail(
            _("không ghi được tệp {name}: chỉ hỗ trợ .json hoặc .xlsx.").format(name=path.name)
        )
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            specs = export_catalogue(session)
    finally:
        db.close()
    write_catalogue_file(path, specs, source=f"Xuất từ cơ sở dữ liệu {db.path.name}")  # i18n: skip
    print(_("Đã xuất {count} thủ tục ra {path}.").format(count=len(specs), path=path))
    return common.EXIT_OK
