"""Catalogue service on a real SQLite file: upsert by code, refusal leaves the DB as it was, search."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from counter_app.catalogue.schema import CatalogueError, DocumentSpec, ProcedureSpec
from counter_app.catalogue.service import (
    builtin_catalogue_path,
    export_catalogue,
    import_catalogue,
    list_procedures,
    load_builtin_catalogue,
    read_catalogue_file,
    search_procedures,
)
from counter_app.clock import FixedClock
from counter_app.storage.database import Database, create_database, open_database
from counter_app.storage.models import Applicant, Dossier, Procedure, ProcedureDocument

CLOCK = FixedClock(datetime(2026, 3, 2, 2, 0))

KHAI_SINH = ProcedureSpec(
    code="1.001193",
    name="Đăng ký khai sinh",
    field_code="HT",
    field_name="Hộ tịch",
    deadline_amount=0,
    deadline_unit="same_day",
    cutoff="15:00",
    fee_note="Miễn phí nếu đăng ký đúng hạn",
    unconfirmed=True,
    documents=(
        DocumentSpec("Tờ khai đăng ký khai sinh", originals=1),
        DocumentSpec("Giấy chứng sinh", originals=1),
    ),
)
TRICH_LUC = ProcedureSpec(
    code="2.000635",
    name="Cấp bản sao trích lục hộ tịch",
    field_code="HT",
    field_name="Hộ tịch",
    deadline_amount=0,
    deadline_unit="same_day",
    cutoff="15:00",
    fee_amount=8000,
    fee_note="8.000đ/bản",
    documents=(DocumentSpec("Tờ khai cấp bản sao trích lục hộ tịch", originals=1),),
)
GPXD = ProcedureSpec(
    code="XA.XD.001",
    name="Cấp giấy phép xây dựng nhà ở riêng lẻ",
    field_code="XD",
    field_name="Hoạt động xây dựng",
    deadline_amount=15,
    deadline_unit="calendar_days",
    fee_amount=50000,
)


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    """A freshly created counter database with an empty catalogue."""
    path = tmp_path / "catalogue.db"
    create_database(path)
    database = open_database(path)
    yield database
    database.close()


def _count(database: Database, model: type[Procedure] | type[ProcedureDocument]) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_import_catalogue_adds_then_reports_unchanged(empty_db: Database) -> None:
    with empty_db.write() as session:
        report = import_catalogue(session, [KHAI_SINH, TRICH_LUC], CLOCK)
    assert (report.added, report.updated, report.unchanged, report.deactivated) == (2, 0, 0, 0)
    with empty_db.write() as session:
        again = import_catalogue(session, [KHAI_SINH, TRICH_LUC], CLOCK)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    with empty_db.read() as session:
        assert export_catalogue(session) == [KHAI_SINH, TRICH_LUC]  # unconfirmed survives the database
        row = session.scalars(select(Procedure).where(Procedure.code == "1.001193")).one()
        assert row.name_fold == "dang ky khai sinh"
    assert _count(empty_db, ProcedureDocument) == 3


def test_reimport_updates_fields_and_replaces_documents_keeping_the_id(empty_db: Database) -> None:
    with empty_db.write() as session:
        import_catalogue(session, [KHAI_SINH, TRICH_LUC], CLOCK)
    with empty_db.read() as session:
        first_id = list_procedures(session)[1].id
    changed = dataclasses.replace(
        TRICH_LUC, fee_amount=10000, documents=(DocumentSpec("Tờ khai mới", originals=2, copies=1),)
    )
    with empty_db.write() as session:
        report = import_catalogue(session, [KHAI_SINH, changed], CLOCK)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    with empty_db.read() as session:
        entry = list_procedures(session)[1]
    assert entry.id == first_id and entry.spec == changed
    assert _count(empty_db, ProcedureDocument) == 3  # 2 + 1: the old paper is gone, not duplicated


def test_replace_deactivates_missing_procedures_but_never_deletes(empty_db: Database) -> None:
    with empty_db.write() as session:
        import_catalogue(session, [KHAI_SINH, TRICH_LUC, GPXD], CLOCK)
        procedure_id = session.scalars(select(Procedure.id).where(Procedure.code == "2.000635")).one()
        session.add(
            Applicant(
                id="a1", full_name="Nguyễn Văn An", name_fold="nguyen van an", created_at=CLOCK.now_utc()
            )
        )
        session.add(
            Dossier(
                id="d1",
                code="000.00.31.H12-260302-0001",
                procedure_id=procedure_id,
                applicant_id="a1",
                status=1,
                received_at=CLOCK.now_utc(),
                name_fold="nguyen van an",
                created_at=CLOCK.now_utc(),
                updated_at=CLOCK.now_utc(),
            )
        )
    with empty_db.write() as session:
        kept = import_catalogue(session, [KHAI_SINH], CLOCK)
    assert kept.deactivated == 0
    with empty_db.write() as session:
        report = import_catalogue(session, [KHAI_SINH], CLOCK, replace=True)
    assert (report.unchanged, report.deactivated) == (1, 2)
    assert _count(empty_db, Procedure) == 3
    with empty_db.read() as session:
        assert [e.spec.code for e in list_procedures(session)] == ["1.001193"]
        inactive = {e.spec.code: e.active for e in list_procedures(session, active_only=False)}
        assert inactive == {"1.001193": True, "2.000635": False, "XA.XD.001": False}
        assert session.get(Dossier, "d1") is not None
    with empty_db.write() as session:
        back = import_catalogue(session, [KHAI_SINH, TRICH_LUC], CLOCK)
    assert (back.updated, back.unchanged) == (1, 1)  # reactivated


def test_refused_file_leaves_database_unchanged(empty_db: Database, tmp_path: Path) -> None:
    with empty_db.write() as session:
        import_catalogue(session, [KHAI_SINH], CLOCK)
    good = dataclasses.replace(TRICH_LUC).to_dict()
    bad = GPXD.to_dict() | {"deadline_unit": "tuần", "fee_amount": "năm mươi nghìn"}
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"format": "counter-app.catalogue", "version": 1, "procedures": [good, bad]}),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError) as caught:
        read_catalogue_file(path)
    assert {(p.row, p.field) for p in caught.value.problems} == {(2, "deadline_unit"), (2, "fee_amount")}
    # Specs built by hand get the same checks, inside the transaction, before anything is written.
    duplicate = [TRICH_LUC, dataclasses.replace(TRICH_LUC, name="Bản trùng")]
    with pytest.raises(CatalogueError, match="trùng"), empty_db.write() as session:
        import_catalogue(session, duplicate, CLOCK)
    with empty_db.read() as session:
        assert export_catalogue(session) == [KHAI_SINH]


@pytest.mark.parametrize(
    "query",
    ["dang ky khai sinh", "khai sinh", "sinh khai", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "1.001193"],
)
def test_search_finds_without_diacritics_in_any_order(empty_db: Database, query: str) -> None:
    with empty_db.write() as session:
        import_catalogue(session, [TRICH_LUC, GPXD, KHAI_SINH], CLOCK)
    with empty_db.read() as session:
        results = search_procedures(session, query)
    assert results[0].spec.code == "1.001193"
    assert "2.000635" not in [r.spec.code for r in results]


def test_search_matches_field_and_code_and_excludes_inactive(empty_db: Database) -> None:
    with empty_db.write() as session:
        import_catalogue(session, [KHAI_SINH, TRICH_LUC, GPXD], CLOCK)
    with empty_db.read() as session:
        assert {r.spec.code for r in search_procedures(session, "ho tich")} == {"1.001193", "2.000635"}
        assert [r.spec.code for r in search_procedures(session, "xa.xd")] == ["XA.XD.001"]
        assert search_procedures(session, "khai sinh xay dung") == []
        assert len(search_procedures(session, "", limit=2)) == 2
    with empty_db.write() as session:
        import_catalogue(session, [TRICH_LUC, GPXD], CLOCK, replace=True)
    with empty_db.read() as session:
        assert search_procedures(session, "khai sinh") == []
        assert len(search_procedures(session, "khai sinh", active_only=False)) == 1


def test_load_builtin_catalogue_has_28_or_more_procedures_with_documents(empty_db: Database) -> None:
    with empty_db.write() as session:
        report = load_builtin_catalogue(session, CLOCK)
    assert report.added >= 28
    with empty_db.read() as session:
        entries = list_procedures(session)
        assert all(entry.spec.documents for entry in entries)
        assert export_catalogue(session) == read_catalogue_file(builtin_catalogue_path())
        assert search_procedures(session, "chung thuc ban sao")[0].spec.code == "2.000815"
    with empty_db.write() as session:
        assert load_builtin_catalogue(session, CLOCK).unchanged == report.added
