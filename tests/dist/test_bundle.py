"""The PyInstaller bundle (build.spec): it builds, its self-test passes offscreen, and it ships only the client.

Building takes minutes, so these run only with COUNTER_TEST_BUNDLE=1 (`.ci/bundle` sets it); the
ordinary suite skips them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import counter_app

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        os.environ.get("COUNTER_TEST_BUNDLE") != "1", reason="builds the bundle: set COUNTER_TEST_BUNDLE=1"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
FORBIDDEN = (
    "central_server",
    "fastapi",
    "uvicorn",
    "starlette",
    "psycopg",
    "pytest",
    "hypothesis",
    "zxingcpp",
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/counter-app built from build.spec into a temporary folder (or the one given in COUNTER_BUNDLE_DIR)."""
    given = os.environ.get("COUNTER_BUNDLE_DIR")
    if given:
        return Path(given)
    pyinstaller = Path(sys.executable).with_name("pyinstaller" + EXE)
    if not pyinstaller.exists():
        pytest.fail(
            "PyInstaller is not installed: .venv/bin/pip install -e '.[dist]' (./setup.sh dist does it)"
        )
    work = tmp_path_factory.mktemp("pyinstaller")
    started = time.perf_counter()
    subprocess.run(
        [
            str(pyinstaller),
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            str(ROOT / "build.spec"),
        ],
        check=True,
        timeout=1800,
    )
    print(f"\nbundle built in {time.perf_counter() - started:.0f} s")
    return work / "dist" / "counter-app"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PYTHON")
    }  # nothing from the venv leaks in
    env.update(QT_QPA_PLATFORM="offscreen", COUNTER_APP_HOME=str(tmp_path / "home"))
    return env


def test_bundle_self_test_passes_offscreen(bundle: Path, tmp_path: Path) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [str(bundle / f"counter-app{EXE}"), "--self-test"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    seconds = time.perf_counter() - started
    print(done.stdout, f"self-test start to exit: {seconds:.1f} s", sep="\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(bản đóng gói)" in done.stdout and "KẾT QUẢ: ĐẠT" in done.stdout
    assert not (tmp_path / "home").exists() or not list((tmp_path / "home").iterdir())  # real data untouched


def test_bundle_carries_the_version_and_the_data(bundle: Path, tmp_path: Path) -> None:
    version = counter_app.__version__
    for exe in ("counter-app", "counter-admin"):
        out = subprocess.run(
            [str(bundle / f"{exe}{EXE}"), "--version"],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.stdout.strip() == f"{exe} {version}", out.stderr
    internal = bundle / "_internal"
    assert (internal / f"counter_app-{version}.dist-info" / "METADATA").is_file()
    assert sorted(p.name for p in (internal / "db" / "migrations").glob("*.sql")) == sorted(
        p.name for p in (ROOT / "db" / "migrations").glob("*.sql")
    )
    for sub in ("fonts/Tinos-Regular.ttf", "fonts/BeVietnamPro-Regular.ttf", "catalogue/procedures.json"):
        assert (internal / "resources" / sub).is_file()
    assert list((internal / "resources" / "calendar").glob("vn-*.toml"))


def test_bundle_ships_no_server_and_no_test_tools(bundle: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    for exe in ("counter-app", "counter-admin"):
        archive = CArchiveReader(str(bundle / f"{exe}{EXE}"))
        modules = archive.open_embedded_archive("PYZ.pyz").toc.keys()
        leaked = sorted({m.split(".")[0] for m in modules} & set(FORBIDDEN))
        assert leaked == [], f"{exe} bundles {leaked}"
    files = {p.name.split(".")[0].split("-")[0] for p in (bundle / "_internal").iterdir()}
    assert not files & set(FORBIDDEN)


def test_bundled_counter_admin_creates_a_database(bundle: Path, tmp_path: Path) -> None:
    db = tmp_path / "quay.db"
    admin = str(bundle / f"counter-admin{EXE}")
    env = _env(tmp_path)
    made = subprocess.run(
        [
            admin,
            "init",
            "--db",
            str(db),
            "--agency-code",
            "000.00.31.H12",
            "--agency-name",
            "Trung tâm Phục vụ hành chính công xã Ỷ La",
            "--parent-name",
            "UBND xã Ỷ La",
            "--place",
            "Ỷ La",
        ],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    info = subprocess.run(
        [admin, "info", "--db", str(db), "--json"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert re.search(r'"schema_version": \d+', info.stdout) and "Ỷ La" in info.stdout
