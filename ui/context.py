"""What every page needs: the open database, the task runner, the clock and the counter's identity."""

from __future__ import annotations

from dataclasses import dataclass, field

from counter_app.clock import Clock
from counter_app.services.counter_setup import CounterIdentity
from counter_app.storage.database import Database
from ui.tasks import TaskRunner


@dataclass
class AppContext:
    """Shared, long-lived objects of one running window (no Session is ever kept here)."""

    db: Database
    runner: TaskRunner
    clock: Clock
    identity: CounterIdentity
    user_name: str = ""
    user_id: str | None = None
    role: str = ""
    extras: dict[str, object] = field(default_factory=dict)
