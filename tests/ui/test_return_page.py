"""The "Trả kết quả" page: load by code, allowed actions only, walk a dossier to the hand-over, refusals."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app.clock import FixedClock, local_to_utc
from counter_app.errors import UserFacingError
from counter_app.services import appointment, forms, intake, reprints, users, workflow
from counter_app.services.forms import PrintedForm
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, DossierEvent, Procedure
from ui.app import build_window
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages.printing import reprint_approval_dialog
from ui.pages.result import ReturnPage
from ui.pages.result.page import SUPERVISOR_NEEDED
from ui.pages.supervisor.reprint_request import ReprintOutcome
from ui.scanner import PASSTHROUGH_PROPERTY

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIVED = datetime(2026, 1, 5, 9, 32)  # Monday, Vietnam time
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "return.png"
APPLICANT = "Phạm Thị Hương Giang"


@dataclass
class Setup:
    window: MainWindow
    page: ReturnPage
    clock: FixedClock
    code: str
    clerk_id: str
    errors: list[BaseException]
    asked: list[str]
    answers: dict[str, dict[str, Any] | None]
    previews: list[PrintedForm]
    reasons: list[str | None]


def _register(db: Database, clock: FixedClock) -> tuple[str, str]:
    with db.write() as session:
        clerk = users.create_user(session, clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST)
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        form = IntakeForm(
            procedure_id=procedure.id,
            full_name=APPLICANT,
            birth_date=date(1994, 7, 21),
            gender="nu",
            id_number="008194001234",
            phone="0912345678",
            address_street="Thôn Đồng Tâm",
            address_commune="Xã Ỷ La",
            address_province="Tỉnh Tuyên Quang",
            documents=tuple(
                DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                for d in procedure.documents
            ),
        )
        due = appointment.compute_appointment_for(session, procedure, RECEIVED)
        code = intake.register_dossier(session, clock, form, clerk.id, due, received_local=RECEIVED).code
        return code, clerk.id


@pytest.fixture
def s(qtbot: QtBot, db: Database) -> Iterator[Setup]:
    """The window on the return page, the clerk signed in, one dossier received 28 minutes ago."""
    clock = FixedClock(local_to_utc(RECEIVED))
    code, clerk_id = _register(db, clock)
    clock.advance(timedelta(minutes=28))
    window = build_window(db, synchronous=True)
    window.ctx.user_id, window.ctx.user_name, window.ctx.role = clerk_id, "Lò Thị Ưng", "clerk"
    window.ctx.clock = clock
    qtbot.addWidget(window)
    page = window.return_page
    assert isinstance(page, ReturnPage)
    errors: list[BaseException] = []
    asked: list[str] = []
    answers: dict[str, dict[str, Any] | None] = {}

    def fields(action: str, _loaded: object) -> dict[str, Any] | None:
        asked.append(action)
        return answers.get(action, {})

    page.error_hook = errors.append
    page.fields_hook = fields
    previews: list[PrintedForm] = []
    reasons: list[str | None] = []
    page.preview_hook = previews.append  # never the real (blocking) preview dialog
    page.reason_hook = lambda _title, _label: reasons.pop(0) if reasons else None
    window.nav.setCurrentRow(2)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    yield Setup(window, page, clock, code, clerk_id, errors, asked, answers, previews, reasons)
    assert not errors, errors  # no unexpected error ever reached a dialog


def _type_code(qtbot: QtBot, s: Setup) -> None:
    s.page.code_edit.setFocus()
    s.page.code_edit.clear()
    qtbot.keyClicks(s.page.code_edit, s.code)  # ASCII only
    qtbot.keyClick(s.page.code_edit, Qt.Key.Key_Return)
    assert s.page.loaded is not None and s.page.loaded.code == s.code


def _enabled(page: ReturnPage) -> set[str]:
    return {action for action, button in page.buttons.items() if button.isEnabled()}


def _row(db: Database, code: str) -> Dossier:
    with db.read() as session:
        row = session.scalar(select(Dossier).where(Dossier.code == code))
        assert row is not None
        session.expunge(row)
        return row


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(DossierEvent)) or 0)


def _step(s: Setup, action: str, minutes: int = 10) -> None:
    s.clock.advance(timedelta(minutes=minutes))
    s.page.buttons[action].click()


def test_code_field_has_focus_and_lets_scans_through(s: Setup) -> None:
    assert s.page.code_edit.property(PASSTHROUGH_PROPERTY) is True
    assert QApplication.focusWidget() is s.page.code_edit
    assert s.page.loaded is None
    assert _enabled(s.page) == set()


def test_typing_the_code_and_enter_loads_it_with_only_the_allowed_actions(qtbot: QtBot, s: Setup) -> None:
    _type_code(qtbot, s)
    summary = {key: label.text() for key, label in s.page.summary.items()}
    assert summary["code"] == s.code
    assert summary["applicant"].startswith(APPLICANT)
    assert summary["procedure"].startswith("1.004873 — ")
    assert summary["status"] == "Được tiếp nhận"
    assert summary["printed"] == "chưa in giấy tiếp nhận"
    assert summary["left"].startswith("Còn ")
    assert _enabled(s.page) == {"processing", "withdrawn", "refused", "extended"}
    assert not s.page.handover.return_button.isEnabled()
    assert s.page.timeline_table.rowCount() == 1
    assert s.page.timeline_table.item(0, 2).text() == "Tiếp nhận hồ sơ"


def test_every_action_has_a_mnemonic(s: Setup) -> None:
    for action, button in s.page.buttons.items():
        assert "&" in button.text(), action
        assert not button.shortcut().isEmpty(), action
    everything = [*s.page.buttons.values(), *s.page.print_buttons.values(), s.page.apology_prompt.button]
    everything += [s.page.handover.applicant_radio, s.page.handover.other_radio]
    for button in s.page.print_buttons.values():
        assert "&" in button.text() and not button.shortcut().isEmpty(), button.text()
    assert len({t[t.index("&") + 1].lower() for t in (b.text() for b in everything)}) == len(everything)


def test_unknown_code_is_said_on_the_status_line(qtbot: QtBot, s: Setup) -> None:
    s.page.code_edit.setFocus()
    qtbot.keyClicks(s.page.code_edit, "000.00.31.H12-260105-9999")
    qtbot.keyClick(s.page.code_edit, Qt.Key.Key_Return)
    assert "Không tìm thấy hồ sơ" in s.page.status.text()
    assert s.page.loaded is None and _enabled(s.page) == set()


def test_walk_to_the_hand_over_with_the_applicant_collecting(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    assert s.page.summary["status"].text() == "Đang xử lý"
    assert _enabled(s.page) == {
        "supplement_requested",
        "payment_requested",
        "result_ready",
        "withdrawn",
        "stopped",
        "refused",
        "extended",
    }
    _step(s, "result_ready")
    assert _enabled(s.page) == {"returned"}
    assert s.page.summary["left"].text() == "Có kết quả trước hạn"
    s.page.handover.fee.setValue(50_000)
    _step(s, "returned")
    assert s.page.summary["status"].text() == "Đã trả kết quả"
    assert s.page.handover.verdict.text() == "Đã trả kết quả — TRƯỚC HẠN"
    assert s.page.status.text() == "Đã trả kết quả (Trước hạn)."
    assert _enabled(s.page) == set()
    row = _row(db, s.code)
    assert row.status == 10 and row.returned_at is not None
    with db.read() as session:
        payload = json.loads(
            session.scalars(select(DossierEvent.payload).where(DossierEvent.kind == "returned")).one()
        )
    assert payload["collector_is_applicant"] is True
    assert payload["collector_name"] == APPLICANT
    assert payload["fee_collected"] == 50_000
    assert payload["timeliness"] == "truoc_han"


def test_another_person_collecting_needs_a_name_and_cccd(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    _step(s, "result_ready")
    panel = s.page.handover
    panel.other_radio.setChecked(True)
    before = _events(db)
    _step(s, "returned")
    assert panel.marks.message("collector_name") == "Hãy ghi họ tên người nhận thay"
    assert panel.marks.message("collector_id_number") == "Số CCCD gồm đúng 12 chữ số"
    assert "Thông tin chưa hợp lệ" in s.page.status.text()
    assert _events(db) == before and _row(db, s.code).status == 9
    panel.collector_name.setText("Phạm Văn Hưởng")  # setText: keyClicks aborts on Vietnamese letters
    panel.collector_id.setText("008062004321")
    _step(s, "returned")
    assert _row(db, s.code).status == 10
    with db.read() as session:
        payload = json.loads(
            session.scalars(select(DossierEvent.payload).where(DossierEvent.kind == "returned")).one()
        )
    assert (payload["collector_name"], payload["collector_id_number"]) == ("Phạm Văn Hưởng", "008062004321")
    assert payload["collector_is_applicant"] is False


def test_an_illegal_action_is_refused_by_the_core_and_changes_nothing(
    qtbot: QtBot, s: Setup, db: Database
) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    version, events = _row(db, s.code).version, _events(db)
    s.page.run_action("returned")  # the button is disabled; the core must refuse it anyway
    assert (
        s.page.status.text()
        == "Hồ sơ đang ở trạng thái «Đang xử lý»; không thể chuyển sang «Đã trả kết quả»."
    )
    row = _row(db, s.code)
    assert (row.status, row.version, row.returned_at) == (4, version, None)
    assert _events(db) == events
    assert s.page.summary["status"].text() == "Đang xử lý"


def test_supplement_request_then_receipt_moves_the_appointment(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    first = s.page.summary["appointment"].text()
    s.answers["supplement_requested"] = {
        "missing": ["Bản sao Giấy khai sinh có chứng thực"],
        "reason": "Thiếu giấy tờ chứng minh nhân thân",
    }
    _step(s, "supplement_requested")
    assert s.asked == ["processing", "supplement_requested"]
    assert s.page.summary["status"].text() == "Yêu cầu bổ sung giấy tờ"
    assert s.page.summary["left"].text() == "Tạm dừng chờ công dân bổ sung"
    assert _enabled(s.page) == {"supplement_received", "withdrawn", "stopped", "refused"}
    s.clock.advance(timedelta(days=1))  # Tuesday: the applicant comes back a working day later
    _step(s, "supplement_received")
    moved = s.page.summary["appointment"].text()
    assert moved != first
    assert s.page.status.text() == f"Đã thực hiện: Nhận hồ sơ bổ sung. Hẹn trả mới: {moved}."
    assert _row(db, s.code).status == 4


def test_supplement_request_without_missing_items_is_refused(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    _step(s, "processing")
    s.answers["supplement_requested"] = {"missing": [], "reason": ""}
    _step(s, "supplement_requested")
    text = s.page.status.text()
    assert text.startswith("Thông tin chưa hợp lệ: ") and "Mẫu 02" in text
    assert _row(db, s.code).status == 4


def test_a_cancelled_question_does_nothing(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    s.answers["withdrawn"] = None
    _step(s, "withdrawn")
    assert s.page.status.text() == "Đã hủy thao tác."
    assert _row(db, s.code).status == 2


def test_a_concurrent_change_is_reported_and_the_page_reloads(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    assert s.page.loaded is not None and s.page.loaded.status == 2
    s.clock.advance(timedelta(minutes=5))
    with db.write() as session:  # another counter moves it meanwhile
        workflow.transition(session, s.clock, s.code, "processing", s.clerk_id)
    version = _row(db, s.code).version
    s.answers["withdrawn"] = {"reason": "Công dân đổi ý, xin rút hồ sơ"}
    _step(s, "withdrawn")
    assert s.page.status.text() == "Hồ sơ vừa được người khác cập nhật; hãy tải lại."
    assert _row(db, s.code).version == version and _row(db, s.code).status == 4
    assert s.page.loaded is not None and s.page.loaded.version == version  # reloaded
    assert s.page.summary["status"].text() == "Đang xử lý"
    assert "result_ready" in _enabled(s.page)


def test_a_second_extension_says_a_supervisor_must_approve(qtbot: QtBot, s: Setup, db: Database) -> None:
    _type_code(qtbot, s)
    assert s.page.loaded is not None
    due = s.page.loaded.view.detail.appointment_local
    assert due is not None
    later = due + timedelta(days=1)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    s.answers["extended"] = {
        "new_appointment_local": later.replace(hour=9, minute=0),
        "reason": "Cần xác minh",
    }
    _step(s, "extended")
    assert s.page.status.text().startswith("Đã thực hiện: Gia hạn")
    s.answers["extended"] = {"new_appointment_local": later.replace(hour=10, minute=0), "reason": "Chưa xong"}
    _step(s, "extended")
    assert s.page.status.text().startswith(SUPERVISOR_NEEDED)
    with db.read() as session:
        assert session.scalar(select(func.count()).where(DossierEvent.kind == "extended")) == 1


def test_return_screenshot(qtbot: QtBot, s: Setup) -> None:
    """SAVE_SCREENSHOTS=1 writes docs/img/return.png (the page after a hand-over) in the app's font."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saving = bool(os.environ.get("SAVE_SCREENSHOTS"))
    old_font = app.font()
    if saving:
        install_fonts(app)
    try:
        s.window.resize(1280, 800)
        _type_code(qtbot, s)
        _step(s, "processing")
        s.clock.advance(timedelta(days=1, hours=2))
        _step(s, "result_ready")
        s.page.handover.other_radio.setChecked(True)
        s.page.handover.collector_name.setText("Phạm Văn Hưởng")
        s.page.handover.collector_id.setText("008062004321")
        s.page.handover.fee.setValue(50_000)
        s.clock.advance(timedelta(hours=3))
        _step(s, "returned")
        assert "Đã trả kết quả" in s.page.handover.verdict.text()
        assert s.page.summary["left"].text() == "Hoàn thành trước hạn"
        assert s.page.handover.verdict_note.text() == "Người nhận: Phạm Văn Hưởng · Lệ phí thu sau: 50.000 đ"
        s.window.show_user()
        qtbot.wait(50)  # let the layouts take the new texts before grabbing
        for label in s.page.summary.values():  # nothing clipped: one full line, or wrapped onto more
            metrics = label.fontMetrics()
            fits = label.width() >= metrics.horizontalAdvance(label.text())
            assert fits or label.height() >= 2 * metrics.height(), label.text()
        image = s.window.grab()
        assert (image.width(), image.height()) == (1280, 800)
        if saving:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            assert image.save(str(SCREENSHOT))
    finally:
        app.setFont(old_font)


def test_a_scan_on_this_page_loads_the_dossier_here_wherever_the_focus_is(s: Setup) -> None:
    now = [0.0]
    s.window.scanner.clock = lambda: now[0]
    other = s.page.timeline_table  # focus away from the code field
    other.setFocus()
    assert QApplication.focusWidget() is other
    for char in s.code:  # a scanner: one key every 5 ms, then Enter
        now[0] += 5
        QTest.keyClick(QApplication.focusWidget() or other, char)
    now[0] += 5
    QTest.keyClick(QApplication.focusWidget() or other, Qt.Key.Key_Return)
    assert s.page.loaded is not None and s.page.loaded.code == s.code
    assert s.window.lookup.dialogs == {}  # no detail dialog: the return page took it


Texts = Callable[[bytes], list[str]]


def _extend(s: Setup, reason: str) -> None:
    assert s.page.loaded is not None
    due = s.page.loaded.view.detail.appointment_local
    assert due is not None
    later = due + timedelta(days=1)
    while later.weekday() >= 5:
        later += timedelta(days=1)
    s.answers["extended"] = {"new_appointment_local": later.replace(hour=9, minute=0), "reason": reason}
    _step(s, "extended")


def test_processing_prints_the_control_slip(qtbot: QtBot, s: Setup, db: Database, pdf_text: Texts) -> None:
    _type_code(qtbot, s)
    assert not s.page.print_buttons["control_slip"].isEnabled()
    _step(s, "processing")
    assert _row(db, s.code).status == 4
    assert len(s.previews) == 1
    slip = s.previews[0]
    assert slip.kind == "control_slip" and slip.path.is_file() and slip.path.read_bytes() == slip.pdf
    assert s.code in " ".join(pdf_text(slip.pdf))
    assert "Đã in Phiếu kiểm soát" in s.page.status.text()
    assert s.page.print_buttons["control_slip"].isEnabled()
    assert not s.page.print_buttons["apology"].isEnabled()

    s.page.print_buttons["control_slip"].click()  # printed again on demand
    assert len(s.previews) == 2 and s.previews[1].kind == "control_slip"
    assert s.page.status.text().startswith("Đã in Phiếu kiểm soát")


def test_a_failed_print_keeps_the_transition(
    qtbot: QtBot, s: Setup, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: object, _code: str) -> PrintedForm:
        raise UserFacingError("Máy in hết giấy.")

    monkeypatch.setattr(forms, "control_slip_pdf", broken)
    _type_code(qtbot, s)
    _step(s, "processing")
    assert _row(db, s.code).status == 4  # not undone
    text = s.page.status.text()
    assert "Đã thực hiện: Chuyển xử lý" in text and "Chưa in được Phiếu kiểm soát" in text
    assert "Máy in hết giấy" in text and "In lại phiếu kiểm soát" in text
    assert s.previews == []
    assert s.page.summary["status"].text() == "Đang xử lý"
    assert s.page.print_buttons["control_slip"].isEnabled()


def test_extension_prints_form_04_with_the_reason(
    qtbot: QtBot, s: Setup, db: Database, pdf_text: Texts
) -> None:
    _type_code(qtbot, s)
    assert not s.page.print_buttons["apology"].isEnabled()
    _extend(s, "Cần xác minh thêm tại thực địa")
    assert s.page.status.text().startswith("Đã thực hiện: Gia hạn")
    assert [p.kind for p in s.previews] == ["apology"]
    apology = s.previews[0]
    assert apology.path.is_file()
    text = " ".join(pdf_text(apology.pdf))
    assert "Cần xác minh thêm tại thực địa" in text and s.code in text
    assert s.page.print_buttons["apology"].isEnabled()
    s.page.print_buttons["apology"].click()
    assert [p.kind for p in s.previews] == ["apology", "apology"]


def test_reprinting_the_receipt_asks_a_reason_and_records_a_reprint(
    qtbot: QtBot, s: Setup, db: Database
) -> None:
    with db.write() as session:
        forms.print_receipt(session, s.clock, s.code, s.clerk_id)
    _type_code(qtbot, s)
    button = s.page.print_buttons["receipt"]
    assert button.isEnabled()
    button.click()  # no reason given: cancelled, nothing recorded
    assert s.page.status.text() == "Đã hủy in lại giấy tiếp nhận."
    assert s.previews == []
    s.reasons.append("Công dân làm mất giấy hẹn")
    button.click()
    assert [(p.kind, p.reprint) for p in s.previews] == [("receipt", True)]
    assert s.previews[0].path.is_file()
    assert s.page.status.text().startswith("Đã in lại Giấy tiếp nhận")
    with db.read() as session:
        kinds = session.scalars(select(DossierEvent.kind)).all()
    assert kinds.count("receipt_reprinted") == 1


def test_a_later_clerk_reprint_becomes_a_request_for_the_supervisor(
    qtbot: QtBot, s: Setup, db: Database
) -> None:
    """An hour after the first print the clerk alone cannot reprint: the request dialog opens with the
    reason, the request waits on the Giám sát page, and no second receipt exists yet."""
    with db.write() as session:
        forms.print_receipt(session, s.clock, s.code, s.clerk_id)
    s.clock.advance(timedelta(hours=1))
    _type_code(qtbot, s)

    def send_request(code: str, reason: str | None) -> ReprintOutcome | None:
        dialog = reprint_approval_dialog(s.page, s.window.ctx, code, reason)
        assert dialog.reason.text() == "Công dân làm mất giấy hẹn" and dialog.send.isChecked()
        dialog.submit()  # synchronous runner
        return dialog.outcome

    s.page.approval_hook = send_request
    s.reasons.append("Công dân làm mất giấy hẹn")
    s.page.print_buttons["receipt"].click()
    assert s.page.status.text() == (f"Đã gửi yêu cầu in lại hồ sơ {s.code}; lãnh đạo duyệt ở trang Giám sát.")
    assert s.previews == [] and s.errors == []
    with db.read() as session:
        kinds = session.scalars(select(DossierEvent.kind)).all()
        waiting = reprints.pending_requests(session, s.clock.now_utc())
    assert "receipt_reprinted" not in kinds
    assert [(r.code, r.reason) for r in waiting] == [(s.code, "Công dân làm mất giấy hẹn")]


def test_print_buttons_are_off_without_a_dossier_or_receipt(qtbot: QtBot, s: Setup) -> None:
    assert not any(b.isEnabled() for b in s.page.print_buttons.values())
    _type_code(qtbot, s)  # never printed: nothing to print again
    assert not any(b.isEnabled() for b in s.page.print_buttons.values())
