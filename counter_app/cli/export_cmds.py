"""counter-admin export register: the Sổ theo dõi hồ sơ of a period as an XLSX workbook or a PDF."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from counter_app.cli import common
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import forms, tracking_book

FORMATS = (".xlsx", ".pdf")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `export register`."""
    export = sub.add_parser("export", help=_("xuất sổ sách (Sổ theo dõi hồ sơ) ra tệp XLSX hoặc PDF"))
    export_sub = export.add_subparsers(dest="export_command", metavar=_("SỔ"))
    export_sub.required = True
    book = export_sub.add_parser(
        "register",
        help=_("xuất Sổ theo dõi hồ sơ của các hồ sơ tiếp nhận trong một khoảng ngày"),
        description=_("Số thứ tự là số trong sổ của năm tiếp nhận, giống số in trên Giấy tiếp nhận."),
    )
    common.add_db_option(book)
    book.add_argument("--from", dest="from_date", type=common.day_arg, required=True, metavar="YYYY-MM-DD")
    book.add_argument("--to", dest="to_date", type=common.day_arg, required=True, metavar="YYYY-MM-DD")
    book.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=_("TỆP.xlsx|TỆP.pdf"),
        help=_("tệp kết quả (.xlsx hoặc .pdf)"),
    )
    book.set_defaults(func=run_register)


def run_register(args: argparse.Namespace) -> int:
    """Read the book rows of the period and write them to --out in the format its suffix names."""
    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise UserFacingError(
            _("Tệp kết quả phải có đuôi .xlsx hoặc .pdf (đang là “{name}”).").format(name=out.name)
        )
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            rows = tracking_book.book_rows(session, args.from_date, args.to_date)
            volume = tracking_book.book_volume(session)
    finally:
        db.close()
    period = (args.from_date, args.to_date)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".pdf":
            forms.write_atomically(out, tracking_book.export_pdf(rows, volume=volume, period=period))
        else:
            with tempfile.TemporaryDirectory(dir=out.parent) as folder:
                scratch = Path(folder) / out.name
                tracking_book.export_xlsx(rows, scratch, volume=volume, period=period)
                forms.write_atomically(out, scratch.read_bytes())
    except OSError as exc:
        raise UserFacingError(
            _("Không ghi được {out} ({error}).").format(out=out, error=exc.strerror or exc)
        ) from None
    print(
        _(
            "Đã xuất Sổ theo dõi hồ sơ (quyển số {volume:02d}), {count} hồ sơ từ {from_date:%d/%m/%Y} đến "
            "{to_date:%d/%m/%Y}: {out}"
        ).format(volume=volume, count=len(rows), from_date=args.from_date, to_date=args.to_date, out=out)
    )
    return common.EXIT_OK
