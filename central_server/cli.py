"""counter-central: run the reference central server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """`counter-central serve [--host H] [--port P]`."""
    parser = argparse.ArgumentParser(prog="counter-central", description="Máy chủ trung tâm (tham chiếu)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="chạy máy chủ HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    args = parser.parse_args(argv)
    if args.command == "serve":
        import uvicorn

        from central_server.app import create_app

        uvicorn.run(create_app(), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
