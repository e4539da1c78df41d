"""Official forms are legal documents: printed with the interface in English they read exactly as in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from conftest import Desk

from counter_app import i18n
from counter_app.printing import render_control_slip, render_receipt, render_stop_notice
from counter_app.services import forms, step_forms, workflow

Texts = Callable[[bytes], list[str]]

APPOINTMENT = datetime(2026, 1, 8, 9, 32)
HANDED_OVER = datetime(2026, 1, 5, 14, 5)
STOPPED = datetime(2026, 1, 6, 10, 0)
TU_PHAP = "Công chức Tư pháp - Hộ tịch"
STOP_REASON = "Có quyết định của Tòa án tạm đình chỉ việc giải quyết yêu cầu đăng ký kết hôn"


@pytest.fixture
def restore_language() -> Iterator[None]:
    yield
    i18n.set_language("vi")


def _move(desk: Desk, code: str, to: str, at: datetime, **kw: object) -> None:
    desk.clock.advance(
        max(timedelta(0), at - desk.clock.now_utc() - timedelta(hours=7)) + timedelta(minutes=1)
    )
    with desk.db.write() as session:
        workflow.transition(session, desk.clock, code, to, desk.clerk_id, at_local=at, **kw)  # type: ignore[arg-type]


def _render_all(desk: Desk, received: str, stopped: str) -> dict[str, bytes]:
    with desk.db.read() as session:
        return {
            "receipt": render_receipt(forms.receipt_data(session, received)),
            "control_slip": render_control_slip(forms.control_slip_data(session, received)),
            "stop_notice": render_stop_notice(step_forms.stop_notice_data(session, stopped)),
        }


def test_official_forms_print_identically_in_english(
    desk: Desk, pdf_text: Texts, restore_language: None
) -> None:
    received = desk.register("Nguyễn Thị Ánh", appointment=APPOINTMENT)  # 3 working days, 3.000 đ
    stopped = desk.register("Trần Thị Bình", appointment=APPOINTMENT, id_number="008186001235")
    _move(desk, received, "processing", HANDED_OVER, department=TU_PHAP)
    _move(desk, stopped, "processing", HANDED_OVER, department=TU_PHAP)
    _move(desk, stopped, "stopped", STOPPED, reason=STOP_REASON)

    vietnamese = {kind: pdf_text(pdf) for kind, pdf in _render_all(desk, received, stopped).items()}
    i18n.set_language("en")
    english = {kind: pdf_text(pdf) for kind, pdf in _render_all(desk, received, stopped).items()}

    assert "3 ngày làm việc" in vietnamese["receipt"][0]
    assert "Đã thu 3.000 đ" in vietnamese["receipt"][0]
    assert "Đang xử lý" in vietnamese["stop_notice"][0]  # the stage the dossier left, a status name
    for kind, pages in vietnamese.items():
        assert english[kind] == pages, kind
