"""Named crash points for the reliability harness: the process dies on the spot when asked to.

`crash_point("after_commit_before_print")` does nothing unless the environment variable
COUNTER_CRASH_AT names that point, in which case the process ends at once with os._exit(137), the
way SIGKILL or a power cut would end it: no cleanup, no flush, no rollback. The harness in
tests/reliability sets it in a child process; a clerk's machine never has it set.
"""

from __future__ import annotations

import os

ENV = "COUNTER_CRASH_AT"


def crash_point(name: str) -> None:
    """Die here (exit status 137) if COUNTER_CRASH_AT is `name`."""
    if os.environ.get(ENV) == name:
        os._exit(137)
