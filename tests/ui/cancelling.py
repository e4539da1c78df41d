"""The clerk pressing Huỷ on the progress dialog of a long job, at a chosen step (ui/progress.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtWidgets import QPushButton

from ui.progress import ProgressJob, job_hub


@dataclass
class Pressed:
    """The progress dialogs a block opened (label and title as first shown), and the step Huỷ was pressed at."""

    shown: list[tuple[str, str]] = field(default_factory=list)
    at: list[int] = field(default_factory=list)


@contextmanager
def huy_pressed(when: Callable[[int, int], bool]) -> Iterator[Pressed]:
    """While the block runs, press the Huỷ button of a job's dialog at its first step (done, total)
    for which `when` is true, once."""
    pressed = Pressed()

    def watch(job: ProgressJob) -> None:
        huy = job.dialog.findChild(QPushButton)
        assert huy is not None and huy.text() == "Huỷ"
        pressed.shown.append((job.dialog.labelText(), job.dialog.windowTitle()))

        def press(done: int, total: int) -> None:
            if when(done, total) and not pressed.at:
                pressed.at.append(done)
                huy.click()

        job.sig_progress.connect(press)

    job_hub().sig_started.connect(watch)
    try:
        yield pressed
    finally:
        job_hub().sig_started.disconnect(watch)
