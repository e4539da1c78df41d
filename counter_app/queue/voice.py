"""Call announcements from recorded clips ("Mời công dân có số thứ tự A015 đến quầy số 2").

Offline Vietnamese text-to-speech is poor, so calls are assembled from one clip per phrase, letter,
digit and desk number listed in resources/sounds/manifest.json (replace the WAV files to change the
voice). `Announcer` plays calls one after another on its own thread: a call never cuts another off.
"""

from __future__ import annotations

import io
import json
import logging
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from counter_app.paths import resources_dir

log = logging.getLogger(__name__)
MANIFEST: Final = "manifest.json"


def sounds_dir() -> Path:
    """The shipped clip set."""
    return resources_dir() / "sounds"


@dataclass(frozen=True)
class ClipSet:
    """The clips of one voice: phrases, letters, digits (ticket numbers) and desk numbers."""

    folder: Path
    chime: str
    intro: str
    to_desk: str
    letters: dict[str, str]
    digits: dict[str, str]
    numbers: dict[str, str]

    @classmethod
    def load(cls, folder: Path | None = None) -> ClipSet:
        """Read manifest.json of `folder` (default: resources/sounds)."""
        folder = folder or sounds_dir()
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return cls(
            folder,
            data.get("chime", ""),
            data["intro"],
            data["to_desk"],
            dict(data["letters"]),
            dict(data["digits"]),
            dict(data.get("numbers", {})),
        )

    def clips_for_call(self, label: str, desk: int) -> list[Path]:
        """The clip files announcing ticket `label` to desk `desk`, in order.

        Letters and digits of the ticket are read one by one (A015 → "A, không, một, năm"); the desk
        is read as a whole number when a clip exists for it, else digit by digit. Missing clips are
        skipped (logged), so a partial set still announces something."""
        names = [self.chime] if self.chime else []
        names.append(self.intro)
        for ch in label.upper():
            names.append(self.letters.get(ch, "") if ch.isalpha() else self.digits.get(ch, ""))
        names.append(self.to_desk)
        if str(desk) in self.numbers:
            names.append(self.numbers[str(desk)])
        else:
            names.extend(self.digits.get(ch, "") for ch in str(desk))
        paths = []
        for name in names:
            path = self.folder / name if name else None
            if path is None or not path.is_file():
                log.warning("announcement clip missing for %s/%s: %s", label, desk, name or "(none)")
                continue
            paths.append(path)
        return paths


def join_wavs(paths: Sequence[Path], gap_ms: int = 80) -> bytes:
    """The clips as one WAV (same format as the first clip), with a short silence between them."""
    out = io.BytesIO()
    params = None
    with wave.open(out, "wb") as writer:
        for path in paths:
            with wave.open(str(path), "rb") as reader:
                if params is None:
                    params = reader.getparams()
                    writer.setparams(params)
                elif reader.getparams()[:3] != params[:3]:
                    log.warning("clip %s has another format; skipped", path)
                    continue
                writer.writeframes(reader.readframes(reader.getnframes()))
            silence = int(params.framerate * gap_ms / 1000) * params.sampwidth * params.nchannels
            writer.writeframes(b"\0" * silence)
        if params is None:
            writer.setparams((1, 2, 22050, 0, "NONE", "not compressed"))
    return out.getvalue()


def play_wav_file(path: Path) -> None:
    """Play a WAV file and return when it has finished (Windows: winsound; else aplay/paplay/afplay)."""
    if sys.platform == "win32":
        import winsound

        winsound.PlaySound(str(path), winsound.SND_FILENAME)
        return
    for player in ("paplay", "aplay", "afplay"):
        exe = shutil.which(player)
        if exe:
            subprocess.run([exe, str(path)], check=False, capture_output=True, timeout=60)
            return
    log.warning("no audio player found (paplay, aplay, afplay): announcement not played")


class Announcer:
    """Plays announcements strictly one after another on a worker thread (never interrupting)."""

    def __init__(self, clips: ClipSet, play: Callable[[Path], None] = play_wav_file) -> None:
        self.clips = clips
        self._play = play
        self._queue: queue.Queue[tuple[str, int] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()

    def announce(self, label: str, desk: int) -> None:
        """Queue a call; it plays after those already queued."""
        self._queue.put((label, desk))

    def pending(self) -> int:
        """Calls queued and not yet started."""
        return self._queue.qsize()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every queued call has been played (tests, shutdown)."""
        done = threading.Event()
        self._queue.put(None)
        self._idle = done
        done.wait(timeout)

    def close(self) -> None:
        """Stop after the calls already queued."""
        self.wait_idle(5.0)

    def _run(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="announce-"))
        count = 0
        while True:
            item = self._queue.get()
            if item is None:
                idle = getattr(self, "_idle", None)
                if idle is not None:
                    idle.set()
                continue
            label, desk = item
            count += 1
            path = folder / f"call-{count % 4}.wav"
            try:
                path.write_bytes(join_wavs(self.clips.clips_for_call(label, desk)))
                self._play(path)
            except Exception:  # a broken clip or player must not stop the display
                log.exception("announcement of %s failed", label)
