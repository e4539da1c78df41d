"""Where this PC finds the queue: `<data dir>/queue.json` (not the counter database: the kiosk and the
display PCs have none). No URL = single-PC mode over `<data dir>/queue.db`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.clock import Clock
from counter_app.paths import data_dir
from counter_app.queue.backend import QueueBackend
from counter_app.queue.local import LocalQueue
from counter_app.storage.models import SyncEnrolment

CONFIG_FILE: Final = "queue.json"
LOCAL_FILE: Final = "queue.db"


@dataclass(frozen=True)
class QueueConfig:
    """url: the queue host ('' = this PC); token: a desk's Bearer token ('' = the counter's sync
    enrolment token when the host is its central server); site_key: the kiosk's and display's key;
    desk: this counter's number (announced); lines: queues this desk calls (empty = all);
    paper_mm: the kiosk's roll (80 or 58)."""

    url: str = ""
    token: str = ""
    site_key: str = ""
    desk: int = 1
    lines: tuple[str, ...] = ()
    paper_mm: int = 80
    agency_name: str = ""  # shown on the kiosk, the display and the ticket
    follow_port: int = 8765  # single-PC mode: the QR code's follow page served by this PC (0: no QR code)
    follow_host: str = ""  # the address printed in the QR code ("": this PC's LAN address)

    @property
    def local(self) -> bool:
        """Single-PC mode."""
        return not self.url


def config_path() -> Path:
    """`<data dir>/queue.json`."""
    return data_dir() / CONFIG_FILE


def load_config(path: Path | None = None) -> QueueConfig:
    """The saved configuration (defaults when the file is missing or unreadable)."""
    path = path or config_path()
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return QueueConfig()
    known = {k: v for k, v in data.items() if k in QueueConfig.__dataclass_fields__}
    if "lines" in known:
        known["lines"] = tuple(known["lines"])
    return replace(QueueConfig(), **known)


def save_config(config: QueueConfig, path: Path | None = None) -> Path:
    """Write the configuration atomically, readable by this user only (it holds keys)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data = asdict(config)
    data["lines"] = list(config.lines)
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def enrolment_token(session: Session, url: str) -> str:
    """The counter's sync token when `url` is the central server it is enrolled with, else ''."""
    row = session.scalar(select(SyncEnrolment))
    if row is None or row.server_url.rstrip("/") != url.rstrip("/"):
        return ""
    return str(row.token)


def open_backend(config: QueueConfig, *, clock: Clock | None = None, token: str = "") -> QueueBackend:
    """The queue of this configuration: LocalQueue (single-PC mode) or the HTTP client."""
    if config.local:
        return LocalQueue(
            data_dir() / LOCAL_FILE, clock, follow_port=config.follow_port, follow_host=config.follow_host
        )
    from counter_app.queue.client import QueueClient  # requests: only a desk that has a queue host

    return QueueClient(config.url, token=config.token or token or None, site_key=config.site_key or None)
