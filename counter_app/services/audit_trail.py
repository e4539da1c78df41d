"""The supervisor's view of the audit trail (issue 9 point 4): filtered pages, Vietnamese labels, export.

Reading never changes the chain; exporting appends one "audit_exported" row (who, how many rows, the
filter) in its own write transaction after the file is written.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, local_to_utc, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.jobs import JobControl, every
from counter_app.services.audit import append_audit, verify_chain
from counter_app.services.users import require_role
from counter_app.services.workflow import ACTION_LABELS as WORKFLOW_LABELS
from counter_app.storage.models import AuditEntry, Dossier, User

PAGE_SIZE = 200
EXPORTED = "audit_exported"
EXPORTER_ROLES = ("supervisor", "admin")  # who may export the audit trail (the audit tab is theirs)
COLUMNS = (N_("Số"), N_("Thời gian"), N_("Người thực hiện"), N_("Thao tác"), N_("Đối tượng"), N_("Chi tiết"))
_WIDTHS = (8, 18, 24, 34, 28, 70)

# Audit actions in Vietnamese; the dossier transitions reuse the workflow's own labels. Unknown: raw.
ACTION_LABELS: dict[str, str] = {
    **WORKFLOW_LABELS,
    "dossier_received": N_("Tiếp nhận hồ sơ"),
    "intake_refused": N_("Từ chối tiếp nhận hồ sơ"),
    "intake_supplement_requested": N_("Hướng dẫn bổ sung khi tiếp nhận"),
    "sign_in": N_("Đăng nhập"),
    "sign_in_failed": N_("Đăng nhập không thành công"),
    "sign_in_refused_locked": N_("Từ chối đăng nhập (tài khoản đang bị khóa)"),
    "account_locked": N_("Khóa tài khoản (nhập sai mật khẩu nhiều lần)"),
    "screen_unlocked": N_("Mở khóa màn hình"),
    "identity_confirmed": N_("Xác nhận danh tính"),
    "password_changed": N_("Đổi mật khẩu"),
    "role_changed": N_("Đổi vai trò người dùng"),
    "user_created": N_("Tạo tài khoản"),
    "first_admin_created": N_("Tạo tài khoản quản trị đầu tiên"),
    "system_user_created": N_("Tạo tài khoản hệ thống"),
    "user_deactivated": N_("Khóa tài khoản người dùng"),
    "user_reactivated": N_("Mở lại tài khoản người dùng"),
    "setting.change": N_("Thay đổi cài đặt"),
    "calendar.change": N_("Thay đổi lịch ngày làm việc"),
    "counter.first_run": N_("Cài đặt quầy lần đầu"),
    "counter.identity_change": N_("Thay đổi thông tin quầy"),
    "catalogue.import": N_("Nhập danh mục thủ tục"),
    "backup_created": N_("Sao lưu dữ liệu"),
    "database_restored": N_("Khôi phục dữ liệu từ bản sao lưu"),
    "day_closed": N_("Chốt sổ cuối ngày"),
    "codes_held": N_("Giữ mã hồ sơ (tạm ngừng cấp mã)"),
    "codes_released": N_("Cho cấp mã hồ sơ trở lại"),
    "code_high_water_raised": N_("Nâng số mã hồ sơ đã cấp"),
    "code_date_guard_reset": N_("Đặt lại kiểm tra ngày của mã hồ sơ"),
    "sync_enrolled": N_("Đăng ký quầy với máy chủ trung tâm"),
    "sync_conflict_resolved": N_("Giải quyết xung đột đồng bộ"),
    "printed": N_("In giấy tờ"),
    "reprinted": N_("In lại giấy tờ"),
    "reprint_requested": N_("Đề nghị in lại"),
    "reprint_approved": N_("Duyệt in lại"),
    "reprint_rejected": N_("Từ chối in lại"),
    "corrected": N_("Sửa thông tin hồ sơ"),
    "exported": N_("Xuất dữ liệu"),
    EXPORTED: N_("Xuất nhật ký kiểm toán"),
}


def action_label(action: str) -> str:
    """The Vietnamese name of an audit action; the raw action when unknown."""
    return _(ACTION_LABELS.get(action, action))


@dataclass(frozen=True)
class AuditFilter:
    """Local dates (inclusive), a user (id or username) and an action; None means any."""

    date_from: date | None = None
    date_to: date | None = None
    user: str | None = None
    action: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "user": self.user,
            "action": self.action,
        }


@dataclass(frozen=True)
class AuditRow:
    """One row as shown and exported."""

    id: int
    at_local: datetime
    user_name: str
    action: str
    action_label: str
    entity: str
    detail: str

    def values(self) -> list[object]:
        return [self.id, self.at_local, self.user_name, self.action_label, self.entity, self.detail]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at_local.isoformat(timespec="seconds"),
            "user": self.user_name,
            "action": self.action,
            "action_label": self.action_label,
            "entity": self.entity,
            "detail": self.detail,
        }


def _filtered(session: Session, flt: AuditFilter) -> Select[Any]:
    query = select(AuditEntry)
    if flt.date_from is not None:
        query = query.where(AuditEntry.at >= local_to_utc(datetime.combine(flt.date_from, time())))
    if flt.date_to is not None:
        end = datetime.combine(flt.date_to + timedelta(days=1), time())
        query = query.where(AuditEntry.at < local_to_utc(end))
    if flt.user:
        user_id = session.scalar(select(User.id).where(User.username == flt.user.strip()))
        query = query.where(AuditEntry.user_id == (user_id or flt.user.strip()))
    if flt.action:
        query = query.where(AuditEntry.action == flt.action.strip())
    return query


def count(session: Session, flt: AuditFilter) -> int:
    """How many rows match the filter."""
    return int(session.scalar(select(func.count()).select_from(_filtered(session, flt).subquery())) or 0)


def _summary(detail: str, limit: int = 200) -> str:
    try:
        data = json.loads(detail)
    except ValueError:
        return detail[:limit]
    if not isinstance(data, dict):
        return str(data)[:limit]
    parts = []
    for key, value in data.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {shown}")
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def page(
    session: Session, flt: AuditFilter, *, offset: int = 0, limit: int = PAGE_SIZE, newest_first: bool = True
) -> list[AuditRow]:
    """One page of matching rows (newest first by default), ready to show."""
    order = AuditEntry.id.desc() if newest_first else AuditEntry.id
    query = _filtered(session, flt).order_by(order).offset(offset).limit(limit)
    entries: list[AuditEntry] = list(session.scalars(query))
    user_ids = {e.user_id for e in entries if e.user_id}
    names = {i: n for i, n in session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))}
    dossier_ids = {e.entity_id for e in entries if e.entity_type == "dossier"}
    dossiers = select(Dossier.id, Dossier.code).where(Dossier.id.in_(dossier_ids))
    codes = {i: c for i, c in session.execute(dossiers)}
    rows = []
    for e in entries:
        if e.entity_type == "dossier":
            entity = _("Hồ sơ {get}").format(get=codes.get(e.entity_id, e.entity_id))
        elif e.entity_type == "user":
            entity = _("Người dùng {get}").format(get=names.get(e.entity_id, e.entity_id))
        else:
            entity = f"{e.entity_type} {e.entity_id}".strip()
        user_name = names.get(e.user_id, e.user_id) if e.user_id else _("(hệ thống)")
        user_name = user_name or ""
        rows.append(
            AuditRow(
                e.id,
                utc_to_local(e.at),
                user_name,
                e.action,
                action_label(e.action),
                entity,
                _summary(e.detail),
            )
        )
    return rows


def chain_status(session: Session) -> tuple[bool, str]:
    """(intact, the sentence shown above the table)."""
    problems = verify_chain(session)
    if not problems:
        return True, _("Chuỗi nhật ký nguyên vẹn.")
    first = problems[0]
    more = _(" (và {value} chỗ khác)").format(value=len(problems) - 1) if len(problems) > 1 else ""
    return False, _("CHUỖI NHẬT KÝ BỊ PHÁ VỠ tại dòng {audit_id}: {message}{more}").format(
        audit_id=first.audit_id, message=first.message, more=more
    )


def _all_rows(session: Session, flt: AuditFilter) -> list[AuditRow]:
    rows: list[AuditRow] = []
    while True:
        chunk = page(session, flt, offset=len(rows), limit=5000, newest_first=False)
        rows.extend(chunk)
        if len(chunk) < 5000:
            return rows


def _write_xlsx(
    rows: list[AuditRow], path: Path, flt: AuditFilter, control: JobControl | None = None
) -> None:
    # openpyxl is slow to import: only when a workbook is written, not at startup.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Nhat ky kiem toan"
    sheet["A1"] = _("NHẬT KÝ KIỂM TOÁN")
    sheet["A1"].font = Font(name="Times New Roman", bold=True, size=14)
    period = _("Từ {date_from:%d/%m/%Y}").format(date_from=flt.date_from) if flt.date_from else _("Từ đầu")
    period += _(" đến {date_to:%d/%m/%Y}").format(date_to=flt.date_to) if flt.date_to else _(" đến nay")
    sheet["A2"] = period
    for index, (title, width) in enumerate(zip([_(c) for c in COLUMNS], _WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=3, column=index, value=title)
        cell.font = Font(name="Times New Roman", bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(rows, start=4):
        every(control, offset - 3, len(rows))
        for index, value in enumerate(row.values(), start=1):
            cell = sheet.cell(row=offset, column=index, value=value)
            cell.alignment = Alignment(vertical="top", wrap_text=index == len(COLUMNS))
            if isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
    sheet.freeze_panes = "A4"
    book.save(path)


def _write_csv(rows: list[AuditRow], path: Path, control: JobControl | None = None) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel opens it as UTF-8
        writer = csv.writer(handle)
        writer.writerow([_(c) for c in COLUMNS])
        for done, row in enumerate(rows, start=1):
            every(control, done, len(rows))
            writer.writerow([row.id, f"{row.at_local:%d/%m/%Y %H:%M}", *row.values()[2:]])


def export(
    db: Any,
    clock: Clock,
    path: Path,
    flt: AuditFilter,
    user_id: str | None,
    control: JobControl | None = None,
) -> int:
    """Write the matching rows (oldest first) to .xlsx or .csv, then audit the export; the row count.

    `db` is the counter's Database (read() and write() sessions). With a `control`, progress is reported
    per row and a cancel stops it (Cancelled): the file is written beside the target and renamed at the
    end, so a cancelled or failed export leaves no partial file and is not audited."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UserFacingError(_("Tệp xuất phải có đuôi .xlsx hoặc .csv."), field="path")
    with db.read() as session:
        if user_id is not None:  # None: the operator at the command line (counter-admin), who holds the file
            require_role(session, user_id, *EXPORTER_ROLES)
        rows = _all_rows(session, flt)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        if suffix == ".xlsx":
            _write_xlsx(rows, scratch, flt, control)
        else:
            _write_csv(rows, scratch, control)
        os.replace(scratch, path)
    except OSError as exc:
        raise UserFacingError(
            _("Không ghi được tệp {path}: {error}.").format(path=path, error=exc.strerror or exc)
        ) from exc
    finally:  # cancelled or failed: nothing half-written is left beside the target
        scratch.unlink(missing_ok=True)
    with db.write() as session:
        detail = {"rows": len(rows), "format": suffix[1:], "filter": flt.to_json(), "file": path.name}
        append_audit(session, clock, user_id, EXPORTED, "audit_log", "", detail)
    return len(rows)
