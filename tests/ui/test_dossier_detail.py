"""The read-only dossier detail: every field, papers, fees and the timeline (who, when, what)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app.clock import FixedClock, local_to_utc
from counter_app.services import forms, intake, step_forms, users, workflow
from counter_app.services.forms import PrintedForm
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, DossierEvent, Procedure, User
from ui.app import build_window
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages.dossier_detail import DossierDetailDialog
from ui.pages.printing import FORM_NAMES, reprint_approval_dialog
from ui.pages.supervisor.reprint_request import ReprintOutcome

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIVED = datetime(2026, 1, 5, 9, 32)  # Vietnam time
APPOINTMENT = datetime(2026, 1, 8, 9, 32)
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "dossier-detail.png"


@dataclass
class Saved:
    code: str
    clerk: str
    printer: str


def register_and_print(db: Database) -> Saved:
    """One realistic dossier received by one clerk, its receipt printed 4 minutes later by another."""
    clock = FixedClock(RECEIVED - timedelta(hours=7))
    with db.write() as session:
        clerk = users.create_user(session, clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST)
        other = users.create_user(session, clock, "dat", "Đinh Văn Đạt", "clerk", "mat-khau-123", policy=FAST)
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        form = IntakeForm(
            procedure_id=procedure.id,
            full_name="Phạm Thị Hương Giang",
            birth_date=date(1994, 7, 21),
            gender="nu",
            id_number="008194001234",
            phone="0912345678",
            email="giang.pham@example.vn",
            address_street="Thôn Đồng Tâm",
            address_commune="Xã Ỷ La",
            address_province="Tỉnh Tuyên Quang",
            submitter_name="Phạm Văn Hưởng",
            submitter_id_number="008062004321",
            authorisation_note="Giấy ủy quyền chứng thực ngày 02/01/2026",
            documents=tuple(
                DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                for d in procedure.documents
            ),
        )
        code = intake.register_dossier(session, clock, form, clerk.id, APPOINTMENT).code
    clock.advance(timedelta(minutes=4))
    with db.write() as session:
        forms.print_receipt(session, clock, code, other.id)
    return Saved(code, clerk.full_name, other.full_name)


@pytest.fixture
def saved(db: Database) -> Saved:
    return register_and_print(db)


def _open(qtbot: QtBot, db: Database, code: str) -> DossierDetailDialog:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    window.lookup.open_code(code)
    dialog = window.lookup.dialogs[code]
    qtbot.addWidget(dialog)
    return dialog


def test_detail_shows_every_field_of_the_dossier(qtbot: QtBot, db: Database, saved: Saved) -> None:
    dialog = _open(qtbot, db, saved.code)
    texts = dialog.texts()
    assert f"<h2>Hồ sơ {saved.code}</h2>" in texts
    assert dialog.windowTitle() == f"Hồ sơ {saved.code}"
    for expected in (
        "Phạm Thị Hương Giang",
        "21/07/1994",
        "Nữ",
        "008194001234",
        "0912345678",
        "giang.pham@example.vn",
        "Thôn Đồng Tâm, Xã Ỷ La, Tỉnh Tuyên Quang",
        "Phạm Văn Hưởng",
        "Giấy ủy quyền chứng thực ngày 02/01/2026",
        "09:32 05/01/2026",  # received
        "09:32 08/01/2026",  # appointment and printed appointment
        "Lò Thị Ưng",
        "Trực tiếp",
        "Nhận tại Bộ phận Một cửa",
    ):
        assert expected in texts, expected
    assert "<b>Trạng thái:</b> Được tiếp nhận" in texts
    assert any(t.startswith("1.004873 — ") for t in texts)
    assert texts.count("09:32 08/01/2026") >= 2
    assert dialog.documents_table.rowCount() >= 1
    assert dialog.documents_table.item(0, 5).text() == "Có"


def test_detail_timeline_lists_received_and_receipt_printed(qtbot: QtBot, db: Database, saved: Saved) -> None:
    dialog = _open(qtbot, db, saved.code)
    table = dialog.timeline_table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert rows == [
        ["09:32 05/01/2026", saved.clerk, "Tiếp nhận hồ sơ", "Được tiếp nhận", "09:32 08/01/2026", ""],
        ["09:36 05/01/2026", saved.printer, "In Giấy tiếp nhận và hẹn trả kết quả", "", "", ""],
    ]


def test_detail_fees_use_vietnamese_money(qtbot: QtBot, db: Database, saved: Saved) -> None:
    dialog = _open(qtbot, db, saved.code)
    texts = dialog.texts()
    with db.read() as session:
        fee = intake.get_dossier_by_code(session, saved.code).catalogue_fee
    money = f"{fee:,} đ".replace(",", ".")
    assert texts.count(money) == 2  # catalogue fee and collected fee


def test_opening_the_same_code_again_replaces_the_dialog(qtbot: QtBot, db: Database, saved: Saved) -> None:
    window = build_window(db, synchronous=True)
    qtbot.addWidget(window)
    window.lookup.open_code(saved.code)
    first = window.lookup.dialogs[saved.code]
    window.lookup.open_code(saved.code)
    second = window.lookup.dialogs[saved.code]
    qtbot.addWidget(second)
    assert second is not first and second.isVisible()
    assert len(window.lookup.dialogs) == 1


def test_detail_screenshot(qtbot: QtBot, db: Database, saved: Saved) -> None:
    """SAVE_SCREENSHOTS=1 writes docs/img/dossier-detail.png in the font the app ships."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saving = bool(os.environ.get("SAVE_SCREENSHOTS"))
    old_font = app.font()
    if saving:
        install_fonts(app)
    try:
        dialog = _open(qtbot, db, saved.code)
        dialog.resize(1100, 820)
        qtbot.waitExposed(dialog)
        dialog.layout().activate()
        image = dialog.grab()
        assert (image.width(), image.height()) == (1100, 820)
        if saving:
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            assert image.save(str(SCREENSHOT))
    finally:
        app.setFont(old_font)


TU_PHAP = "Công chức Tư pháp - Hộ tịch"
MISSING = "Bản sao Giấy khai sinh có chứng thực"
SHOTS = os.environ.get("FORM_SHOTS")
Texts = Callable[[bytes], list[str]]


@dataclass
class Desk:
    window: MainWindow
    code: str
    previews: list[PrintedForm]
    reasons: list[str | None]
    errors: list[BaseException]


def _user_id(db: Database, username: str) -> str:
    with db.read() as session:
        found = session.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return str(found)


def _window(qtbot: QtBot, db: Database, saved: Saved, now_local: datetime) -> MainWindow:
    window = build_window(db, synchronous=True)
    window.ctx.user_id, window.ctx.user_name, window.ctx.role = _user_id(db, "dat"), saved.printer, "clerk"
    window.ctx.clock = FixedClock(local_to_utc(now_local))
    qtbot.addWidget(window)
    return window


def _hooked(qtbot: QtBot, window: MainWindow, code: str, desk: Desk | None = None) -> DossierDetailDialog:
    window.lookup.open_code(code)
    dialog = window.lookup.dialogs[code]  # a child of the window: deleted with it (or when replaced)
    if desk is not None:
        dialog.preview_hook = desk.previews.append  # never the real (blocking) preview dialog
        dialog.reason_hook = lambda _title, _label: desk.reasons.pop(0) if desk.reasons else None
        dialog.error_hook = desk.errors.append
    return dialog


@pytest.fixture
def stepped(qtbot: QtBot, db: Database, saved: Saved) -> Desk:
    """The saved dossier handed over, asked for a supplement, back, then extended (Mẫu 04)."""
    clock = FixedClock(local_to_utc(datetime(2026, 1, 6, 10, 0)))
    clerk = _user_id(db, "ung")
    steps: list[tuple[str, datetime, dict[str, object]]] = [
        ("processing", datetime(2026, 1, 5, 10, 0), {"department": TU_PHAP}),
        (
            "supplement_requested",
            datetime(2026, 1, 5, 10, 30),
            {"reason": "Thiếu giấy tờ", "missing": [MISSING]},
        ),
        ("supplement_received", datetime(2026, 1, 5, 11, 0), {}),
        (
            "extended",
            datetime(2026, 1, 6, 9, 0),
            {"reason": "Cần xác minh thêm", "new_appointment_local": datetime(2026, 1, 12, 9, 0)},
        ),
    ]
    for action, at, fields in steps:
        with db.write() as session:
            workflow.transition(session, clock, saved.code, action, clerk, at_local=at, **fields)  # type: ignore[arg-type]
    window = _window(qtbot, db, saved, datetime(2026, 1, 6, 10, 0))
    return Desk(window, saved.code, [], [], [])


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(DossierEvent)) or 0)


def test_detail_prints_the_form_of_each_step(
    qtbot: QtBot, db: Database, stepped: Desk, pdf_text: Texts
) -> None:
    dialog = _hooked(qtbot, stepped.window, stepped.code, stepped)
    labels = [dialog.form_combo.itemText(i) for i in range(dialog.form_combo.count())]
    assert labels == [
        "In lại Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)",
        "Phiếu kiểm soát quá trình giải quyết hồ sơ — 10:00 05/01/2026",
        "Mẫu 02, yêu cầu bổ sung lúc 10:30 05/01/2026",
        "Mẫu 04, gia hạn lần 1 lúc 09:00 06/01/2026",
    ]
    expected = {"supplement": MISSING, "control_slip": TU_PHAP, "apology": "Cần xác minh thêm"}
    for kind, text in expected.items():
        dialog.choose_form(kind)
        dialog.print_button.click()
        printed = stepped.previews[-1]
        assert printed.kind == kind and printed.path.is_file()
        assert text in " ".join(pdf_text(printed.pdf)), kind
        assert dialog.print_status.text().startswith(f"Đã in {FORM_NAMES[kind]}. Tệp: ")
    assert not stepped.errors
    if SHOTS:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        old_font = app.font()
        install_fonts(app)
        try:
            stepped.window.lookup.open_code(stepped.code, "Đã in Phiếu kiểm soát quá trình giải quyết hồ sơ.")
            shown = stepped.window.lookup.dialogs[stepped.code]
            shown.resize(1100, 900)
            qtbot.waitExposed(shown)
            assert shown.grab().save(str(Path(SHOTS) / "dossier-detail-forms.png"))
        finally:
            app.setFont(old_font)


def test_detail_reprint_of_the_receipt_asks_a_reason_and_shows_it_in_the_history(
    qtbot: QtBot, db: Database, stepped: Desk
) -> None:
    dialog = _hooked(qtbot, stepped.window, stepped.code, stepped)
    assert dialog.choose_form("receipt").needs_reason
    before = _events(db)
    dialog.print_button.click()  # no reason given: cancelled, nothing recorded
    assert dialog.print_status.text() == "Đã hủy in lại giấy tiếp nhận."
    assert stepped.previews == [] and _events(db) == before
    # The clerk printed it days ago: the core refuses, and the real request dialog opens with the reason.
    with db.write() as session:
        users.create_user(
            session,
            stepped.window.ctx.clock,
            "lanhdao",
            "Phạm Quốc Việt",
            "supervisor",
            "mat-khau-456",
            policy=FAST,
        )
    asked: list[tuple[str, str | None]] = []

    def supervisor_at_the_desk(code: str, reason: str | None) -> ReprintOutcome | None:
        asked.append((code, reason))
        request = reprint_approval_dialog(dialog, stepped.window.ctx, code, reason)
        assert request.reason.text() == reason  # typed once, carried over
        request.now.setChecked(True)
        request.username.setText("lanhdao")
        request.password.setText("mat-khau-456")
        request.submit()  # the window's runner is synchronous
        return request.outcome

    dialog.approval_hook = supervisor_at_the_desk
    stepped.reasons.append("Công dân làm mất giấy hẹn")
    dialog.print_button.click()
    assert asked == [(stepped.code, "Công dân làm mất giấy hẹn")]
    assert [(p.kind, p.reprint) for p in stepped.previews] == [("receipt", True)]
    assert _events(db) == before + 3  # requested, approved, reprinted
    fresh = stepped.window.lookup.dialogs[stepped.code]  # reloaded with the reprint in its history
    assert fresh is not dialog
    table = fresh.timeline_table
    assert table.item(table.rowCount() - 1, 2).text() == "In lại Giấy tiếp nhận và hẹn trả kết quả"
    assert fresh.print_status.text().startswith("Đã in lại Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01).")


def test_detail_print_failure_is_said_and_changes_nothing(
    qtbot: QtBot, db: Database, stepped: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: object, _code: str, _seq: int | None = None) -> PrintedForm:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(step_forms, "dossier_supplement_pdf", broken)
    dialog = _hooked(qtbot, stepped.window, stepped.code, stepped)
    before = _events(db)
    dialog.choose_form("supplement")
    dialog.print_button.click()
    assert dialog.print_status.text() == (
        "Chưa in được Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): "
        "không ghi được tệp (No space left on device)."
    )
    assert stepped.previews == [] and not stepped.errors and _events(db) == before
    with db.read() as session:
        assert session.scalar(select(Dossier.status).where(Dossier.code == stepped.code)) == 4


def test_detail_proposes_form_04_and_takes_the_clerk_to_the_extension(
    qtbot: QtBot, db: Database, saved: Saved
) -> None:
    window = _window(qtbot, db, saved, datetime(2026, 1, 7, 9, 0))  # two working days left: no proposal
    assert not _hooked(qtbot, window, saved.code).apology_prompt.isVisibleTo(window)
    window.ctx.clock = FixedClock(local_to_utc(datetime(2026, 1, 8, 8, 32)))  # one working hour left
    dialog = _hooked(qtbot, window, saved.code)
    assert dialog.apology_prompt.isVisibleTo(dialog)
    assert dialog.apology_prompt.text() == (
        "Hồ sơ còn không quá 1 ngày làm việc (còn 1 giờ, hẹn trả T5 08/01/2026 09:32): "
        "đề nghị lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)."
    )
    asked: list[str] = []
    page = window.return_page

    def fields(action: str, _loaded: object) -> dict[str, object] | None:
        asked.append(action)
        return None  # the clerk looks at the dialog, then cancels

    page.fields_hook = fields
    dialog.apology_prompt.button.click()
    assert window.nav.currentRow() == 2
    assert page.loaded is not None and page.loaded.code == saved.code
    assert asked == ["extended"]
    assert page.status.text() == "Đã hủy thao tác."
    assert page.apology_prompt.isVisibleTo(page)


def test_detail_prompt_and_print_row_screenshot(qtbot: QtBot, db: Database, saved: Saved) -> None:
    """Late by half a day: the red Mẫu 04 prompt above the data, the print row beside Đóng; unique Alt keys."""
    window = _window(qtbot, db, saved, datetime(2026, 1, 8, 14, 0))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    old_font = app.font()
    if SHOTS:
        install_fonts(app)
    try:
        dialog = _hooked(qtbot, window, saved.code)
        dialog.resize(1100, 860)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.apology_prompt.isVisible() and dialog.print_button.isVisible()
        assert dialog.apology_prompt.text().startswith(
            "Hồ sơ đã quá hạn 2 giờ 28 phút (hẹn trả T5 08/01/2026 09:32)"
        )
        texts = [w.text() for w in dialog.findChildren(QLabel) + dialog.findChildren(QPushButton)]
        keys = [t[t.index("&") + 1].lower() for t in texts if "&" in t and "&amp;" not in t]
        assert len(keys) == len(set(keys)) >= 3, keys
        if SHOTS:
            assert dialog.grab().save(str(Path(SHOTS) / "dossier-detail-prompt.png"))
    finally:
        app.setFont(old_font)
