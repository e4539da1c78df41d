"""Announcements from the shipped clip set, played one after another; the ticket PDF on 80/58 mm."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from pathlib import Path

import zxingcpp
from PIL import Image

from counter_app.printing.queue_ticket import PRINTABLE_MM, TicketPrint, render_ticket
from counter_app.queue.voice import Announcer, ClipSet, join_wavs


def test_voice_clips_for_a_call_exist_in_order() -> None:
    clips = ClipSet.load()
    names = [p.name for p in clips.clips_for_call("A015", 2)]
    assert names == [
        "chime.wav",
        "moi-cong-dan.wav",
        "chu-a.wav",
        "so-0.wav",
        "so-1.wav",
        "so-5.wav",
        "den-quay-so.wav",
        "quay-2.wav",
    ]
    joined = join_wavs(clips.clips_for_call("A015", 2))
    with wave.open(BytesIO(joined)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 2.0 < seconds < 12.0


def test_voice_desk_without_a_clip_read_digit_by_digit() -> None:
    names = [p.name for p in ClipSet.load().clips_for_call("B7", 45)]
    assert names[-3:] == ["den-quay-so.wav", "so-4.wav", "so-5.wav"]


def test_voice_announcer_never_overlaps() -> None:
    lock = threading.Lock()
    playing: list[str] = []
    overlaps: list[str] = []

    def play(path: Path) -> None:
        if not lock.acquire(blocking=False):
            overlaps.append(path.name)
            return
        try:
            with wave.open(str(path)) as w:
                playing.append(f"{w.getnframes()}")
            time.sleep(0.05)
        finally:
            lock.release()

    announcer = Announcer(ClipSet.load(), play)
    for label, desk in (("A001", 1), ("A002", 2), ("B001", 1)):
        announcer.announce(label, desk)
    announcer.wait_idle(10)
    assert len(playing) == 3 and overlaps == []


# SAVE_SCREENSHOTS=1 refreshes the pictures in docs/img; otherwise they go to a scratch folder.
DOCS = (
    Path(__file__).resolve().parents[2] / "docs" / "img"
    if os.environ.get("SAVE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="queue-shots-"))
)
FOLLOW = "http://192.168.1.10:8600/api/v1/queue/follow/Xy3kq9Lm0aB1cD2e"


def test_ticket_pdf_both_widths(
    pdf_text: Callable[[bytes], list[str]], rasterise: Callable[..., list[Image.Image]]
) -> None:
    ticket = TicketPrint(
        "Trung tâm Phục vụ hành chính công xã Ỷ La",
        "A015",
        "Hộ tịch",
        datetime(2026, 11, 23, 8, 5),
        4,
        "",
        FOLLOW,
        wait_minutes=15,
    )
    for paper in (80, 58):
        pdf = render_ticket(ticket, paper)
        text = " ".join(pdf_text(pdf))
        assert "A015" in text and "Hộ tịch" in text and "còn 4 người" in text and "23/11/2026" in text
        assert "Dự kiến chờ khoảng 15 phút" in text
        box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
        assert box is not None
        assert abs(float(box.group(1)) - PRINTABLE_MM[paper] / 25.4 * 72) < 0.5  # printable width of the roll
        (page,) = rasterise(pdf, dpi=203)  # a thermal printer's resolution
        page.save(DOCS / f"ticket-{paper}mm.png")
        assert [r.text for r in zxingcpp.read_barcodes(page)] == [FOLLOW]  # the QR scans at 203 dpi


def test_ticket_priority_marked(pdf_text: Callable[[bytes], list[str]]) -> None:
    ticket = TicketPrint(
        "UBND xã Ỷ La", "B007", "Chứng thực", datetime(2026, 11, 23, 8, 5), 0, "Người cao tuổi"
    )
    text = " ".join(pdf_text(render_ticket(ticket, 58)))
    assert "ƯU TIÊN — Người cao tuổi" in text and "được gọi ngay" in text
