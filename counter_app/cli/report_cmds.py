"""counter-admin report period: the periodic report (Mẫu 06a) of any days, as XLSX or PDF, and as JSON."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from counter_app.cli import common
from counter_app.clock import SystemClock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import forms, report_export, reports
from counter_app.services.counter_setup import load_identity
from counter_app.services.periods import checked_period

FORMATS = (".xlsx", ".pdf")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `report period`."""
    report = sub.add_parser("report", help=_("báo cáo tình hình, kết quả giải quyết thủ tục hành chính"))
    report_sub = report.add_subparsers(dest="report_command", metavar=_("BÁO_CÁO"))
    report_sub.required = True
    period = report_sub.add_parser(
        "period",
        help=_("báo cáo của một kỳ (Mẫu 06a): tiếp nhận, đã giải quyết, đang giải quyết, trả lại, rút"),
        description=(
            _(
                "Tổng của quầy và các bảng theo lĩnh vực, thủ tục, cán bộ tiếp nhận. Với --json, in cùng "
                "các số liệu dưới dạng JSON."
            )
        ),
    )
    common.add_db_option(period)
    period.add_argument("--from", dest="from_date", type=common.day_arg, required=True, metavar="YYYY-MM-DD")
    period.add_argument("--to", dest="to_date", type=common.day_arg, required=True, metavar="YYYY-MM-DD")
    period.add_argument(
        "--out", type=Path, default=None, metavar=_("TỆP.xlsx|TỆP.pdf"), help=_("tệp kết quả")
    )
    period.add_argument("--json", action="store_true", help=_("in số liệu dạng JSON ra màn hình"))
    period.set_defaults(func=run_period)


def run_period(args: argparse.Namespace) -> int:
    """Compute the report of the period, write --out (by its suffix) and/or print the JSON."""
    out: Path | None = args.out
    if out is None and not args.json:
        raise UserFacingError(_("Hãy ghi --out TỆP.xlsx (hoặc .pdf), hoặc --json."))
    suffix = out.suffix.lower() if out is not None else ""
    if out is not None and suffix not in FORMATS:
        raise UserFacingError(
            _("Tệp kết quả phải có đuôi .xlsx hoặc .pdf (đang là “{name}”).").format(name=out.name)
        )
    period = checked_period(args.from_date, args.to_date)
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            report = reports.period_report(session, period, SystemClock().now_utc())
            identity = load_identity(session)
    finally:
        db.close()
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".pdf":
                forms.write_atomically(out, report_export.export_pdf(report, identity))
            else:
                with tempfile.TemporaryDirectory(dir=out.parent) as folder:
                    scratch = Path(folder) / out.name
                    report_export.export_xlsx(report, scratch, identity)
                    forms.write_atomically(out, scratch.read_bytes())
        except OSError as exc:
            raise UserFacingError(
                _("Không ghi được {out} ({error}).").format(out=out, error=exc.strerror or exc)
            ) from None
    if args.json:
        common.print_json(reports.report_json(report))
    elif out is not None:
        total = report.total
        print(
            _(
                "Đã xuất báo cáo {text}: {total} hồ sơ phải giải quyết, {settled} đã giải quyết, "
                "{in_progress} đang giải quyết: {out}"
            ).format(
                text=period.text(),
                total=total.total,
                settled=total.settled,
                in_progress=total.in_progress,
                out=out,
            )
        )
    return common.EXIT_OK
