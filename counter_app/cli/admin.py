"""counter-admin: the headless administration command line of a counter."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from counter_app import __version__, i18n, logmask
from counter_app.cli import (
    audit_cmds,
    backup_cmds,
    calendar_cmds,
    catalogue_cmds,
    common,
    db_cmds,
    demo_cmds,
    dossier_cmds,
    export_cmds,
    intake_cmds,
    print_cmds,
    protection_cmds,
    queue_cmds,
    report_cmds,
    sync_cmds,
    verify_cmds,
)
from counter_app.deadlines import cli as deadline_cmds
from counter_app.errors import Cancelled, UserFacingError
from counter_app.i18n import _
from counter_app.logmask import mask_personal
from counter_app.paths import data_dir

LANGUAGE_ENV = "COUNTER_LANG"  # vi (default) or en: the language of messages and help


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="counter-admin",
        description=_("Quản trị phần mềm Bộ phận Một cửa (dòng lệnh)."),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar=_("LỆNH"))
    sub.required = True
    # Every command module contributes its subcommands through a `register(subparsers)` function.
    for register in (
        db_cmds.register,
        catalogue_cmds.register,
        demo_cmds.register,
        intake_cmds.register,
        print_cmds.register,
        backup_cmds.register,
        dossier_cmds.register,
        export_cmds.register,
        verify_cmds.register,
        sync_cmds.register,
        report_cmds.register,
        protection_cmds.register,
        queue_cmds.register,
        audit_cmds.register,
    ):
        register(sub)
    calendar_sub = deadline_cmds.register(sub)
    calendar_cmds.register(calendar_sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 0 on success, non-zero with a one-line reason on failure."""
    logmask.install(logging.WARNING, "%(levelname)s %(name)s: %(message)s")
    wanted = os.environ.get(LANGUAGE_ENV, "").strip().lower() or i18n.SOURCE_LANGUAGE
    i18n.set_language(wanted if wanted in i18n.LANGUAGES else i18n.SOURCE_LANGUAGE)  # before the help texts
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except Cancelled:
        return common.EXIT_ERROR
    except UserFacingError as exc:
        return common.fail(exc.message)
    except KeyboardInterrupt:
        return common.fail(_("đã dừng theo yêu cầu."), 130)
    except Exception as exc:  # a bug: one line for the operator, the traceback in the log file
        log_path = data_dir() / "logs" / "counter-admin.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(mask_personal(f"--- {' '.join(sys.argv)}\n{traceback.format_exc()}\n"))
        return common.fail(
            _("lỗi ngoài dự kiến ({name}: {error}); chi tiết trong {log_path}").format(
                name=type(exc).__name__, error=exc, log_path=log_path
            )
        )


if __name__ == "__main__":
    sys.exit(main())
