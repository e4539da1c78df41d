"""Printed forms of the one-stop counter (Mẫu 01–03) as PDF bytes: DTOs in, reportlab out, no Qt."""

from __future__ import annotations

from counter_app.printing.dto import AgencyHeader, DocumentLine, ReceiptData, RefusalData, SupplementData
from counter_app.printing.receipt import render_receipt
from counter_app.printing.refusal import render_refusal
from counter_app.printing.supplement import render_supplement

__all__ = [
    "AgencyHeader",
    "DocumentLine",
    "ReceiptData",
    "RefusalData",
    "SupplementData",
    "render_receipt",
    "render_refusal",
    "render_supplement",
]
