"""Concurrent writers and a puller: commit order is seq order, so a pull never misses a change
(the server_meta row lock on PostgreSQL; SQLite serialises writers anyway)."""

from __future__ import annotations

import threading

from conftest import AGENCY
from ops_factory import code_of, received

from central_server import auth, db, push
from central_server.app import create_app
from central_server.pull import pull
from central_server.snapshot import loads


def test_concurrent_writers_and_a_puller_miss_nothing(server_db_url: str) -> None:
    engine = create_app(server_db_url).state.engine
    try:
        counters = []
        for n in range(3):
            row, _ = auth.create_counter(engine, AGENCY, f"Quầy {n + 1}")
            counters.append(push.CounterInfo(row["id"], AGENCY, row["slot"]))
        errors: list[BaseException] = []

        def writer(counter: push.CounterInfo) -> None:
            try:
                for b in range(15):
                    ops = [received(AGENCY, code_of(AGENCY, counter.slot, b * 4 + k + 1)) for k in range(4)]
                    assert all(r.result == "applied" for r in push.push(engine, counter, ops))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(c,)) for c in counters]
        for t in threads:
            t.start()
        pulled: list[int] = []
        since = 0

        def drain() -> None:
            nonlocal since
            while True:
                page = loads(pull(engine, counters[0].id, AGENCY, since, 7, None))
                pulled.extend(c["seq"] for c in page["changes"])
                since = page["next_since"]
                if not page["has_more"]:
                    return

        while any(t.is_alive() for t in threads):
            drain()
        for t in threads:
            t.join()
        drain()
        assert not errors
        assert pulled == list(range(1, 3 * 15 * 4 + 1))  # every change once, in order, none skipped
        with db.read(engine) as conn:
            assert auth.server_epoch(conn)[1] == 180
    finally:
        engine.dispose()
