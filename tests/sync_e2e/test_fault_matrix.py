"""A fault matrix through the TCP fault proxy between a desk and the real server: while the link is bad
rounds fail or get part of the way; once it heals the outbox drains to zero and the server holds exactly
one copy of each op (applied ops = local ops, dossiers = dossiers received, no event twice)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, start_server

from counter_app.storage.database import Database
from tests.faultproxy import (
    Blackhole,
    CaptivePortal,
    DropRequestMidway,
    Fault,
    FaultProxy,
    Flaky,
    LoseResponse,
    Reset,
    Status,
)
from tests.sync_e2e.e2ehelp import assert_exactly_once, drain, make_counter, move, stats

DOSSIERS = 40
FAULTY_ROUNDS = 5
READ_TIMEOUT_S = 0.6  # Blackhole: the client gives up quickly (the engine halves the batch)

# Each fault hits about half of the requests (seeded), so faulty rounds fail at the probe, in the middle
# of the push, or during the pull, and some batches get through.
CASES: dict[str, Fault] = {
    "lose_response": Flaky(0.5, (LoseResponse(),), seed=1),
    "drop_request_midway": Flaky(0.5, (DropRequestMidway(300),), seed=2),
    "reset": Flaky(0.5, (Reset(), Reset(after_request=True)), seed=3),
    "blackhole": Flaky(0.4, (Blackhole(),), seed=4),
    "captive_portal": Flaky(0.5, (CaptivePortal(),), seed=5),
    "status_413": Flaky(0.5, (Status(413),), seed=6),
    "status_429_retry_after": Flaky(0.5, (Status(429, retry_after=30),), seed=7),
    "status_503": Flaky(0.5, (Status(503, retry_after=5),), seed=8),
    "flaky_mix": Flaky(
        0.6,
        (
            LoseResponse(),
            DropRequestMidway(120),
            Reset(),
            Reset(after_request=True),
            Blackhole(),
            CaptivePortal(),
            Status(413),
            Status(429, retry_after=2),
            Status(503),
        ),
        seed=9,
    ),
}
_agencies = itertools.count(80)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the matrix; each case has its own agency and desk."""
    live = start_server(tmp_path_factory.mktemp("central"))
    yield live
    live.stop()


@pytest.mark.parametrize("fault", list(CASES.values()), ids=list(CASES))
def test_outbox_drains_exactly_once_after_the_link_heals(
    fault: Fault, shared: LiveServer, desk_db: Callable[[str], Database], tmp_path: Path
) -> None:
    agency = f"000.00.{next(_agencies)}.H12"
    rng = random.Random(hash(agency) & 0xFFFF)
    with FaultProxy("127.0.0.1", shared.port) as link:
        desk = make_counter(
            desk_db("A"), shared, agency, "Quầy A", via=link.url, read_timeout=READ_TIMEOUT_S, batch_size=8
        )
        codes = desk.receive(DOSSIERS)
        for code in rng.sample(codes, k=8):
            move(desk, code, "processing")
        for code in rng.sample(codes, k=4):
            if desk.dossier(code).status == 4:
                move(desk, code, "result_ready")

        link.set_mode(fault)
        faulty = [desk.sync() for _ in range(FAULTY_ROUNDS)]
        assert sum(link.stats.faults.values()) > 0, "the proxy injected nothing"
        assert any(r.error for r in faulty), [(r.pushed, r.depth) for r in faulty]
        for report in faulty:
            assert report.error_kind in ("", "transient"), report.error  # never a fatal stop

        link.heal()
        healed = drain(desk, max_rounds=12, what=str(fault))
        assert desk.sync().ok  # and a round with nothing to send stays quiet

    view = assert_exactly_once(shared, desk, label=str(fault))
    assert len(view.ops) == DOSSIERS + 8 + sum(1 for c in codes if desk.dossier(c).status == 9)
    per_counter = {c["agency_code"]: c["dossiers"] for c in stats(shared)["per_counter"]}
    assert per_counter[agency] == DOSSIERS
    if CASES["lose_response"] == fault:
        # The server had committed batches whose answers were lost: they came back as duplicates.
        assert sum(r.duplicate for r in faulty + healed) > 0
