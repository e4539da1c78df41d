"""Printed forms of the one-stop counter (Mẫu 01–05) as PDF bytes: DTOs in, reportlab out, no Qt."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from counter_app.printing.dto import (
    AgencyHeader,
    ApologyData,
    ControlSlipData,
    DocumentLine,
    HandoverRow,
    ReceiptData,
    RefusalData,
    StopNoticeData,
    SupplementData,
)

if TYPE_CHECKING:
    from counter_app.printing.apology import render_apology
    from counter_app.printing.control_slip import render_control_slip
    from counter_app.printing.receipt import render_receipt
    from counter_app.printing.refusal import render_refusal
    from counter_app.printing.stop_notice import render_stop_notice
    from counter_app.printing.supplement import render_supplement

# The renderers pull in reportlab (~0.25 s): they load on first use, not when the package does.
_RENDERERS = {
    "render_apology": "counter_app.printing.apology",
    "render_control_slip": "counter_app.printing.control_slip",
    "render_receipt": "counter_app.printing.receipt",
    "render_refusal": "counter_app.printing.refusal",
    "render_stop_notice": "counter_app.printing.stop_notice",
    "render_supplement": "counter_app.printing.supplement",
}


def __getattr__(name: str) -> Any:
    """Import a renderer the first time it is asked for (PEP 562)."""
    module = _RENDERERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "AgencyHeader",
    "ApologyData",
    "ControlSlipData",
    "DocumentLine",
    "HandoverRow",
    "ReceiptData",
    "RefusalData",
    "StopNoticeData",
    "SupplementData",
    "render_apology",
    "render_control_slip",
    "render_receipt",
    "render_refusal",
    "render_stop_notice",
    "render_supplement",
]
