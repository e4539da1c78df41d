"""The dossier's papers: the catalogue checklist ticked as received, extra papers, sets, delivery and fee."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from counter_app.catalogue.schema import describe_fee
from counter_app.catalogue.service import CatalogueEntry
from counter_app.i18n import N_, _
from counter_app.services.validation import DocumentLine
from ui.pages.intake.fields import ErrorMarks, error_label, with_error

HEADERS = (N_("Giấy tờ (đánh dấu giấy tờ đã nhận)"), N_("Bản chính"), N_("Bản sao CT"), N_("Bản sao"))
DELIVERY_CHOICES = (
    ("counter", N_("Nhận tại Bộ phận Một cửa")),
    ("post", N_("Qua bưu chính công ích (BCCI)")),
)
_CATALOGUE = Qt.ItemDataRole.UserRole  # on column 0: True for a catalogue row, False for an extra paper
MAX_FEE = 100_000_000


class WrappedLabel(QLabel):
    """A word-wrapped label that keeps the height of all its lines: the form around it never squeezes a
    two-line fee into one line (the checklist above gives way instead)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        """Show `text`; the minimum height follows it at the next layout."""
        super().setText(text)
        self._fit()

    def hasHeightForWidth(self) -> bool:
        # The form honours the minimum height set by _fit; as height-for-width it squeezed it to one line.
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


class DocumentsSection(QWidget):
    """What the citizen hands in and how the result goes back; the fee is the catalogue's unless a
    reason is written."""

    sig_delivery_changed = Signal(str)  # "counter" or "post"

    def __init__(self, marks: ErrorMarks) -> None:
        super().__init__()
        self._catalogue_fee = 0
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels([_(text) for text in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows + Space tick inside it
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.setAccessibleName(_("Thành phần hồ sơ"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.add_extra = QPushButton(_("+ Giấy tờ khác"))
        self.add_extra.setToolTip(_("Thêm một dòng cho giấy tờ không có trong danh mục của thủ tục"))
        self.sets_count = QSpinBox(minimum=1, maximum=99, value=1)
        self.sets_count.setSuffix(_(" bộ"))
        self.delivery = QComboBox()
        for code, label in DELIVERY_CHOICES:
            self.delivery.addItem(_(label), code)
        self.delivery_address = QLineEdit(placeholderText=_("địa chỉ nhận kết quả qua bưu điện"))
        self.fee_label = WrappedLabel("—")
        self.fee_override = QCheckBox(_("Thu khác mức"))
        self.fee_collected = QSpinBox(minimum=0, maximum=MAX_FEE, singleStep=1000)
        self.fee_collected.setSuffix(_(" đ"))
        self.fee_collected.setGroupSeparatorShown(True)
        self.fee_reason = QLineEdit(placeholderText=_("lý do (miễn, giảm…): bắt buộc khi thu khác mức"))

        labels = {name: error_label() for name in _FIELD_ORDER}
        buttons = QHBoxLayout()
        buttons.addWidget(labels["documents"], 1)
        buttons.addWidget(self.add_extra, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(5)
        form.addRow(self.table)
        form.addRow(buttons)
        form.addRow(_("Số lượng hồ sơ:"), with_error(self.sets_count, labels["sets_count"]))
        form.addRow(_("Nhận kết quả:"), self.delivery)
        form.addRow(_("Địa chỉ nhận:"), with_error(self.delivery_address, labels["delivery_address"]))
        fee_row = QWidget()
        fee = QHBoxLayout(fee_row)
        fee.setContentsMargins(0, 0, 0, 0)
        fee.addWidget(self.fee_label, 1)
        fee.addWidget(self.fee_override)
        form.addRow(_("Phí, lệ phí:"), fee_row)
        self._fee_rows = QWidget()
        override = QHBoxLayout(self._fee_rows)
        override.setContentsMargins(0, 0, 0, 0)
        override.addWidget(with_error(self.fee_collected, labels["fee_collected"]))
        override.addWidget(with_error(self.fee_reason, labels["fee_reason"]), 1)
        form.addRow(_("Số tiền thu:"), self._fee_rows)
        self._form = form
        self._show_row(self.delivery_address, False)
        self._show_row(self._fee_rows, False)
        marks.add("documents", self.table, labels["documents"])
        for name in _FIELD_ORDER[1:]:
            marks.add(name, getattr(self, name), labels[name])

        self.add_extra.clicked.connect(self._on_add_extra_clicked)
        self.delivery.currentIndexChanged.connect(self._on_delivery_current_index_changed)
        self.fee_override.toggled.connect(self._on_fee_override_toggled)

    def _show_row(self, field: QWidget, visible: bool) -> None:
        # The field sits inside its error cell; hide the whole form row (label included).
        cell = field if field is self._fee_rows else field.parentWidget()
        assert cell is not None
        self._form.setRowVisible(cell, visible)

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None, (row, column)  # every cell is filled when its row is added
        return item

    # --- the checklist --------------------------------------------------------------------------------
    def load(self, entry: CatalogueEntry | None) -> None:
        """The checklist of `entry` (nothing ticked yet) and its catalogue fee; None empties it."""
        self.table.setRowCount(0)
        self._catalogue_fee = entry.spec.fee_amount if entry else 0
        for doc in entry.spec.documents if entry else ():
            name = doc.name if doc.required else _("{name} (nếu có)").format(name=doc.name)
            self._append_row(name, doc.originals, doc.certified_copies, doc.copies, catalogue=True)
            item = self._item(self.table.rowCount() - 1, 0)
            item.setData(Qt.ItemDataRole.UserRole + 1, doc.name)
            if doc.required:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setToolTip(_("Giấy tờ bắt buộc"))
        self.table.resizeRowsToContents()
        self.fee_label.setText(describe_fee(entry.spec) if entry else "—")
        self.fee_collected.setValue(self._catalogue_fee)
        self.fee_override.setChecked(False)
        if self.table.rowCount():
            self.table.setCurrentCell(0, 0)

    def _append_row(self, name: str, originals: int, certified: int, copies: int, *, catalogue: bool) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(name)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
        if not catalogue:
            flags |= Qt.ItemFlag.ItemIsEditable
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Unchecked if catalogue else Qt.CheckState.Checked)
        item.setData(_CATALOGUE, catalogue)
        self.table.setItem(row, 0, item)
        for column, count in ((1, originals), (2, certified), (3, copies)):
            cell = QTableWidgetItem()
            cell.setData(Qt.ItemDataRole.EditRole, count)  # an int: the editor is a spin box
            cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, column, cell)
        return row

    def _on_add_extra_clicked(self) -> None:
        row = self._append_row("", 0, 0, 1, catalogue=False)
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self._item(row, 0))

    def add_extra_paper(self, name: str, originals: int = 0, certified: int = 0, copies: int = 1) -> None:
        """Add a received paper the catalogue does not list."""
        self._append_row(name, originals, certified, copies, catalogue=False)

    def set_received(self, row: int, received: bool = True) -> None:
        """Tick (or untick) the paper on `row`."""
        state = Qt.CheckState.Checked if received else Qt.CheckState.Unchecked
        self._item(row, 0).setCheckState(state)

    def tick_all(self) -> None:
        """Mark every paper of the checklist as received."""
        for row in range(self.table.rowCount()):
            self.set_received(row)

    def _line(self, row: int) -> tuple[DocumentLine, bool]:
        item = self._item(row, 0)
        name = item.data(Qt.ItemDataRole.UserRole + 1) or item.text()
        counts = [self._count(row, column) for column in (1, 2, 3)]
        received = item.checkState() == Qt.CheckState.Checked
        return DocumentLine(name, counts[0], counts[1], counts[2], received), bool(item.data(_CATALOGUE))

    def _count(self, row: int, column: int) -> int:
        value = self._item(row, column).data(Qt.ItemDataRole.EditRole)
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    def missing(self) -> list[str]:
        """The catalogue papers not ticked as received (for the supplement request, Mẫu 02)."""
        names = []
        for row in range(self.table.rowCount()):
            line, catalogue = self._line(row)
            if catalogue and not line.received:
                names.append(line.name)
        return names

    # --- delivery and fee -----------------------------------------------------------------------------
    def _on_delivery_current_index_changed(self, _index: int) -> None:
        post = self.delivery.currentData() == "post"
        self._show_row(self.delivery_address, post)
        self.sig_delivery_changed.emit(self.delivery.currentData())
        if post:
            self.delivery_address.setFocus()

    def _on_fee_override_toggled(self, checked: bool) -> None:
        self._show_row(self._fee_rows, checked)
        if checked:
            self.fee_collected.setFocus()
            self.fee_collected.selectAll()
        else:
            self.fee_collected.setValue(self._catalogue_fee)
            self.fee_reason.clear()

    def values(self) -> dict[str, Any]:
        """The block as IntakeForm keyword arguments."""
        documents: list[DocumentLine] = []
        extras: list[DocumentLine] = []
        for row in range(self.table.rowCount()):
            line, catalogue = self._line(row)
            if catalogue:
                documents.append(line)
            elif line.name.strip():
                extras.append(line)
        post = self.delivery.currentData() == "post"
        override = self.fee_override.isChecked()
        return {
            "documents": tuple(documents),
            "extras": tuple(extras),
            "sets_count": self.sets_count.value(),
            "delivery": self.delivery.currentData(),
            "delivery_address": self.delivery_address.text() if post else "",
            "fee_collected": self.fee_collected.value() if override else None,
            "fee_reason": self.fee_reason.text() if override else "",
        }

    def reset(self) -> None:
        """An empty checklist, one set, delivery at the counter, the catalogue fee."""
        self.load(None)
        self.sets_count.setValue(1)
        self.delivery.setCurrentIndex(0)
        self.delivery_address.clear()


_FIELD_ORDER = ("documents", "sets_count", "delivery_address", "fee_collected", "fee_reason")
