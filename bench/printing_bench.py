"""Benchmark: time to render the Mẫu 01 receipt PDF, against a one-line Tinos page in the same run.

Goal: median ≤ 50 ms for the two-copy receipt (wall clock). The CPU-time median and a pure-Python
calibration loop are printed too, so a run on a busy shared machine can be told from a regression.

    python -m bench.printing_bench [ROUNDS]
"""

from __future__ import annotations

import dataclasses
import io
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

# Runnable as `python bench/printing_bench.py` from a checkout without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from counter_app.printing import render_receipt
from counter_app.printing.fonts import REGULAR, register_fonts
from counter_app.printing.samples import sample_receipt

GOAL_MS = 50.0


def machine_line() -> str:
    """Where and when: host, CPU, cores, load, Python, reportlab accelerator, local date."""
    from reportlab.lib import rl_accel

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    accel = "C" if "_py_" not in getattr(rl_accel.fp_str, "__name__", "") else "pure Python"
    return (
        f"{datetime.now():%Y-%m-%d %H:%M} | {platform.node()} | {cpu}, {os.cpu_count()} cores, load {load} | "
        f"Python {platform.python_version()} | reportlab accelerator: {accel}"
    )


def calibration_ms() -> float:
    """A fixed pure-Python loop (sum of 10**6 ints): ~10 ms on an idle desktop core of 2020."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        sum(range(10**6))
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


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
    cpu_ms: list[float] = []
    baseline_ms: list[float] = []
    size = 0
    for index in range(rounds):
        code = f"000.00.06.H56-231027-{index % 10000:04d}"
        data = dataclasses.replace(
            base, code=code, status_url=f"https://dichvucong.example.vn/tra-cuu?MaHoSo={code}"
        )
        start, cpu_start = time.perf_counter(), time.process_time()
        size = len(render_receipt(data))
        receipt_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - cpu_start) * 1000)
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
        "cpu_median_ms": round(statistics.median(cpu_ms), 2),
        "baseline_ms": round(baseline, 2),
        "ratio": round(median / baseline, 2),
        "pdf_bytes": float(size),
    }


def main(argv: list[str]) -> int:
    """Print the machine, the figures and PASS/FAIL per receipt size; exit 1 if a median misses the goal."""
    rounds = int(argv[0]) if argv else 50
    print(machine_line())
    print(f"calibration (sum of 10**6 ints): {calibration_ms():.1f} ms")
    passed = True
    for documents in (4, 8):
        figures = bench_receipt_pdf(rounds, documents)
        ok = figures["median_ms"] <= GOAL_MS
        passed &= ok
        print(
            f"receipt, {documents} documents, 2 pages, {rounds} rounds: "
            f"median {figures['median_ms']:.1f} ms (CPU {figures['cpu_median_ms']:.1f} ms), "
            f"p95 {figures['p95_ms']:.1f} ms, min {figures['min_ms']:.1f} ms; "
            f"one-line Tinos page {figures['baseline_ms']:.1f} ms; ratio {figures['ratio']:.1f}x; "
            f"{figures['pdf_bytes'] / 1024:.0f} KiB; goal median ≤ {GOAL_MS:.0f} ms: {'PASS' if ok else 'FAIL'}"
        )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
