"""counter-central: counters and slots, users, stats, offline import, department transitions, backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import AGENCY, Api
from ops_factory import code_of, event, push_body, received

from central_server import cli
from counter_app.sync import protocol as p

REPO = Path(__file__).resolve().parents[2]


def run(
    url: str,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str | None = None,
    monkeypatch: Any = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        import io

        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main([*args, "--db", url])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_slots_are_never_silently_reused(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    url = api.db_url
    slots = []
    for n in range(1, 10):
        code, out, _ = run(
            url, capsys, "admin", "create-counter", "--agency-code", AGENCY, "--name", f"Quầy {n}", "--json"
        )
        assert code == 0
        slots.append(json.loads(out)["slot"])
    assert slots == list(range(1, 10))
    code, _, err = run(url, capsys, "admin", "create-counter", "--agency-code", AGENCY, "--name", "Quầy 10")
    assert code == 1 and "hết 9 slot" in err
    code, out, _ = run(url, capsys, "admin", "list-counters", "--json")
    first = json.loads(out)[0]
    code, _, err = run(
        url, capsys, "admin", "create-counter", "--agency-code", AGENCY, "--name", "X", "--slot", "1"
    )
    assert code == 1 and "Slot 1 đang thuộc quầy" in err
    assert run(url, capsys, "admin", "revoke-counter", first["id"])[0] == 0
    code, out, _ = run(
        url,
        capsys,
        "admin",
        "create-counter",
        "--agency-code",
        AGENCY,
        "--name",
        "Quầy mới",
        "--slot",
        "1",
        "--json",
    )
    assert code == 0 and json.loads(out)["slot"] == 1


def test_cli_users_add_list_disable(
    api: Api, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = api.db_url
    code, out, _ = run(
        url,
        capsys,
        "admin",
        "users",
        "add",
        "can.bo",
        "--role",
        "officer",
        "--agency-code",
        AGENCY,
        "--full-name",
        "Nguyễn Thị Cán Bộ",
        "--password-stdin",
        stdin="mật khẩu dài\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0
    assert api.client.get("/api/v1/dept/dossiers", auth=("can.bo", "mật khẩu dài")).status_code == 200
    code, out, _ = run(url, capsys, "admin", "users", "list", "--json")
    assert json.loads(out) == [
        {
            "username": "can.bo",
            "full_name": "Nguyễn Thị Cán Bộ",
            "role": "officer",
            "agency_code": AGENCY,
            "active": True,
            "created_at": json.loads(out)[0]["created_at"],
        }
    ]
    assert "password" not in out and "argon2" not in out
    assert run(url, capsys, "admin", "users", "disable", "can.bo")[0] == 0
    assert api.client.get("/api/v1/dept/dossiers", auth=("can.bo", "mật khẩu dài")).status_code == 401
    code, _, err = run(
        url,
        capsys,
        "admin",
        "users",
        "add",
        "ngan",
        "--role",
        "officer",
        "--agency-code",
        AGENCY,
        "--full-name",
        "A",
        "--password-stdin",
        stdin="123\n",
        monkeypatch=monkeypatch,
    )
    assert code == 1 and "ít nhất 8 ký tự" in err


def _signed_file(tmp_path: Path, counter: dict[str, Any], ops: list[p.WireOp]) -> Path:
    body = p.sign_outbox_file(counter["counter_id"], "2025-03-03T10:00:00", ops, counter["file_key"])
    path = tmp_path / "outbox.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_import_signed_file_twice_gives_duplicates(
    api: Api, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    counter = api.counter()
    rec = received(AGENCY, code_of(AGENCY, 1, 1))
    ops = [
        rec,
        event(rec.entity_id, code_of(AGENCY, 1, 1), "processing", 2, 4),
        received(AGENCY, code_of(AGENCY, 2, 1)),
    ]
    path = _signed_file(tmp_path, counter, ops)
    code, out, _ = run(api.db_url, capsys, "import", str(path))
    first = json.loads(out)
    assert code == 0 and [r["result"] for r in first["results"]] == ["applied", "applied", "rejected"]
    assert first["results"][2]["error"]["code"] == p.ERR_CODE_SLOT
    code, out, _ = run(api.db_url, capsys, "import", str(path))
    again = json.loads(out)
    assert [r["result"] for r in again["results"]] == ["duplicate", "duplicate", "rejected"]
    code, out, _ = run(api.db_url, capsys, "stats", "--json")
    stats = json.loads(out)
    assert stats["dossiers"] == 1 and stats["events"] == 2 and stats["change_log_head"] == 2


def test_cli_import_tampered_file_is_refused(
    api: Api, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    counter = api.counter()
    path = _signed_file(tmp_path, counter, [received(AGENCY, code_of(AGENCY, 1, 1), name="Lò Thị Ưng")])
    path.write_text(path.read_text(encoding="utf-8").replace('"seq": 1', '"seq": 2'), encoding="utf-8")
    code, out, err = run(api.db_url, capsys, "import", str(path))
    assert code == 1 and "chữ ký" in err and out == ""
    code, out, _ = run(api.db_url, capsys, "stats", "--json")
    assert json.loads(out)["dossiers"] == 0


def test_cli_stats_counts_what_was_pushed(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    counter = api.counter(name="Quầy một")
    ops = [received(AGENCY, code_of(AGENCY, 1, n)) for n in (1, 2, 3)]
    api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], ops), headers=counter["headers"]
    )
    api.client.get("/api/v1/sync/pull", headers=counter["headers"])
    _, out, _ = run(api.db_url, capsys, "stats", "--json")
    stats = json.loads(out)
    assert (stats["counters"], stats["counters_active"], stats["dossiers"], stats["events"]) == (1, 1, 3, 3)
    assert stats["change_log_head"] == 3 and stats["dossiers_by_status"] == {"2": 3}
    (desk,) = stats["per_counter"]
    assert desk["name"] == "Quầy một" and desk["dossiers"] == 3
    assert desk["last_push_at"] and desk["last_pull_at"]


def test_cli_dept_transition_with_roles(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    counter = api.counter()
    rec = received(AGENCY, code_of(AGENCY, 1, 1))
    code = code_of(AGENCY, 1, 1)
    ops = [rec, event(rec.entity_id, code, "processing", 2, 4)]
    api.client.post(
        "/api/v1/sync/push", json=push_body(counter["counter_id"], ops), headers=counter["headers"]
    )
    api.user("can.bo", "officer")
    status, _, err = run(
        api.db_url, capsys, "dept", "transition", code, "--to", "8", "--reason", "Sai", "--as", "can.bo"
    )
    assert status == 1 and "không được thực hiện" in err
    status, out, _ = run(api.db_url, capsys, "dept", "transition", code, "--to", "9", "--as", "can.bo")
    assert status == 0 and "Đang xử lý → Đã xử lý xong" in out
    status, _, err = run(api.db_url, capsys, "dept", "transition", "KHONG-CO", "--to", "9")
    assert status == 1 and "Không có hồ sơ" in err


def test_cli_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["admin", "create-counter", "--name", "X"])
    assert exc.value.code == 2


def test_cli_backup_and_restore_rotate_the_epoch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert run(url, capsys, "migrate")[0] == 0
    run(url, capsys, "admin", "create-counter", "--agency-code", AGENCY, "--name", "Quầy 1")
    before = json.loads(run(url, capsys, "stats", "--json")[1])
    assert run(url, capsys, "backup", str(tmp_path / "bk.db"))[0] == 0
    assert run(url, capsys, "backup", str(tmp_path / "bk.db"))[0] == 1  # never overwrites a backup
    run(url, capsys, "admin", "create-counter", "--agency-code", AGENCY, "--name", "Quầy 2")
    assert run(url, capsys, "restore", str(tmp_path / "bk.db"))[0] == 0
    after = json.loads(run(url, capsys, "stats", "--json")[1])
    assert after["counters"] == 1 and after["server_epoch"] != before["server_epoch"]
    (tmp_path / "junk.db").write_text("not a database")
    code, _, err = run(url, capsys, "restore", str(tmp_path / "junk.db"))
    assert code == 1 and "không phải bản sao lưu" in err


def test_cli_refuses_a_database_from_a_newer_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'central.db'}"
    run(url, capsys, "migrate")
    with sqlite3.connect(tmp_path / "central.db") as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    code, _, err = run(url, capsys, "stats", "--json")
    assert code == 1 and "mới hơn phần mềm" in err


def test_openapi_committed_file_is_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    """If this fails: .venv/bin/counter-central openapi > central_server/openapi.json"""
    assert cli.main(["openapi"]) == 0
    printed = capsys.readouterr().out
    committed = (REPO / "central_server" / "openapi.json").read_text(encoding="utf-8")
    assert printed == committed, "regenerate: counter-central openapi > central_server/openapi.json"
    doc = json.loads(committed)
    push = doc["paths"]["/api/v1/sync/push"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushRequest")
    assert "ops" in doc["components"]["schemas"]["PushRequest"]["properties"]
    pull = doc["paths"]["/api/v1/sync/pull"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert pull["$ref"].endswith("/PullResponse")
