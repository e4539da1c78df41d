"""Quản trị → Danh mục thủ tục: search without diacritics; an admin imports a file after a preview; export."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from counter_app.catalogue.json_io import catalogue_document
from counter_app.catalogue.schema import CatalogueError, DocumentSpec, ProcedureSpec
from counter_app.catalogue.service import export_catalogue, read_catalogue_file, write_catalogue_file
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry, Procedure
from tests.ui.signed_in import window_as
from ui.main_window import MainWindow
from ui.pages.catalogue_tab import CatalogueTab, ImportPreviewDialog

NEW = ProcedureSpec(
    code="2.002621",
    name="Đăng ký kết hôn lưu động",
    field_code="HT",
    field_name="Hộ tịch",
    deadline_amount=5,
    deadline_unit="working_days",
    documents=(DocumentSpec("Tờ khai đăng ký kết hôn", 1, 0, 0, True),),
)


def _tab(window: MainWindow) -> CatalogueTab:
    page = window.admin_page
    page.tabs.setCurrentWidget(page.catalogue_tab)
    page.refresh()
    return page.catalogue_tab


def _stored(db: Database) -> list[ProcedureSpec]:
    with db.read() as session:
        return export_catalogue(session)


def _names(tab: CatalogueTab) -> list[str]:
    return [tab.model.index(r, 1).data() for r in range(tab.model.rowCount())]


def test_search_finds_procedures_without_diacritics(qtbot: QtBot, db: Database) -> None:
    tab = _tab(window_as(qtbot, db, "clerk"))
    total = tab.model.rowCount()
    assert total > 10 and tab.count.text() == f"{total}/{total} thủ tục"
    tab.search.setText("dang ky khai sinh")
    names = _names(tab)
    assert "Đăng ký khai sinh" in names and "Đăng ký lại khai sinh" in names  # every word, any order
    assert all({"đăng", "ký", "khai", "sinh"} <= set(name.lower().replace(",", "").split()) for name in names)
    assert tab.count.text() == f"{len(names)}/{total} thủ tục"
    tab.search.setText("")
    assert tab.model.rowCount() == total
    assert not tab.import_button.isEnabled()  # a clerk reads the catalogue; only an admin imports


def test_admin_imports_after_a_preview_and_the_import_is_audited(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    window = window_as(qtbot, db, "admin")
    tab = _tab(window)
    before = _stored(db)
    first, *rest = before
    renamed = replace(first, name=first.name + " (sửa đổi theo Quyết định 15/QĐ-UBND)")
    path = tmp_path / "danh-muc-moi.json"
    write_catalogue_file(path, [renamed, *rest[:-1], NEW])  # one changed, the last left out, one new
    tab.import_from(path)
    dialog = tab.dialog
    assert isinstance(dialog, ImportPreviewDialog) and dialog.isVisible()
    assert "thêm mới 1, cập nhật 1" in dialog.summary.text()
    rows = [tuple(dialog.model.index(r, c).data() for c in range(3)) for r in range(dialog.model.rowCount())]
    assert rows == [("Thêm mới", NEW.code, NEW.name), ("Cập nhật", first.code, renamed.name)]
    assert _stored(db) == before  # the preview wrote nothing
    dialog.replace.setChecked(True)  # also stop the procedure missing from the file
    assert "Ngừng áp dụng 1." in dialog.summary.text()
    assert dialog.model.rowCount() == 3
    dialog.import_button.click()
    assert (
        tab.status.text()
        == f"Đã nhập danh mục: thêm mới 1, cập nhật 1, không đổi {len(rest) - 1}, ngừng áp dụng 1."
    )
    stored = {spec.code: spec for spec in _stored(db)}
    assert stored[first.code].name == renamed.name and NEW.code in stored
    assert rest[-1].code not in stored  # stopped, not deleted:
    with db.read() as session:
        assert session.query(Procedure).filter_by(code=rest[-1].code, active=False).count() == 1
        audit = session.query(AuditEntry).filter_by(action="catalogue.import").one()
        assert audit.user_id == window.ctx.user_id
        detail = json.loads(audit.detail)
        assert detail["source"] == path.name and detail["added_codes"] == [NEW.code]
    assert NEW.name in _names(tab)  # the table shows the new procedure at once
    tab.show_stopped.setChecked(True)
    assert f"{rest[-1].code} (ngừng)" in [tab.model.index(r, 0).data() for r in range(tab.model.rowCount())]


def test_a_file_with_errors_names_them_and_imports_nothing(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "open", lambda box: shown.append(box))
    tab = _tab(window_as(qtbot, db, "admin"))
    before = _stored(db)
    document = catalogue_document(before, source="thử")
    document["procedures"][0]["name"] = ""  # no name
    document["procedures"][2]["deadline_amount"] = -1  # a deadline below zero
    path = tmp_path / "danh-muc-loi.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as refused:
        read_catalogue_file(path)
    assert len(refused.value.problems) == 2
    tab.import_from(path)
    assert tab.status.text().startswith("Tệp có")
    assert "chưa nhập gì" in tab.status.text()
    assert tab.status.text() == "Tệp có 2 lỗi nên chưa nhập gì. Sửa tệp rồi nhập lại."
    assert shown and shown[0].detailedText().splitlines() == [p.describe() for p in refused.value.problems]
    assert before[2].code in shown[0].detailedText()
    assert _stored(db) == before


def test_export_writes_a_file_that_imports_back_identically(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    tab = _tab(window_as(qtbot, db, "admin"))
    path = tmp_path / "xuat.xlsx"
    tab.export_to(path)
    assert tab.status.text() == f"Đã xuất {len(_stored(db))} thủ tục ra {path}."
    assert read_catalogue_file(path) == _stored(db)


def test_a_file_that_is_not_a_catalogue_says_so_in_the_tab(
    qtbot: QtBot, db: Database, tmp_path: Path
) -> None:
    tab = _tab(window_as(qtbot, db, "admin"))
    path = tmp_path / "ghi-chu.json"
    path.write_text("{ không phải JSON", encoding="utf-8")
    tab.import_from(path)
    assert tab.status.text().startswith(f"Tệp {path} không phải JSON hợp lệ")
    assert not hasattr(tab, "dialog")
