"""The suite's seeded database: `counter-admin init` + `seed-demo`, cached by size and schema/seed version.

The cache key holds the number of dossiers, the latest migration number and a digest of the migration
files and of the demo generator (counter_app/demo), so a new migration or a changed generator seeds a
fresh file; an unchanged one is reused. A database is built in a side folder and renamed into place
only once seeding succeeded, so an interrupted run never leaves a half-seeded cache entry.

    python -m bench.dataset [--dossiers 1000000] [--cache DIR]   # build (or find) and print the path
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

from bench.query_bench import _seed
from counter_app.paths import project_root
from counter_app.storage.migrations import latest_version

SEED = 1  # seed-demo --seed, as bench.query_bench


def default_cache() -> Path:
    """~/.cache/counter-bench (XDG_CACHE_HOME respected)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "counter-bench"


def version_key() -> str:
    """Latest migration number and a short digest of the migrations and the demo generator."""
    root = project_root()
    digest = hashlib.sha256()
    files = sorted((root / "db" / "migrations").glob("*.sql")) + sorted(
        (root / "counter_app" / "demo").glob("*.py")
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"m{latest_version():04d}-{digest.hexdigest()[:10]}"


def database(dossiers: int, cache: Path | None = None) -> tuple[Path, float | None]:
    """The path of a seeded database of `dossiers`, and the seconds spent seeding it (None if cached)."""
    cache = cache or default_cache()
    entry = cache / f"{dossiers}-s{SEED}-{version_key()}"
    path = entry / "counter.db"
    if path.is_file():
        return path, None
    cache.mkdir(parents=True, exist_ok=True)
    building = cache / f".building-{entry.name}-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    try:
        began = time.perf_counter()
        seeded = _seed(building, dossiers)
        elapsed = time.perf_counter() - began
        for suffix in ("-wal", "-shm"):  # a cleanly closed WAL database leaves none with content
            extra = Path(f"{seeded}{suffix}")
            if extra.exists() and extra.stat().st_size == 0:
                extra.unlink()
        shutil.rmtree(entry, ignore_errors=True)
        building.rename(entry)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return path, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=None)
    args = parser.parse_args(argv)
    path, seconds = database(args.dossiers, args.cache)
    print(f"{path} ({'cached' if seconds is None else f'seeded in {seconds:.1f} s'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
