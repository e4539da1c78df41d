"""The periodic report written out: an XLSX workbook (one sheet per breakdown) and a landscape A4 PDF."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.deadlines import format_instant
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.jobs import JobControl, every
from counter_app.services.counter_setup import CounterIdentity
from counter_app.services.reports import COLUMNS, TITLE, PeriodReport, ReportLine

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["HEADER_ROW", "SHEETS", "export_pdf", "export_xlsx", "sections", "write"]

# (sheet title, first column's heading, breakdown kind): the XLSX sheets and the PDF sections.
SHEETS = (
    ("Tong hop", "Lĩnh vực", "field"),  # i18n: skip
    ("Theo thu tuc", "Thủ tục hành chính", "procedure"),  # i18n: skip
    ("Theo can bo", "Cán bộ tiếp nhận", "clerk"),  # i18n: skip
)
SECTION_TITLES = {
    "field": "Tổng hợp theo lĩnh vực",  # i18n: skip
    "procedure": "Theo thủ tục hành chính",  # i18n: skip
    "clerk": "Theo cán bộ tiếp nhận",  # i18n: skip
}
HEADER_ROW = 5  # title, agency, period, "as of" above it; the column groups on this row, titles below
_FONT = "Times New Roman"
STRIDE = 20  # lines between two progress steps (a cancel stops the export there)


def sections(report: PeriodReport) -> list[tuple[str, str, str, list[ReportLine]]]:
    """(sheet, heading, kind, lines) of each breakdown; every sheet ends with the counter's total line."""
    lines = {"field": report.by_field, "procedure": report.by_procedure, "clerk": report.by_clerk}
    return [(sheet, heading, kind, lines[kind]) for sheet, heading, kind in SHEETS]


def _period_text(report: PeriodReport) -> str:
    return f"Kỳ báo cáo: từ ngày {report.period.first:%d/%m/%Y} đến ngày {report.period.last:%d/%m/%Y}"  # i18n: skip


def _as_of_text(report: PeriodReport) -> str:
    if report.as_of_utc == report.period.end_utc:
        return f"Số liệu tính đến hết ngày {report.period.last:%d/%m/%Y}"  # i18n: skip
    return f"Số liệu tính đến {format_instant(report.as_of_local)}"  # i18n: skip


def line_count(report: PeriodReport) -> int:
    """How many lines the export writes (each section: the total line, then its lines): its progress total."""
    return sum(1 + len(rows) for _s, _h, _k, rows in sections(report))


def _groups() -> list[tuple[str, int, int]]:
    """(group title, first column, last column) over the figure columns (column 1 is the name)."""
    found: list[tuple[str, int, int]] = []
    for index, (_key, group, _title) in enumerate(COLUMNS, start=2):
        if found and found[-1][0] == group:
            found[-1] = (group, found[-1][1], index)
        else:
            found.append((group, index, index))
    return found


def _sheet(
    sheet: Worksheet,
    report: PeriodReport,
    identity: CounterIdentity,
    heading: str,
    rows: Sequence[ReportLine],
    control: JobControl | None = None,
    done: int = 0,
    total: int = 0,
) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side  # slow to import: see export_xlsx
    from openpyxl.utils import get_column_letter

    last = get_column_letter(len(COLUMNS) + 1)
    for row, (text, bold, size) in enumerate(
        (
            (TITLE, True, 14),
            (f"{identity.agency_name} (mã {identity.agency_code})", False, 12),  # i18n: skip
            (_period_text(report), False, 12),
            (_as_of_text(report), False, 11),
        ),
        start=1,
    ):
        cell = sheet.cell(row=row, column=1, value=text)
        cell.font = Font(name=_FONT, bold=bold, size=size)
        cell.alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A{row}:{last}{row}")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = Font(name=_FONT, bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    name_cell = sheet.cell(row=HEADER_ROW, column=1, value=heading)
    sheet.merge_cells(start_row=HEADER_ROW, start_column=1, end_row=HEADER_ROW + 1, end_column=1)
    for group, first, end in _groups():
        sheet.cell(row=HEADER_ROW, column=first, value=group)
        if end > first:
            sheet.merge_cells(start_row=HEADER_ROW, start_column=first, end_row=HEADER_ROW, end_column=end)
    for index, (_key, _group, title) in enumerate(COLUMNS, start=2):
        sheet.cell(row=HEADER_ROW + 1, column=index, value=title)
    for row in (HEADER_ROW, HEADER_ROW + 1):
        for column in range(1, len(COLUMNS) + 2):
            cell = sheet.cell(row=row, column=column)
            cell.font, cell.alignment, cell.border = head, centre, border
    name_cell.alignment = centre
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.row_dimensions[HEADER_ROW + 1].height = 45
    sheet.column_dimensions["A"].width = 48
    for index in range(2, len(COLUMNS) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    for offset, line in enumerate([report.total, *rows], start=HEADER_ROW + 2):
        every(control, done + offset - HEADER_ROW - 1, total, STRIDE)
        bold = line is report.total
        cell = sheet.cell(row=offset, column=1, value=line.name)
        cell.font = Font(name=_FONT, bold=bold)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        cell.border = border
        for index, (key, _group, _title) in enumerate(COLUMNS, start=2):
            cell = sheet.cell(row=offset, column=index, value=line.value(key))
            cell.font = Font(name=_FONT, bold=bold)
            cell.number_format = "#,##0"
            cell.border = border
    sheet.freeze_panes = f"B{HEADER_ROW + 2}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def export_xlsx(
    report: PeriodReport, path: Path, identity: CounterIdentity, control: JobControl | None = None
) -> None:
    """Write the report: one sheet per breakdown (field, procedure, clerk), each with the total line first.
    With a `control`: progress per line, and a cancel stops it (Cancelled) before anything is saved."""
    # openpyxl is slow to import: only when a workbook is written, not at startup.
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    done, total = 0, line_count(report)
    for sheet_title, heading, _kind, rows in sections(report):
        _sheet(book.create_sheet(sheet_title), report, identity, heading, rows, control, done, total)
        done += 1 + len(rows)
    if control is not None:
        control.step(total, total)
    book.save(path)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def export_pdf(report: PeriodReport, identity: CounterIdentity, control: JobControl | None = None) -> bytes:
    """The report as a landscape A4 PDF: header, then one table per breakdown (header rows repeat).
    With a `control`: progress per line, and a cancel stops it (Cancelled) before the PDF is laid out."""
    # reportlab is slow to import: only when a PDF is rendered, not at startup.
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

    from counter_app.printing.fonts import BOLD, ITALIC, REGULAR, register_fonts
    from counter_app.printing.landscape import landscape_pdf

    register_fonts()
    cell = ParagraphStyle("rep_cell", fontName=REGULAR, fontSize=8, leading=9.5)
    number = ParagraphStyle("rep_num", parent=cell, alignment=2)
    head = ParagraphStyle("rep_head", parent=cell, fontName=BOLD, alignment=1)
    bold_cell = ParagraphStyle("rep_bold", parent=cell, fontName=BOLD)
    bold_number = ParagraphStyle("rep_bold_num", parent=number, fontName=BOLD)
    title = ParagraphStyle("rep_title", fontName=BOLD, fontSize=13, leading=16, alignment=1)
    sub = ParagraphStyle("rep_sub", fontName=REGULAR, fontSize=10.5, leading=13, alignment=1)
    note = ParagraphStyle("rep_note", fontName=ITALIC, fontSize=9, leading=11, alignment=1)
    section = ParagraphStyle(
        "rep_section", fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=6, spaceAfter=3
    )

    def text(value: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    widths = [70 * mm] + [14.5 * mm] * len(COLUMNS)
    story: list[object] = [
        text(identity.parent_name.upper(), sub),
        text(identity.agency_name, sub),
        Spacer(0, 3 * mm),
        text(TITLE, title),
        text(_period_text(report), sub),
        text(_as_of_text(report), note),
        Spacer(0, 3 * mm),
    ]
    done, total = 0, line_count(report)
    for _sheet_title, heading, kind, rows in sections(report):
        group_row = [text(heading, head)] + [text("", head) for _ in COLUMNS]
        spans = [("SPAN", (0, 0), (0, 1))]
        for group, first, end in _groups():
            group_row[first - 1] = text(group, head)
            spans.append(("SPAN", (first - 1, 0), (end - 1, 0)))
        data = [group_row, [text("", head)] + [text(t, head) for _k, _g, t in COLUMNS]]
        for line in [report.total, *rows]:
            done += 1
            every(control, done, total, STRIDE)
            strong = line is report.total
            data.append(
                [text(line.name, bold_cell if strong else cell)]
                + [text(_number(line.value(k)), bold_number if strong else number) for k, _g, _t in COLUMNS]
            )
        table = Table(data, colWidths=widths, repeatRows=2)
        table.setStyle(
            TableStyle(
                [
                    *spans,
                    ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                    ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
                    ("VALIGN", (0, 2), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 2), (-1, 2), "#eeeeee"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        # A section title never ends a page alone: it needs room for the header rows and a few lines.
        story += [CondPageBreak(35 * mm), text(SECTION_TITLES[kind], section), table]
    return landscape_pdf(story, TITLE, side_margin_mm=10)


def write(
    report: PeriodReport, identity: CounterIdentity, path: Path, control: JobControl | None = None
) -> Path:
    """Write the report to `path` (.xlsx or .pdf, by its suffix). The file is written beside the target
    as `.partial` and renamed at the end: a cancelled (Cancelled) or failed export leaves no file."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise UserFacingError(_("Tệp xuất phải có đuôi .xlsx hoặc .pdf."), field="path")
    scratch = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".pdf":
            scratch.write_bytes(export_pdf(report, identity, control))
        else:
            export_xlsx(report, scratch, identity, control)
        with scratch.open("rb+") as stream:  # on disk before the rename: a power cut leaves old or new
            os.fsync(stream.fileno())
        os.replace(scratch, path)
    except OSError as exc:
        raise UserFacingError(
            _("Không ghi được {path} ({reason}); hãy chọn thư mục khác.").format(
                path=path, reason=exc.strerror or exc
            )
        ) from None
    finally:  # cancelled or failed: nothing half-written is left beside the target
        scratch.unlink(missing_ok=True)
    return path
