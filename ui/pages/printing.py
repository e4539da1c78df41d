"""Printing a saved dossier's forms from any page: one transaction per print, and the failure sentence."""

from __future__ import annotations

import logging

from counter_app.errors import UserFacingError
from counter_app.services import step_forms
from counter_app.services.forms import PrintedForm
from ui.context import AppContext

_log = logging.getLogger(__name__)

FORM_NAMES = step_forms.FORM_NAMES


def print_form(
    ctx: AppContext, code: str, kind: str, seq: int | None = None, reason: str | None = None
) -> PrintedForm:
    """Write the form `kind` of dossier `code` (for step `seq`) as the signed-in user, in one transaction.

    A reprint of the receipt needs `reason`; it is recorded and audited with the print.
    """
    with ctx.db.write() as session:
        return step_forms.print_form(
            session, ctx.clock, ctx.user_id or "", code, kind, seq=seq, reprint_reason=reason
        )


def print_failure(kind: str, error: BaseException) -> str:
    """One Vietnamese sentence: which paper could not be printed and why."""
    if isinstance(error, UserFacingError):
        why = error.message.rstrip(".")
    elif isinstance(error, OSError):
        why = f"không ghi được tệp ({error.strerror or error})"
    else:
        _log.exception("printing %s failed", kind)
        why = "lỗi ngoài dự kiến"
    return f"Chưa in được {FORM_NAMES.get(kind, kind)}: {why}."
