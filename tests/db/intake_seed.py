"""The counter both intake test files receive on: Ỷ La, a birth-registration procedure and a retired one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from counter_app.clock import FixedClock
from counter_app.services.counter_setup import initialise_counter
from counter_app.storage.models import Procedure, ProcedureDocument

AGENCY = "000.00.31.H12"


def seed_intake_counter(session: Session, clock: FixedClock) -> None:
    """The agency, procedure 1.001 (three papers, one optional, a 20,000 đ fee) and inactive 9.999."""
    initialise_counter(
        session,
        clock,
        agency_code=AGENCY,
        agency_name="UBND xã Ỷ La",
        parent_name="UBND TỈNH",
        place_name="Ỷ La",
    )
    procedure = Procedure(
        id=1,
        code="1.001",
        name="Đăng ký khai sinh",
        name_fold="dang ky khai sinh",
        field_name="Hộ tịch",
        deadline_amount=3,
        deadline_unit="working_days",
        fee_amount=20_000,
        updated_at=clock.now_utc(),
    )
    procedure.documents = [
        ProcedureDocument(position=1, name="Tờ khai đăng ký khai sinh", originals=1),
        ProcedureDocument(position=2, name="Giấy chứng sinh", originals=1),
        ProcedureDocument(position=3, name="Giấy ủy quyền", originals=1, required=False),
    ]
    session.add(procedure)
    session.add(
        Procedure(
            id=2,
            code="9.999",
            name="Thủ tục đã bỏ",
            name_fold="thu tuc da bo",
            field_name="Khác",
            deadline_amount=1,
            deadline_unit="working_days",
            active=False,
            updated_at=clock.now_utc(),
        )
    )
