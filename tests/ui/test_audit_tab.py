"""The audit trail for the supervisor: the service, `counter-admin audit`, the XLSX/CSV and the tab."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from counter_app.cli.admin import main as admin_main
from counter_app.services import audit_trail, users
from counter_app.services.audit import append_audit
from counter_app.services.counter_setup import load_identity
from counter_app.storage.models import AuditEntry
from ui.context import AppContext
from ui.pages.supervisor.audit_tab import REFUSAL, AuditTab
from ui.tasks import TaskRunner


@pytest.fixture
def trail(db: Any, desk: Any) -> tuple[Any, Any, str]:
    """A clerk's sign-in, one intake, a setting change by a supervisor; returns (db, desk, supervisor id)."""
    fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with db.write() as session:
        boss = users.create_user(
            session, desk.clock, "lanhdao", "Trần Văn Lãnh", "supervisor", "mk-123456", policy=fast
        )
        append_audit(session, desk.clock, desk.clerk_id, "sign_in", "user", desk.clerk_id, {})
        append_audit(session, desk.clock, boss.id, "setting.change", "setting", "x", {"key": "a", "new": 1})
        append_audit(session, desk.clock, boss.id, "mystery_action", "thing", "1", {})
    desk.register(appointment=datetime(2026, 1, 12, 9, 0))
    return db, desk, boss.id


def test_page_filters_labels(trail: tuple[Any, Any, str]) -> None:
    db, _desk, _boss = trail
    with db.read() as session:
        everything = audit_trail.page(session, audit_trail.AuditFilter())
        mine = audit_trail.page(session, audit_trail.AuditFilter(user="lanhdao"))
        signins = audit_trail.page(session, audit_trail.AuditFilter(action="sign_in"))
        later = audit_trail.count(
            session, audit_trail.AuditFilter(date_from=everything[0].at_local.date().replace(year=2030))
        )
        assert audit_trail.chain_status(session) == (True, "Chuỗi nhật ký nguyên vẹn.")
    labels = {r.action: r.action_label for r in everything}
    assert labels["sign_in"] == "Đăng nhập"
    assert labels["setting.change"] == "Thay đổi cài đặt"
    assert labels["mystery_action"] == "mystery_action"  # unknown: raw
    assert {r.user_name for r in mine} == {"Trần Văn Lãnh"}
    assert [r.user_name for r in signins] == ["Lò Thị Ưng"]
    assert everything[0].id > everything[-1].id  # newest first
    assert later == 0
    assert f"{everything[0].at_local:%d/%m/%Y %H:%M}" == "05/01/2026 09:32"  # local time
    assert any(r.entity.startswith("Hồ sơ ") for r in everything)


def test_cli_list_and_export(trail: tuple[Any, Any, str], db_path: Path, tmp_path: Path, capsys: Any) -> None:
    db, _desk, _boss = trail
    db.close()
    assert admin_main(["audit", "list", "--db", str(db_path), "--action", "sign_in", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 1 and out["chain_intact"] is True
    assert out["rows"][0]["action_label"] == "Đăng nhập" and out["rows"][0]["user"] == "Lò Thị Ưng"
    assert admin_main(["audit", "list", "--db", str(db_path), "--user", "lanhdao"]) == 0
    text = capsys.readouterr().out
    assert "Chuỗi nhật ký nguyên vẹn." in text and "Thay đổi cài đặt" in text and "(2 / 2 dòng)" in text
    xlsx = tmp_path / "nk.xlsx"
    assert admin_main(["audit", "export", str(xlsx), "--db", str(db_path)]) == 0
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    assert [c.value for c in sheet[3]] == list(audit_trail.COLUMNS)
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert any(r[3] == "Đăng nhập" and r[2] == "Lò Thị Ưng" for r in rows)
    assert sheet.cell(row=4, column=2).number_format == "dd/mm/yyyy hh:mm"
    csv_file = tmp_path / "nk.csv"
    assert admin_main(["audit", "export", str(csv_file), "--db", str(db_path), "--action", "sign_in"]) == 0
    lines = csv_file.read_text("utf-8-sig").splitlines()
    assert lines[0].startswith("Số,Thời gian") and len(lines) == 2 and "Đăng nhập" in lines[1]
    assert admin_main(["audit", "export", str(tmp_path / "x.txt"), "--db", str(db_path)]) == 1
    capsys.readouterr()
    assert admin_main(["audit", "list", "--db", str(db_path), "--action", "audit_exported", "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["total"] == 2  # each export is audited
    assert exported["rows"][0]["action_label"] == "Xuất nhật ký kiểm toán"


def _ctx(db: Any, clock: Any, user_id: str, role: str) -> AppContext:
    with db.read() as session:
        identity = load_identity(session)
    return AppContext(
        db=db,
        runner=TaskRunner(synchronous=True),
        clock=clock,
        identity=identity,
        user_name="x",
        user_id=user_id,
        role=role,
    )


def test_tab_supervisor_and_clerk(qtbot: QtBot, trail: tuple[Any, Any, str], tmp_path: Path) -> None:
    db, desk, boss = trail
    tab = AuditTab(_ctx(db, desk.clock, boss, "supervisor"))
    qtbot.addWidget(tab)
    tab.resize(1150, 520)
    tab.show()
    qtbot.waitExposed(tab)
    tab.refresh()
    assert "Chuỗi nhật ký nguyên vẹn" in tab.chain.text()
    shown = {tab.model.rows[i].action_label for i in range(tab.model.rowCount())}
    assert {"Đăng nhập", "Thay đổi cài đặt", "mystery_action"} <= shown
    assert tab.model.data(tab.model.index(0, 1)) == "05/01/2026 09:32"
    Path("/tmp/m_shots").mkdir(exist_ok=True)
    tab.grab().save("/tmp/m_shots/audit.png")
    assert tab.export_to(tmp_path / "a.xlsx") is not None
    with db.read() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last is not None and last.action == "audit_exported" and last.user_id == boss
    clerk = AuditTab(_ctx(db, desk.clock, desk.clerk_id, "clerk"))
    qtbot.addWidget(clerk)
    clerk.show()
    clerk.refresh()
    assert clerk.refusal.isVisible() and clerk.refusal.text() == REFUSAL
    assert clerk.model.rowCount() == 0 and not clerk.export_button.isEnabled()


def test_tab_reads_on_the_database_worker_page_by_page(
    qtbot: QtBot, trail: tuple[Any, Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real (threaded) runner the GUI thread never opens a session; pages follow the buttons."""
    import threading

    db, desk, boss = trail
    with db.write() as session:
        for n in range(audit_trail.PAGE_SIZE + 30):
            append_audit(session, desk.clock, boss, "setting.change", "setting", f"k{n}", {"n": n})
    gui = threading.get_ident()
    readers: set[int] = set()
    read = db.read

    def watched_read() -> Any:
        readers.add(threading.get_ident())
        return read()

    runner = TaskRunner()
    ctx = _ctx(db, desk.clock, boss, "supervisor")
    ctx = AppContext(**{**ctx.__dict__, "runner": runner})
    monkeypatch.setattr(db, "read", watched_read)
    tab = AuditTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    qtbot.waitUntil(lambda: tab.model.rowCount() == audit_trail.PAGE_SIZE, timeout=10_000)
    assert "Chuỗi nhật ký nguyên vẹn" in tab.chain.text()
    total = tab.total
    assert total > audit_trail.PAGE_SIZE and tab.next_button.isEnabled() and not tab.prev_button.isEnabled()
    tab.next_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == total - audit_trail.PAGE_SIZE, timeout=10_000)
    assert tab.page_label.text() == f"Dòng {audit_trail.PAGE_SIZE + 1}–{total} / {total}"
    assert tab.prev_button.isEnabled() and not tab.next_button.isEnabled()
    runner.shutdown()
    assert readers and gui not in readers  # every read ran on the worker
