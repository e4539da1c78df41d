"""The desk anchors its audit chain's head on the server: one `audit.anchor` per round when the head
moved, outside the outbox, idempotent by a deterministic op id."""

from __future__ import annotations

from collections.abc import Callable

from live_server import LiveServer
from sqlalchemy import text

from counter_app.storage.database import Database
from counter_app.sync import state
from tests.sync.synchelp import Counter
from tests.sync_e2e.conftest import AGENCY
from tests.sync_e2e.e2ehelp import counter_id, local_view, make_counter, server_rows, stats


def _desk_head(desk: Counter) -> tuple[int, str]:
    with desk.db.read() as session:
        last_id, head_hash = session.execute(
            text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        ).one()
    return int(last_id), str(head_hash)


def _server_head(server: LiveServer, desk: Counter) -> tuple[int, str]:
    ((last_id, head_hash),) = server_rows(
        server, "SELECT audit_last_id, audit_head_hash FROM counters WHERE id = :c", c=counter_id(desk)
    )
    return int(last_id), str(head_hash)


def _anchors(server: LiveServer, desk: Counter) -> int:
    ((n,),) = server_rows(
        server, "SELECT count(*) FROM audit_anchors WHERE counter_id = :c", c=counter_id(desk)
    )
    return int(n)


def test_a_sync_anchors_the_desks_audit_head_on_the_server(
    server: LiveServer, desk_db: Callable[[str], Database]
) -> None:
    desk = make_counter(desk_db("A"), server, AGENCY, "Quầy A")
    desk.receive(3)
    report = desk.sync()
    assert report.ok and report.anchored == 1
    assert _server_head(server, desk) == _desk_head(desk)
    (mine,) = [c for c in stats(server)["per_counter"] if c["id"] == counter_id(desk)]
    assert mine["audit_last_id"] == _desk_head(desk)[0]
    # Not an outbox op: the queue the clerk sees holds the three dossiers only, all sent.
    view = local_view(desk.db)
    assert view.depth == 0 and {k for k, _, _ in view.ops.values()} == {"dossier.received"}
    assert report.pushed == 3

    # Nothing happened at the desk: no new anchor.
    quiet = desk.sync()
    assert quiet.ok and quiet.anchored == 0 and _anchors(server, desk) == 1

    desk.receive(1, start=5)
    moved = desk.sync()
    assert moved.anchored == 1 and _anchors(server, desk) == 2
    assert _server_head(server, desk) == _desk_head(desk)


def test_a_resent_anchor_is_a_duplicate_not_a_second_copy(
    server: LiveServer, desk_db: Callable[[str], Database]
) -> None:
    desk = make_counter(desk_db("A"), server, AGENCY, "Quầy A")
    desk.receive(1)
    assert desk.sync().anchored == 1
    # As if the answer had been lost: the desk does not know the server took it.
    with desk.db.write() as session:
        state.put(
            session, desk.clock.now_utc(), **{state.AUDIT_ANCHOR_LAST_ID: None, state.AUDIT_ANCHOR_HASH: None}
        )
    again = desk.sync()
    assert again.ok and again.anchored == 1  # acknowledged as a duplicate of the same op id
    assert _anchors(server, desk) == 1
    ((n,),) = server_rows(
        server,
        "SELECT count(*) FROM applied_ops WHERE counter_id = :c AND kind = 'audit.anchor'",
        c=counter_id(desk),
    )
    assert n == 1
    assert _server_head(server, desk) == _desk_head(desk)
