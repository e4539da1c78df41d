"""counter-app --self-test, in process: every step passes offscreen; a failing step is the exit code."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot

from counter_app import selftest
from counter_app.paths import HOME_ENV
from ui.app import main


def test_self_test_passes_and_reports_in_vietnamese(qtbot: QtBot, capsys: pytest.CaptureFixture[str]) -> None:
    home = os.environ[HOME_ENV]
    assert main(["--self-test"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Tự kiểm tra counter-app")
    for title in (
        "Tài nguyên",
        "Thư viện",
        "Qt",
        "Cơ sở dữ liệu tạm",
        "Tính thời hạn",
        "Đọc mã vạch",
        "Giao diện",
    ):
        assert f". {title}:" in out
    assert "hẹn 09:32 24/02/2026" in out and "000.00.31.H12-260212-1001" in out
    assert out.rstrip().splitlines()[-1].startswith("KẾT QUẢ: ĐẠT")
    assert "[LỖI]" not in out
    assert os.environ[HOME_ENV] == home  # the scratch data directory was only borrowed


def test_a_failing_step_names_itself_and_is_the_exit_code(
    qtbot: QtBot, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selftest, "EXPECTED_APPOINTMENT", datetime(2026, 2, 13, 9, 32))
    assert main(["--self-test"]) == 6
    out = capsys.readouterr().out
    assert "[LỖI] 6. Tính thời hạn: hẹn 09:32 24/02/2026, đúng ra 09:32 13/02/2026" in out
    assert "In Giấy tiếp nhận" not in out  # later steps do not run
    assert "KẾT QUẢ: KHÔNG ĐẠT ở bước 6 (Tính thời hạn) — mã thoát 6" in out


def test_report_falls_back_to_ascii_on_a_narrow_console() -> None:
    import io

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252")
    selftest.write_line(stream, "[OK]  6. Tính thời hạn: nhận 09:32 → hẹn — Đạt")
    assert raw.getvalue().decode("cp1252").strip() == "[OK]  6. Tinh thoi han: nhan 09:32 ? hen - Dat"
