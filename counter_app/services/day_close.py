"""The day close (chốt sổ ngày): try to sync, list what is still unsent, sum up the day, keep a PDF, audit.

Order of the supervisor's action: `try_sync` (a sync round when the counter is enrolled, in its own
transactions), then one write transaction that reads `day_summary`, renders the one-page PDF
(`day_close_pdf.render`), writes it under forms/YYYY/MM/ and records the audit row "day_closed".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.clock import Clock, utc_to_local
from counter_app.services import dossier_query, outbox
from counter_app.services.audit import append_audit
from counter_app.services.counter_setup import CounterIdentity, load_identity
from counter_app.services.dossier_query import DossierFilter
from counter_app.services.finished_sql import finished_sums, unpack
from counter_app.services.forms import forms_dir, write_atomically
from counter_app.services.periods import Period, local_today
from counter_app.services.reprints import pending_requests
from counter_app.services.sync_health import SyncHealth, sync_health
from counter_app.services.users import require_role
from counter_app.storage.database import Database
from counter_app.storage.models import Dossier, DossierEvent, OutboxEntry

__all__ = [
    "CLOSER_ROLES",
    "DaySummary",
    "SyncAttempt",
    "UnsentOp",
    "close_day",
    "day_summary",
    "try_sync",
]

CLOSER_ROLES = ("supervisor", "admin")
UNSENT_SHOWN = 12  # the one-page summary lists the oldest unsent changes, then says how many more
OP_LABELS = {
    "dossier.received": "Tiếp nhận hồ sơ",  # i18n: skip
    "dossier.event": "Bước xử lý / sự kiện hồ sơ",  # i18n: skip
}
STATE_LABELS = {
    "pending": "Chờ gửi",  # i18n: skip
    "sent": "Đang gửi",  # i18n: skip
    "failed": "Gửi chưa được",  # i18n: skip
    "held": "Tạm giữ",  # i18n: skip
}


@dataclass(frozen=True)
class SyncAttempt:
    """What the day close's sync try did: `ran` False for a standalone counter."""

    ran: bool
    ok: bool
    message: str


@dataclass(frozen=True)
class UnsentOp:
    """A change still waiting to reach the central system."""

    id: int
    kind: str
    code: str
    created_local: datetime
    state: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class DaySummary:
    """The figures of one local day and of the queue at the time of the close."""

    day: date
    now_utc: datetime
    identity: CounterIdentity
    received: dict[int, int]
    finished: tuple[int, int, int, int]  # total, early, on time, late
    returned: int
    withdrawn: int
    stopped: int
    fees_at_intake: int
    fees_at_return: int
    running: int
    paused: int
    overdue: int
    due_soon: int
    receipts_printed: int
    reprints: int
    corrections: int
    reprint_requests_waiting: int
    sync: SyncHealth
    unsent: tuple[UnsentOp, ...]

    @property
    def received_total(self) -> int:
        """Received on the day, all channels."""
        return sum(self.received.values())


def try_sync(db: Database, clock: Clock) -> SyncAttempt:
    """Run one sync round when the counter is enrolled; a standalone counter is told so, nothing runs."""
    from counter_app.sync.engine import SyncEngine
    from counter_app.sync.status import enrolled

    with db.read() as session:
        if not enrolled(session):
            return SyncAttempt(
                False,
                False,
                "Quầy chạy độc lập (chưa đăng ký với máy chủ trung tâm): không đồng bộ; các thay đổi "  # i18n: skip
                "vẫn nằm trong hàng đợi để gửi khi quầy được đăng ký.",
            )
    report = SyncEngine(db, clock).run_once()
    if report.ok:
        return SyncAttempt(
            True,
            True,
            f"Đã đồng bộ: gửi {report.pushed} thay đổi, nhận {report.pulled}.",  # i18n: skip
        )
    return SyncAttempt(
        True,
        False,
        f"Đồng bộ chưa xong: {report.error or 'không liên lạc được máy chủ'}.",  # i18n: skip
    )


def _event_count(session: Session, start: datetime, end: datetime, *kinds: str, suffix: str = "") -> int:
    query = select(func.count()).where(DossierEvent.at >= start, DossierEvent.at < end)
    if suffix:
        query = query.where(DossierEvent.kind.like(f"%{suffix}"))
    else:
        query = query.where(DossierEvent.kind.in_(kinds))
    return int(session.execute(query).scalar_one())


def _fees_at_return(session: Session, start: datetime, end: datetime) -> int:
    total = 0
    for payload in session.scalars(
        select(DossierEvent.payload).where(
            DossierEvent.at >= start, DossierEvent.at < end, DossierEvent.kind == "returned"
        )
    ):
        try:
            total += int(json.loads(payload or "{}").get("fee_collected") or 0)
        except (TypeError, ValueError):
            continue
    return total


def _unsent(session: Session, limit: int) -> tuple[UnsentOp, ...]:
    rows = session.execute(
        select(OutboxEntry, Dossier.code)
        .outerjoin(Dossier, Dossier.id == OutboxEntry.entity_id)
        .where(OutboxEntry.state.in_(outbox.UNFINISHED_STATES))
        .order_by(OutboxEntry.id)
        .limit(limit)
    ).all()
    return tuple(
        UnsentOp(
            id=op.id,
            kind=OP_LABELS.get(op.kind, op.kind),
            code=code or "",
            created_local=utc_to_local(op.created_at),
            state=STATE_LABELS.get(op.state, op.state),
            attempts=op.attempts,
            last_error=op.last_error,
        )
        for op, code in rows
    )


def day_summary(session: Session, now_utc: datetime, day: date | None = None) -> DaySummary:
    """The day's figures (default: today, local) and the queue as it stands at `now_utc`."""
    day = day or local_today(now_utc)
    period = Period(day, day)
    start, end = period.start_utc, period.end_utc
    received = dict(
        session.execute(
            select(Dossier.channel, func.count())
            .where(Dossier.received_at >= start, Dossier.received_at < end)
            .group_by(Dossier.channel)
        ).all()
    )
    count, unclassified, packed = session.execute(
        select(*finished_sums()).where(Dossier.finished_at >= start, Dossier.finished_at < end)
    ).one()
    fees = session.execute(
        select(func.coalesce(func.sum(Dossier.fee_collected), 0)).where(
            Dossier.received_at >= start, Dossier.received_at < end
        )
    ).scalar_one()
    open_counts = dict(
        session.execute(
            select(Dossier.status, func.count())
            .where(Dossier.status.in_((2, 4, 5, 6)))
            .group_by(Dossier.status)
        ).all()
    )
    return DaySummary(
        day=day,
        now_utc=now_utc,
        identity=load_identity(session),
        received={c: int(received.get(c, 0)) for c in (1, 2, 3)},
        finished=unpack(int(count), int(unclassified), int(packed)),
        returned=int(
            session.execute(
                select(func.count()).where(Dossier.returned_at >= start, Dossier.returned_at < end)
            ).scalar_one()
        ),
        withdrawn=_event_count(session, start, end, "withdrawn"),
        stopped=_event_count(session, start, end, "stopped"),
        fees_at_intake=int(fees),
        fees_at_return=_fees_at_return(session, start, end),
        running=sum(int(open_counts.get(s, 0)) for s in (2, 4, 6)),
        paused=int(open_counts.get(5, 0)),
        overdue=dossier_query.count(session, DossierFilter(due="overdue"), now_utc=now_utc),
        due_soon=dossier_query.count(session, DossierFilter(due="soon"), now_utc=now_utc),
        receipts_printed=_event_count(session, start, end, "receipt_printed"),
        reprints=_event_count(session, start, end, suffix="_reprinted"),
        corrections=_event_count(session, start, end, "corrected"),
        reprint_requests_waiting=len(pending_requests(session, now_utc)),
        sync=sync_health(session),
        unsent=_unsent(session, UNSENT_SHOWN),
    )


def _target(day: date) -> Path:
    folder = forms_dir() / f"{day:%Y}" / f"{day:%m}"
    path = folder / f"chot-so-ngay-{day:%Y-%m-%d}.pdf"
    number = 2
    while path.exists():  # a second close of the same day keeps the first one's file
        path = folder / f"chot-so-ngay-{day:%Y-%m-%d}-lan-{number}.pdf"
        number += 1
    return path


def close_day(
    session: Session, clock: Clock, user_id: str, attempt: SyncAttempt, day: date | None = None
) -> tuple[DaySummary, Path, bytes]:
    """Sum up the day, write its one-page PDF and audit the close ("day_closed"), in the caller's
    transaction; returns the summary, the file and its bytes. A supervisor or an admin only."""
    from counter_app.services.day_close_pdf import render

    user = require_role(session, user_id, *CLOSER_ROLES)
    summary = day_summary(session, clock.now_utc(), day)
    pdf = render(summary, user.full_name, attempt)
    path = _target(summary.day)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, pdf)
    append_audit(
        session,
        clock,
        user.id,
        "day_closed",
        "counter",
        summary.day.isoformat(),
        {
            "day": summary.day.isoformat(),
            "received": summary.received_total,
            "finished": summary.finished[0],
            "returned": summary.returned,
            "unsent": summary.sync.queue_depth,
            "sync": attempt.message,
            "file": path.name,
        },
    )
    return summary, path, pdf
