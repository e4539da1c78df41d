"""Who may reprint a receipt without a supervisor: supervisors and admins, or the clerk right after a jam.

A receipt (Mẫu 01) is what the citizen shows to collect the result, so a second copy is a control
point: a clerk's reprint needs a supervisor's approval (a request that waits on the Giám sát page, or
the supervisor's password at the desk, see reprints.py). One exception keeps the counter moving: the
clerk who printed the receipt may reprint it once, with a reason, within a few minutes of that first
print (the printer jammed while the citizen is still at the desk). The grace is a setting; 0 turns it
off. Anything else raises ReprintNeedsApproval, which the UI answers with the request dialog.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import settings
from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.storage.models import Dossier, DossierEvent, User

APPROVER_ROLES = ("supervisor", "admin")


class ReprintNeedsApproval(UserFacingError):
    """A clerk's reprint of a receipt that a supervisor must approve first; `code` names the dossier."""

    def __init__(self, code: str) -> None:
        super().__init__(
            _("In lại giấy tiếp nhận của hồ sơ {code} cần lãnh đạo duyệt.").format(code=code),
            field="reprint_approval",
        )
        self.code = code


def check_receipt_reprint(session: Session, clock: Clock, dossier: Dossier, user: User) -> None:
    """Allow a reprint of `dossier`'s receipt by `user`, or raise ReprintNeedsApproval."""
    if user.role in APPROVER_ROLES:
        return
    grace = settings.get(session, settings.REPRINT_GRACE_MINUTES)
    prints = session.execute(
        select(DossierEvent.kind, DossierEvent.user_id, DossierEvent.at)
        .where(
            DossierEvent.dossier_id == dossier.id,
            DossierEvent.kind.in_(("receipt_printed", "receipt_reprinted")),
        )
        .order_by(DossierEvent.seq)
    ).all()
    if grace > 0 and len(prints) == 1:
        kind, by, at = prints[0]
        if kind == "receipt_printed" and by == user.id and clock.now_utc() - at <= timedelta(minutes=grace):
            return
    raise ReprintNeedsApproval(dossier.code)
