"""The procedure catalogue changed from the app or the command line: an admin's import, audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from counter_app.catalogue.schema import ProcedureSpec
from counter_app.catalogue.service import ImportReport, apply_catalogue
from counter_app.clock import Clock
from counter_app.services.audit import append_audit
from counter_app.services.users import require_role

IMPORTED = "catalogue.import"
# The audit detail names at most this many codes per kind of change (the counts are always whole).
LISTED_CODES = 200


def import_procedures(
    session: Session,
    clock: Clock,
    specs: Sequence[ProcedureSpec],
    *,
    replace: bool,
    source: str,
    by: str | None,
) -> ImportReport:
    """Import `specs` (upsert by code; with `replace`, active procedures missing from them are stopped)
    in the caller's transaction, and audit what changed. `by` is the app user, who must be an admin;
    None is the operator at the command line. `source` names the file, for the audit trail."""
    if by is not None:
        require_role(session, by, "admin")
    diff = apply_catalogue(session, specs, clock, replace=replace)
    report = diff.report()
    detail = {
        "source": source,
        "replace": replace,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "deactivated": report.deactivated,
        "added_codes": [s.code for s in diff.added][:LISTED_CODES],
        "updated_codes": [s.code for s in diff.updated][:LISTED_CODES],
        "deactivated_codes": [s.code for s in diff.deactivated][:LISTED_CODES],
    }
    append_audit(session, clock, by, IMPORTED, "catalogue", "", detail)
    return report
