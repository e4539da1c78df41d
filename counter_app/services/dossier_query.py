"""Read side of the dossier list: keyset-paged rows over ids and small DTOs, filters done in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from counter_app.storage.models import Applicant, Dossier, Procedure
from counter_app.text import fold, nfc

_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])

STATUS_NAMES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}


@dataclass(frozen=True)
class DossierRow:
    """One line of the dossier list."""

    id: str
    code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime | None
    status: int


@dataclass(frozen=True)
class DossierFilter:
    """What the list shows: a free-text search (code, name without diacritics, CCCD, phone) and statuses."""

    text: str = ""
    statuses: tuple[int, ...] = ()


@dataclass(frozen=True)
class PageCursor:
    """Keyset position after the last row shown (received_at DESC, id DESC)."""

    received_at: datetime
    id: str


def _filtered(stmt: _S, flt: DossierFilter) -> _S:
    text = nfc(flt.text)
    if text:
        if text.replace(" ", "").isdigit():
            digits = text.replace(" ", "")
            stmt = stmt.where(or_(Dossier.id_number == digits, Dossier.phone == digits))
        elif "-" in text and any(ch.isdigit() for ch in text):
            stmt = stmt.where(Dossier.code == text.upper())
        else:
            prefix = fold(text)
            # A range on the folded name uses the index (LIKE would scan a million rows).
            stmt = stmt.where(and_(Dossier.name_fold >= prefix, Dossier.name_fold < prefix + "\uffff"))
    if flt.statuses:
        stmt = stmt.where(Dossier.status.in_(flt.statuses))
    return stmt


def list_page(
    session: Session, flt: DossierFilter, after: PageCursor | None, limit: int = 200
) -> list[DossierRow]:
    """The next `limit` rows after `after`, newest received first."""
    stmt = (
        select(
            Dossier.id,
            Dossier.code,
            Applicant.full_name,
            Procedure.name,
            Dossier.received_at,
            Dossier.appointment_at,
            Dossier.status,
        )
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .join(Applicant, Applicant.id == Dossier.applicant_id)
    )
    stmt = _filtered(stmt, flt)
    if after is not None:
        stmt = stmt.where(
            or_(
                Dossier.received_at < after.received_at,
                and_(Dossier.received_at == after.received_at, Dossier.id < after.id),
            )
        )
    stmt = stmt.order_by(Dossier.received_at.desc(), Dossier.id.desc()).limit(limit)
    return [DossierRow(*row) for row in session.execute(stmt).all()]


def count(session: Session, flt: DossierFilter) -> int:
    """How many dossiers match the filter."""
    stmt = select(func.count()).select_from(Dossier)
    return int(session.execute(_filtered(stmt, flt)).scalar_one())
