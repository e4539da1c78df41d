"""counter-admin enrol | sync [status] | outbox export | conflicts: the counter's sync from the command line."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_app.cli import common
from counter_app.clock import SystemClock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.storage.database import Database
from counter_app.sync import conflicts, status, usb
from counter_app.sync.engine import SyncEngine, SyncReport
from counter_app.sync.enrol import enrol
from counter_app.sync.worker import SyncWorker, WorkerStatus


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `enrol`, `sync`, `sync status`, `outbox export`, `conflicts list|resolve`."""
    p = sub.add_parser("enrol", help=_("đăng ký quầy với máy chủ trung tâm bằng mã một lần"))
    common.add_db_option(p)
    p.add_argument(
        "--server", required=True, metavar="URL", help=_("địa chỉ máy chủ, ví dụ https://motcua.tinh.gov.vn")
    )
    p.add_argument(
        "--code", required=True, metavar=_("MÃ"), help=_("mã đăng ký một lần do quản trị máy chủ cấp")
    )
    p.add_argument(
        "--ca-bundle", default=None, metavar=_("TỆP"), help=_("chứng chỉ gốc riêng của tỉnh (PEM)")
    )
    p.add_argument("--force", action="store_true", help=_("đăng ký lại một quầy đã đăng ký"))
    p.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    p.set_defaults(func=run_enrol)

    p = sub.add_parser(
        "sync",
        help=_("đồng bộ với máy chủ trung tâm (gửi trước, nhận sau)"),
        description=_(
            "Không có --once: chạy đồng bộ định kỳ tới khi nhấn Ctrl-C. Mã thoát 1 nếu không tới được máy "
            "chủ hoặc có thao tác bị từ chối / xung đột."
        ),
    )
    common.add_db_option(p)
    p.add_argument("--once", action="store_true", help=_("chạy một lượt rồi thoát"))
    p.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    p.set_defaults(func=run_sync)
    sync_sub = p.add_subparsers(dest="sync_command", metavar=_("LỆNH"))
    q = sync_sub.add_parser(
        "status", help=_("tình trạng đồng bộ: hàng đợi, lần đồng bộ cuối, độ lệch đồng hồ")
    )
    common.add_db_option(q)
    q.add_argument("--json", action="store_true", help=_("in dạng JSON"))
    q.set_defaults(func=run_status)

    p = sub.add_parser("outbox", help=_("hàng đợi gửi lên máy chủ"))
    outbox_sub = p.add_subparsers(dest="outbox_command", metavar=_("LỆNH"))
    outbox_sub.required = True
    q = outbox_sub.add_parser("export", help=_("ghi các thao tác chưa gửi ra tệp có chữ ký (mang bằng USB)"))
    common.add_db_option(q)
    q.add_argument("file", type=Path, metavar=_("TỆP"))
    q.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    q.set_defaults(func=run_export)

    p = sub.add_parser("conflicts", help=_("danh sách xung đột đồng bộ chờ lãnh đạo xử lý"))
    conflicts_sub = p.add_subparsers(dest="conflicts_command", metavar=_("LỆNH"))
    conflicts_sub.required = True
    q = conflicts_sub.add_parser("list", help=_("liệt kê xung đột (mặc định: chưa xử lý)"))
    common.add_db_option(q)
    q.add_argument("--all", action="store_true", help=_("cả những mục đã xử lý"))
    q.add_argument("--json", action="store_true", help=_("in dạng JSON (có dữ liệu hai phía)"))
    q.set_defaults(func=run_conflicts)
    q = conflicts_sub.add_parser("resolve", help=_("xử lý một mục xung đột"))
    common.add_db_option(q)
    q.add_argument("id", type=int, metavar=_("SỐ"))
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--retry", action="store_const", const=conflicts.RETRY, dest="resolution", help=_("gửi lại")
    )
    how.add_argument(
        "--accept-server",
        action="store_const",
        const=conflicts.ACCEPT_SERVER,
        dest="resolution",
        help=_("lấy theo dữ liệu trên máy chủ"),
    )
    q.add_argument("--note", default="", help=_("ghi chú của người xử lý"))
    q.set_defaults(func=run_resolve)


def _local(value: datetime | None) -> str:
    return f"{utc_to_local(value):%H:%M %d/%m/%Y}" if value is not None else _("chưa có")


def run_enrol(args: argparse.Namespace) -> int:
    """Enrol with the server; print the counter's new identity."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        result = enrol(
            db,
            clock,
            args.server,
            args.code,
            args.ca_bundle,
            force=args.force,
            by_user_id=None,  # the operator at the command line (admin rights are checked only for app users)
        )
    finally:
        db.close()
    if args.json:
        common.print_json(result.__dict__)
    else:
        print(
            _(
                "Đã đăng ký quầy “{counter_name}” (số quầy {slot}) của {agency_name} ({agency_code}) với "
                "máy chủ {server_url}."
            ).format(
                counter_name=result.counter_name,
                slot=result.slot,
                agency_name=result.agency_name,
                agency_code=result.agency_code,
                server_url=result.server_url,
            )
        )
    return common.EXIT_OK


def _describe(report: SyncReport) -> str:
    parts = [
        _(
            "gửi {pushed} thao tác (mới {applied}, đã có {duplicate}, xung đột {conflict}, bị từ chối "
            "{rejected}, chờ {held})"
        ).format(
            pushed=report.pushed,
            applied=report.applied,
            duplicate=report.duplicate,
            conflict=report.conflict,
            rejected=report.rejected,
            held=report.held,
        ),
        _(
            "nhận {pulled} thay đổi (thêm {inserted} hồ sơ, cập nhật {updated}, giữ bản tại quầy "
            "{kept_local})"
        ).format(
            pulled=report.pulled,
            inserted=report.inserted,
            updated=report.updated,
            kept_local=report.kept_local,
        ),
        _("con trỏ {cursor}").format(cursor=report.cursor),
        _("còn {depth} thao tác chờ gửi").format(depth=report.depth),
    ]
    if report.refetched:
        parts.append(
            _("máy chủ đã được khôi phục: tải lại từ đầu, gửi lại {requeued} thao tác").format(
                requeued=report.requeued
            )
        )
    return "; ".join(parts) + "."


def run_sync(args: argparse.Namespace) -> int:
    """One round (--once) or the worker until Ctrl-C."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        if not args.once:
            return _run_worker(db, clock, as_json=args.json)
        report = SyncEngine(db, clock).run_once()
    finally:
        db.close()
    if args.json:
        common.print_json(report.to_json())
    if not report.enrolled:
        raise UserFacingError(
            _("{error}. Hãy chạy: counter-admin enrol --server URL --code MÃ").format(error=report.error)
        )
    if not args.json:
        print((_("Đồng bộ xong: ") if report.ok else _("Đồng bộ dở: ")) + _describe(report))
        if report.skew_warning and report.skew_seconds is not None:
            print(
                _("Cảnh báo: đồng hồ máy lệch {skew_seconds:+.0f} giây so với máy chủ.").format(
                    skew_seconds=report.skew_seconds
                ),
                file=sys.stderr,
            )
    if report.quarantined:
        print(
            _("CẢNH BÁO: {quarantined} thao tác bị cách ly (trùng mã thao tác, khác nội dung): ").format(
                quarantined=report.quarantined
            )
            + ", ".join(report.quarantined_ops),
            file=sys.stderr,
        )
    if report.error:
        return common.fail(
            report.error
            + (_(" (thử lại sau {local})").format(local=_local(report.retry_at)) if report.retry_at else "")
        )
    if report.conflict or report.rejected:
        return common.fail(
            _("{value} thao tác bị máy chủ từ chối hoặc xung đột; xem: counter-admin conflicts list").format(
                value=report.conflict + report.rejected
            )
        )
    return common.EXIT_OK


def _run_worker(db: Database, clock: SystemClock, *, as_json: bool) -> int:
    done = threading.Event()

    def show(state: WorkerStatus) -> None:
        if as_json:
            common.print_json(
                {
                    "phase": state.phase,
                    "message": state.message,
                    "report": state.report.to_json() if state.report else None,
                }
            )
        else:
            print(f"[{_local(clock.now_utc())}] {state.message}", flush=True)

    worker = SyncWorker(lambda: SyncEngine(db, clock), clock, on_status=show)
    worker.start()
    print(_("Đang đồng bộ định kỳ; nhấn Ctrl-C để dừng."), file=sys.stderr)
    try:
        while not done.wait(1.0):
            if not worker.running:
                break
    except KeyboardInterrupt:
        print(_("Đang dừng…"), file=sys.stderr)
    finally:
        worker.stop(timeout=40)
    return common.EXIT_OK


def _status_json(q: status.QueueStatus) -> dict[str, Any]:
    data = dict(q.__dict__)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    data["healthy"] = q.healthy
    return data


def run_status(args: argparse.Namespace) -> int:
    """Print the queue and the last sync."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            q = status.queue_status(session)
    finally:
        db.close()
    if args.json:
        common.print_json(_status_json(q))
        return common.EXIT_OK
    if not q.enrolled:
        print(
            _(
                "Quầy chưa đăng ký với máy chủ (làm việc độc lập); {depth} thao tác đang chờ trong hàng đợi."
            ).format(depth=q.depth)
        )
        return common.EXIT_OK
    print(
        _("Máy chủ: {server_url} (quầy “{counter_name}”)").format(
            server_url=q.server_url, counter_name=q.counter_name
        )
    )
    print(
        _("Hàng đợi: {depth} thao tác chưa gửi; cũ nhất từ {local}").format(
            depth=q.depth, local=_local(q.oldest_pending_at)
        )
    )
    print(
        _("Đồng bộ thành công lần cuối: {local}; lần thử cuối: {local2}").format(
            local=_local(q.last_success_at), local2=_local(q.last_attempt_at)
        )
    )
    if q.last_error:
        print(
            _("Lỗi lần cuối: {last_error} (lần thử lại kế tiếp: {local})").format(
                last_error=q.last_error, local=_local(q.next_attempt_at)
            )
        )
    if q.skew_seconds is not None:
        print(
            _("Độ lệch đồng hồ so với máy chủ: {skew_seconds:+.0f} giây").format(skew_seconds=q.skew_seconds)
        )
    if q.skew_warning:
        print(_("Cảnh báo: {skew_warning}").format(skew_warning=q.skew_warning))
    print(_("Xung đột chờ xử lý: {conflicts_open}").format(conflicts_open=q.conflicts_open))
    return common.EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Write the signed outbox file."""
    db = common.open_for(args, write=False)
    try:
        result = usb.export_outbox(db, SystemClock(), args.file)
    finally:
        db.close()
    if args.json:
        common.print_json(
            {
                "path": str(result.path),
                "ops": result.ops,
                "first_seq": result.first_seq,
                "last_seq": result.last_seq,
            }
        )
    else:
        print(
            _(
                "Đã ghi {ops} thao tác chưa gửi vào {path}. Mang tệp tới máy chủ và chạy: counter-central "
                "import TỆP. Các thao tác vẫn ở trong hàng đợi cho tới khi máy chủ xác nhận."
            ).format(ops=result.ops, path=result.path)
        )
    return common.EXIT_OK


def run_conflicts(args: argparse.Namespace) -> int:
    """List the conflict rows."""
    db = common.open_for(args, write=False)
    try:
        with db.read() as session:
            rows = conflicts.list_conflicts(session, include_resolved=args.all)
    finally:
        db.close()
    if args.json:
        common.print_json([_conflict_json(row) for row in rows])
        return common.EXIT_OK
    if not rows:
        print(_("Không có xung đột nào chờ xử lý.") if not args.all else _("Chưa có xung đột nào."))
        return common.EXIT_OK
    for row in rows:
        done = (
            _(" — đã xử lý ({resolution}) lúc {local}").format(
                resolution=row.resolution, local=_local(row.resolved_at)
            )
            if row.resolved_at
            else ""
        )
        print(f"#{row.id} {_local(row.created_at)} {row.code or row.dossier_id}: {row.kind_label}{done}")
        if row.detail or row.error_code:
            print(f"    {row.detail} [{row.error_code}]")
        if row.server.get("status") is not None:
            local_status = (
                row.local.get("dossier", {}).get("status")
                if isinstance(row.local.get("dossier"), dict)
                else None
            )
            print(
                _("    trạng thái tại quầy: {local_status}; trên máy chủ: {get}").format(
                    local_status=local_status, get=row.server.get("status")
                )
            )
    return common.EXIT_OK


def _conflict_json(row: conflicts.ConflictView) -> dict[str, Any]:
    data = dict(row.__dict__)
    for key in ("created_at", "resolved_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def run_resolve(args: argparse.Namespace) -> int:
    """Resolve one conflict row (as the command-line system user)."""
    clock = SystemClock()
    db = common.open_for(args, write=True)
    try:
        with db.write() as session:  # as the operator at the command line (no app user)
            row = conflicts.resolve(session, clock, args.id, None, args.resolution, args.note)
    finally:
        db.close()
    print(
        _("Đã xử lý xung đột #{id} ({code}): {resolution}.").format(
            id=row.id, code=row.code, resolution=row.resolution
        )
    )
    return common.EXIT_OK
