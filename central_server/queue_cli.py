"""`counter-central queue …`: set up a site's queues, hours, priority ratio and kiosk/display key."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from central_server import db
from central_server.problems import ApiError
from counter_app.queue import service
from counter_app.queue.errors import QueueError
from counter_app.queue.model import to_json


def add_commands(sub: Any, cmd: Callable[[Any, str, str], argparse.ArgumentParser]) -> None:
    """The `queue` command group (each subcommand takes --db through `cmd`)."""
    group = sub.add_parser("queue", help="hàng đợi công dân của một điểm (bốc số)").add_subparsers(
        dest="queue_command", required=True, metavar="LỆNH"
    )
    setup = cmd(group, "setup", "tạo/sửa hàng đợi, giờ cấp số, tỉ lệ ưu tiên; cấp khoá cho kiosk và màn hình")
    setup.add_argument("--agency-code", required=True, help="mã cơ quan (điểm tiếp nhận)")
    setup.add_argument("--line", action="append", default=[], metavar="A=Tên", help="hàng đợi, lặp lại")
    setup.add_argument("--opens", help="giờ bắt đầu cấp số HH:MM (mặc định 07:00)")
    setup.add_argument("--closes", help="giờ ngừng cấp số HH:MM (mặc định 17:00)")
    setup.add_argument("--priority-every", type=int, help="một số ưu tiên sau N số thường (0: luôn trước)")
    setup.add_argument("--max-misses", type=int, help="vắng mặt bao nhiêu lần thì huỷ số (mặc định 3)")
    setup.add_argument("--new-key", action="store_true", help="cấp khoá mới cho kiosk và màn hình")
    setup.add_argument("--json", action="store_true")
    stats = cmd(group, "stats", "thống kê hàng đợi hôm nay")
    stats.add_argument("--agency-code", required=True)
    stats.add_argument("--json", action="store_true")


def _setup(args: argparse.Namespace, engine: Any) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    wanted = []
    for item in args.line:
        prefix, sep, name = item.partition("=")
        if not sep:
            raise ApiError(400, "bad_request", f"--line «{item}»: viết A=Tên hàng đợi.")
        wanted.append((prefix, name))
    try:
        with db.write(engine) as conn:
            key = service.configure_site(
                conn,
                args.agency_code,
                now,
                opens=args.opens,
                closes=args.closes,
                priority_every=args.priority_every,
                max_misses=args.max_misses,
                new_key=args.new_key,
            )
            if wanted:
                service.set_lines(conn, args.agency_code, wanted)
            lines = service.line_infos(conn, args.agency_code, now)
    except QueueError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    out = {"site": args.agency_code, "lines": to_json(lines), "site_key": key}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            print(f"{line.prefix}  {line.name}")
        if key:
            print(f"Khoá kiosk/màn hình (chỉ hiện một lần): {key}")
    return 0


def _stats(args: argparse.Namespace, engine: Any) -> int:
    with db.write(engine) as conn:
        stats = service.queue_stats(conn, args.agency_code, datetime.now(UTC).replace(tzinfo=None))
    print(json.dumps(to_json(stats), ensure_ascii=False, indent=2))
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace, Any], int]] = {"setup": _setup, "stats": _stats}
