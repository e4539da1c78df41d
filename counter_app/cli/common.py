"""Shared plumbing of counter-admin commands: the --db option, opening, JSON output, exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.i18n import _
from counter_app.paths import default_db_path
from counter_app.storage.database import Database, open_database

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """Every command takes --db PATH (default: counter.db in the data directory)."""
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help=_("đường dẫn cơ sở dữ liệu (mặc định: counter.db trong thư mục dữ liệu; COUNTER_APP_HOME)"),
    )


def db_path(args: argparse.Namespace) -> Path:
    """The database path chosen on the command line, or the default one."""
    path: Path | None = getattr(args, "db", None)
    return path if path is not None else default_db_path()


def open_for(args: argparse.Namespace, *, write: bool) -> Database:
    """Open the command's database; writers take the instance lock, readers do not."""
    return open_database(db_path(args), lock=write)


def print_json(data: Any) -> None:
    """Print JSON with Vietnamese text kept readable."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = EXIT_ERROR) -> int:
    """Print a one-line reason to stderr and return the exit code."""
    print(_("Lỗi: {message}").format(message=message), file=sys.stderr)
    return code


def day_arg(text: str) -> date:
    """An argparse type for a calendar day written YYYY-MM-DD (a Vietnamese message otherwise)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("ngày “{text}” không hợp lệ; hãy ghi theo dạng YYYY-MM-DD").format(text=text)
        ) from None
