"""The hand-over panel: who collects the result (the applicant or another person), the fee, the verdict."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

from counter_app.errors import FieldErrors
from counter_app.i18n import _
from counter_app.text import nfc
from ui.pages.intake.fields import INVALID_STYLE, ErrorMarks, error_label, with_error

VERDICT_COLORS = {"truoc_han": "#1b5e20", "dung_han": "#0d47a1", "qua_han": "#b71c1c"}


class HandoverPanel(QGroupBox):
    """Inputs of "Trả kết quả"; `fields()` gives the transition's keywords or raises FieldErrors."""

    def __init__(self) -> None:
        super().__init__(_("Trả kết quả cho công dân"))
        self.setStyleSheet(INVALID_STYLE)
        self.applicant_radio = QRadioButton(_("C&hính người nộp hồ sơ nhận"))
        self.other_radio = QRadioButton(_("Người kh&ác nhận thay"))
        self.applicant_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.applicant_radio)
        group.addButton(self.other_radio)
        self.collector_name = QLineEdit(placeholderText=_("họ và tên người nhận thay"))
        self.collector_id = QLineEdit(placeholderText=_("12 chữ số"), maxLength=12)
        self.fee = QSpinBox(maximum=2_000_000_000, singleStep=10_000, suffix=_(" đ"))
        self.fee.setGroupSeparatorShown(True)
        self.return_button = QPushButton(_("&Trả kết quả"))
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        font = QFont(self.verdict.font())
        font.setPointSize(font.pointSize() + 8)
        font.setBold(True)
        self.verdict.setFont(font)
        self.verdict_note = QLabel()
        self.verdict_note.setWordWrap(True)
        self.verdict.hide()
        self.verdict_note.hide()

        self.marks = ErrorMarks()
        name_error, id_error = error_label(), error_label()
        self.marks.add("collector_name", self.collector_name, name_error)
        self.marks.add("collector_id_number", self.collector_id, id_error)
        form = QFormLayout()
        form.addRow(self.applicant_radio)
        form.addRow(self.other_radio)
        form.addRow(_("Họ tên người nhận:"), with_error(self.collector_name, name_error))
        form.addRow(_("Số CCCD người nhận:"), with_error(self.collector_id, id_error))
        form.addRow(_("Lệ phí th&u sau:"), self.fee)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.return_button)
        layout.addWidget(self.verdict)
        layout.addWidget(self.verdict_note)
        layout.addStretch(1)
        self.other_radio.toggled.connect(self._on_other_radio_toggled)
        self._on_other_radio_toggled(False)

    def _on_other_radio_toggled(self, other: bool) -> None:
        self.collector_name.setEnabled(other)
        self.collector_id.setEnabled(other)
        if other:
            self.collector_name.setFocus()
        else:
            self.marks.clear()

    def reset(self, enabled: bool) -> None:
        """Back to "the applicant collects, nothing owed"; inputs usable only when `enabled`."""
        self.applicant_radio.setChecked(True)
        self.collector_name.clear()
        self.collector_id.clear()
        self.fee.setValue(0)
        self.marks.clear()
        for widget in (self.applicant_radio, self.other_radio, self.fee):
            widget.setEnabled(enabled)

    def fields(self) -> dict[str, Any]:
        """The keywords of `transition("returned")`; FieldErrors (marked here) when a field is wrong."""
        self.marks.clear()
        fields: dict[str, Any] = {"fee_collected": self.fee.value()}
        if not self.other_radio.isChecked():
            return fields
        name, number = nfc(self.collector_name.text()).strip(), self.collector_id.text().strip()
        errors = {}
        if not name:
            errors["collector_name"] = _("Hãy ghi họ tên người nhận thay")
        if not (len(number) == 12 and number.isdigit()):
            errors["collector_id_number"] = _("Số CCCD gồm đúng 12 chữ số")
        if errors:
            first, _shown = self.marks.show(errors)
            if first is not None:
                first.setFocus()
            raise FieldErrors(errors)
        return {**fields, "collector_name": name, "collector_id_number": number}

    def show_verdict(self, text: str, timeliness: str | None, note: str) -> None:
        """The classification, large and coloured, and who collected (empty texts clear it)."""
        color = VERDICT_COLORS.get(timeliness or "", "#333333")
        self.verdict.setStyleSheet(f"color: {color};")
        self.verdict.setText(text)
        self.verdict_note.setText(note)
        self.verdict.setVisible(bool(text))  # empty lines take no room (the page fits 1366×768 at 125 %)
        self.verdict_note.setVisible(bool(note))
