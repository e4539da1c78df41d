"""Sổ theo dõi hồ sơ (Mẫu 06 TT 01/2018): the dossiers of a period as book rows, exported to XLSX or PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from counter_app import settings
from counter_app.clock import Clock, SystemClock, local_to_utc, utc_to_local
from counter_app.deadlines import classify_finished
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services.intake import STATUS_NAMES
from counter_app.services.workflow import EXTENDED
from counter_app.storage.models import Dossier

__all__ = ["COLUMNS", "TITLE", "BookRow", "book_rows", "book_volume", "export_pdf", "export_xlsx"]

TITLE = "SỔ THEO DÕI HỒ SƠ"  # i18n: skip
COLUMNS = (
    "TT",
    "Mã hồ sơ",  # i18n: skip
    "Tên cá nhân, tổ chức",  # i18n: skip
    "Địa chỉ, số điện thoại",  # i18n: skip
    "Tên thủ tục hành chính",  # i18n: skip
    "Số bộ hồ sơ",  # i18n: skip
    "Nhận hồ sơ",  # i18n: skip
    "Hẹn trả kết quả",  # i18n: skip
    "Chuyển hồ sơ đến cơ quan giải quyết",  # i18n: skip
    "Nhận kết quả từ cơ quan giải quyết",  # i18n: skip
    "Trả kết quả cho cá nhân, tổ chức",  # i18n: skip
    "Tình trạng",  # i18n: skip
    "Ký nhận",  # i18n: skip
    "Ghi chú",  # i18n: skip
)
SIGNATURE_COLUMN = COLUMNS.index(
    "Ký nhận"  # i18n: skip
)  # left empty: the collector signs the printed book by hand
_XLSX_WIDTHS = (6, 28, 24, 34, 40, 8, 16, 16, 16, 16, 16, 12, 18, 30)
_FINISHED = (9, 10)
_CLOSED = (3, 7, 8)
_DATE_TIME = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class BookRow:
    """One line of the book; datetimes are local, None when the step has not happened."""

    number: int  # số thứ tự in the year's book, as printed on the receipt (Mẫu 01)
    year: int
    code: str
    applicant_name: str
    address_phone: str
    procedure_name: str
    sets_count: int  # số bộ hồ sơ
    received_at: datetime
    appointment_at: datetime | None
    transferred_at: datetime | None
    result_at: datetime | None
    returned_at: datetime | None
    timeliness: str  # Trước hạn / Đúng hạn / Quá hạn / Trong hạn, or the status of a closed dossier
    note: str


def _timeliness(dossier: Dossier, appointment: datetime | None, now_local: datetime) -> str:
    """Finished: the date-only comparison (QĐ 766); open: quá hạn once the appointment has passed."""
    if dossier.status in _CLOSED:
        return STATUS_NAMES[dossier.status]
    if appointment is None:
        return ""
    if dossier.status in _FINISHED:
        done = dossier.finished_at or dossier.returned_at
        if done is not None:
            return classify_finished(utc_to_local(done), appointment).vi_label
    return "Quá hạn" if appointment < now_local else "Trong hạn"  # i18n: skip


def _note(dossier: Dossier) -> str:
    parts = []
    for event in dossier.events:
        if event.kind == EXTENDED and event.note:
            parts.append(f"Gia hạn: {event.note}")  # i18n: skip
        elif event.kind in ("withdrawn", "stopped", "refused") and event.note:
            parts.append(f"{STATUS_NAMES[event.status_to or dossier.status]}: {event.note}")
    if dossier.submitter_name.strip():
        parts.append(f"Người nộp thay: {dossier.submitter_name.strip()}")  # i18n: skip
    return "; ".join(parts)


def _row(dossier: Dossier, number: int, now_local: datetime) -> BookRow:
    applicant = dossier.applicant
    address = ", ".join(
        p for p in (applicant.address_street, applicant.address_commune, applicant.address_province) if p
    )
    appointment = utc_to_local(dossier.appointment_at) if dossier.appointment_at else None
    transferred = next((e.at for e in dossier.events if e.kind == "processing"), None)
    received = utc_to_local(dossier.received_at)
    return BookRow(
        number=number,
        year=received.year,
        code=dossier.code,
        applicant_name=applicant.full_name,
        address_phone="; ".join(p for p in (address, applicant.phone) if p),
        procedure_name=dossier.procedure.name,
        sets_count=dossier.sets_count,
        received_at=received,
        appointment_at=appointment,
        transferred_at=utc_to_local(transferred) if transferred else None,
        result_at=utc_to_local(dossier.finished_at) if dossier.finished_at else None,
        returned_at=utc_to_local(dossier.returned_at) if dossier.returned_at else None,
        timeliness=_timeliness(dossier, appointment, now_local),
        note=_note(dossier),
    )


def book_rows(
    session: Session, from_date: date, to_date: date, *, clock: Clock | None = None
) -> list[BookRow]:
    """The dossiers received from `from_date` to `to_date` (local days, both included), in book order.

    The line number is the dossier's registration order within its reception year, the number the
    receipt prints ("Số thứ tự"): every dossier of the year counts, so a period starting in March
    begins where February ended. UserFacingError (Vietnamese) when the range is reversed.
    """
    if from_date > to_date:
        raise UserFacingError(
            _(
                "Khoảng ngày không hợp lệ: ngày bắt đầu {from_date:%d/%m/%Y} ở sau ngày kết thúc "
                "{to_date:%d/%m/%Y}."
            ).format(from_date=from_date, to_date=to_date)
        )
    now_local = utc_to_local((clock or SystemClock()).now_utc())
    start = local_to_utc(datetime.combine(from_date, datetime.min.time()))
    end = local_to_utc(datetime.combine(to_date + timedelta(days=1), datetime.min.time()))
    rows: list[BookRow] = []
    for year in range(from_date.year, to_date.year + 1):
        year_start = local_to_utc(datetime(year, 1, 1))
        year_end = local_to_utc(datetime(year + 1, 1, 1))
        # Only the ids and received times of the whole year: enough to number the lines.
        ordered = session.execute(
            select(Dossier.id, Dossier.received_at)
            .where(Dossier.received_at >= year_start, Dossier.received_at < year_end)
            .order_by(Dossier.created_at, Dossier.id)
        ).all()
        wanted = {
            dossier_id: number
            for number, (dossier_id, received) in enumerate(ordered, start=1)
            if start <= received < end
        }
        if not wanted:
            continue
        dossiers = session.scalars(
            select(Dossier)
            .where(Dossier.id.in_(wanted))
            .options(
                selectinload(Dossier.applicant),
                selectinload(Dossier.procedure),
                selectinload(Dossier.events),
            )
        ).all()
        rows.extend(sorted((_row(d, wanted[d.id], now_local) for d in dossiers), key=lambda r: r.number))
    return rows


def _values(row: BookRow) -> list[object]:
    return [
        row.number,
        row.code,
        row.applicant_name,
        row.address_phone,
        row.procedure_name,
        row.sets_count,
        row.received_at,
        row.appointment_at,
        row.transferred_at,
        row.result_at,
        row.returned_at,
        row.timeliness,
        None,  # Ký nhận
        row.note,
    ]


HEADER_ROW = 4  # title, volume and period above it


def export_xlsx(
    rows: Sequence[BookRow], path: Path, *, volume: int = 1, period: tuple[date, date] | None = None
) -> None:
    """Write the book as an Excel workbook: title, "Quyển số", the header row (frozen), one line per row."""
    # openpyxl is slow to import: only when a workbook is written, not at startup.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "So theo doi ho so"
    last = get_column_letter(len(COLUMNS))
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(name="Times New Roman", bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A1:{last}1")
    sheet["A2"] = f"Quyển số: {volume:02d}"  # i18n: skip
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    if period is not None:
        sheet["A3"] = f"Từ ngày {period[0]:%d/%m/%Y} đến ngày {period[1]:%d/%m/%Y}"  # i18n: skip
        sheet["A3"].alignment = Alignment(horizontal="center")
        sheet.merge_cells(f"A3:{last}3")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for index, (title, width) in enumerate(zip(COLUMNS, _XLSX_WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font = Font(name="Times New Roman", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[HEADER_ROW].height = 45
    for offset, row in enumerate(rows, start=1):
        for index, value in enumerate(_values(row), start=1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=index, value=value)
            cell.font = Font(name="Times New Roman")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = border
            if isinstance(value, datetime):
                cell.number_format = _DATE_TIME
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    book.save(path)


def _when(value: datetime | None) -> str:
    return f"{value:%d/%m/%Y %H:%M}" if value is not None else ""


_PDF_WIDTHS_MM = (8, 37, 27, 28, 34, 9, 16, 16, 16, 16, 16, 14, 19, 17)


def export_pdf(rows: Sequence[BookRow], *, volume: int = 1, period: tuple[date, date] | None = None) -> bytes:
    """The book as a landscape A4 PDF table; the header row repeats on every page."""
    # reportlab is slow to import: only when a PDF is rendered, not at startup.
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from counter_app.printing.fonts import BOLD, REGULAR, register_fonts
    from counter_app.printing.landscape import landscape_pdf

    register_fonts()
    cell = ParagraphStyle("book_cell", fontName=REGULAR, fontSize=8, leading=9.5)
    head = ParagraphStyle("book_head", parent=cell, fontName=BOLD, alignment=1)
    centred = ParagraphStyle("book_centred", parent=cell, alignment=1)
    title = ParagraphStyle("book_title", fontName=BOLD, fontSize=14, leading=17, alignment=1)
    sub = ParagraphStyle("book_sub", fontName=REGULAR, fontSize=11, leading=14, alignment=1)

    def text(value: str) -> Paragraph:
        return Paragraph(value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), cell)

    data: list[list[Paragraph]] = [[Paragraph(c, head) for c in COLUMNS]]
    for row in rows:
        data.append(
            [
                text(str(row.number)),
                text(row.code),
                text(row.applicant_name),
                text(row.address_phone),
                text(row.procedure_name),
                Paragraph(str(row.sets_count), centred),
                *(
                    text(_when(v))
                    for v in (row.received_at, row.appointment_at, row.transferred_at, row.result_at)
                ),
                text(_when(row.returned_at)),
                text(row.timeliness),
                text(""),  # Ký nhận: signed by hand on the printed book
                text(row.note),
            ]
        )
    table = Table(data, colWidths=[w * mm for w in _PDF_WIDTHS_MM], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8),
                ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story = [Paragraph(TITLE, title), Paragraph(f"Quyển số: {volume:02d}", sub)]  # i18n: skip
    if period is not None:
        story.append(
            Paragraph(f"Từ ngày {period[0]:%d/%m/%Y} đến ngày {period[1]:%d/%m/%Y}", sub)  # i18n: skip
        )
    story += [Spacer(0, 4 * mm), table]
    return landscape_pdf(story, TITLE)


def book_volume(session: Session) -> int:
    """The "Quyển số" in force (setting forms.tracking_book_volume)."""
    return settings.get(session, settings.TRACKING_BOOK_VOLUME)
