"""Landscape A4 documents built from a platypus story (registers and reports), in the shipped fonts."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, SimpleDocTemplate

from counter_app.printing.fonts import REGULAR


def landscape_pdf(story: list[Flowable], title: str, *, side_margin_mm: float = 12) -> bytes:
    """The PDF bytes of `story` on landscape A4 (12 mm top and bottom margins; reproducible output)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=side_margin_mm * mm,
        rightMargin=side_margin_mm * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        invariant=True,
        initialFontName=REGULAR,
    )
    doc.build(story)
    return buffer.getvalue()
