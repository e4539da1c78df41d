"""Enrol this counter with a central server: one-time code in, token, slot and agency settings out.

The server's answer is stored in one transaction with the agency identity and code slot it assigns
(audited, old and new values), the server epoch, and the code high-water marks it knows for the slot,
so a restored or replaced counter never issues a dossier code the server has already seen.
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from counter_app import __version__
from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import codes
from counter_app.services.audit import append_audit
from counter_app.services.users import require_role
from counter_app.storage.database import Database
from counter_app.storage.models import CounterConfig, Dossier, SyncEnrolment
from counter_app.sync import protocol, state
from counter_app.sync.client import SyncClient, check_server_url
from counter_app.sync.errors import Fatal, SyncError, Transient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrolResult:
    """What the counter became (no secrets)."""

    server_url: str
    counter_id: str
    counter_name: str
    agency_code: str
    agency_name: str
    slot: int
    server_epoch: str
    re_enrolled: bool


def enrol(
    db: Database,
    clock: Clock,
    server_url: str,
    code: str,
    ca_bundle: str | None = None,
    *,
    force: bool = False,
    by_user_id: str | None = None,
    client_factory: Callable[[str, str | None], SyncClient] | None = None,
) -> EnrolResult:
    """Enrol with `server_url` using the one-time `code`; UserFacingError (Vietnamese) when refused.

    An enrolled counter re-enrols only with `force` (its old token stops working on the server side
    only if the admin revokes it; locally it is replaced).
    """
    try:
        url = check_server_url(server_url)
    except ValueError as exc:
        raise UserFacingError(str(exc), field="server_url") from None
    code = code.strip()
    if not code:
        raise UserFacingError(_("Hãy nhập mã đăng ký do quản trị máy chủ cấp."), field="code")
    if ca_bundle and not Path(ca_bundle).is_file():
        raise UserFacingError(
            _("Không tìm thấy tệp chứng chỉ {ca_bundle}.").format(ca_bundle=ca_bundle), field="ca_bundle"
        )
    with db.read() as session:
        if (
            by_user_id is not None
        ):  # None: the operator at the command line (counter-admin), who holds the file
            require_role(session, by_user_id, "admin")
        config = session.get(CounterConfig, 1)
        counter_uuid = config.counter_uuid if config is not None else None
        existing = state.load_enrolment(session)
    if counter_uuid is None:
        raise UserFacingError(_("Quầy chưa được khởi tạo. Hãy chạy: counter-admin init …"))
    if existing is not None and not force:
        raise UserFacingError(
            _(
                "Quầy đã đăng ký với máy chủ {server_url} (quầy “{counter_name}”). Muốn đăng ký lại, hãy dùng tuỳ chọn --force (trên giao diện: nút Đăng ký lại)."
            ).format(server_url=existing.server_url, counter_name=existing.counter_name)
        )
    make = client_factory or (lambda u, ca: SyncClient(u, ca_bundle=ca))
    client = make(url, ca_bundle)
    request = protocol.EnrolRequest(code, counter_uuid, platform.node(), __version__)
    try:
        response = client.enrol(request)
    except SyncError as exc:
        raise UserFacingError(_refusal(url, exc)) from exc
    finally:
        client.close()
    if not 1 <= response.slot <= 9:
        raise UserFacingError(
            _("Máy chủ cấp số quầy {slot} ngoài khoảng 1–9; hãy báo quản trị máy chủ.").format(
                slot=response.slot
            )
        )
    with db.write() as session:
        _store(session, clock, url, ca_bundle or "", response, existing, by_user_id)
    log.info("enrolled with %s as counter %s (slot %d)", url, response.counter_id, response.slot)
    return EnrolResult(
        url,
        response.counter_id,
        response.counter_name,
        response.agency_code,
        response.agency_name,
        response.slot,
        response.server_epoch,
        existing is not None,
    )


def _refusal(url: str, exc: SyncError) -> str:
    if isinstance(exc, Fatal) and exc.code == protocol.ERR_ENROL_CODE:
        return _("Mã đăng ký không đúng, đã được dùng hoặc đã hết hạn. Hãy xin quản trị máy chủ cấp mã mới.")
    if isinstance(exc, Transient):
        return _(
            "Không kết nối được máy chủ {url}: {message}. Hãy kiểm tra địa chỉ máy chủ và đường mạng."
        ).format(url=url, message=exc.message)
    return _("Máy chủ {url} không nhận đăng ký: {message}.").format(url=url, message=exc.message)


def _store(
    session: Session,
    clock: Clock,
    url: str,
    ca_bundle: str,
    response: protocol.EnrolResponse,
    existing: state.Enrolment | None,
    by_user_id: str | None,
) -> None:
    now = clock.now_utc()
    config = session.get(CounterConfig, 1)
    assert config is not None
    before = {
        "agency_code": config.agency_code,
        "agency_name": config.agency_name,
        "code_slot": config.code_slot,
    }
    row = session.get(SyncEnrolment, 1) or SyncEnrolment(id=1)
    row.server_url, row.counter_id, row.token, row.file_key = (
        url,
        response.counter_id,
        response.token,
        response.file_key,
    )
    row.agency_code, row.agency_name, row.counter_name = (
        response.agency_code,
        response.agency_name,
        response.counter_name,
    )
    row.slot, row.ca_bundle, row.enrolled_at = response.slot, ca_bundle, now
    session.add(row)
    config.agency_code, config.code_slot = response.agency_code, response.slot
    if response.agency_name.strip():  # a server without the name must not blank the form header
        config.agency_name = response.agency_name.strip()
    values: dict[str, state.Value] = {state.SERVER_EPOCH: response.server_epoch}
    if existing is None or existing.server_url != url or existing.counter_id != response.counter_id:
        # Another server or another identity: its change log is new to us, start from its beginning.
        values.update({state.PULL_CURSOR: 0, state.LAST_ERROR: "", state.LAST_ERROR_KIND: ""})
        session.execute(update(Dossier).where(Dossier.server_version > 0).values(server_version=0))
    values.update({state.CONSECUTIVE_FAILURES: 0, state.NEXT_ATTEMPT_AT: None, state.RETRY_AFTER_UNTIL: None})
    theirs = state.parse_instant(response.server_time)
    if theirs is not None:
        values[state.CLOCK_SKEW_SECONDS] = round((theirs - now).total_seconds(), 1)
        values[state.LAST_SERVER_TIME] = theirs
    state.put(session, now, **values)
    for mark in response.high_water:
        codes.raise_high_water(
            session,
            clock,
            response.agency_code,
            response.slot,
            date.fromisoformat(mark.day),
            mark.last_number,
        )
    append_audit(
        session,
        clock,
        by_user_id,
        "sync_enrolled",
        "counter",
        config.counter_uuid,
        {
            "server_url": url,
            "counter_id": response.counter_id,
            "counter_name": response.counter_name,
            "before": before,
            "after": {
                "agency_code": config.agency_code,
                "agency_name": config.agency_name,
                "code_slot": config.code_slot,
            },
            "re_enrolled": existing is not None,
            "high_water_days": len(response.high_water),
        },
    )
