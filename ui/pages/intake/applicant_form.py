"""The applicant block: identity, contact, two-tier address (2025) and the optional authorised submitter."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.services.cccd import CccdData
from counter_app.services.intake import ApplicantInfo
from counter_app.services.validation import check_id_number, parse_dmy
from ui.pages.intake.fields import ErrorMarks, error_label, with_error

# The 34 provinces and centrally-run cities since 01/07/2025 (NQ 202/2025/QH15). The box stays
# editable: addresses written before the reform, or read from an old card, keep their own wording.
PROVINCES_2025 = (
    "Hà Nội",  # i18n: skip
    "Huế",  # i18n: skip
    "Hải Phòng",  # i18n: skip
    "Đà Nẵng",  # i18n: skip
    "Thành phố Hồ Chí Minh",  # i18n: skip
    "Cần Thơ",  # i18n: skip
    "An Giang",
    "Bắc Ninh",  # i18n: skip
    "Cà Mau",  # i18n: skip
    "Cao Bằng",  # i18n: skip
    "Đắk Lắk",  # i18n: skip
    "Điện Biên",  # i18n: skip
    "Đồng Nai",  # i18n: skip
    "Đồng Tháp",  # i18n: skip
    "Gia Lai",
    "Hà Tĩnh",  # i18n: skip
    "Hưng Yên",  # i18n: skip
    "Khánh Hòa",  # i18n: skip
    "Lai Châu",  # i18n: skip
    "Lâm Đồng",  # i18n: skip
    "Lạng Sơn",  # i18n: skip
    "Lào Cai",  # i18n: skip
    "Nghệ An",  # i18n: skip
    "Ninh Bình",  # i18n: skip
    "Phú Thọ",  # i18n: skip
    "Quảng Ngãi",  # i18n: skip
    "Quảng Ninh",  # i18n: skip
    "Quảng Trị",  # i18n: skip
    "Sơn La",  # i18n: skip
    "Tây Ninh",  # i18n: skip
    "Thái Nguyên",  # i18n: skip
    "Thanh Hóa",  # i18n: skip
    "Tuyên Quang",  # i18n: skip
    "Vĩnh Long",  # i18n: skip
)
GENDER_CHOICES = (("", "—"), ("nam", N_("Nam")), ("nu", N_("Nữ")), ("khac", N_("Khác")))


class ApplicantForm(QWidget):
    """Who the dossier is for (chủ hồ sơ) and, when someone else hands it in, who and on what paper."""

    sig_id_entered = Signal(str)  # a well-formed ID number was typed in: look the person up

    def __init__(self, marks: ErrorMarks) -> None:
        super().__init__()
        self.id_number = QLineEdit(placeholderText=_("12 chữ số (CMND cũ: 9 chữ số)"))
        self.full_name = QLineEdit(placeholderText=_("Họ, chữ đệm và tên, có dấu"))
        self.birth_date = QLineEdit(placeholderText=_("ngày/tháng/năm"))
        self.birth_date.setMaximumWidth(150)
        self.gender = QComboBox()
        for code, label in GENDER_CHOICES:
            self.gender.addItem(_(label) if code else label, code)
        self.phone = QLineEdit(placeholderText=_("ví dụ 0912 345 678"))
        self.email = QLineEdit(placeholderText=_("không bắt buộc"))
        self.province = QComboBox()
        self.province.setEditable(True)
        self.province.addItem("")
        self.province.addItems(PROVINCES_2025)
        self.province.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.province.setCurrentIndex(0)
        self.commune = QLineEdit(placeholderText=_("xã, phường hoặc đặc khu"))
        self.street = QLineEdit(placeholderText=_("số nhà, đường phố, tổ, thôn, ấp…"))
        self.by_proxy = QCheckBox(_("Người nộp thay (nộp hồ sơ theo ủy quyền)"))
        self.submitter_name = QLineEdit(placeholderText=_("họ và tên người nộp thay"))
        self.submitter_id_number = QLineEdit(placeholderText=_("số CCCD của người nộp thay"))
        self.authorisation_note = QLineEdit(
            placeholderText=_("ví dụ: Giấy ủy quyền chứng thực ngày 10/11/2026")
        )

        labels = {name: error_label() for name in _FIELD_ORDER}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(5)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(_("Số CCCD/ĐDCN:"), with_error(self.id_number, labels["id_number"]))
        form.addRow(_("Họ và tên:"), with_error(self.full_name, labels["full_name"]))
        birth_row = QWidget()
        birth = QHBoxLayout(birth_row)
        birth.setContentsMargins(0, 0, 0, 0)
        birth.addWidget(with_error(self.birth_date, labels["birth_date"]), 1)
        birth.addWidget(QLabel(_("Giới tính:")))
        birth.addWidget(with_error(self.gender, labels["gender"]))
        form.addRow(_("Ngày sinh:"), birth_row)
        form.addRow(_("Điện thoại:"), with_error(self.phone, labels["phone"]))
        form.addRow(_("Thư điện tử:"), with_error(self.email, labels["email"]))
        form.addRow(_("Tỉnh/thành phố:"), self.province)
        form.addRow(_("Xã/phường:"), self.commune)
        form.addRow(_("Số nhà, đường:"), self.street)
        form.addRow(self.by_proxy)
        self._proxy_rows = QWidget()
        proxy = QFormLayout(self._proxy_rows)
        proxy.setContentsMargins(16, 0, 0, 0)
        proxy.addRow(_("Người nộp thay:"), with_error(self.submitter_name, labels["submitter_name"]))
        proxy.addRow(_("Số CCCD:"), with_error(self.submitter_id_number, labels["submitter_id_number"]))
        proxy.addRow(_("Giấy ủy quyền:"), with_error(self.authorisation_note, labels["authorisation_note"]))
        form.addRow(self._proxy_rows)
        self._proxy_rows.hide()
        for name in _FIELD_ORDER:
            marks.add(name, getattr(self, name), labels[name])

        self.by_proxy.toggled.connect(self._on_by_proxy_toggled)
        self.id_number.editingFinished.connect(self._on_id_number_editing_finished)

    def _on_by_proxy_toggled(self, checked: bool) -> None:
        self._proxy_rows.setVisible(checked)
        if checked:
            self.submitter_name.setFocus()

    def _on_id_number_editing_finished(self) -> None:
        number = self.id_number.text().strip()
        if number and check_id_number(number) is None:
            self.sig_id_entered.emit(number)

    def line_edits(self) -> list[QLineEdit]:
        """Every text box of the block, the province box's included (a scanner may type into any)."""
        edits = [getattr(self, name) for name in _TEXT_FIELDS]
        province_edit = self.province.lineEdit()
        if province_edit is not None:
            edits.insert(_TEXT_FIELDS.index("commune"), province_edit)
        return edits

    # --- filling --------------------------------------------------------------------------------------
    def fill_from_card(self, card: CccdData) -> None:
        """Put what the card's QR code says into the identity and address fields."""
        parts = card.address_parts
        self.id_number.setText(card.id_number)
        self.full_name.setText(card.full_name)
        self.birth_date.setText(card.birth_date.strftime("%d/%m/%Y"))
        self._set_gender(card.gender)
        self.province.setCurrentText(parts.province)
        self.commune.setText(parts.commune)
        self.street.setText(parts.street)

    def fill_missing(self, info: ApplicantInfo) -> list[str]:
        """Fill the empty fields from an earlier dossier of the same person; return what was filled."""
        filled: list[str] = []

        def put(edit: QLineEdit, value: str, label: str) -> None:
            if value and not edit.text().strip():
                edit.setText(value)
                filled.append(label)

        put(self.full_name, info.full_name, _("họ tên"))
        if info.birth_date is not None:
            put(self.birth_date, info.birth_date.strftime("%d/%m/%Y"), _("ngày sinh"))
        if info.gender and not self.gender.currentData():
            self._set_gender(info.gender)
            filled.append(_("giới tính"))
        put(self.phone, info.phone, _("điện thoại"))
        put(self.email, info.email, _("thư điện tử"))
        if info.address_province and not self.province.currentText().strip():
            self.province.setCurrentText(info.address_province)
            filled.append(_("tỉnh/thành phố"))
        put(self.commune, info.address_commune, _("xã/phường"))
        put(self.street, info.address_street, _("địa chỉ"))
        return filled

    def _set_gender(self, code: str) -> None:
        index = self.gender.findData(code)
        self.gender.setCurrentIndex(max(index, 0))

    # --- reading --------------------------------------------------------------------------------------
    def values(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The block as IntakeForm keyword arguments, and the problems found before the core looks
        (a birth date that is not a date)."""
        errors: dict[str, str] = {}
        birth: date | None = None
        if self.birth_date.text().strip():
            try:
                birth = parse_dmy(self.birth_date.text())
            except UserFacingError as exc:
                errors["birth_date"] = exc.message
        proxy = self.by_proxy.isChecked()
        values: dict[str, Any] = {
            "full_name": self.full_name.text(),
            "id_number": self.id_number.text(),
            "birth_date": birth,
            "gender": self.gender.currentData() or "",
            "phone": self.phone.text(),
            "email": self.email.text(),
            "address_province": self.province.currentText(),
            "address_commune": self.commune.text(),
            "address_street": self.street.text(),
            "submitter_name": self.submitter_name.text() if proxy else "",
            "submitter_id_number": self.submitter_id_number.text() if proxy else "",
            "authorisation_note": self.authorisation_note.text() if proxy else "",
        }
        return values, errors

    def address_line(self) -> str:
        """The address on one line (street, commune, province), as printed."""
        parts = (self.street.text(), self.commune.text(), self.province.currentText())
        return ", ".join(p.strip() for p in parts if p.strip())

    def is_blank(self) -> bool:
        """True when nothing has been entered."""
        return not any(edit.text().strip() for edit in self.line_edits()) and not self.gender.currentData()

    def reset(self) -> None:
        """Empty every field."""
        for name in _TEXT_FIELDS:
            getattr(self, name).clear()
        self.province.setCurrentIndex(0)
        self.province.setEditText("")
        self.gender.setCurrentIndex(0)
        self.by_proxy.setChecked(False)


_FIELD_ORDER = (
    "id_number",
    "full_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "submitter_name",
    "submitter_id_number",
    "authorisation_note",
)
_TEXT_FIELDS = (
    "id_number",
    "full_name",
    "birth_date",
    "phone",
    "email",
    "commune",
    "street",
    "submitter_name",
    "submitter_id_number",
    "authorisation_note",
)
