"""Over real HTTP with the real server process: enrol, push, pull, head, department, public page,
a clean restart, and SIGKILL in the middle of pushing (no partial op survives, retries converge)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from conftest import AGENCY
from live_server import LiveServer, start_server
from ops_factory import code_of, event, push_body, received
from sqlalchemy import create_engine, text

from counter_app.sync import protocol as p


@pytest.fixture
def live(tmp_path: Path, server_db_url: str) -> Iterator[LiveServer]:
    server = start_server(tmp_path, server_db_url)
    try:
        yield server
    finally:
        server.stop()


def _enrol(server: LiveServer, name: str = "Quầy 1") -> dict:
    code = server.create_counter(AGENCY, name, agency_name="Trung tâm Phục vụ hành chính công xã Ỷ La")
    resp = requests.post(f"{server.url}/api/v1/enrol", json={"code": code, "counter_uuid": name}, timeout=10)
    assert resp.status_code == 200 and resp.headers[p.PROTOCOL_HEADER] == "1"
    data = resp.json()
    data["headers"] = {"Authorization": f"Bearer {data['token']}"}
    return data


def test_live_sync_round_trip_department_and_public_page(live: LiveServer) -> None:
    head = requests.get(f"{live.url}/api/v1/sync/head", timeout=10)
    assert head.headers[p.PROTOCOL_HEADER] == "1"
    epoch = p.Head.from_json(head.json()).server_epoch
    counter = _enrol(live)
    code = code_of(AGENCY, 1, 1)
    rec = received(AGENCY, code, name="Lò Thị Ưng")
    ops = [rec, event(rec.entity_id, code, "processing", 2, 4)]
    resp = requests.post(
        f"{live.url}/api/v1/sync/push",
        json=push_body(counter["counter_id"], ops),
        headers=counter["headers"],
        timeout=30,
    )
    assert [r.result for r in p.PushResponse.from_json(resp.json()).results] == ["applied", "applied"]

    password = "mật khẩu cán bộ"
    added = live.cli(
        "admin",
        "users",
        "add",
        "can.bo",
        "--role",
        "officer",
        "--agency-code",
        AGENCY,
        "--full-name",
        "Hà Văn Cán",
        "--password-stdin",
        input=password + "\n",
    )
    assert added.returncode == 0, added.stderr
    moved = requests.post(
        f"{live.url}/api/v1/dept/dossiers/{code}/transition",
        json={"to": 9},
        auth=(b"can.bo", password.encode("utf-8")),
        timeout=10,
    )
    assert moved.status_code == 200, moved.text

    page = p.PullResponse.from_json(
        requests.get(
            f"{live.url}/api/v1/sync/pull",
            params={"since": 0, "epoch": epoch},
            headers=counter["headers"],
            timeout=10,
        ).json()
    )
    assert [c.seq for c in page.changes] == [1, 2, 3] and page.changes[-1].data["status"] == 9

    public = requests.get(f"{live.url}/tra-cuu/{code}", timeout=10)
    assert public.status_code == 200 and "L* T** Ư**" in public.text and "Đã xử lý xong" in public.text
    web = requests.get(f"{live.url}/dept", auth=(b"can.bo", password.encode("utf-8")), timeout=10)
    assert "Lò Thị Ưng" in web.text and "Đã xử lý xong" in web.text

    live.stop()
    live.start()  # a clean restart keeps everything
    again = requests.get(
        f"{live.url}/api/v1/sync/pull",
        params={"since": 0, "epoch": epoch},
        headers=counter["headers"],
        timeout=10,
    )
    assert len(again.json()["changes"]) == 3


def _invariants(db_url: str) -> dict[str, int]:
    """Counts, and every dossier has its change-log entry and its applied op (or the test fails)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            counts = {
                t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("dossiers", "dossier_events", "change_log", "applied_ops")
            }
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM dossiers d WHERE NOT EXISTS (SELECT 1 FROM change_log c WHERE c.seq = d.created_seq "
                    "AND c.entity_id = d.id) OR NOT EXISTS (SELECT 1 FROM applied_ops a WHERE a.server_seq = d.created_seq)"
                )
            ).scalar_one()
            last_seq = conn.execute(text("SELECT last_seq FROM server_meta")).scalar_one()
            max_seq = conn.execute(text("SELECT coalesce(max(seq), 0) FROM change_log")).scalar_one()
    finally:
        engine.dispose()
    assert orphans == 0
    assert last_seq == max_seq == counts["change_log"]
    assert counts["dossiers"] == counts["dossier_events"] == counts["change_log"] == counts["applied_ops"]
    return counts


@pytest.mark.slow
def test_live_sigkill_mid_batch_leaves_no_partial_op_and_retries_converge(live: LiveServer) -> None:
    counter = _enrol(live)
    batches = [
        [received(AGENCY, code_of(AGENCY, 1, n, date(2025, 1, 1) + timedelta(days=b))) for n in range(1, 401)]
        for b in range(6)
    ]
    bodies = [json.dumps(push_body(counter["counter_id"], ops)) for ops in batches]
    headers = {**counter["headers"], "Content-Type": "application/json"}
    sent: list[int] = []

    def pusher() -> None:
        for i, body in enumerate(bodies):
            try:
                requests.post(f"{live.url}/api/v1/sync/push", data=body, headers=headers, timeout=30)
                sent.append(i)
            except requests.RequestException:
                return

    thread = threading.Thread(target=pusher)
    thread.start()
    deadline = time.monotonic() + 30
    while not sent and time.monotonic() < deadline:  # let one batch land, then crash during the next
        time.sleep(0.01)
    time.sleep(0.05)
    live.kill()
    thread.join(timeout=60)
    assert len(sent) < len(bodies), "the server was not killed while pushing"

    crashed = _invariants(live.db_url)
    assert crashed["dossiers"] % 400 == 0  # whole batches only: no partial transaction survived

    live.start()
    results = []
    for body in bodies:  # the counter retries everything it has not seen acknowledged
        resp = requests.post(f"{live.url}/api/v1/sync/push", data=body, headers=headers, timeout=60)
        assert resp.status_code == 200
        results += [r["result"] for r in resp.json()["results"]]
    assert results.count("applied") + results.count("duplicate") == 2400
    assert results.count("duplicate") == crashed["dossiers"]
    assert _invariants(live.db_url)["dossiers"] == 2400
