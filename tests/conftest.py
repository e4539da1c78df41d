"""Shared fixtures: an isolated data directory, a pristine counter database copied per test, PDF checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

AGENCY = {
    "agency_code": "000.00.31.H12",
    "agency_name": "Trung tâm Phục vụ hành chính công xã Ỷ La",
    "parent_name": "UBND xã Ỷ La",
    "place_name": "Ỷ La",
}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test ever touches the real data directory."""
    monkeypatch.setenv("COUNTER_APP_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def pristine_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, initialised counter database built once per test session."""
    from counter_app.clock import SystemClock
    from counter_app.services.counter_setup import initialise_counter
    from counter_app.storage.database import create_database, open_database

    path = tmp_path_factory.mktemp("pristine") / "counter.db"
    create_database(path)
    db = open_database(path)
    try:
        with db.write() as session:
            initialise_counter(session, SystemClock(), **AGENCY)
            try:
                from counter_app.catalogue.service import load_builtin_catalogue
            except ImportError:  # pragma: no cover - until the catalogue lands
                pass
            else:
                load_builtin_catalogue(session, SystemClock())
    finally:
        db.close()
    return path


@pytest.fixture
def db_path(pristine_db: Path, tmp_path: Path) -> Path:
    """A private copy of the pristine database for one test."""
    target = tmp_path / "counter.db"
    shutil.copy(pristine_db, target)
    return target


@pytest.fixture
def db(db_path: Path) -> Iterator[object]:
    """The private copy, opened."""
    from counter_app.storage.database import open_database

    database = open_database(db_path)
    yield database
    database.close()


# PDF checks with real poppler and zxing-cpp, shared by tests/printing, tests/db and tests/cli.


def _poppler(name: str) -> str:
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
    from PIL import Image

    pdftoppm = _poppler("pdftoppm")

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
    pdftotext = _poppler("pdftotext")

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
    pdffonts = _poppler("pdffonts")

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
    import zxingcpp

    def run(image: Image.Image) -> dict[str, str]:
        return {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}

    return run


DESK_OPENED = "2026-01-05T09:32"  # Monday, Vietnam time: where the desk's clock starts


class Desk:
    """A reception desk on the test database: a signed-in clerk, a fixed clock, and dossiers to receive."""

    def __init__(self, db: object, opened_local: str = DESK_OPENED) -> None:
        from datetime import datetime

        from counter_app.clock import FixedClock, local_to_utc
        from counter_app.services import users

        self.db = db
        self.clock = FixedClock(local_to_utc(datetime.fromisoformat(opened_local)))
        fast = users.AccountPolicy(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)
        with db.write() as session:  # type: ignore[attr-defined]
            clerk = users.create_user(
                session, self.clock, "ung", "Lò Thị Ưng", "clerk", "mat-khau-123", policy=fast
            )
        self.clerk_id: str = clerk.id

    def register(
        self,
        name: str = "Nguyễn Thị Ánh",
        *,
        appointment: object,
        id_number: str = "008186001234",
        procedure_code: str = "1.004873",  # Cấp Giấy xác nhận tình trạng hôn nhân (built-in catalogue)
    ) -> str:
        """Receive a dossier now (the desk's clock) with every paper of the procedure; returns its code."""
        from sqlalchemy import select

        from counter_app.services import intake
        from counter_app.services.validation import DocumentLine, IntakeForm
        from counter_app.storage.models import Procedure

        with self.db.write() as session:  # type: ignore[attr-defined]
            procedure = session.scalar(select(Procedure).where(Procedure.code == procedure_code))
            assert procedure is not None
            form = IntakeForm(
                procedure_id=procedure.id,
                full_name=name,
                id_number=id_number,
                gender="nu",
                phone="0912345678",
                address_street="Thôn Đồng Tâm",
                address_commune="Xã Ỷ La",
                address_province="Tỉnh Tuyên Quang",
                documents=tuple(
                    DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                    for d in procedure.documents
                ),
            )
            code: str = intake.register_dossier(session, self.clock, form, self.clerk_id, appointment).code
            return code


@pytest.fixture
def desk(db: object) -> Desk:
    """A clerk at the desk of a private test database, clock at DESK_OPENED."""
    return Desk(db)


def add_procedure(db_path: Path, code: str, name: str) -> None:
    """Add a 5-working-day procedure with one paper (a Tờ khai) to a closed test database."""
    from counter_app.clock import SystemClock
    from counter_app.storage.database import open_database
    from counter_app.storage.models import Procedure, ProcedureDocument
    from counter_app.text import fold

    database = open_database(db_path)
    try:
        with database.write() as session:
            procedure = Procedure(
                code=code,
                name=name,
                name_fold=fold(name),
                field_name="Thử nghiệm",
                deadline_amount=5,
                deadline_unit="working_days",
                updated_at=SystemClock().now_utc(),
            )
            procedure.documents = [ProcedureDocument(position=1, name="Tờ khai", originals=1)]
            session.add(procedure)
    finally:
        database.close()
