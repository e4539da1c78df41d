"""Benchmark: appointment computations per second over a realistic mix of receipts and rules."""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script (python bench/deadlines_bench.py): make the repository importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_app.deadlines import DeadlineRule, Pause, compute_appointment, default_calendar, working_time

_START = datetime(2025, 1, 1)
_SPAN_MINUTES = 2 * 365 * 24 * 60


def _mix(n: int, seed: int = 20260101) -> list[tuple[datetime, DeadlineRule, tuple[Pause, ...]]]:
    """Receipts spread over 2025–2026 (mostly office hours, some at night or on weekends, as online
    filings are) with the units a commune counter sees: mostly working days, then same-day, hours and
    calendar days; one dossier in ten had a supplement pause."""
    rng = random.Random(seed)
    rules = (
        [DeadlineRule.working_days(days) for days in (1, 2, 3, 5, 7, 10, 15, 20, 30)]
        + [DeadlineRule.working_days(0.5), DeadlineRule.working_days(1.5)]
        + [DeadlineRule.same_day()] * 4
        + [DeadlineRule.working_hours(h) for h in (4, 8, 16)]
        + [DeadlineRule.calendar_days(d) for d in (7, 15, 30)]
    )
    cases = []
    for _ in range(n):
        if rng.random() < 0.8:
            day = _START + timedelta(days=rng.randrange(730))
            received = day.replace(hour=rng.randrange(7, 17), minute=rng.randrange(60))
        else:
            received = _START + timedelta(minutes=rng.randrange(_SPAN_MINUTES))
        pauses: tuple[Pause, ...] = ()
        if rng.random() < 0.1:
            begin = received + timedelta(hours=rng.randrange(1, 48))
            pauses = (Pause(begin, begin + timedelta(hours=rng.randrange(1, 120))),)
        cases.append((received, rng.choice(rules), pauses))
    return cases


def bench_deadline_compute(rounds: int) -> dict[str, float]:
    """Compute `rounds` appointments over the mix; returns {"per_s": rate, "n": rounds}."""
    cases = _mix(min(rounds, 20_000))
    working_time(default_calendar())  # build the shared calendar outside the timed loop
    for received, rule, pauses in cases[:200]:
        compute_appointment(received, rule, pauses=pauses)  # warm the per-year arrays
    began = time.perf_counter()
    for i in range(rounds):
        received, rule, pauses = cases[i % len(cases)]
        compute_appointment(received, rule, pauses=pauses)
    elapsed = time.perf_counter() - began
    return {"per_s": rounds / elapsed if elapsed > 0 else float("inf"), "n": rounds}


if __name__ == "__main__":
    result = bench_deadline_compute(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
    print(f"{result['per_s']:,.0f} appointments/s over {result['n']:,} computations")
