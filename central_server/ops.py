"""Administration: statistics, epochs, SQLite backup and restore, importing offline outbox files."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, update

from central_server import db, schema
from central_server.auth import list_counters
from central_server.migrations import LATEST, migrate
from central_server.problems import ApiError
from central_server.push import CounterInfo, apply_ops
from counter_app.sync import protocol as p

IMPORT_BATCH = 500


def _user_error(detail: str) -> ApiError:
    return ApiError(400, p.ERR_BAD_REQUEST, detail)


def rotate_epoch(engine: Engine) -> str:
    """A new server epoch: every counter's next pull answers 410 and it refetches server data."""
    epoch = str(uuid.uuid4())
    with db.write(engine) as conn:
        conn.execute(update(schema.server_meta).where(schema.server_meta.c.id == 1).values(epoch=epoch))
    return epoch


def stats(engine: Engine) -> dict[str, Any]:
    """Counts and the last push and pull of each counter."""

    def count(table: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    with db.read(engine) as conn:
        meta = conn.execute(select(schema.server_meta)).one()
        data: dict[str, Any] = {
            "dossiers": count(schema.dossiers),
            "events": count(schema.dossier_events),
            "applied_ops": count(schema.applied_ops),
            "change_log_head": int(meta.last_seq),
            "server_epoch": meta.epoch,
            "schema_version": LATEST,
            "dept_users": count(schema.dept_users),
        }
        by_status = conn.execute(
            select(schema.dossiers.c.status, func.count()).group_by(schema.dossiers.c.status)
        ).all()
        per_counter_dossiers: dict[str, int] = dict(
            conn.execute(
                select(schema.dossiers.c.counter_id, func.count()).group_by(schema.dossiers.c.counter_id)
            ).all()
        )
    data["dossiers_by_status"] = {str(s): int(n) for s, n in sorted(by_status)}
    counters = list_counters(engine)
    data["counters"] = len(counters)
    data["counters_active"] = sum(1 for c in counters if c["state"] == "enrolled")
    data["per_counter"] = [
        {
            "id": c["id"],
            "name": c["name"],
            "agency_code": c["agency_code"],
            "slot": c["slot"],
            "state": c["state"],
            "dossiers": int(per_counter_dossiers.get(c["id"], 0)),
            "last_push_at": c["last_push_at"],
            "last_pull_at": c["last_pull_at"],
            "audit_last_id": c["audit_last_id"],
        }
        for c in counters
    ]
    return data


def _sqlite_file(url: str, verb: str) -> Path:
    path = db.sqlite_path(url)
    if path is None:
        raise _user_error(
            f"Lệnh {verb} chỉ dùng cho CSDL SQLite. Với PostgreSQL hãy dùng pg_dump / pg_restore, "
            "rồi chạy «counter-central admin new-epoch»."
        )
    return Path(path)


def backup(url: str, target: Path) -> None:
    """Copy a live SQLite database to `target` (SQLite's online backup: consistent while serving)."""
    source = _sqlite_file(url, "backup")
    if not source.exists():
        raise _user_error(f"Không có tệp CSDL {source}.")
    if target.exists():
        raise _user_error(f"Tệp {target} đã có; chọn tên khác (không ghi đè bản sao lưu).")
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _check_backup(path: Path) -> None:
    if not path.is_file():
        raise _user_error(f"Không có tệp {path}.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("SELECT version FROM schema_version").fetchone()
            conn.execute("SELECT epoch, last_seq FROM server_meta").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _user_error(f"Tệp {path} không phải bản sao lưu của máy chủ trung tâm.") from exc
    if version is None or int(version[0]) > LATEST:
        raise _user_error(f"Bản sao lưu {path} mới hơn phần mềm này; hãy cập nhật counter-central.")


def restore(url: str, source: Path) -> str:
    """Replace the SQLite database with a backup (stop the server first) and rotate the epoch."""
    target = _sqlite_file(url, "restore")
    _check_backup(source)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    engine = db.make_engine(url)
    migrate(engine)
    return rotate_epoch(engine)


def import_outbox_file(engine: Engine, path: Path) -> dict[str, Any]:
    """Apply a signed offline outbox file with push's rules; importing it again yields duplicates."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _user_error(f"Không đọc được tệp {path}: không phải tệp outbox JSON.") from exc
    if not isinstance(data, dict):
        raise _user_error(f"Tệp {path} không phải tệp outbox.")
    with db.read(engine) as conn:
        rows = {r.id: r for r in conn.execute(select(schema.counters))}

    def file_key_for(counter_id: str) -> str | None:
        row = rows.get(counter_id)
        return None if row is None else str(row.file_key)

    try:
        counter_id, ops = p.read_outbox_file(data, file_key_for)
    except (p.ProtocolError, ValueError) as exc:
        raise _user_error(
            f"Tệp outbox bị từ chối (sai định dạng, quầy lạ hoặc chữ ký không đúng): {exc}"
        ) from exc
    row = rows[counter_id]
    if row.revoked_at is not None:
        raise _user_error(f"Quầy {row.name} ({counter_id}) đã bị thu hồi; không nhập tệp của quầy này.")
    counter = CounterInfo.from_row(dict(row._mapping))
    results: list[p.OpResult] = []
    for chunk in p.batch(ops, IMPORT_BATCH) if ops else []:
        with db.write(engine) as conn:
            results.extend(apply_ops(conn, counter, chunk))
    summary = {r: sum(1 for x in results if x.result == r) for r in p.RESULTS}
    return {"counter_id": counter_id, "summary": summary, "results": [r.to_json() for r in results]}
