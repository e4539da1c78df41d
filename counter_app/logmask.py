"""Personal numbers never reach a log: CCCD/CMND and phone numbers are masked in every formatted record.

Decree 13/2023 and the Personal Data Protection Law 91/2025/QH15 treat ID numbers and phone numbers as
personal data; logs are copied around by IT staff, so they must not carry them. The masking formatter
covers the message, its arguments and any traceback text. Dossier codes (`...-261123-1001`), UUIDs
and timestamps do not look like a standalone run of 9–12 digits and are left alone.
"""

from __future__ import annotations

import logging
import re

_PERSONAL_NUMBER = re.compile(r"(?<![\w.-])(\+?84|0)?(\d{8,11})(?![\w-])")


def _mask(match: re.Match[str]) -> str:
    whole = match.group(0)
    digits = sum(ch.isdigit() for ch in whole)
    if digits < 9:
        return whole
    return "*" * (len(whole) - 3) + whole[-3:]


def mask_personal(text: str) -> str:
    """`text` with every ID-card or phone number reduced to its last three digits."""
    return _PERSONAL_NUMBER.sub(_mask, text)


class MaskingFormatter(logging.Formatter):
    """A Formatter whose whole output (message, arguments, traceback) is masked."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))


def install(level: int = logging.INFO, fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> None:
    """Configure the root logger (like logging.basicConfig) with the masking formatter on every handler."""
    logging.basicConfig(level=level, format=fmt)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(MaskingFormatter(fmt))
