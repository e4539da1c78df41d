"""Catalogue rows: the frozen ProcedureSpec DTO and the validator that checks every row before import."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, time
from typing import Any

from counter_app.errors import UserFacingError
from counter_app.i18n import N_, SOURCE_LANGUAGE, _, _n, language
from counter_app.text import fold, nfc

UNIT_LABELS = {
    "working_days": "ngày làm việc",  # i18n: skip
    "working_hours": "giờ làm việc",  # i18n: skip
    "calendar_days": "ngày",  # i18n: skip
    "same_day": "trong ngày",  # i18n: skip
}
PAUSE_LABELS = {"pause": "tạm dừng", "restart": "tính lại từ đầu", "none": "không tạm dừng"}  # i18n: skip
ONLINE_LABELS = {"": "", "toan_trinh": "toàn trình", "mot_phan": "một phần"}  # i18n: skip

LOCAL_CODE_PREFIX = "XA."
"""Procedures without a known national code get "XA.<mã lĩnh vực>.<số thứ tự 3 chữ số>", e.g. XA.HT.008.

National CSDL TTHC codes always start with a digit ("1.001193"), so the prefix can never collide.
"""  # i18n: skip

UNCONFIRMED_TAG = "[chưa xác nhận]"  # i18n: skip
"""A legal basis ending with this tag means `unconfirmed` (how the flag is kept in the database)."""

_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._\-]{0,63}$")
_CUTOFF = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_PLAIN_INT = re.compile(r"^\d+$")
# "8.000" and "1.000.000" (Vietnamese), "8,000" (an English-locale spreadsheet): thousands groups only,
# so "8.5" stays an error instead of silently becoming 85.
_GROUPED_INT = re.compile(r"^\d{1,3}(?:\.\d{3})+$|^\d{1,3}(?:,\d{3})+$")
_CURRENCY_SUFFIXES = ("dong", "vnd", "d")


@dataclass(frozen=True)
class DocumentSpec:
    """One paper of a procedure's dossier (thành phần hồ sơ) and how many of each kind to hand in."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    copies: int = 0
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the document."""
        return {
            "name": self.name,
            "originals": self.originals,
            "certified_copies": self.certified_copies,
            "copies": self.copies,
            "required": self.required,
        }


@dataclass(frozen=True)
class ProcedureSpec:
    """One validated catalogue procedure, independent of the database and of the file format.

    `unconfirmed` marks test values not yet checked against the province's published decision.
    """

    code: str
    name: str
    field_code: str
    field_name: str
    deadline_amount: float
    deadline_unit: str
    cutoff: str | None = None
    pause_rule: str = "pause"
    deadline_note: str = ""
    fee_amount: int = 0
    fee_note: str = ""
    legal_basis: str = ""
    online_level: str = ""
    agency_in_charge: str = ""
    level: str = "xa"
    unconfirmed: bool = False
    documents: tuple[DocumentSpec, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the procedure (whole amounts written without a decimal point)."""
        amount = self.deadline_amount
        return {
            "code": self.code,
            "name": self.name,
            "field_code": self.field_code,
            "field_name": self.field_name,
            "level": self.level,
            "deadline_amount": int(amount) if amount == int(amount) else amount,
            "deadline_unit": self.deadline_unit,
            "cutoff": self.cutoff,
            "pause_rule": self.pause_rule,
            "deadline_note": self.deadline_note,
            "fee_amount": self.fee_amount,
            "fee_note": self.fee_note,
            "legal_basis": self.legal_basis,
            "online_level": self.online_level,
            "agency_in_charge": self.agency_in_charge,
            "unconfirmed": self.unconfirmed,
            "documents": [doc.to_dict() for doc in self.documents],
        }


PROCEDURE_KEYS = tuple(f.name for f in fields(ProcedureSpec))
DOCUMENT_KEYS = tuple(f.name for f in fields(DocumentSpec))


@dataclass(frozen=True)
class RowProblem:
    """One bad value: the row (1-based; the spreadsheet row when `sheet` is set), code, field, reason."""

    row: int
    code: str
    field: str
    message: str
    sheet: str = ""

    def describe(self) -> str:
        """A Vietnamese line naming where the problem is, e.g. "Trang “Thủ tục”, dòng 5 (1.001193), …"."""
        if self.sheet:
            where = _("Trang “{sheet}”, dòng {row}").format(sheet=self.sheet, row=self.row)
        elif self.row:
            where = _("Thủ tục thứ {row}").format(row=self.row)
        else:
            where = _("Tệp")
        if self.code:
            where += f" ({self.code})"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class CatalogueError(UserFacingError):
    """A catalogue file or row set was refused as a whole; `problems` lists every bad row and field."""

    def __init__(self, problems: Sequence[RowProblem], *, message: str | None = None) -> None:
        self.problems = list(problems)
        if message is None:
            lines = "; ".join(p.describe() for p in self.problems)
            message = _n("Danh mục có {count} lỗi nên chưa nhập gì — {lines}", len(self.problems)).format(
                count=len(self.problems), lines=lines
            )
        super().__init__(message)


@dataclass(frozen=True)
class SourceLayout:
    """How to point at places in the user's file: sheet names, column labels and spreadsheet rows.

    `rows[i]` is the row of procedure i; `document_rows[i][j]` the row of its document j.
    """

    sheet: str
    document_sheet: str
    labels: Mapping[str, str]
    document_labels: Mapping[str, str]
    rows: Sequence[int]
    document_rows: Sequence[Sequence[int]]


class _Bad(Exception):
    """A value that cannot be used; the message is Vietnamese."""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(_("phải là văn bản"))
    return nfc(value)


def _required_text(value: object) -> str:
    text = _text(value)
    if not text:
        raise _Bad(_("bắt buộc, không được để trống"))
    return text


def _code(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Excel turns "2.000200" into the number 2.0002; guessing the lost zeros back is unsafe.
        raise _Bad(
            _("bị lưu thành số (Excel bỏ mất số 0); hãy định dạng cột là Văn bản (Text) rồi nhập lại mã")
        )
    code = _required_text(value)
    if not _CODE.match(code):
        raise _Bad(_("chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới; không có khoảng trắng"))
    return code


def _choice(value: object, labels: Mapping[str, str], aliases: Mapping[str, str], default: str | None) -> str:
    if _blank(value):
        if default is None:
            raise _Bad(_("bắt buộc, không được để trống"))
        return default
    if not isinstance(value, str):
        raise _Bad(_("phải là văn bản"))
    key = fold(value).replace("_", " ")
    table = {fold(k).replace("_", " "): k for k in labels}
    table.update({fold(v).replace("_", " "): k for k, v in labels.items() if v})
    table.update({fold(k): v for k, v in aliases.items()})
    if key not in table:
        allowed = ", ".join(f"“{v or k}”" for k, v in labels.items() if v or k)
        raise _Bad(
            _("“{nfc}” không hợp lệ; dùng một trong: {allowed}").format(nfc=nfc(value), allowed=allowed)
        )
    return table[key]


def parse_unit(value: object) -> str:
    """A deadline unit code from a code or its Vietnamese words ("ngày làm việc" → working_days)."""
    return _choice(
        value, UNIT_LABELS, {"ngay lich": "calendar_days", "ngay duong lich": "calendar_days"}, None
    )


def _pause(value: object) -> str:
    return _choice(value, PAUSE_LABELS, {"tinh lai": "restart", "khong": "none"}, "pause")


def _online(value: object) -> str:
    return _choice(value, ONLINE_LABELS, {"khong": ""}, "")


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _Bad(_("phải là một số"))
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))  # Vietnamese decimal comma: "0,5"
        except ValueError:
            raise _Bad(_("“{text}” không phải là số").format(text=value.strip())) from None
    else:
        raise _Bad(_("phải là một số"))
    if not math.isfinite(number) or number < 0:
        raise _Bad(_("phải là một số không âm"))
    return number


def _amount(value: object, unit: str | None) -> float:
    if unit is None:  # the unit is already reported; only say whether the number itself is usable
        return 0.0 if _blank(value) else _number(value)
    if unit == "same_day":
        if _blank(value) or _number(value) == 0:
            return 0.0
        raise _Bad(_("thủ tục trả trong ngày phải để trống thời hạn hoặc ghi 0"))
    if _blank(value):
        raise _Bad(_("bắt buộc, không được để trống"))
    number = _number(value)
    if number == 0:
        raise _Bad(_("phải lớn hơn 0 (chỉ thủ tục “trong ngày” mới có thời hạn 0)"))
    if unit == "calendar_days" and number != int(number):
        raise _Bad(_("thời hạn tính theo ngày (lịch) phải là số nguyên"))
    return number


def _cutoff(value: object) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, time | datetime):
        return f"{value.hour:02d}:{value.minute:02d}"
    if not isinstance(value, str):
        raise _Bad(_("phải có dạng GG:PP, ví dụ 15:00"))
    match = _CUTOFF.match(value.strip())
    if not match:
        raise _Bad(_("“{text}” không phải giờ hợp lệ (dạng GG:PP, ví dụ 15:00)").format(text=value.strip()))
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def parse_money(value: object) -> int:
    """A non-negative whole number of đồng from 8000, 8000.0, "8000", "8.000", "8.000đ" or "8.000 VND"."""
    if isinstance(value, bool):
        raise _Bad(_("phải là số tiền (đồng)"))
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise _Bad(_("phải là số nguyên đồng"))
        amount = int(value)
    elif isinstance(value, str):
        text = fold(value).replace(" ", "")
        for suffix in _CURRENCY_SUFFIXES:
            if text.endswith(suffix):
                text = text[: -len(suffix)]
                break
        if _PLAIN_INT.match(text):
            amount = int(text)
        elif _GROUPED_INT.match(text):
            amount = int(text.replace(".", "").replace(",", ""))
        else:
            raise _Bad(
                _("“{text}” không phải số tiền hợp lệ (ví dụ 8000 hoặc 8.000)").format(text=value.strip())
            )
    else:
        raise _Bad(_("phải là số tiền (đồng)"))
    if amount < 0:
        raise _Bad(_("không được âm"))
    return amount


def _fee(value: object) -> int:
    if _blank(value):
        raise _Bad(_("bắt buộc; ghi 0 nếu miễn phí"))
    return parse_money(value)


def _count(value: object) -> int:
    if _blank(value):
        return 0
    if isinstance(value, bool):
        raise _Bad(_("phải là số nguyên không âm"))
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, str) and _PLAIN_INT.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or value < 0:
        raise _Bad(_("phải là số nguyên không âm"))
    return value


_TRUE_WORDS = {"1", "x", "co", "true", "yes", "bat buoc"}
_FALSE_WORDS = {"0", "khong", "false", "no", "khong bat buoc"}


def parse_flag(value: object, default: bool) -> bool:
    """A yes/no cell: True/False, 1/0, "x", "có"/"không" (blank gives `default`)."""
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = fold(value)
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _Bad(_("phải là “có” hoặc “không”"))


class _Row:
    """Collects the problems of one raw row, naming places the way the user's file does."""

    def __init__(self, index: int, layout: SourceLayout | None, problems: list[RowProblem]) -> None:
        self.index = index
        self.layout = layout
        self.problems = problems
        self.code = ""
        self.ok = True

    def bad(self, key: str, message: str, document: int | None = None) -> None:
        self.ok = False
        layout = self.layout
        if layout is None:
            row, sheet = self.index + 1, ""
            label = key if document is None else f"documents[{document + 1}].{key}"
        elif document is None:
            row, sheet, label = layout.rows[self.index], layout.sheet, layout.labels.get(key, key)
        else:
            row = layout.document_rows[self.index][document]
            sheet, label = layout.document_sheet, layout.document_labels.get(key, key)
        self.problems.append(RowProblem(row, self.code, label, message, sheet))

    def take(
        self,
        raw: Mapping[str, object],
        key: str,
        parse: Callable[[object], Any],
        default: Any = None,
        document: int | None = None,
    ) -> Any:
        try:
            return parse(raw.get(key))
        except _Bad as exc:
            self.bad(key, str(exc), document)
            return default


def _document(row: _Row, raw: object, position: int) -> DocumentSpec | None:
    if not isinstance(raw, Mapping):
        row.bad("documents", _("giấy tờ thứ {value} phải là một đối tượng JSON").format(value=position + 1))
        return None
    for key in raw:
        if key not in DOCUMENT_KEYS:
            row.bad(str(key), _("trường không được hỗ trợ (gõ nhầm tên?)"), position)
    name = row.take(raw, "name", _required_text, "", position)
    counts = [row.take(raw, key, _count, 0, position) for key in ("originals", "certified_copies", "copies")]
    required = row.take(raw, "required", lambda v: parse_flag(v, True), True, position)
    return DocumentSpec(name, counts[0], counts[1], counts[2], required)


def _procedure(row: _Row, raw: Mapping[str, object]) -> ProcedureSpec | None:
    for key in raw:
        if key not in PROCEDURE_KEYS:
            row.bad(str(key), _("trường không được hỗ trợ (gõ nhầm tên?)"))
    unit = row.take(raw, "deadline_unit", parse_unit)
    raw_documents = raw.get("documents")
    documents: list[DocumentSpec | None] = []
    if raw_documents is not None and not isinstance(raw_documents, list):
        row.bad("documents", _("phải là một danh sách giấy tờ"))
    elif raw_documents:
        documents = [_document(row, item, i) for i, item in enumerate(raw_documents)]
    legal_basis: str = row.take(raw, "legal_basis", _text, "")
    unconfirmed: bool = row.take(raw, "unconfirmed", lambda v: parse_flag(v, False), False)
    if legal_basis.endswith(UNCONFIRMED_TAG):
        legal_basis, unconfirmed = legal_basis[: -len(UNCONFIRMED_TAG)].rstrip(), True
    spec = ProcedureSpec(
        code=row.code,
        name=row.take(raw, "name", _required_text, ""),
        field_code=row.take(raw, "field_code", _text, ""),
        field_name=row.take(raw, "field_name", _required_text, ""),
        level=row.take(raw, "level", _text, "") or "xa",
        deadline_amount=row.take(raw, "deadline_amount", lambda v: _amount(v, unit), 0.0),
        deadline_unit=unit or "",
        cutoff=row.take(raw, "cutoff", _cutoff),
        pause_rule=row.take(raw, "pause_rule", _pause, "pause"),
        deadline_note=row.take(raw, "deadline_note", _text, ""),
        fee_amount=row.take(raw, "fee_amount", _fee, 0),
        fee_note=row.take(raw, "fee_note", _text, ""),
        legal_basis=legal_basis,
        online_level=row.take(raw, "online_level", _online, ""),
        agency_in_charge=row.take(raw, "agency_in_charge", _text, ""),
        unconfirmed=unconfirmed,
        documents=tuple(d for d in documents if d is not None),
    )
    return spec if row.ok else None


def check_rows(
    raw: Sequence[object], layout: SourceLayout | None = None
) -> tuple[list[ProcedureSpec], list[RowProblem]]:
    """Check every row and field; return the good specs and ALL problems found (never stops early)."""
    problems: list[RowProblem] = []
    specs: list[ProcedureSpec] = []
    first_row_of: dict[str, int] = {}
    for index, item in enumerate(raw):
        row = _Row(index, layout, problems)
        if not isinstance(item, Mapping):
            row.bad("", _("mỗi thủ tục phải là một đối tượng JSON"))
            continue
        row.code = row.take(item, "code", _code, "")
        if row.code:
            key = row.code.upper()
            if key in first_row_of:
                where = layout.rows[first_row_of[key]] if layout else first_row_of[key] + 1
                row.bad(
                    "code",
                    (
                        _("mã thủ tục bị trùng (đã có ở dòng {where})")
                        if layout
                        else _("mã thủ tục bị trùng (đã có ở thủ tục thứ {where})")
                    ).format(where=where),
                )
            else:
                first_row_of[key] = index
        spec = _procedure(row, item)
        if spec is not None:
            specs.append(spec)
    return specs, problems


def validate_rows(raw: Sequence[object], layout: SourceLayout | None = None) -> list[ProcedureSpec]:
    """All rows as ProcedureSpecs, or CatalogueError naming every bad row and field (nothing partial)."""
    specs, problems = check_rows(raw, layout)
    if problems:
        raise CatalogueError(problems)
    return specs


def _in(text: str, form: bool) -> str:
    """`text` translated, or kept Vietnamese for an official form (printed in Vietnamese by law)."""
    return text if form else _(text)


def _vietnamese_numbers(form: bool) -> bool:
    return form or language() == SOURCE_LANGUAGE


def format_deadline(spec: ProcedureSpec, *, form: bool = False) -> str:
    """Deadline text: "5 ngày làm việc", "Trong ngày (sau 15:00 trả ngày làm việc tiếp theo)".

    In the interface language; `form=True` gives the Vietnamese of the official forms whatever it is.
    """
    if spec.deadline_unit == "same_day":
        if spec.cutoff is None:
            return _in(N_("Trong ngày"), form)
        return _in(N_("Trong ngày (sau {cutoff} trả ngày làm việc tiếp theo)"), form).format(
            cutoff=spec.cutoff
        )
    amount = f"{spec.deadline_amount:g}"
    if _vietnamese_numbers(form):
        amount = amount.replace(".", ",")  # Vietnamese decimal comma: "0,5"
    text = f"{amount} {_in(UNIT_LABELS.get(spec.deadline_unit, spec.deadline_unit), form)}"
    if spec.cutoff is not None:
        text += _in(N_(" (nhận sau {cutoff} tính từ ngày làm việc tiếp theo)"), form).format(
            cutoff=spec.cutoff
        )
    return text


def format_fee(amount: int, *, form: bool = False) -> str:
    """Money: 8000 → "8.000 đ", 0 → "Miễn phí" (`form=True`: Vietnamese whatever the language)."""
    if amount == 0:
        return _in(N_("Miễn phí"), form)
    digits = f"{amount:,}"
    if _vietnamese_numbers(form):
        digits = digits.replace(",", ".")
    return _in(N_("{amount} đ"), form).format(amount=digits)


def describe_fee(spec: ProcedureSpec) -> str:
    """The fee with its note, so a 0 that really means "set by the province" is not shown as free."""
    if not spec.fee_note:
        return format_fee(spec.fee_amount)
    if spec.fee_amount == 0:
        return spec.fee_note
    return f"{format_fee(spec.fee_amount)} ({spec.fee_note})"
