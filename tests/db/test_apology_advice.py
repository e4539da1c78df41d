"""Mẫu 04 is proposed once a running dossier has at most one working day left (the engine's count) or is late."""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest import Desk
from sqlalchemy import select

from counter_app.clock import local_to_utc
from counter_app.deadlines import Timeliness
from counter_app.services import dossier_query, workflow
from counter_app.services.apology_advice import apology_advice, dossier_apology_advice
from counter_app.services.dossier_query import DossierFilter
from counter_app.storage.models import Dossier

MONDAY_10 = datetime(2026, 1, 12, 10, 0)  # default hours 07:00–11:30, 13:30–17:00: 8 working hours a day


def test_one_working_day_left_over_a_weekend_is_proposed() -> None:
    friday_10 = datetime(2026, 1, 9, 10, 0)
    advice = apology_advice(4, MONDAY_10, friday_10)
    assert advice is not None and advice.timeliness is Timeliness.SAP_DEN_HAN
    assert advice.seconds == 8 * 3600  # the weekend does not count: exactly one working day
    assert advice.message == (
        "Hồ sơ còn không quá 1 ngày làm việc (còn 1 ngày, hẹn trả T2 12/01/2026 10:00): "
        "đề nghị lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)."
    )
    assert not advice.needs_override
    # One minute earlier there is more than one working day left: no proposal yet.
    assert apology_advice(4, MONDAY_10, friday_10 - timedelta(minutes=1)) is None


def test_a_late_dossier_is_proposed_and_a_second_extension_says_who_must_approve() -> None:
    advice = apology_advice(2, MONDAY_10, MONDAY_10.replace(hour=15, minute=30), extensions=1)
    assert advice is not None and advice.timeliness is Timeliness.QUA_HAN
    # 10:00–11:30 and 13:30–15:30: the lunch break is not counted.
    assert advice.message.startswith("Hồ sơ đã quá hạn 3 giờ 30 phút (hẹn trả T2 12/01/2026 10:00): đề nghị")
    assert advice.needs_override and "cần lãnh đạo (giám sát) phê duyệt" in advice.message


def test_no_proposal_for_paused_finished_or_closed_dossiers() -> None:
    late = MONDAY_10 + timedelta(days=2)
    for status in (1, 3, 5, 7, 8, 9, 10):
        assert apology_advice(status, MONDAY_10, late) is None, status
    assert apology_advice(4, None, late) is None


def test_a_saved_dossier_and_the_list_agree_on_the_proposal(desk: Desk) -> None:
    soon = desk.register(appointment=datetime(2026, 1, 6, 9, 0))  # desk opens Mon 05/01 09:32
    later = desk.register("Trần Văn Bảo", appointment=datetime(2026, 1, 9, 9, 0), id_number="008186001299")
    with desk.db.read() as session:
        ids = dict(session.execute(select(Dossier.code, Dossier.id)).all())
        now = desk.clock.now_utc()
        advice = dossier_apology_advice(session, ids[soon], now)
        assert advice is not None and advice.timeliness is Timeliness.SAP_DEN_HAN
        assert dossier_apology_advice(session, ids[later], now) is None
        rows = dossier_query.list_page(session, DossierFilter(), None, 10, now_utc=now)
    proposed = {row.code: row.time_left.propose_apology for row in rows if row.time_left}
    assert proposed == {soon: True, later: False}

    with desk.db.write() as session:  # extended once: still proposed, now saying a supervisor must approve
        workflow.transition(
            session,
            desk.clock,
            soon,
            "extended",
            desk.clerk_id,
            reason="Chờ xác minh",
            new_appointment_local=datetime(2026, 1, 6, 10, 0),
        )
    with desk.db.read() as session:
        again = dossier_apology_advice(session, ids[soon], local_to_utc(datetime(2026, 1, 6, 9, 30)))
    assert again is not None and again.needs_override
