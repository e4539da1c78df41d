"""counter-admin catalogue list/import/export, run in-process against real database files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from counter_app.catalogue.service import builtin_catalogue_path, read_catalogue_file
from counter_app.catalogue.xlsx_io import DOCUMENT_SHEET, PROCEDURE_SHEET
from counter_app.cli.admin import main

INIT = [
    "--agency-code",
    "000.00.31.H12",
    "--agency-name",
    "Trung tâm Phục vụ hành chính công xã Ỷ La",
    "--parent-name",
    "UBND xã Ỷ La",
    "--place",
    "Ỷ La",
]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNTER_APP_HOME", str(tmp_path / "home"))


def _new_db(path: Path, capsys: pytest.CaptureFixture[str], *, builtin: bool = True) -> Path:
    empty = [] if builtin else ["--empty-catalogue"]
    assert main(["init", "--db", str(path), *INIT, *empty]) == 0
    capsys.readouterr()
    return path


def _list(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["catalogue", "list", "--db", str(path), "--json"]) == 0
    data: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return data


def test_cli_catalogue_list_json_has_deadlines_and_fees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _new_db(tmp_path / "c.db", capsys)
    procedures = _list(path, capsys)
    assert len(procedures) >= 28
    by_code = {p["code"]: p for p in procedures}
    khai_sinh = by_code["1.001193"]
    assert (khai_sinh["deadline_unit"], khai_sinh["deadline_amount"], khai_sinh["cutoff"]) == (
        "same_day",
        0,
        "15:00",
    )
    assert khai_sinh["deadline_text"] == "Trong ngày (sau 15:00 trả ngày làm việc tiếp theo)"
    assert by_code["2.000635"]["fee_amount"] == 8000
    assert all(isinstance(p["id"], int) and p["documents"] for p in procedures)
    assert main(["catalogue", "list", "--db", str(path)]) == 0
    table = capsys.readouterr().out
    assert "Đăng ký khai sinh" in table and "8.000 đ" in table and "15 ngày" in table


def test_cli_catalogue_import_bad_xlsx_names_every_row_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _new_db(tmp_path / "c.db", capsys)
    before = _list(path, capsys)
    xlsx = tmp_path / "danh-muc.xlsx"
    assert main(["catalogue", "export", "--db", str(path), str(xlsx)]) == 0
    book = load_workbook(xlsx)
    book[PROCEDURE_SHEET]["B2"] = "Đăng ký khai sinh (đã sửa)"  # a valid change that must not be applied
    book[PROCEDURE_SHEET]["G5"] = "tuần"
    book[PROCEDURE_SHEET]["K7"] = "-3"
    book[DOCUMENT_SHEET]["F4"] = "hai"
    book.save(xlsx)
    capsys.readouterr()
    assert main(["catalogue", "import", "--db", str(path), str(xlsx)]) != 0
    err = capsys.readouterr().err
    assert "chưa nhập gì" in err
    for sheet, row, column in [
        (PROCEDURE_SHEET, 5, "Đơn vị thời hạn"),
        (PROCEDURE_SHEET, 7, "Lệ phí (đồng)"),
        (DOCUMENT_SHEET, 4, "Bản sao"),
    ]:
        assert f"Trang “{sheet}”, dòng {row}" in err and column in err
    assert _list(path, capsys) == before


@pytest.mark.parametrize("suffix", [".json", ".xlsx"])
def test_cli_catalogue_export_import_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    source = _new_db(tmp_path / "a.db", capsys)
    exported = tmp_path / f"danh-muc{suffix}"
    assert main(["catalogue", "export", "--db", str(source), str(exported)]) == 0
    assert read_catalogue_file(exported) == read_catalogue_file(builtin_catalogue_path())

    target = _new_db(tmp_path / "b.db", capsys, builtin=False)
    assert main(["catalogue", "import", "--db", str(target), str(exported), "--replace"]) == 0
    assert "Đã nhập" in capsys.readouterr().out
    again = tmp_path / f"lan-hai{suffix}"
    assert main(["catalogue", "export", "--db", str(target), str(again)]) == 0
    capsys.readouterr()
    assert read_catalogue_file(again) == read_catalogue_file(exported)
    strip_ids = [{k: v for k, v in p.items() if k != "id"} for p in _list(target, capsys)]
    assert strip_ids == [{k: v for k, v in p.items() if k != "id"} for p in _list(source, capsys)]


def test_cli_catalogue_import_rejects_unknown_extension(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _new_db(tmp_path / "c.db", capsys, builtin=False)
    other = tmp_path / "danh-muc.csv"
    other.write_text("Mã thủ tục,Tên thủ tục\n", encoding="utf-8")
    assert main(["catalogue", "import", "--db", str(path), str(other)]) != 0
    assert ".xlsx" in capsys.readouterr().err
    assert _list(path, capsys) == []


def test_cli_catalogue_import_is_audited_with_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from counter_app.catalogue.service import write_catalogue_file
    from counter_app.services.audit import verify_chain
    from counter_app.storage.database import open_database
    from counter_app.storage.models import AuditEntry

    path = _new_db(tmp_path / "a.db", capsys)
    first, second, *rest = read_catalogue_file(builtin_catalogue_path())
    changed = tmp_path / "moi.json"
    write_catalogue_file(changed, [replace(first, name=first.name + " (sửa đổi)"), *rest])
    assert main(["catalogue", "import", "--db", str(path), str(changed), "--replace"]) == 0
    assert "cập nhật 1" in capsys.readouterr().out
    db = open_database(path)
    try:
        with db.read() as session:
            entry = session.query(AuditEntry).filter_by(action="catalogue.import").one()
            assert entry.user_id is None  # the operator at the command line
            detail = json.loads(entry.detail)
            assert detail["source"] == "moi.json" and detail["replace"] is True
            assert (detail["added"], detail["updated"], detail["deactivated"]) == (0, 1, 1)
            assert detail["updated_codes"] == [first.code] and detail["deactivated_codes"] == [second.code]
            assert verify_chain(session) == []
    finally:
        db.close()
