"""Tests of the `deadline` and `calendar show` commands through a small argparse main."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from counter_app.deadlines import cli


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="counter-admin")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    return handler(args)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


@pytest.mark.parametrize(
    ("received", "days", "expected"),
    [
        ("2023-10-27T09:32", "5", "2023-11-03T09:32"),
        ("2025-01-20T10:00", "5", "2025-02-03T10:00"),
        ("2025-01-24T16:30", "3", "2025-02-05T16:30"),
        ("2025-04-25T08:15", "3", "2025-04-29T08:15"),
        ("2026-04-24T14:00", "3", "2026-05-04T14:00"),
        ("2026-02-13T17:45", "1", "2026-02-24T07:00"),
        ("2026-08-28T10:00", "2", "2026-09-04T10:00"),
        ("2026-11-23T09:00", "1", "2026-11-25T09:00"),
    ],
)
def test_cli_deadline_domain_vectors(
    capsys: pytest.CaptureFixture[str], received: str, days: str, expected: str
) -> None:
    code, lines, err = run(capsys, "deadline", "--received", received, "--days", days)
    assert (code, lines, err) == (0, [expected], "")


def test_cli_deadline_units_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "deadline", "--received", "2026-03-10T15:30", "--same-day")[1] == ["2026-03-11T17:00"]
    assert run(capsys, "deadline", "--received", "2026-03-10T15:30", "--same-day", "--cutoff", "16:00")[
        1
    ] == ["2026-03-10T17:00"]
    assert run(capsys, "deadline", "--received", "2026-03-13T16:00", "--hours", "2")[1] == [
        "2026-03-16T08:00"
    ]
    assert run(capsys, "deadline", "--received", "2026-04-21T10:00", "--calendar-days", "5")[1] == [
        "2026-04-28T10:00"
    ]
    assert run(capsys, "deadline", "--received", "2026-03-10T08:00", "--days", "0,5")[1] == [
        "2026-03-10T14:00"
    ]
    assert run(
        capsys, "deadline", "--received", "2026-03-13T10:00", "--days", "1", "--saturday-hours", "07:00-11:30"
    )[1] == ["2026-03-14T10:00"]
    assert run(
        capsys,
        "deadline",
        "--received",
        "2026-03-10T07:00",
        "--days",
        "1",
        "--working-hours",
        "07:30-11:30,13:30-17:00",
    )[1] == ["2026-03-11T07:30"]


def test_cli_deadline_explain_ends_with_the_appointment(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "deadline", "--received", "2026-02-13T17:45", "--days", "1", "--explain")
    assert code == 0
    assert lines[-1] == "2026-02-24T07:00"
    assert any("16/02/2026: Tết Nguyên Đán" in line for line in lines)
    assert lines[-2] == "Hẹn trả: T3 24/02/2026 07:00."


def test_cli_deadline_extra_calendar_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    extra = tmp_path / "bao.toml"
    extra.write_text('[[day]]\ndate = 2026-03-11\nkind = "off"\nname = "Nghỉ do bão"\n', encoding="utf-8")
    argv = ["deadline", "--received", "2026-03-10T09:00", "--days", "1"]
    assert run(capsys, *argv)[1] == ["2026-03-11T09:00"]
    assert run(capsys, *argv, "--calendar", str(extra))[1] == ["2026-03-12T09:00"]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--received", "10/03/2026 09:00", "--days", "1"], "thời điểm tiếp nhận"),
        (["--received", "2026-03-10T09:00+07:00", "--days", "1"], "múi giờ"),
        (["--received", "2026-03-10T09:00", "--days", "năm"], "--days cần một số"),
        (["--received", "2026-03-10T09:00", "--days", "-1"], "không âm"),
        (["--received", "2026-03-10T09:00", "--calendar-days", "1.5"], "số nguyên"),
        (["--received", "2026-03-10T09:00"], "cần chọn một thời hạn"),
        (["--received", "2026-03-10T09:00", "--same-day", "--cutoff", "3pm"], "giờ chốt"),
        (["--received", "2026-03-10T09:00", "--days", "1", "--working-hours", "17:00-07:00"], "giờ kết thúc"),
        (["--received", "2026-03-10T09:00", "--days", "1", "--calendar", "/khong/co.toml"], "không tìm thấy"),
    ],
)
def test_cli_deadline_bad_input_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, lines, err = run(capsys, "deadline", *argv)
    assert code == 2 and lines == []
    assert err.count("\n") == 1 and err.startswith("Lỗi: ")
    assert fragment in err


def test_cli_calendar_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "calendar", "show", "--year", "2026")
    assert code == 0
    assert "T2 16/02/2026  nghỉ    Tết Nguyên Đán" in lines
    assert "T7 22/08/2026  làm bù  Làm bù cho ngày 31/8/2026" in lines
    assert "T3 24/11/2026  nghỉ    Ngày Văn hóa Việt Nam" in lines
    assert lines == sorted(
        lines, key=lambda line: line.split()[1][6:] + line.split()[1][3:5] + line.split()[1][:2]
    )


def test_cli_calendar_show_json_and_extra_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    extra = tmp_path / "xa.toml"
    extra.write_text('[[day]]\ndate = 2026-03-11\nkind = "off"\nname = "Nghỉ do bão"\n', encoding="utf-8")
    code = main(["calendar", "show", "--year", "2026", "--json", "--calendar", str(extra)])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {
        "date": "2026-03-11",
        "weekday": "T4",
        "kind": "off",
        "name": "Nghỉ do bão",
        "legal_ref": "",
        "source": "xa.toml",
    } in rows
    assert any(r["date"] == "2026-08-22" and r["kind"] == "work" for r in rows)


@pytest.mark.parametrize("year", ["20x6", "1800"])
def test_cli_calendar_show_bad_year(capsys: pytest.CaptureFixture[str], year: str) -> None:
    code, lines, err = run(capsys, "calendar", "show", "--year", year)
    assert (code, lines) == (2, [])
    assert err.startswith("Lỗi: năm")


def test_cli_calendar_show_bad_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "sai.toml"
    bad.write_text('[[day]]\ndate = 2026-03-11\nkind = "nghi"\nname = "X"\n', encoding="utf-8")
    code, _, err = run(capsys, "calendar", "show", "--year", "2026", "--calendar", str(bad))
    assert code == 2
    assert 'Tệp lịch "sai.toml", mục [[day]] thứ 1, trường "kind"' in err
