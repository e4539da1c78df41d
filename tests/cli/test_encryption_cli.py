"""counter-admin encryption: status, enable, receive on the encrypted file, key export/import, disable."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.cli.admin import main
from counter_app.storage.fileinfo import FileKind, inspect_file
from tests.memkeyring import MemoryKeyring, memory_keyring

PASSPHRASE = "Cất ở tủ sắt phòng Văn hoá xã"


@pytest.fixture
def store() -> Iterator[MemoryKeyring]:
    with memory_keyring() as backend:
        yield backend


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def _receive(db_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    args = ["receive", "--db", str(db_path), "--procedure", "1.004873", "--name", "Nguyễn Thị Ánh"]
    return str(_json(capsys, *args, "--id-number", "008186001234", "--json")["code"])


def test_encryption_commands_end_to_end(
    store: MemoryKeyring,
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = str(db_path)
    assert _json(capsys, "encryption", "status", "--db", db, "--json")["encrypted"] is False
    first = _receive(db_path, capsys)

    assert main(["encryption", "enable", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Đã mã hoá" in out and "export-key" in out
    state = _json(capsys, "encryption", "status", "--db", db, "--json")
    assert state["encrypted"] is True and state["key_available"] is True
    assert inspect_file(db_path).kind is FileKind.ENCRYPTED
    second = _receive(db_path, capsys)  # the whole intake path on the encrypted file
    assert second != first
    report = _json(capsys, "verify", "--db", db, "--json")
    assert report["ok"] is True

    key_file = tmp_path / "counter.key"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
    assert main(["encryption", "export-key", str(key_file), "--db", db, "--passphrase-stdin"]) == 0
    assert key_file.exists()

    store.entries.clear()  # the counter PC was reinstalled
    assert main(["info", "--db", db]) == 1
    assert "không có trong kho khoá" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("mật khẩu sai rồi nhé\n"))
    assert main(["encryption", "import-key", str(key_file), "--db", db, "--passphrase-stdin"]) == 1
    assert "Sai mật khẩu" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
    assert main(["encryption", "import-key", str(key_file), "--db", db, "--passphrase-stdin"]) == 0
    assert "mở được trên máy này" in capsys.readouterr().out
    audit = _json(capsys, "verify", "--db", db, "--json")
    assert audit["ok"] is True

    assert main(["encryption", "disable", "--db", db]) == 0
    assert inspect_file(db_path).kind is FileKind.COUNTER
    assert _json(capsys, "encryption", "status", "--db", db, "--json")["encrypted"] is False
    assert main(["encryption", "disable", "--db", db]) == 1
    assert "chưa được mã hoá" in capsys.readouterr().err


def test_enable_twice_and_export_of_a_plain_database_are_refused(
    store: MemoryKeyring, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(db_path)
    assert main(["encryption", "export-key", str(tmp_path / "k"), "--db", db]) == 1
    assert "chưa được mã hoá" in capsys.readouterr().err
    assert main(["encryption", "enable", "--db", db, "--keep-plain"]) == 0
    assert "Bản CHƯA mã hoá được giữ" in capsys.readouterr().out
    assert main(["encryption", "enable", "--db", db]) == 1
    assert "đã được mã hoá" in capsys.readouterr().err
    assert len(store.entries) == 1
