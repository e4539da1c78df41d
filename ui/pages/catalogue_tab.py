"""The "Danh mục thủ tục" tab: the catalogue, searchable without diacritics; an admin imports a file
(previewed before anything is written, audited) or exports the catalogue to a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.catalogue.schema import CatalogueError, ProcedureSpec, format_deadline, format_fee
from counter_app.catalogue.service import (
    CatalogueDiff,
    CatalogueEntry,
    ImportReport,
    diff_catalogue,
    export_catalogue,
    list_procedures,
    read_catalogue_file,
    write_catalogue_file,
)
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _, _n, _p
from counter_app.services.catalogue_admin import import_procedures
from counter_app.text import fold
from ui.context import AppContext
from ui.errors import show_error
from ui.table_model import RowsModel

CATALOGUE_HEADERS = (
    N_("Mã thủ tục"),
    N_("Tên thủ tục"),
    N_("Lĩnh vực"),
    N_("Thời hạn"),
    N_("Lệ phí"),
    N_("Số giấy tờ"),
)
FILE_FILTER = N_("Danh mục thủ tục (*.json *.xlsx)")


def catalogue_cells(entry: CatalogueEntry) -> tuple[str, ...]:
    """What the catalogue table shows of one procedure."""
    spec = entry.spec
    code = spec.code if entry.active else _("{code} (ngừng)").format(code=spec.code)
    return (
        code,
        spec.name,
        spec.field_name,
        format_deadline(spec),
        format_fee(spec.fee_amount),
        str(len(spec.documents)),
    )


def matches(entry: CatalogueEntry, words: list[str]) -> bool:
    """Every folded word of the search appears in the code, name or field (đ = d, no diacritics)."""
    spec = entry.spec
    haystack = fold(f"{spec.code} {spec.name} {spec.field_name}")
    return all(word in haystack for word in words)


@dataclass(frozen=True)
class PendingImport:
    """A file read and checked, with what importing it would change (replace decides `deactivated`)."""

    path: Path
    specs: tuple[ProcedureSpec, ...]
    diff: CatalogueDiff  # computed with replace: its `deactivated` applies only if the admin ticks it


CHANGE_KINDS = (N_("Thêm mới"), N_("Cập nhật"), N_("Ngừng áp dụng"))


class ImportPreviewDialog(QDialog):
    """What an import will do, before it does it: counts, the changed procedures, and the replace choice."""

    def __init__(self, parent: QWidget, pending: PendingImport) -> None:
        super().__init__(parent)
        self.pending = pending
        self.setWindowTitle(_("Nhập danh mục thủ tục"))
        self.resize(820, 520)
        diff = pending.diff
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.replace = QCheckBox(
            _n(
                "Ngừng áp dụng {n} thủ tục đang dùng nhưng không có trong tệp (không xóa; hồ sơ cũ giữ nguyên)",
                len(diff.deactivated),
            ).format(n=len(diff.deactivated))
        )
        self.replace.setEnabled(bool(diff.deactivated))
        self.replace.toggled.connect(self._show)
        self.model = RowsModel([_("Thay đổi"), _("Mã thủ tục"), _("Tên thủ tục")], lambda row: row)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setColumnWidth(0, 130)
        self.view.setColumnWidth(1, 110)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton(_("Nhập danh mục"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Tệp: {name}").format(name=pending.path.name)))
        layout.addWidget(self.summary)
        layout.addWidget(self.replace)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self._show()

    def _show(self) -> None:
        diff = self.pending.diff
        gone = diff.deactivated if self.replace.isChecked() else ()
        text = _(
            "Tệp có {total} thủ tục: thêm mới {added}, cập nhật {updated}, không đổi {unchanged}."
        ).format(
            total=len(self.pending.specs),
            added=len(diff.added),
            updated=len(diff.updated),
            unchanged=len(diff.unchanged),
        )
        if gone:
            text += " " + _("Ngừng áp dụng {n}.").format(n=len(gone))
        if not (diff.added or diff.updated or gone):
            text += " " + _("Danh mục đã giống hệt tệp; nhập cũng không thay đổi gì.")
        self.summary.setText(text)
        added, updated, stopped = (_(kind) for kind in CHANGE_KINDS)
        rows = [(added, s.code, s.name) for s in diff.added]
        rows += [(updated, s.code, s.name) for s in diff.updated]
        rows += [(stopped, s.code, s.name) for s in gone]
        self.model.set_rows(rows)


class CatalogueTab(QWidget):
    """The procedures of this counter; search, show stopped ones, import (admins) and export."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self._ctx = ctx
        self._entries: list[CatalogueEntry] = []
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("Tìm theo mã, tên hoặc lĩnh vực (gõ không dấu cũng được)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.show_stopped = QCheckBox(_("Hiện cả thủ tục ngừng áp dụng"))
        self.show_stopped.toggled.connect(self.refresh)
        self.import_button = QPushButton(_("Nhập từ tệp…"))
        self.import_button.setToolTip(
            _("Cập nhật danh mục từ tệp .json hoặc .xlsx (theo mã thủ tục); xem trước rồi mới ghi")
        )
        self.import_button.clicked.connect(self._on_import_clicked)
        self.import_button.setEnabled(ctx.role == "admin")  # again on refresh: the user may change
        self.export_button = QPushButton(_("Xuất ra tệp…"))
        self.export_button.clicked.connect(self._on_export_clicked)
        self.count = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.hide()
        self.model = RowsModel([_(h) for h in CATALOGUE_HEADERS], catalogue_cells)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((110, 420, 150, 260, 100)):
            self.view.setColumnWidth(column, width)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.show_stopped)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count)
        self.last_report: ImportReport | None = None

    def say(self, text: str, *, error: bool = False) -> None:
        """The line above the table: what just happened (red when refused); an empty line takes no room."""
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # --- the list -------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the catalogue (off the GUI thread); only admins may import."""
        self.import_button.setEnabled(self._ctx.role == "admin")
        db, everything = self._ctx.db, self.show_stopped.isChecked()

        def load() -> list[CatalogueEntry]:
            with db.read() as session:
                return list_procedures(session, active_only=not everything)

        self._ctx.runner.run_db(load, self._loaded, lambda exc: show_error(self, exc))

    def _loaded(self, entries: list[CatalogueEntry]) -> None:
        self._entries = entries
        self._filter()

    def _filter(self) -> None:
        words = fold(self.search.text()).split()
        shown = [e for e in self._entries if matches(e, words)] if words else self._entries
        self.model.set_rows(shown)
        self.count.setText(
            _n("{shown}/{total} thủ tục", len(self._entries)).format(
                shown=len(shown), total=len(self._entries)
            )
        )

    # --- import ---------------------------------------------------------------------------------------
    def _on_import_clicked(self) -> None:
        path, _chosen = QFileDialog.getOpenFileName(self, _("Chọn tệp danh mục thủ tục"), "", _(FILE_FILTER))
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        """Read and check `path` and compute its changes (off the GUI thread), then show the preview."""
        db = self._ctx.db

        def read() -> PendingImport:
            specs = tuple(read_catalogue_file(path))
            with db.read() as session:
                return PendingImport(path, specs, diff_catalogue(session, specs, replace=True))

        self.say(_("Đang đọc {name}…").format(name=path.name))
        self._ctx.runner.run_db(read, self._preview, self._on_import_failed)

    def _preview(self, pending: PendingImport) -> None:
        self.say("")
        self.dialog = ImportPreviewDialog(self, pending)
        self.dialog.accepted.connect(lambda: self.confirm_import(pending, self.dialog.replace.isChecked()))
        self.dialog.open()

    def confirm_import(self, pending: PendingImport, replace: bool) -> None:
        """Write the previewed import in one transaction, audited as this admin's."""
        db, clock, user = self._ctx.db, self._ctx.clock, self._ctx.user_id

        def write() -> ImportReport:
            with db.write() as session:
                return import_procedures(
                    session, clock, pending.specs, replace=replace, source=pending.path.name, by=user
                )

        self._ctx.runner.run_db(write, self._imported, self._on_import_failed)

    def _imported(self, report: ImportReport) -> None:
        self.last_report = report
        text = _("Đã nhập danh mục: thêm mới {added}, cập nhật {updated}, không đổi {unchanged}").format(
            added=report.added, updated=report.updated, unchanged=report.unchanged
        )
        if report.deactivated:
            text += _(", ngừng áp dụng {n}").format(n=report.deactivated)
        self.say(text + ".")
        self.refresh()

    def _on_import_failed(self, error: BaseException) -> None:
        if not isinstance(error, UserFacingError):
            self.say("")
            show_error(self, error)
            return
        if not (isinstance(error, CatalogueError) and error.problems):
            self.say(error.message, error=True)  # e.g. not JSON, an unknown extension, a role refusal
            return
        self.say(
            _n("Tệp có {n} lỗi nên chưa nhập gì. Sửa tệp rồi nhập lại.", len(error.problems)).format(
                n=len(error.problems)
            ),
            error=True,
        )
        box = QMessageBox(QMessageBox.Icon.Warning, _("Tệp danh mục có lỗi"), self.status.text(), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setDetailedText("\n".join(p.describe() for p in error.problems))
        box.open()

    # --- export ---------------------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        path, _chosen = QFileDialog.getSaveFileName(
            self, _("Xuất danh mục thủ tục"), _p("file name", "danh-muc-thu-tuc.xlsx"), _(FILE_FILTER)
        )
        if path:
            chosen = Path(path)
            self.export_to(chosen if chosen.suffix else chosen.with_suffix(".xlsx"))

    def export_to(self, path: Path) -> None:
        """Write the active catalogue to a .json or .xlsx file (off the GUI thread)."""
        db = self._ctx.db

        def write() -> int:
            with db.read() as session:
                specs = export_catalogue(session)
            write_catalogue_file(path, specs, source=_("Xuất từ phần mềm Một cửa"))
            return len(specs)

        def done(count: int) -> None:
            self.say(_n("Đã xuất {n} thủ tục ra {path}.", count).format(n=count, path=path))

        self._ctx.runner.run_db(write, done, self._on_import_failed)
