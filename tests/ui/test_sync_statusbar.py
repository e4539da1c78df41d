"""The status bar's sync words without a server: every state has its text, and green is never false."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from counter_app.storage.database import Database
from counter_app.sync.status import DossierSyncState, QueueStatus
from counter_app.sync.worker import WorkerStatus
from ui.app import build_window
from ui.sync_bridge import SyncSnapshot, describe, relative_time
from ui.sync_status import SYNC_NOW_SHORTCUT, sync_cell_text

NOW = datetime(2026, 3, 16, 7, 0)  # naive UTC = 14:00 in Vietnam
OK = QueueStatus(
    enrolled=True,
    server_url="https://motcua.tinh.gov.vn",
    counter_name="Quầy 1",
    depth=0,
    oldest_pending_at=None,
    last_success_at=NOW - timedelta(minutes=2),
    last_attempt_at=NOW - timedelta(minutes=2),
    last_error="",
    last_error_kind="",
    next_attempt_at=None,
    consecutive_failures=0,
    skew_seconds=1.0,
    skew_warning=None,
    conflicts_open=0,
    pull_cursor=10,
)


def _view(queue: QueueStatus, **kw: object) -> tuple[str, str]:
    view = describe(SyncSnapshot(queue, **kw), NOW)  # type: ignore[arg-type]
    return view.kind, view.text


def test_sync_statusbar_texts_of_every_state() -> None:
    assert _view(OK) == ("synced", "Đã đồng bộ")
    assert _view(replace(OK, depth=3)) == ("pending", "Đang chờ gửi 3")
    offline = replace(OK, depth=2, last_error="Không kết nối được", last_error_kind="transient")
    assert _view(replace(offline, next_attempt_at=NOW + timedelta(minutes=5))) == (
        "offline",
        "Mất kết nối — thử lại lúc 14:05 · chờ gửi 2",
    )
    assert _view(replace(OK, conflicts_open=2)) == ("conflicts", "Cần xử lý: 2 xung đột")
    assert _view(replace(OK, enrolled=False, server_url="")) == (
        "standalone",
        "Quầy chưa đăng ký đồng bộ (làm việc độc lập)",
    )
    assert _view(OK, stalled=True)[0] == "stalled"
    assert _view(OK, stalled=True)[1].startswith("Đồng bộ bị treo")
    fatal = replace(OK, last_error="Quầy đã bị thu hồi", last_error_kind="fatal")
    assert _view(fatal) == ("stopped", "Đã dừng đồng bộ: Quầy đã bị thu hồi")
    assert _view(replace(OK, last_success_at=None))[0] == "never"


@pytest.mark.parametrize(
    "queue",
    [
        replace(OK, depth=1),
        replace(OK, last_success_at=NOW - timedelta(hours=2)),  # no recent success: not green
        replace(OK, last_error="Hết thời gian chờ", last_error_kind="transient"),
        replace(OK, conflicts_open=1),
        replace(OK, last_success_at=None),
        replace(OK, enrolled=False),
    ],
)
def test_sync_statusbar_never_a_false_green(queue: QueueStatus) -> None:
    assert describe(SyncSnapshot(queue), NOW).kind != "synced"


def test_sync_statusbar_relative_time_and_skew() -> None:
    assert relative_time(None, NOW) == "chưa lần nào"
    assert relative_time(NOW - timedelta(seconds=20), NOW) == "vừa xong"
    assert relative_time(NOW - timedelta(minutes=7), NOW) == "7 phút trước"
    assert relative_time(NOW - timedelta(hours=3), NOW) == "3 giờ trước"
    assert relative_time(NOW - timedelta(days=2), NOW) == "2 ngày trước"
    skewed = describe(SyncSnapshot(replace(OK, skew_warning="Đồng hồ máy tính đang chậm khoảng 9 phút")), NOW)
    assert skewed.skew and "chậm" in skewed.skew
    stalled_then_ok = SyncSnapshot(OK, WorkerStatus("idle", "Đã đồng bộ"), stalled=False)
    assert describe(stalled_then_ok, NOW).kind == "synced"


def test_sync_statusbar_cell_texts() -> None:
    assert sync_cell_text(DossierSyncState("failed", "Gửi chưa được", "Hết thời gian chờ")) == (
        "Lỗi: Hết thời gian chờ"
    )
    assert sync_cell_text(DossierSyncState("local", "…")) == "Chỉ lưu tại quầy"
    assert sync_cell_text(DossierSyncState("synced", "…")) == "Đã đồng bộ"
    assert sync_cell_text(DossierSyncState("conflict", "…", "x")) == "Xung đột"
    assert sync_cell_text(DossierSyncState("rejected", "…", "x")) == "Bị từ chối"


def test_sync_statusbar_a_standalone_desk_says_so(qtbot: QtBot, db: Database) -> None:
    from counter_app.clock import SystemClock
    from counter_app.services import users

    fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
    with db.write() as session:
        clerk = users.create_user(
            session, SystemClock(), "tam", "Vũ Thị Tâm", "clerk", "mat-khau-123", policy=fast
        )
    window = build_window(db, synchronous=True, user=clerk)
    qtbot.addWidget(window)
    bar = window.status_sync
    assert bar.state_label.text() == "Quầy chưa đăng ký đồng bộ (làm việc độc lập)"
    assert not bar.sync_button.isEnabled() and not window.sync.running
    assert bar.sync_action.shortcut().toString() == SYNC_NOW_SHORTCUT
    # The list says where each dossier lives.
    assert window.dossier_page.model.HEADERS[-1] == "Đồng bộ"
