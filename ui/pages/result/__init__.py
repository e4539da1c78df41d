"""The "Trả kết quả" page (F4): load a dossier by code, move it through its life, hand the result back."""

from __future__ import annotations

from ui.pages.result.page import ReturnPage

__all__ = ["ReturnPage"]
