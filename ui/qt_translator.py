"""Qt's own texts (dialog buttons, edit menus, file and print dialogs) in Vietnamese.

Qt ships no Vietnamese catalogue (there is no qtbase_vi.qm), so without this a Vietnamese clerk sees
"OK", "Cancel" and "Select All". The translator answers Qt's English source strings from a table,
whatever the Qt context; in English nothing is installed and Qt speaks its own language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, QTranslator

QT_VIETNAMESE: dict[str, str] = {
    # Dialog buttons (QPlatformTheme, QDialogButtonBox, QMessageBox)
    "OK": "Đồng ý",
    "&OK": "Đồng &ý",
    "Cancel": "Huỷ",
    "&Cancel": "&Huỷ",
    "Yes": "Có",
    "&Yes": "&Có",
    "No": "Không",
    "&No": "&Không",
    "Yes to &All": "Có với &tất cả",
    "N&o to All": "Không với tất &cả",
    "Close": "Đóng",
    "&Close": "Đó&ng",
    "Save": "Lưu",
    "&Save": "&Lưu",
    "Save All": "Lưu tất cả",
    "Open": "Mở",
    "&Open": "&Mở",
    "Apply": "Áp dụng",
    "Reset": "Đặt lại",
    "Restore Defaults": "Khôi phục mặc định",
    "Help": "Trợ giúp",
    "Discard": "Bỏ qua",
    "Don't Save": "Không lưu",
    "Close without Saving": "Đóng không lưu",
    "Abort": "Dừng",
    "Retry": "Thử lại",
    "Ignore": "Bỏ qua",
    "Show Details...": "Xem chi tiết...",
    "Hide Details...": "Ẩn chi tiết...",
    # Edit menus of line edits and text boxes
    "&Undo": "&Hoàn tác",
    "&Redo": "&Làm lại",
    "Cu&t": "&Cắt",
    "&Copy": "&Sao chép",
    "Copy &Link Location": "Sao chép địa chỉ &liên kết",
    "&Paste": "&Dán",
    "Delete": "Xoá",
    "Select All": "Chọn tất cả",
    # File dialogs
    "Look in:": "Tìm trong:",
    "File &name:": "&Tên tệp:",
    "File name": "Tên tệp",
    "Files of type:": "Kiểu tệp:",
    "Save As": "Lưu thành",
    "Find Directory": "Chọn thư mục",
    "Directory:": "Thư mục:",
    "&Choose": "&Chọn",
    "Name": "Tên",
    "Size": "Kích thước",
    "Type": "Kiểu",
    "Date Modified": "Ngày sửa",
    "Back": "Quay lại",
    "Forward": "Tiến tới",
    "Parent Directory": "Thư mục cha",
    "Create New Folder": "Tạo thư mục mới",
    "New Folder": "Thư mục mới",
    "List View": "Xem dạng danh sách",
    "Detail View": "Xem chi tiết",
    "All Files (*)": "Mọi tệp (*)",
    "My Computer": "Máy tính",
    "%1 already exists.\nDo you want to replace it?": "%1 đã có.\nBạn có muốn thay thế không?",
    "&Rename": "Đổi &tên",
    "&Delete": "&Xoá",
    "Show &hidden files": "Hiện tệp ẩn",
    # Print dialogs
    "Print": "In",
    "&Print": "&In",
    "Printer": "Máy in",
    "Print to File (PDF)": "In ra tệp (PDF)",
    "Copies": "Số bản",
    "Pages": "Trang",
    "Page Setup": "Thiết lập trang",
    "Print Preview": "Xem trước khi in",
    "Properties": "Thuộc tính",
    "Options": "Tuỳ chọn",
    # Wizards
    "< &Back": "< &Quay lại",
    "&Next >": "&Tiếp >",
    "&Finish": "&Hoàn tất",
    "&Next": "&Tiếp",
    "&Back": "&Quay lại",
    "Go Back": "Quay lại",
    "Continue": "Tiếp tục",
    "Commit": "Xác nhận",
    "Done": "Xong",
}


class VietnameseQtTranslator(QTranslator):
    """Answers Qt's built-in English strings in Vietnamese; leaves every other string alone."""

    def isEmpty(self) -> bool:
        return False

    def translate(
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": Qt takes an empty string as a translation and would blank every other text.
        return QT_VIETNAMESE.get(source_text)


_installed: VietnameseQtTranslator | None = None


def install_qt_translator(language: str, parent: QObject | None = None) -> None:
    """Install the Vietnamese table when the interface is Vietnamese, remove it otherwise."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    if language == "vi":
        _installed = VietnameseQtTranslator(parent or app)
        app.installTranslator(_installed)
