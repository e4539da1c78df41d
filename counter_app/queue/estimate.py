"""How long a new ticket will wait: the queue's own recent pace times the people ahead.

The pace of a queue is the time between consecutive first calls of its tickets, whichever desk called
them, so several desks serving one queue make it faster without any configuration. Today's pace is
used once the queue has made a few calls today; before that (the morning's first tickets) the median
pace of the same queue on its recent days. With neither, no estimate is shown: a made-up number at a
kiosk breeds complaints (peers.md §4), "about 15 minutes" must mean something.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from statistics import median
from typing import Final

from sqlalchemy import Connection, select

from counter_app.queue import tables as t

RECENT_CALLS: Final = 10  # today's pace: the last ten calls
MIN_CALLS: Final = 3  # fewer than three calls say nothing about a pace
HISTORY_DAYS: Final = 7
ROUND_TO_MIN: Final = 5  # "khoảng 15 phút": the estimate is shown in steps of five minutes
MAX_GAP: Final = timedelta(minutes=90)  # a lunch break is not the pace of the queue


def _pace(called_at: list[str]) -> float | None:
    """Seconds between consecutive calls (gaps longer than MAX_GAP left out), or None."""
    times = sorted(datetime.fromisoformat(value) for value in called_at)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times) if b - a <= MAX_GAP]
    if len(gaps) < MIN_CALLS - 1:
        return None
    return sum(gaps) / len(gaps)


def queue_pace(conn: Connection, site: str, line_id: int, day: str, days_before: list[str]) -> float | None:
    """The queue's pace in seconds per citizen: today's if it has enough calls, else the recent median."""
    tickets = t.tickets.c
    today = (
        conn.execute(
            select(tickets.first_called_at)
            .where(
                tickets.site == site,
                tickets.line_id == line_id,
                tickets.day == day,
                tickets.first_called_at.is_not(None),
            )
            .order_by(tickets.first_called_at.desc())
            .limit(RECENT_CALLS)
        )
        .scalars()
        .all()
    )
    pace = _pace([str(v) for v in today])
    if pace is not None:
        return pace
    rows = conn.execute(
        select(tickets.day, tickets.first_called_at).where(
            tickets.site == site,
            tickets.line_id == line_id,
            tickets.day.in_(days_before),
            tickets.first_called_at.is_not(None),
        )
    ).all()
    by_day: dict[str, list[str]] = {}
    for day_of, called in rows:
        by_day.setdefault(str(day_of), []).append(str(called))
    paces = [p for p in (_pace(calls) for calls in by_day.values()) if p is not None]
    return median(paces) if paces else None


def estimate_minutes(pace_seconds: float | None, ahead: int) -> int | None:
    """Minutes until the ticket is called, rounded up to ROUND_TO_MIN; None when unknown or nobody ahead."""
    if pace_seconds is None or ahead <= 0:
        return None
    minutes = pace_seconds * ahead / 60
    return max(ROUND_TO_MIN, math.ceil(minutes / ROUND_TO_MIN) * ROUND_TO_MIN)


def recent_days(day: str) -> list[str]:
    """The HISTORY_DAYS local days before `day` (ISO dates)."""
    start = datetime.fromisoformat(day).date()
    return [(start - timedelta(days=n)).isoformat() for n in range(1, HISTORY_DAYS + 1)]
