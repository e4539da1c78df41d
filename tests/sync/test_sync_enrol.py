"""Enrolment with the real server: identity and slot taken, codes never reissued, clear refusals."""

from __future__ import annotations

import pytest
from live_server import LiveServer
from sqlalchemy import select

from counter_app.clock import SystemClock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.services.audit import history
from counter_app.services.counter_setup import load_identity
from counter_app.storage.database import Database
from counter_app.storage.models import CodeSequence
from counter_app.sync import state
from counter_app.sync.engine import SyncEngine
from counter_app.sync.enrol import enrol
from tests.sync.synchelp import Counter


def test_enrolment_takes_agency_slot_and_epoch_and_is_audited(
    db: Database, central: LiveServer, agency: str
) -> None:
    counter = Counter(db, central, agency, "Quầy A")
    with db.read() as session:
        identity = load_identity(session)
        assert (identity.agency_code, identity.agency_name) == (agency, "UBND xã Quầy A")
        assert identity.code_slot == counter.enrolment.slot
        values = state.get_all(session)
        assert values[state.SERVER_EPOCH] == counter.enrolment.server_epoch
        (entry,) = [e for e in history(session, "counter") if e.action == "sync_enrolled"]
        assert entry.detail["after"]["agency_code"] == agency
        assert "token" not in str(entry.detail)
    # The desk now issues codes of that agency and slot.
    (code,) = counter.receive(1)
    assert code.startswith(f"{agency}-") and code.endswith(f"-{counter.enrolment.slot}001")


def test_a_replacement_counter_never_reissues_a_code(
    db: Database, second_db: Database, central: LiveServer, agency: str
) -> None:
    old = Counter(db, central, agency, "Quầy A")
    old.receive(3)
    assert old.sync().ok
    # The PC died; a new one replaces it and gets its slot and the numbers already used today.
    code = central.create_counter(agency, "Quầy A (máy mới)", replace=old.enrolment.counter_id)
    clock = SystemClock()
    result = enrol(second_db, clock, central.url, code)
    assert result.slot == old.enrolment.slot
    today = utc_to_local(clock.now_utc()).date()
    with second_db.read() as session:
        used = session.scalar(select(CodeSequence.last_number).where(CodeSequence.day == today.isoformat()))
    assert used == 3


def test_refusals_say_what_to_do(db: Database, central: LiveServer, agency: str) -> None:
    clock = SystemClock()
    with pytest.raises(UserFacingError, match="không hợp lệ"):
        enrol(db, clock, "motcua.tinh.gov.vn", "ABCD")
    with pytest.raises(UserFacingError, match="Mã đăng ký không đúng"):
        enrol(db, clock, central.url, "SAI0-SAI0-SAI0-SAI0")
    with pytest.raises(UserFacingError, match="Không kết nối được"):
        enrol(db, clock, "http://127.0.0.1:9", "ABCD")
    with db.read() as session:
        assert state.load_enrolment(session) is None

    Counter(db, central, agency, "Quầy A")
    again = central.create_counter(agency, "Quầy A2")
    with pytest.raises(UserFacingError, match="--force"):
        enrol(db, clock, central.url, again)
    result = enrol(db, clock, central.url, again, force=True)
    assert result.re_enrolled and result.counter_name == "Quầy A2"
    assert SyncEngine(db, clock).run_once().ok  # the same desk keeps working under its new identity
