"""The page of every form: A4 with NĐ 30/2020 margins, the PDF document, and continuation labels."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus import Paragraph as _RLParagraph

from counter_app.printing.fonts import ITALIC, REGULAR, register_fonts

# NĐ 30/2020 margins: top 20–25, bottom 20–25, left 30–35, right 15–20 mm. The smallest allowed
# values leave the most room for the receipt, which must fit one page per copy.
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
FRAME_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

# Binary (Flate only) streams instead of reportlab's default ASCII85 on top: the PDF is a quarter
# smaller and the pure-Python base-85 encoder, ~8 % of a receipt's render time, is skipped. The
# setting is process-wide; this package is the application's only PDF producer.
rl_config.useA85 = 0


def clean(text: str | None) -> str:
    """NFC text: reportlab does no shaping, so decomposed (NFD) marks would print misplaced."""
    return unicodedata.normalize("NFC", text or "").strip()


class Paragraph(_RLParagraph):  # type: ignore[misc]
    """A reportlab Paragraph that remembers its last line breaking.

    A form measures every paragraph to choose a size that fits one page, then the frame wraps it
    again at the same width to draw it: line breaking was the largest part of a receipt's render
    time. Wrapping again at the width already wrapped reuses the result (the lines depend on the
    width only; the available height matters only to split, which makes new paragraphs).
    """

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self._wrapped is not None and self._wrapped[0] == avail_width:
            return self._wrapped[1]
        size: tuple[float, float] = super().wrap(avail_width, avail_height)
        self._wrapped = (avail_width, size)
        return size


class CopyMarker(Flowable):  # type: ignore[misc]
    """Invisible mark at the start of a copy; pages it spills onto get `continuation` at the top."""

    def __init__(self, continuation: str) -> None:
        super().__init__()
        self.continuation = clean(continuation)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        return None


class _FormDoc(BaseDocTemplate):  # type: ignore[misc]
    """One frame per page; remembers which copy (liên) a page belongs to."""

    def __init__(self, buffer: io.BytesIO, **kwargs: Any) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            # No timestamps or random ids: the same data prints to the same bytes.
            invariant=True,
            # Without this the canvas preamble names Helvetica, an unembedded font in pdffonts.
            initialFontName=REGULAR,
            lang="vi-VN",
            creator="counter_app",
            **kwargs,
        )
        frame = Frame(
            MARGIN_LEFT,
            MARGIN_BOTTOM,
            FRAME_WIDTH,
            FRAME_HEIGHT,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=self._page_end)])
        self._continuation = ""
        self._copy_start = 1

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, CopyMarker):
            self._continuation = flowable.continuation
            self._copy_start = self.page

    def _page_end(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        if doc.page > self._copy_start and self._continuation:
            canv.saveState()
            canv.setFont(ITALIC, 10)
            label = f"{self._continuation} (tiếp theo, trang {doc.page - self._copy_start + 1})"
            canv.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, PAGE_HEIGHT - MARGIN_TOP + 4 * mm, label)
            canv.restoreState()


def render_pdf(story: list[Flowable], *, title: str, subject: str, author: str) -> bytes:
    """Lay the flowables out on A4 pages with the NĐ 30/2020 margins and return the PDF."""
    register_fonts()
    buffer = io.BytesIO()
    doc = _FormDoc(buffer, title=clean(title), subject=clean(subject), author=clean(author))
    doc.build(story)
    return buffer.getvalue()


def story_height(story: Sequence[Flowable], width: float = FRAME_WIDTH) -> float:
    """The height the flowables would take in one frame (used to pick a table size that fits)."""
    scratch = Canvas(io.BytesIO(), initialFontName=REGULAR)  # some flowables measure through a canvas
    total = 0.0
    for item in story:
        _, h = item.wrapOn(scratch, width, FRAME_HEIGHT)
        total += h + item.getSpaceBefore() + item.getSpaceAfter()
    return total


class SharedBody(Flowable):  # type: ignore[misc]
    """Flowables laid out once into a PDF form XObject and shown wherever this flowable is placed.

    The two copies (liên) of a receipt share everything below their label: drawing that body once
    and showing it on both pages halves the line-breaking work, the bulk of a receipt's render time,
    and the PDF carries the text once. Only for a body that fits one frame (it does not split).
    """

    _SLACK = 2.0  # points: the measured height rounds up, never down, so the frame always takes it all

    def __init__(self, flowables: Sequence[Flowable], name: str, *, height: float | None = None) -> None:
        """`height`: what story_height already measured for these flowables at FRAME_WIDTH, if known."""
        super().__init__()
        self._flowables = list(flowables)
        self._name = name
        self._drawn_in: set[int] = set()
        self.width = FRAME_WIDTH
        self.height = (story_height(self._flowables) if height is None else height) + self._SLACK

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return []  # never split: the caller only uses it when the whole copy fits a page

    def draw(self) -> None:
        canv = self.canv
        if id(canv) not in self._drawn_in:
            canv.beginForm(self._name, 0, 0, self.width, self.height)
            frame = Frame(
                0, 0, self.width, self.height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0
            )
            pending = list(self._flowables)
            frame.addFromList(pending, canv)
            canv.endForm()
            if pending:  # a bug, not a user error: never print a receipt with a paper missing
                raise RuntimeError(f"shared body did not fit its own measured height ({len(pending)} left)")
            self._drawn_in.add(id(canv))
        canv.doForm(self._name)
