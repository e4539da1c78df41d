"""Time source and time-zone conversion: instants are stored as naive UTC, shown in Vietnam time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol

# Vietnam has used UTC+7 without daylight saving since 1975; a fixed offset avoids needing tzdata on Windows.
VN_TZ = timezone(timedelta(hours=7), "ICT")


class Clock(Protocol):
    """Gives the current instant; injected so tests can fix "now"."""

    def now_utc(self) -> datetime:
        """The current instant as a naive UTC datetime."""
        ...


class SystemClock:
    """The real clock."""

    def now_utc(self) -> datetime:
        """The current instant as a naive UTC datetime."""
        return datetime.now(UTC).replace(tzinfo=None)


class FixedClock:
    """A clock that stands still (or moves only when told to); for tests and demo data."""

    def __init__(self, now_utc: datetime) -> None:
        self._now = now_utc

    def now_utc(self) -> datetime:
        """The fixed instant."""
        return self._now

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta


def utc_to_local(instant: datetime) -> datetime:
    """Naive UTC → naive Vietnam local time."""
    return instant + timedelta(hours=7)


def local_to_utc(local: datetime) -> datetime:
    """Naive Vietnam local time → naive UTC."""
    return local - timedelta(hours=7)
