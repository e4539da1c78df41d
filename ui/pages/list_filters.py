"""The dossier list's filter bar: status, field, procedure, clerk, received period, due toggles, order."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.i18n import N_, _
from counter_app.services.calendar_admin import OPEN_STATUSES
from counter_app.services.dossier_query import STATUS_NAMES, DossierFilter, DueKind, FilterChoices, SortKey

DUE_LABELS: dict[DueKind, str] = {
    "today": N_("Đến hạn hôm nay"),
    "soon": N_("Sắp đến hạn (≤ 1 ngày làm việc)"),
    "overdue": N_("Quá hạn"),
}
SORT_LABELS: dict[SortKey, str] = {
    "received": N_("Mới nhận trước"),
    "appointment": N_("Hẹn trả sớm nhất trước"),
}
# What a preset (a figure clicked on the supervisor's dashboard) may hold that the widgets cannot show.
_SHOWN = {
    "text",
    "statuses",
    "procedure_id",
    "field_code",
    "received_from",
    "received_to",
    "clerk_id",
    "due",
    "sort",
}


def _combo(first: str) -> QComboBox:
    combo = QComboBox()
    combo.addItem(first, None)
    return combo


class ListFilters(QWidget):
    """Emits `changed` whenever the chosen filter changes; `current(text)` gives it as a DossierFilter."""

    changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.status = _combo(_("Tất cả trạng thái"))
        self.status.addItem(_("Đang giải quyết (chưa xong)"), OPEN_STATUSES)
        for code, name in STATUS_NAMES.items():
            self.status.addItem(_(name), (code,))
        self.field = _combo(_("Tất cả lĩnh vực"))
        self.procedure = _combo(_("Tất cả thủ tục"))
        self.clerk = _combo(_("Tất cả cán bộ"))
        self.sort = QComboBox()
        for key, label in SORT_LABELS.items():
            self.sort.addItem(_(label), key)
        # The list fits 1366×768 at 125 %, and beside the queue panel: long choices elide in the combos.
        for combo, length in ((self.status, 12), (self.procedure, 14), (self.sort, 10)):
            combo.setMinimumContentsLength(length)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.period = QCheckBox(_("Ngày nhận từ"))
        today = QDate.currentDate()
        self.received_from = QDateEdit(today.addDays(-30), calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.received_to = QDateEdit(today, calendarPopup=True, displayFormat="dd/MM/yyyy")
        self.due_buttons: dict[DueKind, QPushButton] = {}
        for kind, label in DUE_LABELS.items():
            button = QPushButton(_(label), checkable=True)
            button.toggled.connect(lambda on, k=kind: self._due_toggled(k, on))
            self.due_buttons[kind] = button
        self.clear = QPushButton(_("Bỏ lọc"))
        self.clear.clicked.connect(self.reset)

        first = QHBoxLayout()
        for widget in (self.status, self.field, self.procedure, self.clerk, self.sort):
            first.addWidget(widget)
        first.addStretch(1)
        first.addWidget(self.clear)  # on the shorter row: the due toggles need the room below
        second = QHBoxLayout()
        second.addWidget(self.period)
        second.addWidget(self.received_from)
        second.addWidget(self.received_to)
        second.addSpacing(12)
        for button in self.due_buttons.values():
            second.addWidget(button)
        second.addStretch(1)
        # A preset from the supervisor's dashboard: its title, and a button to drop what the widgets cannot show.
        self.preset_label = QLabel()
        self.preset_label.setObjectName("presetFilter")
        self.preset_label.setStyleSheet("#presetFilter { color: #0d47a1; font-weight: bold; }")
        self.preset_clear = QPushButton(_("Bỏ điều kiện này"))
        self.preset_clear.clicked.connect(self.clear_preset)
        third = QHBoxLayout()
        third.addWidget(self.preset_label, 1)
        third.addWidget(self.preset_clear)
        self._preset = DossierFilter()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(first)
        layout.addLayout(second)
        layout.addLayout(third)
        self._show_preset("")

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
        self._preset = DossierFilter()
        self._show_preset("")
        if emit:
            self.changed.emit()

    def set_preset(self, flt: DossierFilter, title: str) -> None:
        """Show exactly the dossiers of `flt`: the widgets show what they can, the rest is kept aside
        and named by `title` above the list until cleared."""
        self.reset(emit=False)
        rest = DossierFilter()
        widgets = (self.status, self.field, self.procedure, self.clerk, self.sort, self.period)
        for widget in (*widgets, self.received_from, self.received_to, *self.due_buttons.values()):
            widget.blockSignals(True)
        for combo, value, name in (
            (self.status, flt.statuses or None, "statuses"),
            (self.procedure, flt.procedure_id, "procedure_id"),
            (self.field, flt.field_code or None, "field_code"),
            (self.clerk, flt.clerk_id, "clerk_id"),
        ):
            found = combo.findData(value) if value is not None else 0
            if found >= 0:
                combo.setCurrentIndex(found)
            else:
                rest = replace(rest, **{name: getattr(flt, name)})
        if flt.received_from is not None and flt.received_to is not None:
            self.period.setChecked(True)
            self._set_period_enabled(True)
            self.received_from.setDate(QDate(flt.received_from))
            self.received_to.setDate(QDate(flt.received_to))
        else:
            rest = replace(rest, received_from=flt.received_from, received_to=flt.received_to)
        if flt.due is not None:
            self.due_buttons[flt.due].setChecked(True)
        self.sort.setCurrentIndex(max(0, self.sort.findData(flt.sort)))
        for widget in (*widgets, self.received_from, self.received_to, *self.due_buttons.values()):
            widget.blockSignals(False)
        extra = {f.name: getattr(flt, f.name) for f in fields(flt) if f.name not in _SHOWN}
        self._preset = replace(rest, **extra)
        self._show_preset(title if self._preset != DossierFilter() else "")
        self.changed.emit()

    def clear_preset(self) -> None:
        """Drop the conditions the widgets do not show (the dashboard's figure)."""
        self._preset = DossierFilter()
        self._show_preset("")
        self.changed.emit()

    def _show_preset(self, title: str) -> None:
        self.preset_label.setText(_("Đang xem: {title}").format(title=title) if title else "")
        self.preset_label.setVisible(bool(title))
        self.preset_clear.setVisible(bool(title))

    def due(self) -> DueKind | None:
        """The due toggle that is on, if any."""
        return next((kind for kind, button in self.due_buttons.items() if button.isChecked()), None)

    def current(self, text: str = "") -> DossierFilter:
        """The filter as chosen, with the search box's `text`."""
        received: tuple[date | None, date | None] = (None, None)
        if self.period.isChecked():
            received = (self.received_from.date().toPython(), self.received_to.date().toPython())  # type: ignore[assignment]
        shown = DossierFilter(
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
        kept = {f.name: getattr(self._preset, f.name) for f in fields(self._preset)}
        default = DossierFilter()
        return replace(shown, **{k: v for k, v in kept.items() if v != getattr(default, k)})
