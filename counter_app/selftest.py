"""The self-test of an installed copy: resources, a temporary database, a deadline, a receipt, its barcode.

`counter-app --self-test` (ui/selftest.py) runs these steps with a Qt rasteriser for the PDF; the
steps themselves use only the core, on a throw-away data directory, and never touch the real one.
Each step reports one Vietnamese line; the first failure stops the run and becomes the exit code
(the step's number), so an installer or a CI job can tell what broke.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from counter_app import __version__
from counter_app.clock import FixedClock, local_to_utc
from counter_app.code128 import GreyImage, read_code128
from counter_app.i18n import _
from counter_app.paths import HOME_ENV, migrations_dir, resources_dir

# A dossier of "Cấp Giấy xác nhận tình trạng hôn nhân" (3 working days) received on the Thursday
# before Tết 2026: Friday 13/2 is the only working day before the holiday (14–22/2), so the
# appointment lands on Tuesday 24/2 only if the shipped holiday data and calendar files are there.
PROCEDURE_CODE = "1.004873"
RECEIVED_LOCAL = datetime(2026, 2, 12, 9, 32)
EXPECTED_APPOINTMENT = datetime(2026, 2, 24, 9, 32)
AGENCY = {
    "agency_code": "000.00.31.H12",
    "agency_name": "Trung tâm Phục vụ hành chính công xã Ỷ La (tự kiểm tra)",  # i18n: skip
    "parent_name": "UBND xã Ỷ La",  # i18n: skip
    "place_name": "Ỷ La",  # i18n: skip
}
APPLICANT = "Nguyễn Thị Ánh Tuyết"  # i18n: skip

Rasterise = Callable[[bytes], list[GreyImage]]


class StepFailed(Exception):
    """A self-test step found something wrong; `message` says what, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StepResult:
    """One line of the report."""

    number: int
    title: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class SelfTest:
    """Runs numbered steps in order, stops at the first failure, and keeps what each step found."""

    out: TextIO | None = None
    results: list[StepResult] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @property
    def ok(self) -> bool:
        """True while no step has failed."""
        return all(r.ok for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 when every step passed, else the number of the failed step."""
        return next((r.number for r in self.results if not r.ok), 0)

    def step(self, title: str, action: Callable[[], str]) -> bool:
        """Run `action` (which returns the detail line) unless an earlier step failed; report it."""
        if not self.ok:
            return False
        number = len(self.results) + 1
        begun = time.perf_counter()
        try:
            detail, ok = action(), True
        except StepFailed as exc:
            detail, ok = exc.message, False
        except Exception as exc:  # any other failure is reported with its traceback, not raised
            detail, ok = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", False
        result = StepResult(number, title, ok, detail, time.perf_counter() - begun)
        self.results.append(result)
        self.say(format_result(result))
        return ok

    def say(self, line: str) -> None:
        """Write one line of the report (ASCII only if the console cannot show Vietnamese)."""
        if self.out is not None:
            write_line(self.out, line)

    def summary(self) -> str:
        """The last line: passed or failed, and the time taken."""
        seconds = time.perf_counter() - self.started
        if self.ok:
            return _("KẾT QUẢ: ĐẠT — {count} bước, {seconds:.1f} s").format(
                count=len(self.results), seconds=seconds
            )
        failed = next(r for r in self.results if not r.ok)
        return _("KẾT QUẢ: KHÔNG ĐẠT ở bước {number} ({title}) — mã thoát {number}").format(
            number=failed.number, title=failed.title
        )


def format_result(result: StepResult) -> str:
    """'[OK] 3. Title: detail (12 ms)' or '[LỖI] …'."""
    mark = "[OK]  " if result.ok else _("[LỖI] ")
    return f"{mark}{result.number}. {result.title}: {result.detail} ({result.seconds * 1000:.0f} ms)"


def ascii_text(text: str) -> str:
    """Vietnamese → plain ASCII (diacritics dropped, đ → d), for consoles that cannot show it."""
    text = text.replace("đ", "d").replace("Đ", "D").replace("—", "-")  # i18n: skip
    decomposed = unicodedata.normalize("NFD", text)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "replace").decode()
    )


def write_line(out: TextIO, line: str) -> None:
    """Print `line`, falling back to ASCII on a console whose encoding lacks Vietnamese (cp1252)."""
    try:
        out.write(line + "\n")
    except UnicodeEncodeError:
        out.write(ascii_text(line) + "\n")
    out.flush()


@contextmanager
def scratch_home() -> Iterator[Path]:
    """A temporary data directory in COUNTER_APP_HOME for the duration; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="counter-selftest-"))
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous
        shutil.rmtree(folder, ignore_errors=True)


def check_resources() -> str:
    """Fonts, catalogue, calendar files and migrations are where the code looks for them."""
    from counter_app.deadlines import builtin_calendar_files
    from counter_app.printing.fonts import register_fonts

    resources, migrations = resources_dir(), migrations_dir()
    fonts = sorted((resources / "fonts").glob("*.ttf"))
    catalogue = resources / "catalogue" / "procedures.json"
    calendars = builtin_calendar_files()
    sql = sorted(migrations.glob("*.sql"))
    missing = [
        what
        for what, present in (
            (_("phông chữ ({value})").format(value=resources / "fonts"), bool(fonts)),
            (_("danh mục ({catalogue})").format(catalogue=catalogue), catalogue.is_file()),
            (_("tệp lịch (resources/calendar)"), bool(calendars)),
            (_("bước nâng cấp lược đồ ({migrations})").format(migrations=migrations), bool(sql)),
        )
        if not present
    ]
    if missing:
        raise StepFailed(_("thiếu ") + "; ".join(missing))
    register_fonts()  # the PDF fonts must parse, not only exist
    return _("{count} phông chữ, danh mục, {count2} tệp lịch, {count3} bước nâng cấp lược đồ").format(
        count=len(fonts), count2=len(calendars), count3=len(sql)
    )


def check_libraries() -> str:
    """The libraries a frozen build can lose quietly: argon2's C binding, openpyxl, holiday names, CA roots."""
    import io

    import holidays
    import openpyxl
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if not hasher.verify(hasher.hash("mật khẩu thử"), "mật khẩu thử"):  # i18n: skip
        raise StepFailed(_("argon2 không kiểm tra được mật khẩu"))
    book = openpyxl.Workbook()
    book.active.append(["Mã hồ sơ", "Ngày hẹn"])  # i18n: skip
    sheet = io.BytesIO()
    book.save(sheet)
    name = holidays.country_holidays("VN", years=2026, language="vi").get(datetime(2026, 9, 2).date(), "")
    if "Quốc khánh" not in name:  # i18n: skip
        raise StepFailed(
            _("tên ngày lễ tiếng Việt không đúng: {name!r} (thiếu tệp dịch của holidays?)").format(name=name)
        )
    import certifi  # requests' CA roots, for the central server over HTTPS

    if not Path(certifi.where()).is_file():
        raise StepFailed(_("thiếu tệp chứng chỉ gốc {where}").format(where=certifi.where()))
    return _("argon2, openpyxl ({value} kB), ngày lễ “{name}”, chứng chỉ gốc").format(
        value=len(sheet.getvalue()) // 1024, name=name
    )


def run_core_steps(test: SelfTest, home: Path, rasterise: Rasterise | None) -> None:
    """Database → counter → deadline → receipt → barcode, each a step of `test`, in `home`."""
    from counter_app.catalogue.service import load_builtin_catalogue
    from counter_app.services import appointment, counter_setup, forms, users
    from counter_app.services.validation import DocumentLine, IntakeForm
    from counter_app.storage import migrations
    from counter_app.storage.database import create_database, open_database
    from counter_app.storage.models import Procedure

    clock = FixedClock(local_to_utc(RECEIVED_LOCAL))
    path = home / "counter.db"
    state = test.values

    def database() -> str:
        create_database(path)
        state["db"] = db = open_database(path)
        version, latest = db.schema_version(), migrations.latest_version()
        if version != latest:
            raise StepFailed(_("lược đồ {version}, cần {latest}").format(version=version, latest=latest))
        return _("tạo và nâng cấp {name} lên lược đồ {version}").format(name=path.name, version=version)

    def counter() -> str:
        with state["db"].write() as session:
            counter_setup.initialise_counter(session, clock, **AGENCY)
            loaded = load_builtin_catalogue(session, clock).total
            clerk = users.ensure_system_user(session, clock, "tu-kiem-tra", "Tự kiểm tra")  # i18n: skip
        state["clerk_id"] = clerk.id
        if loaded == 0:
            raise StepFailed(_("danh mục thủ tục mẫu rỗng"))
        return _("khởi tạo quầy, nạp {loaded} thủ tục").format(loaded=loaded)

    def deadline() -> str:
        with state["db"].read() as session:
            procedure = session.scalar(select(Procedure).where(Procedure.code == PROCEDURE_CODE))
            if procedure is None:
                raise StepFailed(
                    _("không có thủ tục {PROCEDURE_CODE} trong danh mục mẫu").format(
                        PROCEDURE_CODE=PROCEDURE_CODE
                    )
                )
            due = appointment.compute_appointment_for(session, procedure, RECEIVED_LOCAL)
        if due != EXPECTED_APPOINTMENT:
            raise StepFailed(
                _(
                    "hẹn {due:%H:%M %d/%m/%Y}, đúng ra {EXPECTED_APPOINTMENT:%H:%M %d/%m/%Y} (thiếu dữ "
                    "liệu ngày lễ hoặc tệp lịch?)"
                ).format(due=due, EXPECTED_APPOINTMENT=EXPECTED_APPOINTMENT)
            )
        return _("nhận {RECEIVED_LOCAL:%H:%M %d/%m/%Y} → hẹn {due:%H:%M %d/%m/%Y} (qua Tết)").format(
            RECEIVED_LOCAL=RECEIVED_LOCAL, due=due
        )

    def receipt() -> str:
        with state["db"].write() as session:
            procedure = session.scalar(select(Procedure).where(Procedure.code == PROCEDURE_CODE))
            assert procedure is not None
            form = IntakeForm(
                procedure_id=procedure.id,
                full_name=APPLICANT,
                id_number="008186001234",
                gender="nu",
                address_street="Thôn Đồng Tâm",  # i18n: skip
                address_commune="Xã Ỷ La",  # i18n: skip
                address_province="Tỉnh Tuyên Quang",  # i18n: skip
                documents=tuple(
                    DocumentLine(d.name, d.originals, d.certified_copies, d.copies, True)
                    for d in procedure.documents
                ),
            )
            registered = appointment.receive_dossier(session, clock, form, state["clerk_id"], RECEIVED_LOCAL)
        with state["db"].write() as session:
            printed = forms.print_receipt(session, clock, registered.code, state["clerk_id"])
        if not printed.path.is_file() or not printed.pdf.startswith(b"%PDF"):
            raise StepFailed(_("không có tệp PDF {path}").format(path=printed.path))
        state["code"], state["pdf"] = registered.code, printed.pdf
        return _("hồ sơ {code}, Giấy tiếp nhận {value} kB").format(
            code=registered.code, value=len(printed.pdf) // 1024
        )

    def barcode() -> str:
        if rasterise is None:
            raise StepFailed(_("không có bộ dựng ảnh PDF"))
        pages = rasterise(state["pdf"])
        texts = [text for page in pages for text in read_code128(page)]
        if state["code"] not in texts:
            found = ", ".join(texts) or _("không đọc được mã nào")
            raise StepFailed(
                _("mã vạch đọc được: {found}; cần {code}").format(found=found, code=state["code"])
            )
        return _("đọc lại mã vạch Code 128 trên {count} trang: {code}").format(
            count=len(pages), code=state["code"]
        )

    test.step(_("Cơ sở dữ liệu tạm"), database)
    test.step(_("Khởi tạo quầy"), counter)
    test.step(_("Tính thời hạn"), deadline)
    test.step(_("In Giấy tiếp nhận (Mẫu 01)"), receipt)
    test.step(_("Đọc mã vạch"), barcode)


def close_database(test: SelfTest) -> None:
    """Close the temporary database if a step opened it."""
    db = test.values.pop("db", None)
    if db is not None:
        db.close()


def header() -> str:
    """The first line of the report: what is being tested, on what."""
    frozen = _(" (bản đóng gói)") if getattr(sys, "frozen", False) else ""
    return _(
        "Tự kiểm tra counter-app {version}{frozen} — Python {python_version}, {system} {release}"
    ).format(
        version=__version__,
        frozen=frozen,
        python_version=platform.python_version(),
        system=platform.system(),
        release=platform.release(),
    )


def run(
    rasterise: Rasterise | None,
    out: TextIO | None = None,
    *,
    before: Callable[[SelfTest], None] | None = None,
    after: Callable[[SelfTest], None] | None = None,
) -> SelfTest:
    """Every step in a scratch data directory: resources, `before`, the core steps, `after`.

    The UI adds its own steps through `before` (Qt, fonts) and `after`, which may use the open
    temporary database, `test.values["db"]`.
    """
    test = SelfTest(out=out)
    test.say(header())
    with scratch_home() as home:
        try:
            test.step(_("Tài nguyên"), check_resources)
            test.step(_("Thư viện"), check_libraries)
            if before is not None and test.ok:
                before(test)
            run_core_steps(test, home, rasterise)
            if after is not None and test.ok:
                after(test)
        finally:
            close_database(test)
    test.say(test.summary())
    return test
