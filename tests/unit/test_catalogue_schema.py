"""Catalogue rows: validation reports every problem; JSON and XLSX files round-trip exactly."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from counter_app.catalogue.json_io import read_json, write_json
from counter_app.catalogue.schema import (
    CatalogueError,
    DocumentSpec,
    ProcedureSpec,
    describe_fee,
    format_deadline,
    format_fee,
    validate_rows,
)
from counter_app.catalogue.xlsx_io import DOCUMENT_SHEET, PROCEDURE_SHEET, read_xlsx, write_xlsx
from counter_app.paths import resources_dir

BUILTIN = resources_dir() / "catalogue" / "procedures.json"


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "field_code": "HT",
        "field_name": "Hộ tịch",
        "deadline_amount": 0,
        "deadline_unit": "same_day",
        "cutoff": "15:00",
        "fee_amount": 0,
        "documents": [{"name": "Tờ khai đăng ký khai sinh", "originals": 1}],
    }
    row.update(changes)
    return row


def _problems(rows: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    with pytest.raises(CatalogueError) as caught:
        validate_rows(rows)
    return [(p.row, p.code, p.field) for p in caught.value.problems]


def test_validate_rows_minimal_row_gets_defaults() -> None:
    [spec] = validate_rows([_row()])
    assert spec == ProcedureSpec(
        code="1.001193",
        name="Đăng ký khai sinh",
        field_code="HT",
        field_name="Hộ tịch",
        deadline_amount=0.0,
        deadline_unit="same_day",
        cutoff="15:00",
        documents=(DocumentSpec("Tờ khai đăng ký khai sinh", originals=1),),
    )
    assert spec.pause_rule == "pause" and spec.level == "xa" and not spec.unconfirmed


def test_validate_rows_reports_every_bad_row_and_field_at_once() -> None:
    rows = [
        _row(),
        _row(code="2.000635", deadline_unit="tuần", fee_amount=-5),
        _row(code="1.001193", cutoff="25:00"),  # duplicate code too
        _row(code="XA.HT.001", name="  ", deadline_unit="working_days", deadline_amount=0, pause_rule="đợi"),
        _row(code="XA.HT.002", documents=[{"name": "Tờ khai", "originals": -1, "copies": "hai"}]),
    ]
    with pytest.raises(CatalogueError) as caught:
        validate_rows(rows)
    found = {(p.row, p.code, p.field) for p in caught.value.problems}
    assert found == {
        (2, "2.000635", "deadline_unit"),
        (2, "2.000635", "fee_amount"),
        (3, "1.001193", "code"),
        (3, "1.001193", "cutoff"),
        (4, "XA.HT.001", "name"),
        (4, "XA.HT.001", "deadline_amount"),
        (4, "XA.HT.001", "pause_rule"),
        (5, "XA.HT.002", "documents[1].originals"),
        (5, "XA.HT.002", "documents[1].copies"),
    }
    message = caught.value.message
    assert "9 lỗi" in message
    for row, _, field in found:
        assert f"Thủ tục thứ {row}" in message and field in message


def test_validate_rows_missing_required_fields_and_unknown_keys() -> None:
    row = _row(fee_amout=5)  # a typo must not silently drop the fee
    del row["fee_amount"], row["field_name"]
    assert set(_problems([row])) == {
        (1, "1.001193", "fee_amout"),
        (1, "1.001193", "fee_amount"),
        (1, "1.001193", "field_name"),
    }


@pytest.mark.parametrize(
    ("unit_text", "code"),
    [
        ("ngày làm việc", "working_days"),
        ("Ngay lam viec", "working_days"),
        ("giờ làm việc", "working_hours"),
        ("ngày", "calendar_days"),
        ("Trong ngày", "same_day"),
        ("calendar_days", "calendar_days"),
    ],
)
def test_validate_rows_accepts_vietnamese_unit_words(unit_text: str, code: str) -> None:
    amount = 0 if code == "same_day" else 5
    [spec] = validate_rows([_row(deadline_unit=unit_text, deadline_amount=amount)])
    assert spec.deadline_unit == code


@pytest.mark.parametrize(
    ("fee", "amount"),
    [(8000, 8000), ("8000", 8000), ("8.000", 8000), ("8.000đ", 8000), ("1.000.000 VND", 10**6)],
)
def test_validate_rows_accepts_spreadsheet_fee_forms(fee: object, amount: int) -> None:
    [spec] = validate_rows([_row(fee_amount=fee)])
    assert spec.fee_amount == amount


@pytest.mark.parametrize("fee", ["8.5", "8,50", -1, 1.5, True, "tám nghìn", ""])
def test_validate_rows_rejects_bad_fees(fee: object) -> None:
    assert _problems([_row(fee_amount=fee)]) == [(1, "1.001193", "fee_amount")]


def test_validate_rows_deadline_amount_rules() -> None:
    assert (
        validate_rows([_row(deadline_unit="working_days", deadline_amount="0,5")])[0].deadline_amount == 0.5
    )
    assert _problems([_row(deadline_amount=2)]) == [(1, "1.001193", "deadline_amount")]  # same_day
    assert _problems([_row(deadline_unit="calendar_days", deadline_amount=1.5)]) == [
        (1, "1.001193", "deadline_amount")
    ]
    assert _problems([_row(deadline_unit="working_days", deadline_amount=None)]) == [
        (1, "1.001193", "deadline_amount")
    ]


def test_validate_rows_normalises_cutoff_and_text() -> None:
    decomposed = unicodedata.normalize("NFD", "Đăng  ký khai sinh ")
    [spec] = validate_rows([_row(name=decomposed, cutoff="9:30")])
    assert spec.name == "Đăng ký khai sinh"
    assert unicodedata.is_normalized("NFC", spec.name)
    assert spec.cutoff == "09:30"


def test_validate_rows_refuses_code_mangled_into_a_number_by_excel() -> None:
    with pytest.raises(CatalogueError) as caught:
        validate_rows([_row(code=2.0002)])
    assert "Text" in caught.value.problems[0].message


def test_validate_rows_unconfirmed_tag_in_legal_basis_becomes_the_flag() -> None:
    [spec] = validate_rows([_row(legal_basis="Luật Hộ tịch 2014 [chưa xác nhận]")])
    assert spec.legal_basis == "Luật Hộ tịch 2014" and spec.unconfirmed


def test_format_deadline_in_vietnamese() -> None:
    base = validate_rows([_row()])[0]
    assert format_deadline(base) == "Trong ngày (sau 15:00 trả ngày làm việc tiếp theo)"
    days = ProcedureSpec("X", "X", "", "X", 5, "working_days")
    assert format_deadline(days) == "5 ngày làm việc"
    assert format_deadline(ProcedureSpec("X", "X", "", "X", 15, "calendar_days")) == "15 ngày"
    assert format_deadline(ProcedureSpec("X", "X", "", "X", 8, "working_hours")) == "8 giờ làm việc"
    assert format_deadline(ProcedureSpec("X", "X", "", "X", 0.5, "working_days")) == "0,5 ngày làm việc"


def test_format_fee_uses_dots_for_thousands() -> None:
    assert format_fee(8000) == "8.000 đ"
    assert format_fee(1_200_000) == "1.200.000 đ"
    assert format_fee(500) == "500 đ"
    assert format_fee(0) == "Miễn phí"
    province = ProcedureSpec("X", "X", "", "X", 3, "working_days", fee_note="Theo Nghị quyết HĐND tỉnh")
    assert describe_fee(province) == "Theo Nghị quyết HĐND tỉnh"


def test_builtin_catalogue_is_valid_and_complete() -> None:
    specs = read_json(BUILTIN)
    assert len(specs) >= 28
    codes = {spec.code for spec in specs}
    assert {"1.001193", "1.000894", "2.000635", "2.000815", "2.000908", "1.004873", "2.000200"} <= codes
    assert all(spec.documents for spec in specs)
    by_code = {spec.code: spec for spec in specs}
    assert by_code["2.000635"].fee_amount == 8000
    assert by_code["XA.XD.001"].deadline_unit == "calendar_days"
    assert by_code["1.001193"].cutoff == "15:00"
    assert any(spec.unconfirmed for spec in specs)


def test_json_round_trip_is_exact(tmp_path: Path) -> None:
    specs = read_json(BUILTIN)
    write_json(tmp_path / "c.json", specs, source="thử")
    assert read_json(tmp_path / "c.json") == specs


def test_json_reader_refuses_foreign_documents(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"format": "khác", "procedures": []}), encoding="utf-8")
    with pytest.raises(CatalogueError, match="không phải danh mục"):
        read_json(path)
    path.write_text("{ hỏng", encoding="utf-8")
    with pytest.raises(CatalogueError, match="dòng 1"):
        read_json(path)


def test_xlsx_round_trip_is_exact(tmp_path: Path) -> None:
    specs = read_json(BUILTIN)
    write_xlsx(tmp_path / "c.xlsx", specs)
    assert read_xlsx(tmp_path / "c.xlsx") == specs


def test_xlsx_problems_name_sheet_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    write_xlsx(path, read_json(BUILTIN)[:3])
    book = load_workbook(path)
    procedures, documents = book[PROCEDURE_SHEET], book[DOCUMENT_SHEET]
    procedures["G3"] = "tuần"  # Đơn vị thời hạn of procedure 2 (row 3)
    procedures["K4"] = "tám nghìn"  # Lệ phí of procedure 3 (row 4)
    documents["D2"] = -1  # Bản chính of the first paper
    documents.append(["9.999999", 1, "Giấy lạ", 1, 0, 0, "Có"])
    book.save(path)
    with pytest.raises(CatalogueError) as caught:
        read_xlsx(path)
    found = {(p.sheet, p.row, p.field) for p in caught.value.problems}
    last = documents.max_row
    assert found == {
        (PROCEDURE_SHEET, 3, "Đơn vị thời hạn"),
        (PROCEDURE_SHEET, 4, "Lệ phí (đồng)"),
        (DOCUMENT_SHEET, 2, "Bản chính"),
        (DOCUMENT_SHEET, last, "Mã thủ tục"),
    }
    assert f"Trang “{DOCUMENT_SHEET}”, dòng {last}" in caught.value.message


def test_xlsx_reader_accepts_hand_made_sheet_with_unit_words(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = PROCEDURE_SHEET
    sheet.append(
        ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Thời hạn", "Đơn vị thời hạn", "Giờ chốt", "Lệ phí (đồng)"]
    )
    sheet.append(
        ["2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", None, "trong ngày", "15:00", "8.000"]
    )
    sheet.append(
        ["XA.XD.001", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Hoạt động xây dựng", 15, "ngày", None, 50000]
    )
    papers = book.create_sheet(DOCUMENT_SHEET)
    papers.append(["mã thủ tục", "stt", "tên giấy tờ", "bản chính", "bản chứng thực", "bản sao", "bắt buộc"])
    papers.append(["XA.XD.001", 2, "Bản vẽ thiết kế", 2, None, None, "x"])
    papers.append(["XA.XD.001", 1, "Đơn đề nghị cấp giấy phép xây dựng", 1, 0, 0, None])
    book.save(tmp_path / "tay.xlsx")
    first, second = read_xlsx(tmp_path / "tay.xlsx")
    assert (first.deadline_unit, first.fee_amount, first.cutoff) == ("same_day", 8000, "15:00")
    assert (second.deadline_unit, second.deadline_amount) == ("calendar_days", 15)
    assert [d.name for d in second.documents] == ["Đơn đề nghị cấp giấy phép xây dựng", "Bản vẽ thiết kế"]
    assert second.documents[1].originals == 2 and second.documents[1].required
