"""The read-only dossier detail: every field, papers, fees and the timeline (who, when, what)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.services import forms, intake, users
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Procedure
from ui.app import build_window
from ui.fonts import install_fonts
from ui.pages.dossier_detail import DossierDetailDialog

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
