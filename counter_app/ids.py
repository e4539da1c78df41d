"""Time-ordered UUIDv7 identifiers: the sync identity of every record (fast to insert in SQLite)."""

from __future__ import annotations

import os
import time

_MASK_48 = (1 << 48) - 1
_MASK_62 = (1 << 62) - 1


def uuid7(unix_ms: int | None = None) -> str:
    """A UUIDv7 string (RFC 9562): 48-bit millisecond timestamp, version 7, variant 10, random bits."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & _MASK_48) << 80
    value |= 0x7 << 76
    value |= ((rand >> 68) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & _MASK_62
    digits = f"{value:032x}"  # the standard 8-4-4-4-12 form, as str(UUID) gives it
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
