"""The demo accounts `seed-demo` creates, apart from its command so the desktop client names them cheaply."""

from __future__ import annotations

DEMO_USERS = (
    ("canbo1", "Nguyễn Thị Hồng Nhung", "clerk"),  # i18n: skip
    ("canbo2", "Trần Văn Đức", "clerk"),  # i18n: skip
    ("canbo3", "Lê Thị Ánh Tuyết", "clerk"),  # i18n: skip
    ("lanhdao", "Phạm Quốc Việt", "supervisor"),  # i18n: skip
)
DEMO_PASSWORD = "motcua2026"
