"""The intake page's layout: procedure on top, applicant and papers side by side, actions below; tab order."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import _
from ui.pages.intake.fields import INVALID_STYLE

if TYPE_CHECKING:
    from ui.pages.intake.page import IntakePage


def build_layout(page: IntakePage, picker_error: QLabel) -> tuple[QStackedWidget, QScrollArea, QLabel]:
    """Place the page's widgets and set a tab order that follows the form; returns the stack (form /
    saved panel), the form's scroll area and the label naming the clerk."""
    page.setStyleSheet(INVALID_STYLE)
    procedure_box = QGroupBox(_("1. Thủ tục hành chính"))
    procedure_layout = QVBoxLayout(procedure_box)
    procedure_layout.addWidget(page.picker)
    procedure_layout.addWidget(picker_error)
    applicant_box = QGroupBox(_("2. Người nộp hồ sơ"))
    applicant_layout = QVBoxLayout(applicant_box)
    scan_row = QHBoxLayout()
    scan_label = QLabel(_("&Quét QR:"))
    scan_label.setBuddy(page.scan_box)
    scan_row.addWidget(scan_label)
    scan_row.addWidget(page.scan_box, 1)
    applicant_layout.addLayout(scan_row)
    applicant_layout.addWidget(page.applicant)
    applicant_layout.addStretch(1)
    documents_box = QGroupBox(_("3. Thành phần hồ sơ, nhận kết quả, phí"))
    documents_layout = QVBoxLayout(documents_box)
    documents_layout.addWidget(page.documents)

    body = QWidget()
    grid = QGridLayout(body)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.addWidget(procedure_box, 0, 0, 1, 2)
    grid.addWidget(applicant_box, 1, 0)
    grid.addWidget(documents_box, 1, 1)
    grid.setColumnStretch(0, 1)
    grid.setColumnStretch(1, 1)
    grid.setRowStretch(1, 1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(body)

    buttons = QHBoxLayout()
    buttons.addWidget(page.status, 1)
    for button in (page.refuse_button, page.supplement_button, page.new_button, page.save_button):
        button.setMinimumHeight(34)
        buttons.addWidget(button)
    form_page = QWidget()
    form_layout = QVBoxLayout(form_page)
    form_layout.setContentsMargins(0, 0, 0, 0)
    form_layout.addWidget(scroll, 1)
    form_layout.addLayout(buttons)

    stack = QStackedWidget()
    stack.addWidget(form_page)
    stack.addWidget(page.saved_panel)
    title = QLabel(_("<h2>Tiếp nhận hồ sơ</h2>"))
    clerk_label = QLabel()
    header = QHBoxLayout()
    header.addWidget(title)
    header.addStretch(1)
    header.addWidget(clerk_label)
    layout = QVBoxLayout(page)
    layout.addLayout(header)
    layout.addWidget(stack, 1)

    a = page.applicant
    chain: list[QWidget] = [page.picker.search, a.id_number, a.full_name, a.birth_date, a.gender, a.phone]
    chain += [a.email, a.province, a.commune, a.street, a.by_proxy, a.submitter_name]
    chain += [a.submitter_id_number, a.authorisation_note, page.documents.table, page.documents.add_extra]
    d = page.documents
    chain += [d.sets_count, d.delivery, d.delivery_address, d.fee_override, d.fee_collected, d.fee_reason]
    chain += [page.save_button, page.supplement_button, page.refuse_button, page.new_button]
    for first, second in pairwise(chain):
        QWidget.setTabOrder(first, second)
    return stack, scroll, clerk_label
