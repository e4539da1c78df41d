"""Counter settings declared once: typed, with a default, a Vietnamese label and a validator.

Values live in the `settings` table as JSON text; a missing row means the default. Changing a
setting is audited (who, old value, new value) in the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.errors import FieldErrors
from counter_app.i18n import N_, _
from counter_app.services.audit import append_audit
from counter_app.storage.models import Setting

T = TypeVar("T")


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    """One setting: key, type, default, label shown to the admin, and a check returning a message."""

    key: str
    type: type[T]
    default: T
    label: str
    check: Callable[[T], str | None] | None = None

    def text(self) -> str:
        """The label in the interface language (`label` is the Vietnamese source, marked with N_)."""
        return _(self.label)

    def parse(self, raw: Any) -> T:
        """A stored or typed-in value as this setting's type; FieldErrors naming the setting if not."""
        value: Any = raw
        try:
            if self.type is bool and not isinstance(raw, bool):
                value = str(raw).strip().lower() in ("1", "true", "yes", "có", "co")  # i18n: skip
            elif self.type is int and not isinstance(raw, int):
                value = int(str(raw).strip())
            elif self.type is str:
                value = str(raw).strip()
        except ValueError:
            raise FieldErrors(
                {self.key: _("{label}: hãy nhập một số nguyên").format(label=self.text())}
            ) from None
        if not isinstance(value, self.type):
            raise FieldErrors({self.key: _("{label}: giá trị không hợp lệ").format(label=self.text())})
        problem = self.check(value) if self.check else None
        if problem:
            raise FieldErrors({self.key: f"{self.text()}: {problem}"})
        return value


def _minutes(value: int) -> str | None:
    return None if 1 <= value <= 240 else _("từ 1 đến 240 phút")


def _url(value: str) -> str | None:
    return None if value.startswith(("https://", "http://")) else _("phải bắt đầu bằng https:// hoặc http://")


IDLE_LOCK_MINUTES = SettingSpec(
    "ui.idle_lock_minutes", int, 10, N_("Khoá màn hình sau (phút) không thao tác"), _minutes
)
STATUS_PAGE_URL = SettingSpec(
    "forms.status_page_url",
    str,
    "https://dichvucong.gov.vn/tra-cuu-ho-so?ma=",
    N_("Địa chỉ tra cứu hồ sơ (mã QR trên giấy hẹn, mã hồ sơ được nối vào cuối)"),
    _url,
)
GUIDE_OFFICER = SettingSpec(
    "forms.guide_officer", str, "", N_("Công chức hướng dẫn (in trên Mẫu 02, 03)"), None
)
GUIDE_PHONE = SettingSpec(
    "forms.guide_phone", str, "", N_("Số điện thoại hướng dẫn (in trên Mẫu 02, 03)"), None
)
TRACKING_BOOK_VOLUME = SettingSpec(
    "forms.tracking_book_volume",
    int,
    1,
    N_("Quyển số của Sổ theo dõi hồ sơ"),
    lambda v: None if v >= 1 else _("từ 1"),
)


def _between(low: int, high: int, unit: str) -> Callable[[int], str | None]:
    return lambda v: (
        None
        if low <= v <= high
        else _("từ {low} đến {high} {unit}").format(low=low, high=high, unit=_(unit) if unit else "").rstrip()
    )


SYNC_INTERVAL_SECONDS = SettingSpec(
    "sync.interval_seconds", int, 60, N_("Đồng bộ định kỳ mỗi (giây)"), _between(10, 3600, N_("giây"))
)
SYNC_BATCH_SIZE = SettingSpec(
    "sync.batch_size", int, 500, N_("Số thao tác tối đa mỗi lần gửi lên máy chủ"), _between(1, 1000, "")
)
SYNC_PULL_LIMIT = SettingSpec(
    "sync.pull_limit", int, 500, N_("Số thay đổi tối đa mỗi lần tải từ máy chủ"), _between(1, 1000, "")
)
SYNC_STALL_MINUTES = SettingSpec(
    "sync.stall_minutes",
    int,
    15,
    N_("Cảnh báo đồng bộ bị treo khi hàng đợi không giảm sau (phút)"),
    _between(1, 1440, N_("phút")),
)
SYNC_WEDGE_SECONDS = SettingSpec(
    "sync.wedge_seconds",
    int,
    300,
    N_("Khởi động lại lượt đồng bộ không tiến triển sau (giây)"),
    _between(60, 3600, N_("giây")),
)
SKEW_WARNING_SECONDS = SettingSpec(
    "sync.skew_warning_seconds",
    int,
    300,
    N_("Cảnh báo đồng hồ máy lệch với máy chủ quá (giây)"),
    _between(30, 86400, N_("giây")),
)


def _printer_name(value: str) -> str | None:
    return None if len(value) <= 200 and value.isprintable() else _("tên máy in không hợp lệ")


# Printers chosen in the first-run wizard or in Quản trị; "" = the system's default printer.
RECEIPT_PRINTER = SettingSpec(
    "printing.receipt_printer",
    str,
    "",
    N_("Máy in giấy tiếp nhận (để trống: máy in mặc định)"),
    _printer_name,
)
TICKET_PRINTER = SettingSpec(
    "printing.ticket_printer",
    str,
    "",
    N_("Máy in phiếu số thứ tự (để trống: máy in mặc định)"),
    _printer_name,
)

FORMS_KEEP_DAYS = SettingSpec(
    "forms.keep_days",
    int,
    30,
    N_("Tự xoá tệp PDF đã in (có thông tin cá nhân) sau (ngày)"),
    _between(1, 3650, N_("ngày")),
)


REPRINT_GRACE_MINUTES = SettingSpec(
    "forms.reprint_grace_minutes",
    int,
    10,
    N_("Cán bộ tự in lại giấy tiếp nhận vừa in (kẹt giấy) trong vòng (phút; 0: luôn cần lãnh đạo duyệt)"),
    _between(0, 60, N_("phút")),
)


def _language(value: str) -> str | None:
    return None if value in ("vi", "en") else _("chọn vi (Tiếng Việt) hoặc en (English)")


UI_LANGUAGE = SettingSpec("ui.language", str, "vi", N_("Ngôn ngữ giao diện (vi, en)"), _language)

ALL: tuple[SettingSpec[Any], ...] = (
    UI_LANGUAGE,
    IDLE_LOCK_MINUTES,
    STATUS_PAGE_URL,
    GUIDE_OFFICER,
    GUIDE_PHONE,
    TRACKING_BOOK_VOLUME,
    SYNC_INTERVAL_SECONDS,
    SYNC_BATCH_SIZE,
    SYNC_PULL_LIMIT,
    SYNC_STALL_MINUTES,
    SYNC_WEDGE_SECONDS,
    SKEW_WARNING_SECONDS,
    RECEIPT_PRINTER,
    TICKET_PRINTER,
    FORMS_KEEP_DAYS,
    REPRINT_GRACE_MINUTES,
)
BY_KEY = {spec.key: spec for spec in ALL}


def get(session: Session, spec: SettingSpec[T]) -> T:
    """The value in force (the default when never set, or when a stored value no longer validates)."""
    raw = session.scalar(select(Setting.value).where(Setting.key == spec.key))
    if raw is None:
        return spec.default
    try:
        return spec.parse(json.loads(raw))
    except (FieldErrors, ValueError):
        return spec.default


def put(session: Session, clock: Clock, spec: SettingSpec[T], raw: Any, by: str | None) -> T:
    """Validate and store a new value in the caller's transaction, with an audit row; returns it."""
    value = spec.parse(raw)
    old = get(session, spec)
    row = session.get(Setting, spec.key)
    now = clock.now_utc()
    if row is None:
        session.add(Setting(key=spec.key, value=json.dumps(value, ensure_ascii=False), updated_at=now))
    else:
        row.value = json.dumps(value, ensure_ascii=False)
        row.updated_at = now
    session.flush()
    append_audit(session, clock, by, "setting.change", "setting", spec.key, {"old": old, "new": value})
    return value
