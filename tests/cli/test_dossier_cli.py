"""counter-admin dossier show / transition: read a dossier with its history, move it, refusals exit non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import add_procedure

from counter_app.cli.admin import main


@pytest.fixture
def code(db_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    add_procedure(db_path, "T.CLI", "Thủ tục thử dòng lệnh")
    args = ["receive", "--db", str(db_path), "--procedure", "T.CLI", "--name", "Nguyễn Văn An"]
    assert main([*args, "--id-number", "001092012345"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def _run(db_path: Path, *args: str) -> int:
    return main(["dossier", args[0], "--db", str(db_path), *args[1:]])


def test_transition_then_show(db_path: Path, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(db_path, "transition", code, "--to", "processing", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["status_from"], result["status_to"], result["status_name"]) == (2, 4, "Đang xử lý")
    assert result["appointment_local"] is not None and result["version"] == 2

    args = ["--to", "supplement_requested", "--reason", "Thiếu giấy tờ"]
    assert _run(db_path, "transition", code, *args, "--missing", "Ảnh 4x6", "--missing", "Bản sao CCCD") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{code}: Yêu cầu bổ sung giấy tờ → Yêu cầu bổ sung giấy tờ")

    assert _run(db_path, "show", code) == 0
    out = capsys.readouterr().out
    assert "Trạng thái: Yêu cầu bổ sung giấy tờ" in out
    assert "Hẹn trả: tạm dừng / chưa có" in out
    assert "Chuyển xử lý → Đang xử lý (Dòng lệnh (counter-admin))" in out
    assert "Cần bổ sung: Ảnh 4x6; Bản sao CCCD" in out

    assert _run(db_path, "transition", code, "--to", "supplement_received") == 0
    capsys.readouterr()
    assert _run(db_path, "show", code, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == 4 and data["status_name"] == "Đang xử lý"
    assert data["appointment_local"] is not None and data["version"] == 4
    assert [t["kind"] for t in data["timeline"]] == [
        "received",
        "processing",
        "supplement_requested",
        "supplement_received",
    ]
    assert data["timeline"][3]["label"] == "Nhận hồ sơ bổ sung"


def test_refused_transition_exits_non_zero_with_the_reason(
    db_path: Path, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(db_path, "transition", code, "--to", "returned") == 1
    err = capsys.readouterr().err.strip()
    assert err == "Lỗi: Hồ sơ đang ở trạng thái «Được tiếp nhận»; không thể chuyển sang «Đã trả kết quả»."
    assert _run(db_path, "transition", code, "--to", "withdrawn") == 1
    assert "lý do công dân rút hồ sơ" in capsys.readouterr().err
    assert _run(db_path, "show", "000.00.31.H12-250101-9999") == 1
    assert "Không tìm thấy hồ sơ" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        _run(db_path, "transition", code, "--to", "archived")
    assert usage.value.code == 2
    assert _run(db_path, "show", code, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == 2 and data["version"] == 1 and len(data["timeline"]) == 1
