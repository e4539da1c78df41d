"""The intake page: keyboard search, CCCD scan, field errors, save in one transaction, print the receipt."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from counter_app.clock import FixedClock, SystemClock
from counter_app.services import appointment, forms, intake, users
from counter_app.services.forms import PrintedForm
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import AuditEntry, Dossier, DossierEvent, Procedure
from ui.app import build_window
from ui.main_window import MainWindow
from ui.pages.intake import IntakePage
from ui.pages.intake.print_preview import fit_printer, open_pdf, paint_pdf

# A woman born in 1989: the 4th digit of her number is 1 (NĐ 137/2015), so the card agrees with itself.
QR = (
    "001189012345|012345678|Nguyễn Thị Ánh|15081989|Nữ|"
    "Số 12 ngõ 5 phố Huế, Phường Hai Bà Trưng, Hà Nội|20072021"
)
CODE = re.compile(r"^000\.00\.31\.H12-\d{6}-\d{4}$")
# Thursday 26/11/2026 09:30 in Vietnam: a working day, before any cut-off.
NOW = datetime(2026, 11, 26, 2, 30)  # naive UTC, as the core keeps instants


class Recorder:
    """Stands in for every dialog of the page, so nothing blocks a test."""

    def __init__(self, page: IntakePage) -> None:
        self.previews: list[PrintedForm] = []
        self.errors: list[BaseException] = []
        self.questions: list[str] = []
        self.reasons: list[str] = []
        self.confirm = True
        self.reason: str | None = "Máy in kẹt giấy"
        self.supplement_answer: list[str] | None = None
        self.supplement_asked: list[list[str]] = []
        page.preview_hook = self.previews.append
        page.error_hook = self.errors.append
        page.confirm_hook = self._confirm
        page.reason_hook = self._reason
        page.supplement_hook = self._supplement

    def _confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.confirm

    def _reason(self, title: str, _label: str) -> str | None:
        self.reasons.append(title)
        return self.reason

    def _supplement(self, missing: list[str]) -> tuple[list[str], str] | None:
        self.supplement_asked.append(missing)
        answer = missing if self.supplement_answer is None else self.supplement_answer
        return answer, "Bản sao chưa chứng thực"


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    """The main window on the intake page, a clerk signed in, the clock fixed on a working morning."""
    with db.write() as session:
        clerk = users.create_user(session, SystemClock(), "canbo1", "Nguyễn Thị Hoa", "clerk", "motcua2026")
    win = build_window(db, synchronous=True)
    win.ctx.user_id, win.ctx.user_name, win.ctx.role = clerk.id, clerk.full_name, clerk.role
    win.ctx.clock = FixedClock(NOW)
    qtbot.addWidget(win)
    win.nav.setCurrentRow(0)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    yield win


@pytest.fixture
def page(window: MainWindow) -> IntakePage:
    page = window.intake_page
    assert isinstance(page, IntakePage)
    return page


@pytest.fixture
def rec(page: IntakePage) -> Recorder:
    return Recorder(page)


def _dossier_count(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Dossier)) or 0)


def _pick(qtbot: QtBot, page: IntakePage, query: str, downs: int = 0) -> None:
    page.picker.search.setFocus()
    qtbot.keyClicks(page.picker.search, query)  # ASCII only: keyClicks aborts on Vietnamese letters
    for _ in range(downs):
        qtbot.keyClick(page.picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)
    assert page.picker.chosen is not None


def _scan(qtbot: QtBot, edit: Any, payload: str = QR) -> None:
    """What a scanner does: the payload lands in the focused box, then Enter."""
    edit.setFocus()
    edit.insert(payload)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _ctrl(qtbot: QtBot, widget: Any, key: Qt.Key) -> None:
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        [_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return " ".join(unicodedata.normalize("NFC", out).split())


def _barcodes(pdf: bytes, tmp_path: Path, dpi: int = 300) -> list[str]:
    folder = tmp_path / f"raster{dpi}"
    folder.mkdir(exist_ok=True)
    (folder / "doc.pdf").write_bytes(pdf)
    args = [_tool("pdftoppm"), "-r", str(dpi), "-png", "-gray", "-f", "1", "-l", "1"]
    subprocess.run([*args, str(folder / "doc.pdf"), str(folder / "page")], check=True, timeout=120)
    image = Image.open(next(folder.glob("page-*.png"))).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format.name == "Code128"]


def _fill_valid(qtbot: QtBot, page: IntakePage) -> None:
    """Khai sinh, the QR scanned, a phone number, every paper ticked."""
    _pick(qtbot, page, "khai sinh")
    _scan(qtbot, page.applicant.full_name)
    qtbot.keyClicks(page.applicant.phone, "0912345678")
    page.documents.tick_all()


# --- the acceptance test ----------------------------------------------------------------------------------
def test_intake_page_keyboard_scan_save_print(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database, tmp_path: Path
) -> None:
    _pick(qtbot, page, "khai sinh")
    assert page.picker.chosen is not None and page.picker.chosen.spec.name == "Đăng ký khai sinh"
    assert "Miễn phí" in page.picker.info.text() or "đ" in page.picker.info.text()
    assert page.applicant.id_number.hasFocus()  # choosing moves on to the applicant

    _scan(qtbot, page.applicant.full_name)
    a = page.applicant
    assert a.full_name.text() == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", a.full_name.text())
    assert a.id_number.text() == "001189012345"
    assert a.birth_date.text() == "15/08/1989"
    assert a.gender.currentData() == "nu"
    assert (a.street.text(), a.commune.text(), a.province.currentText()) == (
        "Số 12 ngõ 5 phố Huế",
        "Phường Hai Bà Trưng",
        "Hà Nội",
    )
    assert "|" not in a.full_name.text()
    assert a.phone.hasFocus()
    qtbot.keyClicks(a.phone, "0912 345 678")
    page.documents.tick_all()
    assert page.appointment_label.text().startswith("Hẹn trả: ")

    _ctrl(qtbot, a.phone, Qt.Key.Key_S)
    code = page.saved_panel.code_label.text()
    assert CODE.match(code), (code, page.status.text(), page.marks._shown)
    assert page.stack.currentWidget() is page.saved_panel
    assert page.saved_panel.code_label.font().pointSize() >= 28
    assert page.saved_panel.code_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    with db.read() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier is not None
        assert dossier.phone == "0912345678"
        assert dossier.applicant.full_name == "Nguyễn Thị Ánh"
        assert dossier.procedure.name == "Đăng ký khai sinh"
        assert all(d.received for d in dossier.documents)

    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    assert rec.errors == []
    assert len(rec.previews) == 1
    printed = rec.previews[0]
    assert printed.kind == "receipt" and not printed.reprint
    assert printed.path.read_bytes() == printed.pdf
    assert _barcodes(printed.pdf, tmp_path) == [code]
    text = _pdf_text(printed.pdf, tmp_path)
    assert "Nguyễn Thị Ánh" in text
    assert "Đăng ký khai sinh" in text
    assert "Liên 1" in text and "Liên 2" in text
    assert rec.reasons == []  # a first print needs no reason


# --- invalid input ----------------------------------------------------------------------------------------
def test_intake_page_invalid_fields_marked_and_nothing_saved(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database
) -> None:
    _pick(qtbot, page, "khai sinh")
    a = page.applicant
    qtbot.keyClicks(a.id_number, "12345")
    qtbot.keyClicks(a.phone, "12345")
    qtbot.keyClicks(a.birth_date, "31/02/1990")
    page.documents.tick_all()
    _ctrl(qtbot, a.phone, Qt.Key.Key_S)

    assert _dossier_count(db) == 0
    assert page.stack.currentWidget() is not page.saved_panel
    for field in ("id_number", "full_name", "phone", "birth_date"):
        assert page.marks.message(field), field
    assert "12 chữ số" in page.marks.message("id_number")
    assert "không có trên lịch" in page.marks.message("birth_date")
    assert a.id_number.property("invalid") is True
    assert a.full_name.property("invalid") is True
    assert a.email.property("invalid") is not True
    assert a.id_number.hasFocus()  # the first bad field in form order
    assert "4 chỗ cần sửa" in page.status.text()


def test_intake_page_core_errors_shown_on_fields(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database
) -> None:
    """Errors only the core finds (missing required papers, fee without reason) mark their fields too."""
    _pick(qtbot, page, "khai sinh")
    _scan(qtbot, page.applicant.full_name)
    qtbot.keyClicks(page.applicant.phone, "0123")  # not a mobile number
    page.documents.set_received(0)  # only the first paper: the other required ones are missing
    page.documents.fee_override.setChecked(True)
    page.documents.fee_collected.setValue(5000)  # the catalogue says free: a reason is required
    _ctrl(qtbot, page.applicant.full_name, Qt.Key.Key_S)

    assert _dossier_count(db) == 0
    assert "Thiếu giấy tờ bắt buộc" in page.marks.message("documents")
    assert page.marks.message("fee_reason")
    assert page.marks.message("phone")
    assert page.applicant.phone.hasFocus()

    page.documents.tick_all()
    page.documents.fee_reason.setText("Thu phí sao y bản chính")
    page.applicant.phone.setText("0912345678")
    _ctrl(qtbot, page.applicant.full_name, Qt.Key.Key_S)
    assert _dossier_count(db) == 1
    with db.read() as session:
        dossier = session.scalars(select(Dossier)).one()
        assert (dossier.fee_collected, dossier.fee_note) == (5000, "Thu phí sao y bản chính")


def test_intake_page_not_signed_in_saves_nothing(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database
) -> None:
    page._ctx.user_id = None
    _fill_valid(qtbot, page)
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    assert _dossier_count(db) == 0
    assert rec.errors and "đăng nhập" in str(rec.errors[0])


# --- scanning ---------------------------------------------------------------------------------------------
def test_intake_page_malformed_qr_fills_nothing(qtbot: QtBot, page: IntakePage, rec: Recorder) -> None:
    bad = QR.replace("15081989", "32131989")
    page.applicant.street.setText("Thôn 3")
    _scan(qtbot, page.applicant.street, bad)
    a = page.applicant
    assert a.street.text() == "Thôn 3"  # the raw QR text is taken out, what was there stays
    assert (a.full_name.text(), a.id_number.text(), a.birth_date.text()) == ("", "", "")
    assert a.gender.currentData() == "" and a.province.currentText() == ""
    assert "Mã QR không đọc được" in page.status.text()
    assert "ngày sinh" in page.status.text()


def test_intake_page_qr_without_enter_in_scan_box(qtbot: QtBot, page: IntakePage, rec: Recorder) -> None:
    page.scan_box.setFocus()
    page.scan_box.insert(QR)
    qtbot.waitUntil(lambda: page.applicant.id_number.text() == "001189012345", timeout=2000)
    assert page.scan_box.text() == ""
    assert page.applicant.full_name.text() == "Nguyễn Thị Ánh"


def test_intake_page_known_id_prefills(qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database) -> None:
    with db.write() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.001193"))
        assert procedure is not None
        form = IntakeForm(
            procedure_id=procedure.id,
            full_name="Trần Văn Đức",
            id_number="001092012345",
            phone="0987654321",
            email="duc@example.vn",
            address_province="Hà Nội",
            address_commune="Phường Ba Đình",
            documents=tuple(DocumentLine(d.name, received=True) for d in procedure.documents),
        )
        received = datetime(2026, 11, 25, 9, 0)
        due = appointment.compute_appointment_for(session, procedure, received)
        clerk = page._ctx.user_id
        assert clerk is not None
        intake.register_dossier(session, FixedClock(NOW), form, clerk, due, received_local=received)
    a = page.applicant
    a.id_number.setFocus()
    qtbot.keyClicks(a.id_number, "001092012345")
    qtbot.keyClick(a.id_number, Qt.Key.Key_Return)  # Enter moves on: the look-up runs
    assert a.full_name.text() == "Trần Văn Đức"
    assert a.phone.text() == "0987654321"
    assert a.commune.text() == "Phường Ba Đình"
    assert "lần nộp trước" in page.status.text()
    assert a.full_name.hasFocus()


# --- appointment, keyboard --------------------------------------------------------------------------------
def test_intake_page_appointment_shown_before_saving(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database
) -> None:
    assert "chọn thủ tục" in page.appointment_label.text()
    _pick(qtbot, page, "gia han giay phep xay dung")  # 5 working days
    with db.read() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.013227"))
        assert procedure is not None
        due = appointment.compute_appointment_for(session, procedure, datetime(2026, 11, 26, 9, 30))
    label = page.appointment_label.text()
    assert label == f"Hẹn trả: {due:%H:%M} thứ {_weekday(due)}, {due:%d/%m/%Y} (05 ngày làm việc)"
    assert _dossier_count(db) == 0


def _weekday(moment: datetime) -> str:
    return ("Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy")[moment.weekday()]


def test_intake_page_search_arrows_and_tab_order(qtbot: QtBot, page: IntakePage, rec: Recorder) -> None:
    page.picker.search.setFocus()
    qtbot.keyClicks(page.picker.search, "dang ky")
    third = page.picker.results.item(2).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Down)
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Return)
    assert page.picker.chosen is third
    a = page.applicant
    order = [a.id_number, a.full_name, a.birth_date, a.gender, a.phone, a.email, a.province]
    assert a.id_number.hasFocus()
    for expected in order[1:]:
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
        assert page.focusWidget() in (expected, getattr(expected, "lineEdit", lambda: None)())


def test_intake_page_esc_asks_before_dropping_input(qtbot: QtBot, page: IntakePage, rec: Recorder) -> None:
    assert page.picker.search.hasFocus()  # the page opens in the procedure search
    page.applicant.full_name.setText("Lê Văn Tám")
    page.applicant.full_name.clear()
    qtbot.keyClick(page.picker.search, Qt.Key.Key_Escape)
    assert rec.questions == []  # nothing typed: nothing to ask
    page.applicant.full_name.setFocus()
    page.applicant.full_name.setText("Lê Văn Tám")
    rec.confirm = False
    qtbot.keyClick(page.applicant.full_name, Qt.Key.Key_Escape)
    assert len(rec.questions) == 1
    assert page.applicant.full_name.text() == "Lê Văn Tám"
    rec.confirm = True
    _ctrl(qtbot, page.applicant.full_name, Qt.Key.Key_N)
    assert len(rec.questions) == 2
    assert page.applicant.full_name.text() == ""
    assert page.picker.search.hasFocus()


def test_intake_page_nfd_name_stored_nfc(qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database) -> None:
    _fill_valid(qtbot, page)
    page.applicant.full_name.setText(unicodedata.normalize("NFD", "Nguyễn Thị Ánh"))
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    with db.read() as session:
        dossier = session.scalars(select(Dossier)).one()
        assert dossier.applicant.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Ánh")


# --- printing ---------------------------------------------------------------------------------------------
def test_intake_page_print_failure_keeps_dossier_printable(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_valid(qtbot, page)
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    code = page.saved_panel.code_label.text()
    assert CODE.match(code)
    real = forms.print_receipt

    def broken(*args: Any, **kwargs: Any) -> PrintedForm:
        raise OSError("máy in mất điện")

    monkeypatch.setattr(forms, "print_receipt", broken)
    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    assert [type(e) for e in rec.errors] == [OSError]
    assert rec.previews == []
    assert "Hồ sơ đã lưu" in page.saved_panel.print_state.text()
    assert _dossier_count(db) == 1

    monkeypatch.setattr(forms, "print_receipt", real)
    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    assert rec.reasons == []  # the failed attempt recorded nothing: this is the first print
    assert len(rec.previews) == 1 and not rec.previews[0].reprint

    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)  # again: a reprint, with a reason
    assert rec.reasons == ["In lại giấy tiếp nhận"]
    assert len(rec.previews) == 2 and rec.previews[1].reprint
    with db.read() as session:
        kinds = session.scalars(select(DossierEvent.kind).order_by(DossierEvent.seq)).all()
        assert kinds == ["received", "receipt_printed", "receipt_reprinted"]
        assert session.scalar(select(DossierEvent.note).where(DossierEvent.kind == "receipt_reprinted")) == (
            "Máy in kẹt giấy"
        )
    rec.reason = None  # cancelled: nothing printed
    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    assert len(rec.previews) == 2


def test_intake_page_later_print_of_printed_dossier_asks_reason(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the page thinks it never printed but the database has a print, the core's refusal leads to
    the reason dialog instead of an error."""
    _fill_valid(qtbot, page)
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    code = page.saved_panel.code_label.text()
    with db.write() as session:
        clerk = page._ctx.user_id
        assert clerk is not None
        forms.print_receipt(session, FixedClock(NOW), code, clerk)
    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    assert rec.errors == []
    assert rec.reasons == ["In lại giấy tiếp nhận"]
    assert rec.previews and rec.previews[0].reprint


def test_intake_page_print_preview_paints_every_page(
    qtbot: QtBot, page: IntakePage, rec: Recorder, tmp_path: Path
) -> None:
    """What the preview dialog sends to a printer: every page, barcode still readable."""
    _fill_valid(qtbot, page)
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    _ctrl(qtbot, page.saved_panel.print_button, Qt.Key.Key_P)
    printed = rec.previews[0]
    document = open_pdf(printed.path, page)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    fit_printer(printer, document)
    assert paint_pdf(document, printer) == document.pageCount() == 2
    assert _barcodes(out.read_bytes(), tmp_path) == [page.saved_panel.code_label.text()]


# --- notices at the counter -------------------------------------------------------------------------------
def test_intake_page_supplement_lists_unticked_papers(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database, tmp_path: Path
) -> None:
    _pick(qtbot, page, "khai sinh")
    _scan(qtbot, page.applicant.full_name)
    page.documents.set_received(0)
    expected = page.documents.missing()
    assert expected and len(expected) == page.documents.table.rowCount() - 1
    qtbot.mouseClick(page.supplement_button, Qt.MouseButton.LeftButton)
    assert rec.supplement_asked == [expected]
    assert [p.kind for p in rec.previews] == ["supplement"]
    text = _pdf_text(rec.previews[0].pdf, tmp_path)
    assert "Nguyễn Thị Ánh" in text
    assert expected[0][:20] in text
    assert _dossier_count(db) == 0
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
        assert "intake_supplement_requested" in actions
    rec.questions.clear()
    qtbot.keyClick(page.applicant.full_name, Qt.Key.Key_Escape)
    assert rec.questions == []  # the notice is given: nothing left to lose


def test_intake_page_refusal_needs_reason(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database, tmp_path: Path
) -> None:
    _pick(qtbot, page, "khai sinh")
    rec.reason = "Không thuộc thẩm quyền của xã"
    qtbot.mouseClick(page.refuse_button, Qt.MouseButton.LeftButton)
    assert rec.previews == []  # no applicant name yet: the core refuses, the field is marked
    assert page.marks.message("full_name")
    _scan(qtbot, page.applicant.full_name)
    qtbot.mouseClick(page.refuse_button, Qt.MouseButton.LeftButton)
    assert [p.kind for p in rec.previews] == ["refusal"]
    assert "Không thuộc thẩm quyền của xã" in _pdf_text(rec.previews[0].pdf, tmp_path)
    assert _dossier_count(db) == 0


def test_intake_page_post_delivery_uses_applicant_address(
    qtbot: QtBot, page: IntakePage, rec: Recorder, db: Database
) -> None:
    _fill_valid(qtbot, page)
    page.documents.delivery.setCurrentIndex(page.documents.delivery.findData("post"))
    address = page.documents.delivery_address.text()
    assert address == "Số 12 ngõ 5 phố Huế, Phường Hai Bà Trưng, Hà Nội"
    _ctrl(qtbot, page.applicant.phone, Qt.Key.Key_S)
    with db.read() as session:
        dossier = session.scalars(select(Dossier)).one()
        assert (dossier.delivery, dossier.delivery_address) == ("post", address)
