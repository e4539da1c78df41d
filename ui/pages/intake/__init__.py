"""The intake page ("Tiếp nhận hồ sơ"): the clerk's main screen for receiving a dossier at the counter."""

from __future__ import annotations

from ui.pages.intake.page import IntakePage

__all__ = ["IntakePage"]
