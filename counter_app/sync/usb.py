"""No link at all: write the unsent ops to a signed file for a USB stick (the server imports it).

The file is the protocol's signed outbox file (HMAC-SHA256 with the enrolment's file key). Writing it
changes nothing in the database: the ops stay queued, and once the central server has imported the
file, the next online push is answered 'duplicate' for them.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from counter_app.clock import Clock
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.jobs import JobControl, every
from counter_app.services import outbox
from counter_app.storage.database import Database
from counter_app.sync import protocol, push, state


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    path: Path
    ops: int
    first_seq: int | None
    last_seq: int | None


def unsent_ops(db: Database) -> tuple[state.Enrolment, list[outbox.OutboxOp]]:
    """The enrolment and every op still to send, FIFO (held ones excluded: they wait for a decision)."""
    with db.read() as session:
        enrolment = state.load_enrolment(session)
        ops = outbox.ops_in_states(session, outbox.RESEND_STATES) if enrolment is not None else []
    if enrolment is None:
        raise UserFacingError(
            _(
                "Quầy chưa đăng ký với máy chủ nên chưa có khoá ký tệp. Hãy đăng ký quầy (counter-admin "
                "enrol) trước."
            )
        )
    return enrolment, ops


def export_outbox(db: Database, clock: Clock, path: Path, control: JobControl | None = None) -> ExportResult:
    """Write the signed file of unsent ops to `path` atomically (temp file, fsync, rename).

    With a `control`: progress per op, and a cancel before the file is written leaves no file at all."""
    enrolment, ops = unsent_ops(db)
    wire = []
    for done, op in enumerate(ops, start=1):
        every(control, done, len(ops), stride=25)
        wire.append(push.to_wire(op))
    if control is not None:
        control.check()
    body = protocol.sign_outbox_file(
        enrolment.counter_id, clock.now_utc().isoformat() + "+00:00", wire, enrolment.file_key
    )
    path = Path(path)
    if path.is_dir():
        raise UserFacingError(
            _("{path} là một thư mục; hãy ghi rõ tên tệp, ví dụ {value}.").format(
                path=path, value=path / "outbox.json"
            )
        )
    if not path.parent.is_dir():
        raise UserFacingError(
            _("Không có thư mục {parent}; hãy kiểm tra USB đã cắm và đường dẫn.").format(parent=path.parent)
        )
    try:
        _atomic_write(path, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except OSError as exc:
        raise UserFacingError(
            _("Không ghi được tệp {path}: {error}. Hãy kiểm tra USB.").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc
    return ExportResult(path, len(ops), ops[0].id if ops else None, ops[-1].id if ops else None)


def _atomic_write(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
