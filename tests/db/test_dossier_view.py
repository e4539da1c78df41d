"""The dossier view by code: detail as received and a timeline naming who did what, when."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from counter_app.clock import FixedClock
from counter_app.errors import UserFacingError
from counter_app.services import dossier_view, forms, intake, users
from counter_app.services.validation import DocumentLine, IntakeForm
from counter_app.storage.database import Database
from counter_app.storage.models import Procedure

FAST = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
RECEIVED = datetime(2026, 1, 5, 9, 32)  # Vietnam time
APPOINTMENT = datetime(2026, 1, 8, 9, 32)


def _register(db: Database, clock: FixedClock, clerk_id: str, name: str) -> str:
    with db.write() as session:
        procedure = session.scalar(select(Procedure).where(Procedure.code == "1.004873"))
        assert procedure is not None
        form = IntakeForm(
            procedure_id=procedure.id,
            full_name=name,
            id_number="008186001234",
            address_commune="Xã Ỷ La",
            address_province="Tỉnh Tuyên Quang",
            documents=tuple(
                DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                for d in procedure.documents
            ),
        )
        return intake.register_dossier(session, clock, form, clerk_id, APPOINTMENT).code


def test_dossier_view_lists_events_with_user_names_in_local_time(db: Database) -> None:
    clock = FixedClock(RECEIVED - timedelta(hours=7))
    with db.write() as session:
        clerk = users.create_user(session, clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=FAST)
        other = users.create_user(session, clock, "dat", "Đinh Văn Đạt", "clerk", "mat-khau-123", policy=FAST)
    code = _register(db, clock, clerk.id, "Nguyễn Thị Ánh")
    clock.advance(timedelta(minutes=3))
    with db.write() as session:
        forms.print_receipt(session, clock, code, other.id)

    with db.read() as session:
        view = dossier_view.load_dossier_view(session, f"  {code} ")
    assert view.detail.code == code
    assert view.detail.applicant.full_name == "Nguyễn Thị Ánh"
    assert [e.kind for e in view.events] == ["received", "receipt_printed"]
    received, printed = view.events
    assert received.label == "Tiếp nhận hồ sơ"
    assert (received.user_name, received.at_local) == ("Lò Thị Ưng", RECEIVED)
    assert (received.status_from, received.status_to) == ("", "Được tiếp nhận")
    assert received.step_deadline_local == APPOINTMENT
    assert printed.user_name == "Đinh Văn Đạt"
    assert printed.at_local == RECEIVED + timedelta(minutes=3)
    assert printed.step_deadline_local is None


def test_dossier_view_unknown_code_names_the_code(db: Database) -> None:
    with db.read() as session, pytest.raises(UserFacingError) as caught:
        dossier_view.load_dossier_view(session, "000.00.31.H12-260105-9999")
    assert caught.value.message == "Không tìm thấy hồ sơ mã 000.00.31.H12-260105-9999."


def test_event_label_falls_back_to_the_status_name() -> None:
    assert dossier_view.event_label("received") == "Tiếp nhận hồ sơ"
    assert dossier_view.event_label("something_new", 4) == "Chuyển trạng thái: Đang xử lý"
    assert dossier_view.event_label("something_new") == "something_new"
