"""The supervisor's correction of intake data: the fields as they stand, edited, saved with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.errors import FieldErrors, UserFacingError
from counter_app.i18n import N_, _, _p
from counter_app.services.corrections import (
    APPLICANT_FIELDS,
    DOSSIER_FIELDS,
    FIELD_LABELS,
    Correction,
    IntakeValues,
    correct_intake,
)
from counter_app.services.validation import CHANNELS, parse_dmy
from ui.context import AppContext

_CHOICES: dict[str, list[tuple[str, Any]]] = {
    "gender": [(N_("(chưa ghi)"), ""), (N_("Nam"), "nam"), (N_("Nữ"), "nu"), (N_("Khác"), "khac")],
    "channel": [(name, code) for code, name in CHANNELS.items()],  # capitalised when shown
    "delivery": [(N_("Tại quầy"), "counter"), (N_("Qua bưu điện"), "post")],
}
_ERROR_STYLE = "border: 1px solid #b71c1c; background: #fde3e3;"


class CorrectionDialog(QDialog):
    """Edit the correctable fields of one dossier; Ctrl+S saves (one transaction, audited, queued)."""

    def __init__(self, ctx: AppContext, values: IntakeValues, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.values = values
        self.result_correction: Correction | None = None
        self.setWindowTitle(_("Sửa thông tin tiếp nhận — {code}").format(code=values.code))
        self.editors: dict[str, QWidget] = {}
        columns = QHBoxLayout()
        for title, names in (
            (_("Người nộp hồ sơ"), APPLICANT_FIELDS),
            (_p("one dossier", "Hồ sơ"), DOSSIER_FIELDS),
        ):
            form = QFormLayout()
            form.addRow(QLabel(f"<b>{title}</b>"))
            for name in names:
                editor = self._editor(name, values.values[name])
                self.editors[name] = editor
                form.addRow(_(FIELD_LABELS[name]), editor)
            columns.addLayout(form, 1)
        self.reason = QLineEdit(placeholderText=_("Ví dụ: nhập sai số CCCD khi tiếp nhận"))
        self.errors = QLabel()
        self.errors.setStyleSheet("color: #b71c1c;")
        self.errors.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            _("Lưu sửa đổi (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(_("Hủy (Esc)"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)
        reason_row = QFormLayout()
        reason_row.addRow(_("Lý do sửa (bắt buộc)"), self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                _("Hồ sơ {code} — {procedure}").format(
                    code=f"<b>{values.code}</b>", procedure=values.procedure_name
                )
                + "<br>"
                + _("Tiếp nhận lúc {when}. Thông tin cũ được giữ trong lịch sử hồ sơ.").format(
                    when=f"{values.received_local:%H:%M %d/%m/%Y}"
                )
            )
        )
        layout.addLayout(columns)
        layout.addLayout(reason_row)
        layout.addWidget(self.errors)
        layout.addWidget(buttons)
        self.save_hook: Callable[[], None] = self._run_save

    @staticmethod
    def _editor(name: str, value: Any) -> QWidget:
        if name in _CHOICES:
            combo = QComboBox()
            for label, data in _CHOICES[name]:
                shown = _(label)
                combo.addItem(shown[:1].upper() + shown[1:], data)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo
        if name == "sets_count":
            spin = QSpinBox(minimum=1, maximum=99)
            spin.setValue(int(value or 1))
            return spin
        text = f"{value:%d/%m/%Y}" if isinstance(value, date) else str(value or "")
        edit = QLineEdit(text)
        if name == "birth_date":
            edit.setPlaceholderText(_("ngày/tháng/năm"))
        return edit

    def value_of(self, name: str) -> Any:
        """What the editor of a field holds (a date for the birth date; FieldErrors if unreadable)."""
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            return editor.currentData()
        if isinstance(editor, QSpinBox):
            return editor.value()
        assert isinstance(editor, QLineEdit)
        text = editor.text().strip()
        if name == "birth_date":
            if not text:
                return None
            try:
                return parse_dmy(text)
            except UserFacingError as exc:
                raise FieldErrors({name: exc.message}) from None
        return text

    def changes(self) -> dict[str, Any]:
        """The fields whose editor differs from the value loaded."""
        found: dict[str, Any] = {}
        for name in self.editors:
            value = self.value_of(name)
            if value != self.values.values[name]:
                found[name] = value
        return found

    def show_errors(self, errors: dict[str, str]) -> None:
        """Mark the wrong fields and list the messages."""
        for name, editor in self.editors.items():
            editor.setStyleSheet(_ERROR_STYLE if name in errors else "")
        self.reason.setStyleSheet(_ERROR_STYLE if "reason" in errors else "")
        labels = {**FIELD_LABELS, "reason": N_("Lý do sửa")}
        self.errors.setText("<br>".join(f"{_(labels.get(k, k))}: {v}" for k, v in errors.items()))

    def save(self) -> None:
        """Check and save in the background; the dialog closes when the correction is written."""
        self.save_hook()

    def _run_save(self) -> None:
        try:
            changes = self.changes()
        except FieldErrors as exc:
            self.show_errors(exc.errors)
            return
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id or ""
        code, version, reason = self.values.code, self.values.version, self.reason.text()

        def write() -> Correction:
            with db.write() as session:
                return correct_intake(session, clock, code, user, changes, reason, expected_version=version)

        self.save_button.setEnabled(False)
        self._ctx.runner.run_db(write, self._on_saved, self._on_failed)

    def _on_saved(self, correction: Correction) -> None:
        self.result_correction = correction
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, FieldErrors):
            self.show_errors(error.errors)
        elif isinstance(error, UserFacingError):
            self.show_errors({})
            self.errors.setText(error.message)
        else:
            from ui.errors import show_error

            show_error(self, error)
