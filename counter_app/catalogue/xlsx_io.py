"""Read and write the catalogue as an Excel workbook: sheet “Thủ tục” and sheet “Thành phần hồ sơ”."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from counter_app.catalogue.schema import (
    ONLINE_LABELS,
    PAUSE_LABELS,
    UNIT_LABELS,
    CatalogueError,
    ProcedureSpec,
    RowProblem,
    SourceLayout,
    check_rows,
)
from counter_app.i18n import _
from counter_app.text import fold, nfc

PROCEDURE_SHEET = "Thủ tục"  # i18n: skip
DOCUMENT_SHEET = "Thành phần hồ sơ"  # i18n: skip

# (key, header, column width); the order is the export order, the reader accepts any order.
PROCEDURE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("code", "Mã thủ tục", 16),  # i18n: skip
    ("name", "Tên thủ tục", 60),  # i18n: skip
    ("field_code", "Mã lĩnh vực", 12),  # i18n: skip
    ("field_name", "Lĩnh vực", 30),  # i18n: skip
    ("level", "Cấp thực hiện", 10),  # i18n: skip
    ("deadline_amount", "Thời hạn", 10),  # i18n: skip
    ("deadline_unit", "Đơn vị thời hạn", 16),  # i18n: skip
    ("cutoff", "Giờ chốt", 10),  # i18n: skip
    ("pause_rule", "Khi yêu cầu bổ sung", 18),  # i18n: skip
    ("deadline_note", "Ghi chú thời hạn", 40),  # i18n: skip
    ("fee_amount", "Lệ phí (đồng)", 14),  # i18n: skip
    ("fee_note", "Ghi chú lệ phí", 40),  # i18n: skip
    ("legal_basis", "Căn cứ pháp lý", 40),  # i18n: skip
    ("online_level", "Mức độ trực tuyến", 16),  # i18n: skip
    ("agency_in_charge", "Cơ quan thực hiện", 24),  # i18n: skip
    ("unconfirmed", "Chưa xác nhận", 12),  # i18n: skip
)
DOCUMENT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("code", "Mã thủ tục", 16),  # i18n: skip
    ("position", "STT", 6),
    ("name", "Tên giấy tờ", 70),  # i18n: skip
    ("originals", "Bản chính", 10),  # i18n: skip
    ("certified_copies", "Bản chứng thực", 14),  # i18n: skip
    ("copies", "Bản sao", 10),  # i18n: skip
    ("required", "Bắt buộc", 10),  # i18n: skip
)
_PROCEDURE_REQUIRED = ("code", "name", "field_name", "deadline_amount", "deadline_unit", "fee_amount")
_DOCUMENT_REQUIRED = ("code", "name")
PROCEDURE_LABELS = {key: header for key, header, _ in PROCEDURE_COLUMNS}
DOCUMENT_LABELS = {key: header for key, header, _ in DOCUMENT_COLUMNS}


def _refuse(message: str) -> CatalogueError:
    return CatalogueError([], message=message)


def _header_map(
    header: Sequence[object], columns: Sequence[tuple[str, str, int]], sheet: str, problems: list[RowProblem]
) -> dict[int, str]:
    """Column index → field key, matching headers without regard to case or diacritics."""
    known = {fold(h): key for key, h, _ in columns} | {fold(key): key for key, _, _ in columns}
    labels = {key: h for key, h, _ in columns}
    found: dict[int, str] = {}
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        key = known.get(fold(str(cell)))
        if key is None:
            # Strict on purpose: a mistyped optional header would otherwise be dropped without a word.
            problems.append(
                RowProblem(1, "", nfc(str(cell)), _("cột không được hỗ trợ (gõ nhầm tiêu đề?)"), sheet)
            )
        elif key in found.values():
            problems.append(RowProblem(1, "", labels[key], _("cột bị lặp"), sheet))
        else:
            found[index] = key
    return found


def _missing_columns(
    found: dict[int, str],
    required: Iterable[str],
    labels: dict[str, str],
    sheet: str,
    problems: list[RowProblem],
) -> None:
    for key in required:
        if key not in found.values():
            problems.append(RowProblem(1, "", labels[key], _("thiếu cột bắt buộc"), sheet))


def _rows(sheet: Worksheet) -> list[tuple[int, tuple[Any, ...]]]:
    """(spreadsheet row number, values) of every non-blank row, header included."""
    out = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
            out.append((number, tuple(values)))
    return out


def _record(values: tuple[Any, ...], columns: dict[int, str]) -> dict[str, Any]:
    return {key: values[index] if index < len(values) else None for index, key in columns.items()}


def _code_key(value: object) -> str | None:
    return nfc(value).upper() if isinstance(value, str) and value.strip() else None


def read_xlsx(path: Path) -> list[ProcedureSpec]:
    """Read and validate a workbook; CatalogueError names every bad sheet row and column."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise _refuse(
            _("Không đọc được tệp Excel {path} ({error}). Hãy lưu lại dạng .xlsx.").format(
                path=path, error=exc
            )
        ) from exc
    try:
        for name in (PROCEDURE_SHEET, DOCUMENT_SHEET):
            if name not in workbook.sheetnames:
                raise _refuse(
                    _(
                        "Tệp {path} thiếu trang “{name}” (cần hai trang “{PROCEDURE_SHEET}” và "
                        "“{DOCUMENT_SHEET}”)."
                    ).format(
                        path=path, name=name, PROCEDURE_SHEET=PROCEDURE_SHEET, DOCUMENT_SHEET=DOCUMENT_SHEET
                    )
                )
        procedure_rows = _rows(workbook[PROCEDURE_SHEET])
        document_rows = _rows(workbook[DOCUMENT_SHEET])
    finally:
        workbook.close()
    problems: list[RowProblem] = []
    if not procedure_rows:
        raise _refuse(
            _("Trang “{PROCEDURE_SHEET}” của tệp {path} trống.").format(
                PROCEDURE_SHEET=PROCEDURE_SHEET, path=path
            )
        )
    p_columns = _header_map(procedure_rows[0][1], PROCEDURE_COLUMNS, PROCEDURE_SHEET, problems)
    _missing_columns(p_columns, _PROCEDURE_REQUIRED, PROCEDURE_LABELS, PROCEDURE_SHEET, problems)
    records = [_record(values, p_columns) for _, values in procedure_rows[1:]]
    rows = [number for number, _ in procedure_rows[1:]]
    index_of: dict[str, int] = {}
    for i, record in enumerate(records):
        key = _code_key(record.get("code"))
        if key is not None:
            index_of.setdefault(key, i)

    attached: list[list[tuple[int, int, dict[str, Any]]]] = [[] for _ in records]
    if document_rows:
        d_columns = _header_map(document_rows[0][1], DOCUMENT_COLUMNS, DOCUMENT_SHEET, problems)
        _missing_columns(d_columns, _DOCUMENT_REQUIRED, DOCUMENT_LABELS, DOCUMENT_SHEET, problems)
        _attach_documents(document_rows[1:], d_columns, index_of, attached, problems)

    document_layout: list[list[int]] = []
    for record, documents in zip(records, attached, strict=True):
        documents.sort(key=lambda item: (item[0], item[1]))
        record["documents"] = [doc for _, _, doc in documents]
        document_layout.append([number for _, number, _ in documents])
    layout = SourceLayout(
        PROCEDURE_SHEET, DOCUMENT_SHEET, PROCEDURE_LABELS, DOCUMENT_LABELS, rows, document_layout
    )
    specs, row_problems = check_rows(records, layout)
    problems.extend(row_problems)
    if problems:
        raise CatalogueError(problems)
    return specs


def _attach_documents(
    rows: list[tuple[int, tuple[Any, ...]]],
    columns: dict[int, str],
    index_of: dict[str, int],
    attached: list[list[tuple[int, int, dict[str, Any]]]],
    problems: list[RowProblem],
) -> None:
    """Group document rows under their procedure, ordered by STT; report rows that cannot be placed."""
    positions: dict[tuple[int, int], int] = {}
    code_label, position_label = DOCUMENT_LABELS["code"], DOCUMENT_LABELS["position"]
    for number, values in rows:
        record = _record(values, columns)
        raw_code = record.pop("code", None)
        raw_position = record.pop("position", None)
        key = _code_key(raw_code)
        code = nfc(str(raw_code)) if raw_code is not None else ""
        if key is None:
            message = (
                _("bị lưu thành số; hãy định dạng cột là Văn bản (Text)")
                if raw_code is not None
                else _("bắt buộc, không được để trống")
            )
            problems.append(RowProblem(number, code, code_label, message, DOCUMENT_SHEET))
            continue
        if key not in index_of:
            problems.append(
                RowProblem(
                    number,
                    code,
                    code_label,
                    _("không có thủ tục mã này ở trang “{PROCEDURE_SHEET}”").format(
                        PROCEDURE_SHEET=PROCEDURE_SHEET
                    ),
                    DOCUMENT_SHEET,
                )
            )
            continue
        owner = index_of[key]
        position = _position(raw_position, len(attached[owner]) + 1)
        if position is None:
            problems.append(
                RowProblem(number, code, position_label, _("phải là số nguyên dương"), DOCUMENT_SHEET)
            )
            continue
        if (owner, position) in positions:
            problems.append(
                RowProblem(
                    number,
                    code,
                    position_label,
                    _("số thứ tự bị trùng (đã có ở dòng {positions})").format(
                        positions=positions[owner, position]
                    ),
                    DOCUMENT_SHEET,
                )
            )
            continue
        positions[owner, position] = number
        attached[owner].append((position, number, record))


def _position(value: object, default: int) -> int | None:
    """The STT cell as a positive integer (blank: after the previous paper), or None if unusable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _procedure_values(spec: ProcedureSpec) -> dict[str, object]:
    amount = spec.deadline_amount
    return {
        "code": spec.code,
        "name": spec.name,
        "field_code": spec.field_code,
        "field_name": spec.field_name,
        "level": spec.level,
        "deadline_amount": None
        if spec.deadline_unit == "same_day"
        else (int(amount) if amount == int(amount) else amount),
        "deadline_unit": UNIT_LABELS[spec.deadline_unit],
        "cutoff": spec.cutoff,
        "pause_rule": PAUSE_LABELS[spec.pause_rule],
        "deadline_note": spec.deadline_note,
        "fee_amount": spec.fee_amount,
        "fee_note": spec.fee_note,
        "legal_basis": spec.legal_basis,
        "online_level": ONLINE_LABELS[spec.online_level],
        "agency_in_charge": spec.agency_in_charge,
        "unconfirmed": "Có" if spec.unconfirmed else None,  # i18n: skip
    }


_TEXT_KEYS = {"code", "cutoff"}  # Excel would turn "2.000200" into 2.0002 and "15:00" into a time


def _fill(
    sheet: Worksheet, columns: Sequence[tuple[str, str, int]], records: Iterable[dict[str, object]]
) -> None:
    sheet.append([header for _, header, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, record in enumerate(records, start=2):
        for column, (key, _header, _width) in enumerate(columns, start=1):
            value = record.get(key)
            cell = sheet.cell(row=number, column=column, value=None if value == "" else value)
            if key in _TEXT_KEYS:
                cell.number_format = "@"
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that merely looks like a formula
    for column, (_key, _header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width
    sheet.freeze_panes = "A2"


def write_xlsx(path: Path, specs: Sequence[ProcedureSpec]) -> None:
    """Write `specs` as a two-sheet workbook, atomically; read_xlsx gives back exactly `specs`."""
    workbook = Workbook()
    procedures = workbook.active
    assert isinstance(procedures, Worksheet)  # a fresh Workbook always has one worksheet
    procedures.title = PROCEDURE_SHEET
    _fill(procedures, PROCEDURE_COLUMNS, (_procedure_values(spec) for spec in specs))
    documents = workbook.create_sheet(DOCUMENT_SHEET)
    _fill(
        documents,
        DOCUMENT_COLUMNS,
        (
            {
                "code": spec.code,
                "position": position,
                **doc.to_dict(),
                "required": "Có" if doc.required else "Không",  # i18n: skip
            }
            for spec in specs
            for position, doc in enumerate(spec.documents, start=1)
        ),
    )
    temporary = path.with_name(path.name + ".tmp")
    workbook.save(temporary)
    os.replace(temporary, path)
