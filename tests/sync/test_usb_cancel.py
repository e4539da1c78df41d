"""The USB export of the outbox reports progress per op and, cancelled midway, writes no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_app.errors import Cancelled
from counter_app.jobs import JobControl
from counter_app.sync.usb import export_outbox
from tests.sync.synchelp import Counter


def test_usb_export_cancelled_midway_writes_nothing(counter: Counter, tmp_path: Path) -> None:
    counter.receive(60)
    target = tmp_path / "usb" / "outbox.json"
    target.parent.mkdir()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= total // 3:
            control.cancel()  # the Huỷ button, from the GUI thread

    control = JobControl(progress)
    with pytest.raises(Cancelled):
        export_outbox(counter.db, counter.clock, target, control)
    assert seen and seen[-1][0] < seen[-1][1] and seen[-1][1] >= 60  # stopped before the end
    assert list(target.parent.iterdir()) == []  # no file, no temp file
    assert counter.states() == {"pending": seen[-1][1]}  # and the queue is untouched

    done = export_outbox(counter.db, counter.clock, target, JobControl())
    assert done.ops == seen[-1][1] and [p.name for p in target.parent.iterdir()] == ["outbox.json"]
