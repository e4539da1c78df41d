"""counter-admin backup: a consistent copy of the counter database, safe while the app is running."""

from __future__ import annotations

import argparse
import sqlite3
from datetime import datetime
from pathlib import Path

from counter_app.cli import common
from counter_app.errors import UserFacingError
from counter_app.paths import backups_dir
from counter_app.storage.backup import backup_to
from counter_app.storage.fileinfo import FileKind, inspect_file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `backup`."""
    backup = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu (chạy được khi phần mềm đang mở)")
    common.add_db_option(backup)
    backup.add_argument(
        "--out", type=Path, default=None, help="tệp sao lưu (mặc định: thư mục backups/ cạnh cơ sở dữ liệu)"
    )
    backup.set_defaults(func=run_backup)


def run_backup(args: argparse.Namespace) -> int:
    """VACUUM INTO a new file through a read-only connection, then check the copy opens cleanly."""
    source = common.db_path(args)
    if inspect_file(source).kind is not FileKind.COUNTER:
        raise UserFacingError(f"{source} không phải cơ sở dữ liệu của phần mềm Một cửa; không sao lưu.")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest: Path = args.out or backups_dir(source) / f"{source.stem}-{stamp}.db"
    if dest.exists():
        raise UserFacingError(f"tệp {dest} đã tồn tại; hãy chọn tên khác.")
    # Read-only: no lock needed, so the clerk keeps working while the copy is made.
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        backup_to(conn, dest)
    finally:
        conn.close()
    check = sqlite3.connect(f"{dest.resolve().as_uri()}?mode=ro", uri=True)
    try:
        result = check.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        dest.unlink(missing_ok=True)
        raise UserFacingError(f"bản sao lưu không toàn vẹn ({result}); đã xoá, hãy thử lại.")
    size = dest.stat().st_size / 1_000_000
    print(f"Đã sao lưu vào {dest} ({size:.1f} MB).")
    return common.EXIT_OK
