"""Fixtures for the printing tests: real poppler rasterisation, text extraction and font listing."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} (poppler-utils) is not installed; PDF rendering cannot be checked"
        if os.environ.get("CI"):
            pytest.fail(message + " (./setup.sh test installs it)")
        pytest.skip(message)
    return path


@pytest.fixture
def rasterise(tmp_path: Path) -> Callable[..., list[Image.Image]]:
    """PDF bytes → one greyscale PIL image per page, rendered by pdftoppm (300 dpi by default)."""
    pdftoppm = _tool("pdftoppm")

    def run(
        pdf: bytes, dpi: int = 300, first: int | None = None, last: int | None = None
    ) -> list[Image.Image]:
        folder = tmp_path / f"raster-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        source = folder / "doc.pdf"
        source.write_bytes(pdf)
        args = [pdftoppm, "-r", str(dpi), "-png", "-gray"]
        if first is not None:
            args += ["-f", str(first)]
        if last is not None:
            args += ["-l", str(last)]
        subprocess.run([*args, str(source), str(folder / "page")], check=True, timeout=120)
        pages = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        return [Image.open(p).convert("L") for p in pages]

    return run


@pytest.fixture
def pdf_text(tmp_path: Path) -> Callable[[bytes], list[str]]:
    """PDF bytes → the text of each page (pdftotext -layout), NFC, runs of spaces collapsed."""
    pdftotext = _tool("pdftotext")

    def run(pdf: bytes) -> list[str]:
        source = tmp_path / "text.pdf"
        source.write_bytes(pdf)
        out = subprocess.run(
            [pdftotext, "-layout", "-enc", "UTF-8", str(source), "-"],
            check=True,
            capture_output=True,
            timeout=60,
        ).stdout.decode("utf-8")
        return [" ".join(unicodedata.normalize("NFC", page).split()) for page in out.split("\f")[:-1]]

    return run


@pytest.fixture
def pdf_fonts(tmp_path: Path) -> Callable[[bytes], list[dict[str, str]]]:
    """PDF bytes → pdffonts rows as {name, type, emb}."""
    pdffonts = _tool("pdffonts")

    def run(pdf: bytes) -> list[dict[str, str]]:
        source = tmp_path / "fonts.pdf"
        source.write_bytes(pdf)
        out = subprocess.run([pdffonts, str(source)], check=True, capture_output=True, text=True, timeout=60)
        rows = []
        for line in out.stdout.splitlines()[2:]:
            parts = line.split()
            # name, type words…, encoding, emb, sub, uni, object, id: read from the right.
            rows.append({"name": parts[0], "emb": parts[-5]})
        return rows

    return run


@pytest.fixture
def decode() -> Callable[[Image.Image], dict[str, str]]:
    """A page image → {format name: decoded text} of every barcode zxing-cpp finds."""

    def run(image: Image.Image) -> dict[str, str]:
        return {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}

    return run
