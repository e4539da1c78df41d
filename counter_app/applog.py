"""The application log file: rotating, in the data directory, personal numbers masked; its last errors."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from counter_app.logmask import MaskingFormatter, mask_personal
from counter_app.paths import data_dir

LOG_NAME = "counter-app.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUPS = 3
_RECORD_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


def log_path() -> Path:
    """Where the desktop client writes its log."""
    return data_dir() / "logs" / LOG_NAME


def install_file_log(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Add a rotating, masking file handler to the root logger (once per file); the file's path."""
    target = path or log_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == target.resolve():
            return target
    handler = RotatingFileHandler(target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(MaskingFormatter(LOG_FORMAT))
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return target


def last_errors(limit: int = 50, path: Path | None = None) -> list[str]:
    """The last `limit` ERROR/CRITICAL records of the log (with their traceback lines), newest last."""
    target = path or log_path()
    files = [Path(f"{target}.{n}") for n in range(BACKUPS, 0, -1)] + [target]
    records: list[str] = []
    current: list[str] | None = None
    for file in files:
        try:
            lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            start = _RECORD_START.match(line)
            if start:
                if current is not None:
                    records.append("\n".join(current))
                current = [line] if start.group(1) in ("ERROR", "CRITICAL") else None
            elif current is not None:
                current.append(line)
    if current is not None:
        records.append("\n".join(current))
    return [mask_personal(record) for record in records[-limit:]]
