"""The dossier list's filter bar: status, field, procedure, clerk, received period, due toggles, order."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from counter_app.services.calendar_admin import OPEN_STATUSES
from counter_app.services.dossier_query import STATUS_NAMES, DossierFilter, DueKind, FilterChoices, SortKey

DUE_LABELS: dict[DueKind, str] = {
    "today": "Đến hạn hôm nay",
    "soon": "Sắp đến hạn (≤ 1 ngày làm việc)",
    "overdue": "Quá hạn",
}
SORT_LABELS: dict[SortKey, str] = {"received": "Mới nhận trước", "appointment": "Hẹn trả sớm nhất trước"}


def _combo(first: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, None)
    return combo


class ListFilters(QWidget):
    """Emits `changed` whenever the chosen filter changes; `current(text)` gives it as a DossierFilter."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.status = _combo("Tất cả trạng thái")
        self.status.addItem("Đang giải quyết (chưa xong)", OPEN_STATUSES)
        for code, name in STATUS_NAMES.items():
            self.status.addItem(name, (code,))
        self.field = _combo("Tất cả lĩnh vực")
        self.procedure = _combo("Tất cả thủ tục")
        self.procedure.setMinimumContentsLength(24)
        self.procedure.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.clerk = _combo("Tất cả cán bộ")
        self.sort = QComboBox()
        for key, label in SORT_LABELS.items():
            self.sort.addItem(label, key)
        self.period = QCheckBox("Ngày nhận từ")
        today = QDate.currentDate()
        self.received_from = QDateEdit(today.addDays(-30), calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.received_to = QDateEdit(today, calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.due_buttons: dict[DueKind, QPushButton] = {}
        for kind, label in DUE_LABELS.items():
            button = QPushButton(label, checkable=True)
            button.toggled.connect(lambda on, k=kind: self._due_toggled(k, on))
            self.due_buttons[kind] = button
        self.clear = QPushButton("Bỏ lọc")
        self.clear.clicked.connect(self.reset)

        first = QHBoxLayout()
        for widget in (self.status, self.field, self.procedure, self.clerk, self.sort):
            first.addWidget(widget)
        first.addStretch(1)
        second = QHBoxLayout()
        second.addWidget(self.period)
        second.addWidget(self.received_from)
        second.addWidget(self.received_to)
        second.addSpacing(12)
        for button in self.due_buttons.values():
            second.addWidget(button)
        second.addStretch(1)
        second.addWidget(self.clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)

        self._set_period_enabled(False)
        self.period.toggled.connect(self._set_period_enabled)
        for combo in (self.status, self.field, self.procedure, self.clerk, self.sort):
            combo.currentIndexChanged.connect(self.changed)
        self.period.toggled.connect(self.changed)
        self.received_from.dateChanged.connect(self._period_changed)
        self.received_to.dateChanged.connect(self._period_changed)

    def _set_period_enabled(self, on: bool) -> None:
        self.received_from.setEnabled(on)
        self.received_to.setEnabled(on)

    def _period_changed(self) -> None:
        if self.period.isChecked():
            self.changed.emit()

    def _due_toggled(self, kind: DueKind, on: bool) -> None:
        # At most one of the three toggles; a due list is read soonest appointment first.
        if on:
            for other, button in self.due_buttons.items():
                if other != kind and button.isChecked():
                    button.blockSignals(True)
                    button.setChecked(False)
                    button.blockSignals(False)
            if self.sort.currentData() != "appointment":
                self.sort.blockSignals(True)
                self.sort.setCurrentIndex(self.sort.findData("appointment"))
                self.sort.blockSignals(False)
        self.changed.emit()

    def set_choices(self, choices: FilterChoices) -> None:
        """Fill the field, procedure and clerk combos, keeping what was chosen."""
        for combo, items in (
            (self.field, choices.fields),
            (self.procedure, choices.procedures),
            (self.clerk, choices.clerks),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for key, name in items:
                combo.addItem(name, key)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen is not None else 0)
            combo.blockSignals(False)

    def set_due(self, kind: DueKind) -> None:
        """Show only `kind` dossiers (the alert banner's click): other filters are cleared."""
        self.reset(emit=False)
        self.due_buttons[kind].setChecked(True)  # emits changed

    def reset(self, *, emit: bool = True) -> None:
        """Back to every dossier, newest first."""
        widgets = (self.status, self.field, self.procedure, self.clerk, self.sort, self.period)
        for widget in (*widgets, *self.due_buttons.values()):
            widget.blockSignals(True)
        for combo in (self.status, self.field, self.procedure, self.clerk, self.sort):
            combo.setCurrentIndex(0)
        self.period.setChecked(False)
        self._set_period_enabled(False)
        for button in self.due_buttons.values():
            button.setChecked(False)
        for widget in (*widgets, *self.due_buttons.values()):
            widget.blockSignals(False)
        if emit:
            self.changed.emit()

    def due(self) -> DueKind | None:
        """The due toggle that is on, if any."""
        return next((kind for kind, button in self.due_buttons.items() if button.isChecked()), None)

    def current(self, text: str = "") -> DossierFilter:
        """The filter as chosen, with the search box's `text`."""
        received: tuple[date | None, date | None] = (None, None)
        if self.period.isChecked():
            received = (self.received_from.date().toPython(), self.received_to.date().toPython())  # type: ignore[assignment]
        return DossierFilter(
            text=text,
            statuses=self.status.currentData() or (),
            procedure_id=self.procedure.currentData(),
            field_code=self.field.currentData() or "",
            received_from=received[0],
            received_to=received[1],
            clerk_id=self.clerk.currentData(),
            due=self.due(),
            sort=self.sort.currentData() or "received",
        )
