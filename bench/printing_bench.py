"""Benchmark: time to render the Mẫu 01 receipt PDF, against a one-line Tinos page in the same run."""

from __future__ import annotations

import dataclasses
import io
import statistics
import sys
import time
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

# Runnable as `python bench/printing_bench.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_app.printing import render_receipt
from counter_app.printing.fonts import REGULAR, register_fonts
from counter_app.printing.samples import sample_receipt


def _baseline_page() -> bytes:
    """The floor: one A4 page, one line of Vietnamese in Tinos, embedded and compressed."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, initialFontName=REGULAR)
    canvas.setFont(REGULAR, 13)
    canvas.drawString(85, 780, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ – Nguyễn Thị Ánh")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def bench_receipt_pdf(rounds: int = 50, documents: int = 4) -> dict[str, float]:
    """Median and p95 milliseconds for `render_receipt` (both liên), and the ratio to the baseline.

    Each round prints a receipt with its own dossier code, so the QR matrix is encoded afresh
    every time, as at the counter; fonts are registered before timing (once per process anyway).
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    register_fonts()
    base = sample_receipt(documents)
    render_receipt(base)
    _baseline_page()

    receipt_ms: list[float] = []
    baseline_ms: list[float] = []
    size = 0
    for index in range(rounds):
        code = f"000.00.06.H56-231027-{index % 10000:04d}"
        data = dataclasses.replace(
            base, code=code, status_url=f"https://dichvucong.example.vn/tra-cuu?MaHoSo={code}"
        )
        start = time.perf_counter()
        size = len(render_receipt(data))
        receipt_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        _baseline_page()
        baseline_ms.append((time.perf_counter() - start) * 1000)

    median = statistics.median(receipt_ms)
    baseline = statistics.median(baseline_ms)
    return {
        "rounds": float(rounds),
        "documents": float(documents),
        "median_ms": round(median, 2),
        "p95_ms": round(_percentile(receipt_ms, 0.95), 2),
        "min_ms": round(min(receipt_ms), 2),
        "baseline_ms": round(baseline, 2),
        "ratio": round(median / baseline, 2),
        "pdf_bytes": float(size),
    }


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 50
    for documents in (4, 8):
        figures = bench_receipt_pdf(rounds, documents)
        print(
            f"receipt, {documents} documents, 2 pages, {rounds} rounds: "
            f"median {figures['median_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
            f"min {figures['min_ms']:.1f} ms; one-line Tinos page {figures['baseline_ms']:.1f} ms; "
            f"ratio {figures['ratio']:.1f}x; {figures['pdf_bytes'] / 1024:.0f} KiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
