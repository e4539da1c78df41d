"""The UI's error policy: cancelled is silent, user-facing gets a short message, a bug gets details."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from counter_app.errors import Cancelled, UserFacingError
from counter_app.i18n import _

log = logging.getLogger(__name__)


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Tell the user about `error` the way its class asks for."""
    if isinstance(error, Cancelled):
        return
    if isinstance(error, UserFacingError):
        QMessageBox.warning(parent, _("Không thực hiện được"), error.message)
        return
    details = "".join(traceback.format_exception(error))
    log.error("unexpected error\n%s", details)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(_("Lỗi phần mềm"))
    box.setText(
        _(
            "Phần mềm gặp lỗi ngoài dự kiến. Dữ liệu đã lưu không bị ảnh hưởng.\n"
            "Hãy gửi nội dung chi tiết cho bộ phận CNTT."
        )
    )
    box.setDetailedText(details)
    copy = box.addButton(_("Sao chép chi tiết"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
    box.exec()
