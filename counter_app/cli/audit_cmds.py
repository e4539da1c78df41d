"""counter-admin audit list / export: the audit trail for the supervisor (issue 9 point 4)."""

from __future__ import annotations

import argparse
from pathlib import Path

from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.i18n import _
from counter_app.services import audit_trail


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `audit list` and `audit export`."""
    parser = sub.add_parser("audit", help=_("xem và xuất nhật ký kiểm toán"))
    audit_sub = parser.add_subparsers(dest="audit_command", metavar=_("LỆNH"))
    audit_sub.required = True
    listing = audit_sub.add_parser("list", help=_("liệt kê nhật ký kiểm toán (mới nhất trước)"))
    exporting = audit_sub.add_parser("export", help=_("xuất nhật ký kiểm toán ra tệp .xlsx hoặc .csv"))
    exporting.add_argument("file", type=Path, help=_("tệp .xlsx hoặc .csv"))
    for each in (listing, exporting):
        common.add_db_option(each)
        each.add_argument("--from", dest="date_from", type=common.day_arg, help=_("từ ngày (YYYY-MM-DD)"))
        each.add_argument("--to", dest="date_to", type=common.day_arg, help=_("đến ngày (YYYY-MM-DD)"))
        each.add_argument("--user", help=_("tên đăng nhập của người thực hiện"))
        each.add_argument("--action", help=_("mã thao tác (ví dụ sign_in, dossier_received)"))
    listing.add_argument("--limit", type=int, default=100, help=_("số dòng tối đa (mặc định 100)"))
    listing.add_argument("--offset", type=int, default=0, help=_("bỏ qua bao nhiêu dòng đầu"))
    listing.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    listing.set_defaults(func=run_list)
    exporting.set_defaults(func=run_export)


def _filter(args: argparse.Namespace) -> audit_trail.AuditFilter:
    return audit_trail.AuditFilter(args.date_from, args.date_to, args.user, args.action)


def run_list(args: argparse.Namespace) -> int:
    """Print one page of the filtered trail and the chain's status."""
    flt = _filter(args)
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            rows = audit_trail.page(session, flt, offset=max(args.offset, 0), limit=max(args.limit, 1))
            total = audit_trail.count(session, flt)
            intact, status = audit_trail.chain_status(session)
    finally:
        db.close()
    if args.json:
        common.print_json(
            {"total": total, "chain_intact": intact, "chain": status, "rows": [r.to_json() for r in rows]}
        )
        return common.EXIT_OK
    print(status)
    for r in rows:
        print(
            f"{r.id:>6}  {r.at_local:%d/%m/%Y %H:%M}  {r.user_name}  {r.action_label}  {r.entity}  {r.detail}"
        )
    print(_("({count} / {total} dòng)").format(count=len(rows), total=total))
    return common.EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the filtered trail to FILE (.xlsx or .csv); the export is itself audited."""
    db = common.open_for(args, write=True)
    try:
        n = audit_trail.export(db, SystemClock(), args.file, _filter(args), None)
    finally:
        db.close()
    print(_("Đã xuất {n} dòng nhật ký kiểm toán ra {file}.").format(n=n, file=args.file))
    return common.EXIT_OK
