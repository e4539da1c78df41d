"""counter-central: serve the central server and administer it (counters, users, backups, imports)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from central_server import db
from central_server.problems import ApiError

EXIT_OK, EXIT_USER, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse with Vietnamese section titles; usage errors exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tuỳ chọn"


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help="CSDL: sqlite:///tệp.db hoặc postgresql+psycopg://… (mặc định: $COUNTER_CENTRAL_DB hoặc ./central.db)",
    )


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree (every subcommand takes --db)."""
    parser = _Parser(
        prog="counter-central", description="Máy chủ trung tâm tham chiếu — Phần mềm Một cửa cấp xã"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", parser_class=_Parser)

    def cmd(parent: Any, name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        _db_option(p)
        return p

    serve = cmd(sub, "serve", "chạy máy chủ HTTP (tự nâng cấp lược đồ CSDL)")
    serve.add_argument("--host", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8600, help="cổng (mặc định 8600)")
    cmd(sub, "migrate", "tạo hoặc nâng cấp lược đồ CSDL")

    admin = sub.add_parser("admin", help="quản trị quầy, người dùng, epoch").add_subparsers(
        dest="admin_command", required=True, metavar="LỆNH", parser_class=_Parser
    )
    create = cmd(admin, "create-counter", "đăng ký quầy mới, in mã đăng ký dùng một lần (hết hạn sau 7 ngày)")
    create.add_argument("--agency-code", required=True, help="mã cơ quan, ví dụ 000.00.31.H12")
    create.add_argument("--name", required=True, help="tên quầy")
    create.add_argument("--agency-name", default="", help="tên cơ quan")
    create.add_argument(
        "--slot", type=int, default=None, help="slot mã hồ sơ 1–9 (dùng lại slot của quầy đã thu hồi)"
    )
    create.add_argument(
        "--replace", default=None, metavar="MÃ_QUẦY", help="thay quầy này (thu hồi nó, nhận slot của nó)"
    )
    create.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    revoke = cmd(admin, "revoke-counter", "thu hồi một quầy (mã truy cập hết hiệu lực ngay)")
    revoke.add_argument("counter_id", metavar="MÃ_QUẦY")
    lc = cmd(admin, "list-counters", "liệt kê các quầy")
    lc.add_argument("--json", action="store_true", help="in dạng JSON")
    cmd(admin, "new-epoch", "đổi epoch (sau khi khôi phục CSDL từ bản sao lưu): các quầy sẽ tải lại dữ liệu")
    users = admin.add_parser("users", help="người dùng của phòng ban").add_subparsers(
        dest="users_command", required=True, metavar="LỆNH", parser_class=_Parser
    )
    add = cmd(users, "add", "thêm người dùng phòng ban")
    add.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP")
    add.add_argument("--role", required=True, choices=("officer", "head", "admin"), help="vai trò")
    add.add_argument("--agency-code", required=True, help="mã cơ quan")
    add.add_argument("--full-name", required=True, help="họ và tên")
    add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ dòng đầu của stdin")
    ul = cmd(users, "list", "liệt kê người dùng")
    ul.add_argument("--json", action="store_true", help="in dạng JSON")
    dis = cmd(users, "disable", "khoá người dùng")
    dis.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP")

    backup = cmd(sub, "backup", "sao lưu CSDL SQLite ra tệp")
    backup.add_argument("file", metavar="TỆP")
    restore = cmd(sub, "restore", "khôi phục CSDL SQLite từ tệp sao lưu (dừng máy chủ trước; đổi epoch)")
    restore.add_argument("file", metavar="TỆP")
    stats = cmd(sub, "stats", "thống kê: quầy, hồ sơ, sự kiện, nhật ký thay đổi, lần đồng bộ cuối")
    stats.add_argument("--json", action="store_true", help="in dạng JSON")
    dept = sub.add_parser("dept", help="thao tác của phòng ban").add_subparsers(
        dest="dept_command", required=True, metavar="LỆNH", parser_class=_Parser
    )
    tr = cmd(dept, "transition", "chuyển trạng thái một hồ sơ")
    tr.add_argument("code", metavar="MÃ_HỒ_SƠ")
    tr.add_argument(
        "--to", type=int, required=True, metavar="TRẠNG_THÁI", help="mã trạng thái đích (5, 6, 4, 9, 8)"
    )
    tr.add_argument("--reason", default="", help="lý do (bắt buộc khi yêu cầu bổ sung hoặc dừng xử lý)")
    tr.add_argument(
        "--as",
        dest="as_user",
        default=None,
        metavar="TÊN_ĐĂNG_NHẬP",
        help="thực hiện với quyền người dùng này",
    )
    imp = cmd(sub, "import", "nhập tệp outbox ngoại tuyến (USB) của một quầy")
    imp.add_argument("file", metavar="TỆP")
    cmd(sub, "openapi", "in tài liệu OpenAPI (JSON)")
    from central_server.queue_cli import add_commands as add_queue_commands

    add_queue_commands(sub, cmd)
    return parser


def _engine(args: argparse.Namespace, *, migrate: bool = True) -> Any:
    from central_server.migrations import migrate as run_migrations

    engine = db.make_engine(args.db or db.default_url())
    if migrate:
        run_migrations(engine)
    return engine


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from central_server.app import create_app

    url = db.normalise_url(args.db or db.default_url())
    app = create_app(url)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return EXIT_OK


def _migrate(args: argparse.Namespace) -> int:
    from central_server.migrations import migrate

    version = migrate(db.make_engine(args.db or db.default_url()))
    print(f"Lược đồ CSDL ở phiên bản {version}.")
    return EXIT_OK


def _create_counter(args: argparse.Namespace) -> int:
    from central_server.auth import ENROL_CODE_DAYS, create_counter

    row, code = create_counter(
        _engine(args),
        args.agency_code,
        args.name,
        agency_name=args.agency_name,
        slot=args.slot,
        replace=args.replace,
    )
    if args.json:
        _print_json(
            {
                "counter_id": row["id"],
                "agency_code": row["agency_code"],
                "agency_name": row["agency_name"],
                "name": row["name"],
                "slot": row["slot"],
                "enrol_code": code,
                "enrol_expires_at": row["enrol_expires_at"],
                "replaces": row["replaces"],
            }
        )
    else:
        print(
            f"Đã tạo quầy «{row['name']}» (mã {row['id']}), cơ quan {row['agency_code']}, slot {row['slot']}."
        )
        print(f"Mã đăng ký dùng một lần (hết hạn sau {ENROL_CODE_DAYS} ngày): {code}")
    return EXIT_OK


def _revoke(args: argparse.Namespace) -> int:
    from central_server.auth import revoke_counter

    revoke_counter(_engine(args), args.counter_id)
    print(f"Đã thu hồi quầy {args.counter_id}.")
    return EXIT_OK


def _list_counters(args: argparse.Namespace) -> int:
    from central_server.auth import list_counters

    rows = list_counters(_engine(args))
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for r in rows:
        print(f"{r['id']}  {r['agency_code']}  slot {r['slot']}  {r['state']:<8}  {r['name']}")
    if not rows:
        print("Chưa có quầy nào.")
    return EXIT_OK


def _new_epoch(args: argparse.Namespace) -> int:
    from central_server.ops import rotate_epoch

    epoch = rotate_epoch(_engine(args))
    print(f"Epoch mới: {epoch}. Các quầy sẽ tải lại dữ liệu ở lần đồng bộ tới.")
    return EXIT_OK


def _users_add(args: argparse.Namespace) -> int:
    from central_server.auth import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            raise ApiError(400, "bad_request", "Hai lần nhập mật khẩu không khớp.")
    add_user(_engine(args), args.username, args.role, args.agency_code, args.full_name, password)
    print(f"Đã thêm người dùng {args.username.strip().lower()} ({args.role}).")
    return EXIT_OK


def _users_list(args: argparse.Namespace) -> int:
    from central_server.auth import list_users

    rows = list_users(_engine(args))
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for r in rows:
        state = "" if r["active"] else "  (đã khoá)"
        print(f"{r['username']}  {r['role']}  {r['agency_code']}  {r['full_name']}{state}")
    if not rows:
        print("Chưa có người dùng nào.")
    return EXIT_OK


def _users_disable(args: argparse.Namespace) -> int:
    from central_server.auth import set_user_active

    set_user_active(_engine(args), args.username, False)
    print(f"Đã khoá người dùng {args.username}.")
    return EXIT_OK


def _backup(args: argparse.Namespace) -> int:
    from central_server.ops import backup

    backup(args.db or db.default_url(), Path(args.file))
    print(f"Đã sao lưu vào {args.file}.")
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from central_server.ops import restore

    epoch = restore(args.db or db.default_url(), Path(args.file))
    print(f"Đã khôi phục từ {args.file}. Epoch mới: {epoch}.")
    return EXIT_OK


def _stats(args: argparse.Namespace) -> int:
    from central_server.ops import stats

    data = stats(_engine(args))
    if args.json:
        _print_json(data)
        return EXIT_OK
    print(f"Quầy: {data['counters']} (đang hoạt động {data['counters_active']})")
    print(
        f"Hồ sơ: {data['dossiers']}, sự kiện: {data['events']}, nhật ký thay đổi: {data['change_log_head']}"
    )
    for c in data["per_counter"]:
        print(
            f"  {c['name']} ({c['agency_code']}, slot {c['slot']}): gửi {c['last_push_at'] or '—'}, nhận {c['last_pull_at'] or '—'}"
        )
    return EXIT_OK


def _transition(args: argparse.Namespace) -> int:
    from central_server.dept import Actor, transition

    engine = _engine(args)
    actor = Actor.cli() if args.as_user is None else Actor.load(engine, args.as_user)
    result = transition(engine, actor, args.code, args.to, args.reason)
    print(f"Hồ sơ {args.code}: {result.status_from_name} → {result.status_to_name}.")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from central_server.ops import import_outbox_file

    results = import_outbox_file(_engine(args), Path(args.file))
    _print_json(results)
    return EXIT_OK


def _openapi(args: argparse.Namespace) -> int:
    from central_server.app import openapi_text

    sys.stdout.write(openapi_text())
    return EXIT_OK


HANDLERS: dict[tuple[str, ...], Callable[[argparse.Namespace], int]] = {
    ("serve",): _serve,
    ("migrate",): _migrate,
    ("admin", "create-counter"): _create_counter,
    ("admin", "revoke-counter"): _revoke,
    ("admin", "list-counters"): _list_counters,
    ("admin", "new-epoch"): _new_epoch,
    ("admin", "users", "add"): _users_add,
    ("admin", "users", "list"): _users_list,
    ("admin", "users", "disable"): _users_disable,
    ("backup",): _backup,
    ("restore",): _restore,
    ("stats",): _stats,
    ("dept", "transition"): _transition,
    ("import",): _import,
    ("openapi",): _openapi,
}


def _queue(args: argparse.Namespace) -> int:
    from central_server.queue_cli import HANDLERS as QUEUE_HANDLERS

    return QUEUE_HANDLERS[args.queue_command](args, _engine(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; 0 ok, 1 user error (Vietnamese message on stderr), 2 usage."""
    args = build_parser().parse_args(argv)
    key: tuple[str, ...] = (args.command,)
    for attr in ("admin_command", "users_command", "dept_command"):
        value = getattr(args, attr, None)
        if value:
            key += (value,)
    try:
        if args.command == "queue":
            return _queue(args)
        return HANDLERS[key](args)
    except ApiError as exc:
        print(f"Lỗi: {exc.detail}", file=sys.stderr)
        return EXIT_USER
    except OperationalError as exc:
        print(f"Lỗi: không mở được CSDL ({exc.orig or exc}).", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        return EXIT_USER


if __name__ == "__main__":
    sys.exit(main())
