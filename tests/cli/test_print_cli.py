"""counter-admin print receipt|supplement|refusal|control-slip|apology: PDFs written to --out, one-line answers, reprint rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.cli.admin import main
from counter_app.services import forms, intake
from counter_app.storage.database import open_database
from counter_app.storage.models import AuditEntry

Texts = Callable[[bytes], list[str]]
PROCEDURE = "1.004873"  # built-in catalogue: Cấp Giấy xác nhận tình trạng hôn nhân
NAME = "Nguyễn Văn An"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "counter.db"
    init = [
        "init",
        "--db",
        str(path),
        "--agency-code",
        "000.00.31.H12",
        "--agency-name",
        "Trung tâm Phục vụ hành chính công xã Ỷ La",
        "--parent-name",
        "UBND xã Ỷ La",
        "--place",
        "Ỷ La",
    ]
    assert main(init) == 0
    return path


@pytest.fixture
def code(db_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    receive = ["receive", "--db", str(db_path), "--procedure", PROCEDURE, "--name", NAME]
    assert main([*receive, "--id-number", "001092012345"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_print_receipt_writes_the_pdf_and_confirms(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    out = tmp_path / "out" / "giay-hen.pdf"
    assert main(["print", "receipt", code, "--db", str(db_path), "--out", str(out)]) == 0
    line = _one_line(capsys.readouterr().out)
    assert line.startswith("Đã in giấy tiếp nhận hồ sơ") and code in line and str(out) in line
    pages = pdf_text(out.read_bytes())
    assert len(pages) == 2 and all(NAME in page and code in page for page in pages)
    day = code.split("-")[-2]  # yyMMdd of reception: the kept copy sits in forms/YYYY/MM
    kept = forms.forms_dir() / f"20{day[:2]}" / day[2:4] / f"{code}-giay-tiep-nhan.pdf"
    assert kept.read_bytes() == out.read_bytes()


def test_reprint_without_reason_names_the_option(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["print", "receipt", code, "--db", str(db_path)]
    assert main([*args, "--out", str(tmp_path / "1.pdf")]) == 0
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "2.pdf")]) == 1
    captured = capsys.readouterr()
    assert "--reason" in _one_line(captured.err) and captured.out == ""
    assert not (tmp_path / "2.pdf").exists()

    assert main([*args, "--out", str(tmp_path / "2.pdf"), "--reason", "Công dân làm mất giấy hẹn"]) == 0
    assert _one_line(capsys.readouterr().out).startswith("Đã in lại lần 1")
    assert (tmp_path / "2.pdf").is_file()
    database = open_database(db_path, lock=False)
    try:
        with database.read() as session:
            reprints = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "receipt_reprinted")
            ).all()
            assert len(reprints) == 1 and "Công dân làm mất giấy hẹn" in reprints[0].detail
    finally:
        database.close()


def test_print_receipt_of_an_unknown_code_fails_in_one_line(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    assert (
        main(["print", "receipt", "000.00.31.H12-200101-1001", "--db", str(db_path), "--out", str(out)]) == 1
    )
    assert "Không tìm thấy hồ sơ mã 000.00.31.H12-200101-1001" in _one_line(capsys.readouterr().err)
    assert not out.exists()


def test_print_supplement_lists_every_missing_paper(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    out = tmp_path / "bo-sung.pdf"
    args = ["print", "supplement", "--db", str(db_path), "--out", str(out), "--procedure", PROCEDURE]
    args += ["--name", NAME, "--missing", "Giấy chứng tử của vợ", "--missing", "Bản án ly hôn"]
    capsys.readouterr()
    assert main([*args, "--phone", "0912345678"]) == 0
    assert "2 giấy tờ" in _one_line(capsys.readouterr().out)
    text = " ".join(pdf_text(out.read_bytes()))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Giấy chứng tử của vợ" in text and "Bản án ly hôn" in text and "0912345678" in text


def test_print_supplement_without_missing_papers_is_refused(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bo-sung.pdf"
    args = ["print", "supplement", "--db", str(db_path), "--out", str(out), "--procedure", PROCEDURE]
    capsys.readouterr()
    assert main([*args, "--name", NAME]) == 1
    assert "giấy tờ cần bổ sung" in _one_line(capsys.readouterr().err)
    assert not out.exists()
    assert not list(forms.forms_dir().rglob("*.pdf"))


def test_print_refusal_carries_the_reason(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    out = tmp_path / "tu-choi.pdf"
    args = ["print", "refusal", "--db", str(db_path), "--out", str(out), "--procedure", PROCEDURE]
    capsys.readouterr()
    assert main([*args, "--name", NAME, "--reason", "Không thuộc thẩm quyền của xã."]) == 0
    assert _one_line(capsys.readouterr().out).startswith("Đã lập phiếu từ chối")
    text = " ".join(pdf_text(out.read_bytes()))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Không thuộc thẩm quyền của xã." in text


def test_print_refusal_of_an_unknown_procedure_fails(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tu-choi.pdf"
    args = ["print", "refusal", "--db", str(db_path), "--out", str(out), "--procedure", "9.999"]
    capsys.readouterr()
    assert main([*args, "--name", NAME, "--reason", "Lý do"]) == 1
    assert "Không có thủ tục mã 9.999" in _one_line(capsys.readouterr().err)


def _move(db_path: Path, code: str, *extra: str) -> None:
    assert main(["dossier", "transition", code, "--db", str(db_path), *extra]) == 0


def _later_appointment(db_path: Path, code: str) -> str:
    database = open_database(db_path, lock=False)
    try:
        with database.read() as session:
            due = intake.get_dossier_by_code(session, code).appointment_local
    finally:
        database.close()
    assert due is not None
    later = due + timedelta(days=1)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    return later.replace(hour=9, minute=0).strftime("%Y-%m-%dT%H:%M")


def test_print_control_slip_after_processing(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    _move(db_path, code, "--to", "processing")
    capsys.readouterr()
    out = tmp_path / "phieu-kiem-soat.pdf"
    assert main(["print", "control-slip", code, "--db", str(db_path), "--out", str(out)]) == 0
    line = _one_line(capsys.readouterr().out)
    assert line.startswith("Đã in phiếu kiểm soát hồ sơ") and code in line and str(out) in line
    text = " ".join(pdf_text(out.read_bytes()))
    assert code in text and NAME in text


def test_print_control_slip_of_an_unknown_code_fails(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    args = ["print", "control-slip", "000.00.31.H12-200101-1001", "--db", str(db_path), "--out", str(out)]
    assert main(args) == 1
    assert "Không tìm thấy hồ sơ" in _one_line(capsys.readouterr().err)
    assert not out.exists()


def test_print_apology_carries_the_extension_reason(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    later = _later_appointment(db_path, code)
    _move(db_path, code, "--to", "extended", "--reason", "Cần xác minh thêm", "--new-appointment", later)
    capsys.readouterr()
    out = tmp_path / "mau-04.pdf"
    assert main(["print", "apology", code, "--db", str(db_path), "--out", str(out)]) == 0
    line = _one_line(capsys.readouterr().out)
    assert line.startswith("Đã in phiếu xin lỗi") and code in line and str(out) in line
    text = " ".join(pdf_text(out.read_bytes()))
    assert "Cần xác minh thêm" in text and code in text


def test_print_apology_without_extension_is_refused(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mau-04.pdf"
    capsys.readouterr()
    assert main(["print", "apology", code, "--db", str(db_path), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "chưa được gia hạn" in _one_line(captured.err) and captured.out == ""
    assert not out.exists()
    assert not list(forms.forms_dir().rglob("*mau-04*.pdf"))


def test_print_supplement_of_a_dossier_in_processing(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    _move(db_path, code, "--to", "processing")
    _move(
        db_path,
        code,
        "--to",
        "supplement_requested",
        "--reason",
        "Bản sao chưa chứng thực",
        "--missing",
        "Bản sao Giấy khai sinh có chứng thực",
        "--missing",
        "Ảnh 4x6",
    )
    capsys.readouterr()
    out = tmp_path / "mau-02.pdf"
    assert main(["print", "supplement", code, "--db", str(db_path), "--out", str(out)]) == 0
    line = _one_line(capsys.readouterr().out)
    assert line.startswith("Đã in phiếu yêu cầu bổ sung (Mẫu 02) hồ sơ") and code in line
    text = " ".join(pdf_text(out.read_bytes()))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and f"Mã hồ sơ: {code}" in text
    assert "Bản sao Giấy khai sinh có chứng thực" in text and "Ảnh 4x6" in text
    assert "Lý do: Bản sao chưa chứng thực" in text and NAME in text


def test_print_supplement_needs_a_code_or_the_counter_options(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.pdf"
    capsys.readouterr()
    assert main(["print", "supplement", "--db", str(db_path), "--out", str(out), "--name", NAME]) == 1
    assert "Hãy ghi mã hồ sơ" in _one_line(capsys.readouterr().err)
    args = ["print", "supplement", code, "--db", str(db_path), "--out", str(out), "--procedure", PROCEDURE]
    assert main(args) == 1
    assert "hãy bỏ --procedure" in _one_line(capsys.readouterr().err)
    assert main(["print", "supplement", code, "--db", str(db_path), "--out", str(out)]) == 1
    assert "không có lần yêu cầu bổ sung này" in _one_line(capsys.readouterr().err)
    assert not out.exists()


def test_print_refusal_of_a_dossier_refused_after_processing(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    _move(db_path, code, "--to", "processing")
    _move(db_path, code, "--to", "refused", "--reason", "Không thuộc thẩm quyền của UBND xã")
    capsys.readouterr()
    out = tmp_path / "mau-03.pdf"
    assert main(["print", "refusal", code, "--db", str(db_path), "--out", str(out)]) == 0
    assert _one_line(capsys.readouterr().out).startswith("Đã in phiếu từ chối giải quyết (Mẫu 03) hồ sơ")
    text = " ".join(pdf_text(out.read_bytes()))
    assert "Không thuộc thẩm quyền của UBND xã" in text and f"Mã hồ sơ: {code}" in text


def test_print_stop_notice_only_after_a_stop(
    db_path: Path, code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], pdf_text: Texts
) -> None:
    out = tmp_path / "dung.pdf"
    capsys.readouterr()
    assert main(["print", "stop-notice", code, "--db", str(db_path), "--out", str(out)]) == 1
    assert "chưa dừng giải quyết" in _one_line(capsys.readouterr().err) and not out.exists()
    _move(db_path, code, "--to", "processing", "--department", "Công chức Tư pháp - Hộ tịch")
    _move(
        db_path,
        code,
        "--to",
        "stopped",
        "--reason",
        "Có quyết định dừng giải quyết của cơ quan có thẩm quyền",
    )
    capsys.readouterr()
    assert main(["print", "stop-notice", code, "--db", str(db_path), "--out", str(out)]) == 0
    assert _one_line(capsys.readouterr().out).startswith("Đã in thông báo dừng giải quyết hồ sơ")
    text = " ".join(pdf_text(out.read_bytes()))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text and "Tình trạng hồ sơ khi dừng: Đang xử lý." in text
    slip = tmp_path / "slip.pdf"
    assert main(["print", "control-slip", code, "--db", str(db_path), "--out", str(slip)]) == 0
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: Công chức Tư pháp - Hộ tịch" in " ".join(
        pdf_text(slip.read_bytes())
    )


def test_a_second_reprint_needs_a_supervisor_named_and_their_password(
    db_path: Path,
    code: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command-line account may reprint once right after the first print (a jam); after that a
    supervisor must approve with --approved-by, and a wrong password prints nothing."""
    import io

    from counter_app.clock import SystemClock
    from counter_app.services import users

    database = open_database(db_path, lock=False)
    try:
        with database.write() as session:
            users.create_user(
                session, SystemClock(), "lanhdao", "Phạm Quốc Việt", "supervisor", "mat-khau-456"
            )
    finally:
        database.close()
    args = ["print", "receipt", code, "--db", str(db_path), "--reason", "Công dân làm mất giấy hẹn"]
    assert main([*args[:5], "--out", str(tmp_path / "1.pdf")]) == 0
    assert main([*args, "--out", str(tmp_path / "2.pdf")]) == 0  # the jam right after printing
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "3.pdf")]) == 1
    assert "--approved-by" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "3.pdf").exists()

    approved = [*args, "--out", str(tmp_path / "3.pdf"), "--approved-by", "lanhdao", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO("sai-mat-khau\n"))
    assert main(approved) == 1
    assert not (tmp_path / "3.pdf").exists()
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-456\n"))
    assert main(approved) == 0
    assert _one_line(capsys.readouterr().out).startswith("Đã in lại lần 2")
    database = open_database(db_path, lock=False)
    try:
        with database.read() as session:
            actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    finally:
        database.close()
    assert actions[-3:] == ["reprint_requested", "reprint_approved", "receipt_reprinted"]
