"""counter-admin queue: where this PC finds the citizen queue (queue.json), and today's statistics."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, replace

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.queue.config import config_path, load_config, open_backend, save_config
from counter_app.queue.errors import QueueUnreachable
from counter_app.queue.model import to_json


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `queue config` and `queue stats`."""
    queue = sub.add_parser("queue", help=_("hàng đợi công dân (bốc số): cấu hình máy này, thống kê"))
    queue_sub = queue.add_subparsers(dest="queue_command", metavar=_("LỆNH"))
    queue_sub.required = True
    config = queue_sub.add_parser(
        "config",
        help=_("ghi queue.json: máy chủ hàng đợi (trống = chỉ máy này), số quầy, khoá của kiosk/màn hình"),
    )
    config.add_argument(
        "--url", help=_('máy chủ hàng đợi trong LAN, ví dụ http://192.168.1.10:8600 ("" = máy này)')
    )
    config.add_argument("--token", help=_("mã truy cập của quầy ở máy chủ đó (trống: mã đồng bộ của quầy)"))
    config.add_argument("--site-key", help=_("khoá hàng đợi của điểm (kiosk, màn hình)"))
    config.add_argument("--desk", type=int, help=_("số quầy (được đọc khi gọi số)"))
    config.add_argument("--lines", help=_("các hàng quầy này gọi, ví dụ A,B (trống = tất cả)"))
    config.add_argument("--paper", type=int, choices=(80, 58), help=_("khổ giấy máy in phiếu (mm)"))
    config.add_argument("--agency-name", help=_("tên hiện trên kiosk, màn hình và phiếu"))
    config.set_defaults(func=run_config)
    stats = queue_sub.add_parser("stats", help=_("thống kê hàng đợi hôm nay (JSON)"))
    stats.set_defaults(func=run_stats)


def run_config(args: argparse.Namespace) -> int:
    """Update the given fields of queue.json and print it (keys masked)."""
    cfg = load_config()
    changes: dict[str, object] = {}
    for name in ("url", "token", "site_key", "agency_name"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value.strip()
    if args.desk is not None:
        if not 1 <= args.desk <= 99:
            raise UserFacingError(_("Số quầy phải từ 1 đến 99."))
        changes["desk"] = args.desk
    if args.lines is not None:
        changes["lines"] = tuple(p.strip().upper() for p in args.lines.split(",") if p.strip())
    if args.paper is not None:
        changes["paper_mm"] = args.paper
    url = str(changes.get("url", cfg.url))
    if url and not url.startswith(("http://", "https://")):
        raise UserFacingError(_("Địa chỉ máy chủ hàng đợi phải bắt đầu bằng http:// hoặc https://"))
    cfg = replace(cfg, **changes)  # type: ignore[arg-type]
    path = save_config(cfg)
    shown = asdict(cfg)
    for secret in ("token", "site_key"):
        shown[secret] = "***" if shown[secret] else ""
    print(_("Đã ghi {path}").format(path=path))
    print(json.dumps(shown, ensure_ascii=False, indent=2))
    return 0


def run_stats(_args: argparse.Namespace) -> int:
    """Today's statistics of the configured queue."""
    cfg = load_config()
    if not cfg.local and not cfg.token:
        raise UserFacingError(
            _("Cần mã truy cập của quầy trong {config_path} (queue config --token).").format(
                config_path=config_path()
            )
        )
    try:
        stats = open_backend(cfg).stats()
    except QueueUnreachable as exc:
        raise UserFacingError(
            _("Không kết nối được máy chủ hàng đợi {url} ({reason}).").format(url=exc.url, reason=exc.reason)
        ) from None
    print(json.dumps(to_json(stats), ensure_ascii=False, indent=2))
    return 0
