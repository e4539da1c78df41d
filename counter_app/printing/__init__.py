"""Printed forms of the one-stop counter (Mẫu 01–05) as PDF bytes: DTOs in, reportlab out, no Qt."""

from __future__ import annotations

from counter_app.printing.apology import render_apology
from counter_app.printing.control_slip import render_control_slip
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
from counter_app.printing.receipt import render_receipt
from counter_app.printing.refusal import render_refusal
from counter_app.printing.stop_notice import render_stop_notice
from counter_app.printing.supplement import render_supplement

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
