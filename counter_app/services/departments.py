"""Where a dossier goes for processing: the department offered at transfer and printed on the control slip.

The schema has no department table. The catalogue names the body in charge of each procedure
(`procedures.agency_in_charge`, editable by importing the catalogue); the department actually chosen
at transfer is kept in the "processing" event's payload, so a printed Phiếu kiểm soát never changes
when the catalogue does.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.storage.models import Dossier, DossierEvent, Procedure
from counter_app.text import nfc

__all__ = ["MAX_LENGTH", "department_choices", "department_of", "normalise_department"]

MAX_LENGTH = 200
_RECENT_DOSSIERS = 60  # how far back the choices look for departments used for the same procedure


def normalise_department(text: str) -> str:
    """NFC, single spaces, at most MAX_LENGTH characters."""
    return " ".join(nfc(text).split())[:MAX_LENGTH]


def _recent(session: Session, procedure_id: int) -> list[str]:
    """Departments recorded at the latest transfers of dossiers of this procedure, newest first."""
    ids = select(Dossier.id).where(Dossier.procedure_id == procedure_id)
    ids = ids.order_by(Dossier.received_at.desc()).limit(_RECENT_DOSSIERS)
    # No ORDER BY in SQL: sorting by `at` could tempt SQLite onto the events' time index (every event);
    # the (dossier_id, seq) index finds these few, sorted here.
    rows = session.execute(
        select(DossierEvent.at, DossierEvent.payload).where(
            DossierEvent.dossier_id.in_(ids.scalar_subquery()), DossierEvent.kind == "processing"
        )
    ).all()
    found: list[str] = []
    for _at, raw in sorted(rows, key=lambda row: row[0], reverse=True):
        try:
            name = normalise_department(str(json.loads(raw or "{}").get("department") or ""))
        except (ValueError, AttributeError):
            continue
        if name and name not in found:
            found.append(name)
    return found


def department_choices(session: Session, procedure_id: int) -> list[str]:
    """What the transfer offers, the default first: the department last used for this procedure, others
    used for it, then the catalogue's body in charge. Empty when nothing is known."""
    procedure = session.get(Procedure, procedure_id)
    catalogue = normalise_department(procedure.agency_in_charge) if procedure else ""
    choices = _recent(session, procedure_id)
    if catalogue and catalogue not in choices:
        choices.append(catalogue)
    return choices


def department_of(session: Session, procedure_id: int, chosen: str = "") -> str:
    """The department a transfer records: the one `chosen` by the clerk, else the default choice."""
    name = normalise_department(chosen)
    if name:
        return name
    choices = department_choices(session, procedure_id)
    return choices[0] if choices else ""
