"""Printing a saved dossier's forms from any page: one transaction per print, and the failure sentence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QWidget

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.services import step_forms
from counter_app.services.forms import PrintedForm
from counter_app.services.reprint_gate import ReprintNeedsApproval
from ui.context import AppContext

if TYPE_CHECKING:
    from ui.pages.supervisor.reprint_request import ReprintOutcome, ReprintRequestDialog

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
        why = _("không ghi được tệp ({reason})").format(reason=error.strerror or error)
    else:
        _log.exception("printing %s failed", kind)
        why = _("lỗi ngoài dự kiến")
    return _("Chưa in được {form}: {reason}.").format(form=_(FORM_NAMES.get(kind, kind)), reason=why)


ApprovalHook = Callable[[str, "str | None"], "ReprintOutcome | None"]


def ask_reprint_approval(
    parent: QWidget, ctx: AppContext, code: str, reason: str | None
) -> ReprintOutcome | None:
    """The supervisor's approval of a clerk's receipt reprint: the request dialog, its reason filled in."""
    dialog = reprint_approval_dialog(parent, ctx, code, reason)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.outcome


def reprint_approval_dialog(
    parent: QWidget, ctx: AppContext, code: str, reason: str | None
) -> ReprintRequestDialog:
    """The request dialog for `code` with the reason the clerk already typed (not yet shown)."""
    from ui.pages.supervisor.reprint_request import ReprintRequestDialog

    dialog = ReprintRequestDialog(ctx, code, parent)
    dialog.reason.setText(reason or "")
    return dialog


def answer_needs_approval(
    hook: ApprovalHook,
    error: ReprintNeedsApproval,
    reason: str | None,
    on_printed: Callable[[PrintedForm], object],
    say: Callable[..., object],
) -> None:
    """A clerk's reprint was refused for want of approval: ask for it, then print or say it waits."""
    outcome = hook(error.code, reason)
    if outcome is None:
        say(_("Chưa in lại: in lại giấy tiếp nhận cần lãnh đạo duyệt."), error=True)
    elif outcome.printed is not None:
        on_printed(outcome.printed)
    else:
        say(_("Đã gửi yêu cầu in lại hồ sơ {code}; lãnh đạo duyệt ở trang Giám sát.").format(code=error.code))
