"""Restore a counter database from a backup without ever re-issuing a dossier code.

A backup does not know the codes printed after it was taken. So a restore puts code issuing on hold
(`codes.hold_codes`) until it is safe again: a sync with the central server brings back this
counter's own dossiers and raises the code sequences past them (the sync engine then lifts the hold),
or, on a counter that never syncs, an administrator enters the last code printed on paper
(`release_with_last_code`), which raises that day's sequence past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import codes
from counter_app.services.audit import append_audit
from counter_app.services.counter_setup import load_identity
from counter_app.services.users import require_role
from counter_app.storage import migrations
from counter_app.storage.backup import check_copy, replace_database
from counter_app.storage.connect import identify
from counter_app.storage.database import open_database
from counter_app.storage.lock import InstanceLock


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the copy put in place and where the replaced database was kept."""

    restored_from: Path
    kept_previous: Path | None
    dossiers: int


def _hold_message(taken: datetime | None) -> str:
    when = _(" ngày {utc_to_local:%d/%m/%Y %H:%M}").format(utc_to_local=utc_to_local(taken)) if taken else ""
    return _(
        "Cơ sở dữ liệu vừa được khôi phục từ bản sao lưu{when}, nên chưa biết các mã hồ sơ đã cấp sau thời "
        "điểm đó. Chưa cấp mã mới cho đến khi đồng bộ xong với máy chủ trung tâm (bấm “Đồng bộ ngay”), "
        "hoặc quản trị nhập mã hồ sơ cuối cùng đã in (counter-admin codes release --last-code MÃ)."
    ).format(when=when)


def restore_database(
    db_path: Path, backup: Path, clock: Clock, taken_at: datetime | None = None
) -> RestoreReport:
    """Replace the database with a checked backup; the app must be closed (the instance lock is taken).

    The replaced database is moved aside whole as a `before-restore` backup. The restored database is migrated if
    it is older, its code issuing is put on hold, and the restore is audited in it.
    """
    check_copy(backup)
    version = identify(backup).user_version
    if version > migrations.latest_version():
        raise UserFacingError(
            _(
                "Bản sao lưu {name} do phiên bản phần mềm mới hơn tạo ra; hãy cập nhật phần mềm trước khi "
                "khôi phục."
            ).format(name=backup.name)
        )
    lock = InstanceLock(db_path)
    lock.acquire()
    try:
        previous = replace_database(db_path, backup, now=clock.now_utc())
    finally:
        lock.release()
    db = open_database(db_path)
    try:
        with db.write() as session:
            codes.hold_codes(session, clock, _hold_message(taken_at), None)
            append_audit(
                session,
                clock,
                None,
                "database_restored",
                "database",
                db_path.name,
                {
                    "from": backup.name,
                    "taken_at": taken_at.isoformat() if taken_at else None,
                    "previous_kept_as": previous.name if previous else None,
                },
            )
            dossiers = int(session.execute(text("SELECT count(*) FROM dossiers")).scalar_one())
    finally:
        db.close()
    return RestoreReport(backup, previous, dossiers)


def release_with_last_code(session: Session, clock: Clock, by_user_id: str, last_code: str | None) -> str:
    """An administrator lifts the hold on a counter that cannot sync, with the last code printed on paper.

    The code's day sequence is raised to its number, so the next code of that day comes after it;
    `None` means "no code was printed after the backup" (the administrator's word, audited).
    Returns a Vietnamese confirmation.
    """
    require_role(session, by_user_id, "admin")
    if not codes.code_hold(session):
        return _("Việc cấp mã hồ sơ không bị tạm dừng; không cần thao tác.")
    if last_code is None:
        codes.release_hold(session, clock, by_user_id, "admin_none_after_backup", {})
        return _("Đã cho phép cấp mã hồ sơ trở lại (quản trị xác nhận không có mã nào cấp sau bản sao lưu).")
    match = codes.CODE_PATTERN.match(last_code.strip())
    identity = load_identity(session)
    if not match or match["agency"] != identity.agency_code:
        raise UserFacingError(
            _(
                "“{last_code}” không phải mã hồ sơ của cơ quan {agency_code} (dạng "
                "{agency_code}-NNTTNN-SSSS)."
            ).format(last_code=last_code, agency_code=identity.agency_code)
        )
    raw_day, number = match["day"], int(match["number"])
    day = date(2000 + int(raw_day[:2]), int(raw_day[2:4]), int(raw_day[4:]))
    slot, n = divmod(number, 1000)
    if slot != identity.code_slot or n == 0:
        raise UserFacingError(
            _("Mã {last_code} không thuộc quầy này (quầy số {code_slot}).").format(
                last_code=last_code, code_slot=identity.code_slot
            )
        )
    codes.raise_high_water(session, clock, identity.agency_code, slot, day, n)
    codes.release_hold(session, clock, by_user_id, "admin_last_code", {"last_code": last_code.strip()})
    return _("Đã cho phép cấp mã hồ sơ trở lại; mã tiếp theo của ngày {day:%d/%m/%Y} sẽ sau {text}.").format(
        day=day, text=last_code.strip()
    )
