"""The periodic report (Mẫu 06a): every cell equals independent SQL, the exports hold them, the CLI agrees."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from counter_app.cli.admin import main
from counter_app.errors import UserFacingError
from counter_app.services import dossier_query, report_export, reports
from counter_app.services.counter_setup import load_identity
from counter_app.services.periods import Period
from counter_app.services.reports import COLUMNS, PeriodReport, ReportLine
from counter_app.storage.database import Database, open_database
from tests.db.supervisor_data import NOW_LOCAL, NOW_UTC, one, receive_cases, seed, sql, stamp

PERIODS = {
    "march_so_far": Period(date(2026, 3, 1), date(2026, 3, 31)),  # ends after now: counted up to now
    "february": Period(date(2026, 2, 1), date(2026, 2, 28)),
    "one_day": Period(date(2026, 3, 10), date(2026, 3, 10)),
    "year": Period(date(2025, 3, 12), date(2026, 3, 11)),
}
CLOSED = "(SELECT max(e.at) FROM dossier_events e WHERE e.dossier_id = d.id AND e.kind IN ('withdrawn', 'stopped'))"


@pytest.fixture(scope="module")
def data(pristine_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Database]]:
    path = tmp_path_factory.mktemp("reports") / "counter.db"
    shutil.copy(pristine_db, path)
    seed(path)
    receive_cases(path)
    database = open_database(path)
    yield path, database
    database.close()


def _bounds(period: Period) -> tuple[str, str]:
    start = datetime.combine(period.first, datetime.min.time())
    end = min(datetime.combine(period.last + timedelta(days=1), datetime.min.time()), NOW_LOCAL)
    return stamp(start), stamp(end)


def expected(path: Path, period: Period, group: str | None = None) -> dict[Any, dict[str, int]]:
    """Every column by independent SQL (date() in local time, closing events by subquery), per `group`."""
    f, t = _bounds(period)
    key = f"d.{group}" if group else "NULL"
    universe = (
        "d.status NOT IN (1, 3) AND d.received_at < :t AND (d.finished_at IS NULL OR d.finished_at >= :f) "
        f"AND (d.status NOT IN (7, 8) OR {CLOSED} >= :f)"
    )
    still_open = (
        f"(d.finished_at IS NULL OR d.finished_at >= :t) AND (d.status NOT IN (7, 8) OR {CLOSED} >= :t)"
    )
    settled = "d.finished_at >= :f AND d.finished_at < :t"
    day_f, day_a = "date(d.finished_at, '+7 hours')", "date(d.appointment_at, '+7 hours')"
    columns = {
        "carried": f"{universe} AND d.received_at < :f",
        "received_direct": f"{universe} AND d.received_at >= :f AND d.channel = 1",
        "received_online": f"{universe} AND d.received_at >= :f AND d.channel = 2",
        "received_post": f"{universe} AND d.received_at >= :f AND d.channel = 3",
        "settled_early": f"{settled} AND {day_f} < {day_a}",
        "settled_on_time": f"{settled} AND {day_f} = {day_a}",
        "settled_late": f"{settled} AND {day_f} > {day_a}",
        "in_progress_on_time": f"{universe} AND {still_open} AND (d.appointment_at IS NULL OR d.appointment_at >= :t)",
        "in_progress_late": f"{universe} AND {still_open} AND d.appointment_at < :t",
        "returned": f"d.status = 8 AND {CLOSED} >= :f AND {CLOSED} < :t",
        "withdrawn": f"d.status = 7 AND {CLOSED} >= :f AND {CLOSED} < :t",
    }
    found: dict[Any, dict[str, int]] = {}
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        for column, where in columns.items():
            for value, n in conn.execute(
                f"SELECT {key}, count(*) FROM dossiers d WHERE {where} GROUP BY 1", {"f": f, "t": t}
            ):
                found.setdefault(value, {})[column] = int(n)
    finally:
        conn.close()
    return found


def _line_counts(line: ReportLine) -> dict[str, int]:
    names = ("carried", "received_direct", "received_online", "received_post", "settled_early")
    names += (
        "settled_on_time",
        "settled_late",
        "in_progress_on_time",
        "in_progress_late",
        "returned",
        "withdrawn",
    )
    return {name: line.value(name) for name in names if line.value(name)}


@pytest.fixture(scope="module")
def made(data: tuple[Path, Database]) -> dict[str, PeriodReport]:
    _path, db = data
    with db.read() as session:
        return {name: reports.period_report(session, period, NOW_UTC) for name, period in PERIODS.items()}


@pytest.mark.parametrize("name", list(PERIODS))
def test_report_totals_equal_independent_sql(
    data: tuple[Path, Database], made: dict[str, PeriodReport], name: str
) -> None:
    path, _db = data
    report = made[name]
    assert _line_counts(report.total) == {k: v for k, v in expected(path, PERIODS[name])[None].items() if v}
    total = report.total
    assert total.total == total.settled + total.in_progress + total.returned + total.withdrawn
    assert total.settled_unclassified == 0


@pytest.mark.parametrize("name", ["march_so_far", "february"])
def test_report_breakdowns_equal_independent_sql(
    data: tuple[Path, Database], made: dict[str, PeriodReport], name: str
) -> None:
    path, _db = data
    report = made[name]
    by_procedure = expected(path, PERIODS[name], "procedure_id")
    assert {int(line.key): _line_counts(line) for line in report.by_procedure} == {
        k: {c: n for c, n in v.items() if n} for k, v in by_procedure.items() if any(v.values())
    }
    by_clerk = expected(path, PERIODS[name], "clerk_id")
    assert {line.key: _line_counts(line) for line in report.by_clerk} == {
        k: {c: n for c, n in v.items() if n} for k, v in by_clerk.items() if any(v.values())
    }
    field_total = sum(line.total for line in report.by_field)
    assert field_total == report.total.total == sum(line.total for line in report.by_clerk)


def test_report_has_every_kind_of_figure_in_march(made: dict[str, PeriodReport]) -> None:
    total = made["march_so_far"].total
    for column in ("carried", "received_online", "received_post", "settled_early", "settled_on_time"):
        assert total.value(column) > 0, column
    for column in ("settled_late", "in_progress_on_time", "in_progress_late", "returned", "withdrawn"):
        assert total.value(column) > 0, column
    assert made["march_so_far"].as_of_utc == NOW_UTC
    assert made["february"].as_of_local == datetime(2026, 3, 1)


@pytest.mark.parametrize("name", ["march_so_far", "one_day"])
def test_each_cell_lists_exactly_its_dossiers(
    data: tuple[Path, Database], made: dict[str, PeriodReport], name: str
) -> None:
    _path, db = data
    report = made[name]
    lines = [("total", report.total), ("procedure", report.by_procedure[0]), ("clerk", report.by_clerk[-1])]
    lines.append(("field", report.by_field[0]))
    with db.read() as session:
        for kind, line in lines:
            for column, _group, _title in COLUMNS:
                flt = reports.cell_filter(report, line, kind, column)
                if column == "total":
                    assert flt is None
                    continue
                assert flt is not None, column
                assert dossier_query.count(session, flt, now_utc=NOW_UTC) == line.value(column), (
                    kind,
                    column,
                )


def test_report_refuses_a_period_after_today_or_reversed(data: tuple[Path, Database]) -> None:
    _path, db = data
    with db.read() as session, pytest.raises(UserFacingError, match="sau hôm nay"):
        reports.period_report(session, Period(date(2026, 3, 12), date(2026, 3, 31)), NOW_UTC)
    with db.read() as session, pytest.raises(UserFacingError, match="Khoảng ngày không hợp lệ"):
        reports.period_report(session, Period(date(2026, 3, 5), date(2026, 3, 1)), NOW_UTC)


def test_xlsx_cells_hold_the_figures(
    data: tuple[Path, Database], made: dict[str, PeriodReport], tmp_path: Path
) -> None:
    path, db = data
    report = made["march_so_far"]
    with db.read() as session:
        identity = load_identity(session)
    target = tmp_path / "bao-cao.xlsx"
    report_export.export_xlsx(report, target, identity)
    book = load_workbook(target)
    assert book.sheetnames == ["Tong hop", "Theo thu tuc", "Theo can bo"]
    truth = expected(path, PERIODS["march_so_far"])[None]
    first = report_export.HEADER_ROW + 2
    for sheet_name, lines in (
        ("Tong hop", report.by_field),
        ("Theo thu tuc", report.by_procedure),
        ("Theo can bo", report.by_clerk),
    ):
        sheet = book[sheet_name]
        assert sheet.cell(row=1, column=1).value == reports.TITLE
        assert sheet.cell(row=report_export.HEADER_ROW + 1, column=3).value == "Kỳ trước chuyển sang"
        assert sheet.cell(row=first, column=1).value == "Tổng cộng"
        for index, (key, _group, _title) in enumerate(COLUMNS, start=2):
            cell = sheet.cell(row=first, column=index).value
            assert cell == report.total.value(key), (sheet_name, key)
            if key in truth:
                assert cell == truth[key]
        for offset, line in enumerate(lines, start=1):
            assert sheet.cell(row=first + offset, column=1).value == line.name
            assert [sheet.cell(row=first + offset, column=i).value for i in range(2, len(COLUMNS) + 2)] == [
                line.value(k) for k, _g, _t in COLUMNS
            ]
    assert book["Tong hop"]["A3"].value == "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026"


def test_pdf_shows_the_figures_in_vietnamese(
    data: tuple[Path, Database],
    made: dict[str, PeriodReport],
    pdf_text: Callable[[bytes], list[str]],
    rasterise: Callable[..., list[Any]],
    tmp_path: Path,
) -> None:
    _path, db = data
    report = made["february"]
    with db.read() as session:
        pdf = report_export.export_pdf(report, load_identity(session))
    pages = pdf_text(pdf)
    text = " ".join(pages)
    assert "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in pages[0]
    assert "Kỳ báo cáo: từ ngày 01/02/2026 đến ngày 28/02/2026" in pages[0]
    assert "Số liệu tính đến hết ngày 28/02/2026" in pages[0]
    assert "Theo cán bộ tiếp nhận" in text and "Lò Thị Ưng" in text
    total = report.total
    row = " ".join(f"{total.value(k):,}".replace(",", ".") for k, _g, _t in COLUMNS)
    assert f"Tổng cộng {row}" in pages[0]
    images = rasterise(pdf, dpi=60)
    assert images[0].width > images[0].height  # landscape A4
    images[0].save(tmp_path / "report-page1.png")


def test_cli_writes_the_workbook_and_prints_the_same_totals(
    data: tuple[Path, Database],
    made: dict[str, PeriodReport],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _db = data
    out = tmp_path / "thang-2.xlsx"
    args = ["report", "period", "--db", str(path), "--from", "2026-02-01", "--to", "2026-02-28"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == reports.report_json(made["february"])
    truth = expected(path, PERIODS["february"])[None]
    assert {k: v for k, v in printed["total"].items() if k in truth} == truth
    sheet = load_workbook(out)["Tong hop"]
    assert sheet.cell(row=report_export.HEADER_ROW + 2, column=2).value == printed["total"]["total"]
    assert main([*args, "--out", str(tmp_path / "thang-2.pdf")]) == 0
    assert (tmp_path / "thang-2.pdf").read_bytes().startswith(b"%PDF")
    assert "Đã xuất báo cáo" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "x.csv")]) == 1
    assert "đuôi .xlsx hoặc .pdf" in capsys.readouterr().err
    assert main([*args[:-4], "--from", "2026-02-10", "--to", "2026-02-01", "--json"]) == 1
    assert one(path, "SELECT count(*) FROM dossiers") > 0
    assert sql(path, "SELECT 1")  # the file is left usable
