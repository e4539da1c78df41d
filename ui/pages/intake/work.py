"""The intake page's database work: each function is one user action, run on the task runner, one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from counter_app.clock import utc_to_local
from counter_app.services import appointment, forms, intake
from counter_app.services.forms import PrintedForm
from counter_app.services.intake import ApplicantInfo, IntakeForm, RegisteredDossier
from counter_app.storage.models import Procedure
from ui.context import AppContext


def appointment_now(ctx: AppContext, procedure_id: int) -> datetime:
    """The appointment a dossier of this procedure would get if it were received now."""
    with ctx.db.read() as session:
        procedure = session.get(Procedure, procedure_id)
        if procedure is None:
            raise ValueError(f"no procedure {procedure_id}")
        return appointment.compute_appointment_for(session, procedure, utc_to_local(ctx.clock.now_utc()))


def save_dossier(ctx: AppContext, form: IntakeForm, clerk_id: str) -> RegisteredDossier:
    """Register the dossier: the appointment is computed again at the moment of saving, in the same
    transaction, so it is exactly what the receipt will print."""
    with ctx.db.write() as session:
        return appointment.receive_dossier(
            session, ctx.clock, form, clerk_id, utc_to_local(ctx.clock.now_utc())
        )


def print_receipt(ctx: AppContext, code: str, user_id: str, reason: str | None) -> PrintedForm:
    """Record the print of the receipt (Mẫu 01) and write its PDF."""
    with ctx.db.write() as session:
        return forms.print_receipt(session, ctx.clock, code, user_id, reprint_reason=reason)


def find_applicant(ctx: AppContext, id_number: str) -> ApplicantInfo | None:
    """The person's latest known data, for pre-filling."""
    with ctx.db.read() as session:
        return intake.find_applicant(session, id_number)


def supplement(
    ctx: AppContext,
    clerk_id: str,
    procedure_id: int,
    applicant: tuple[str, str],
    missing: Sequence[str],
    note: str,
    contact: dict[str, str],
) -> PrintedForm:
    """Record a supplement request at the counter (Mẫu 02) and write its PDF."""
    with ctx.db.write() as session:
        notice = intake.request_supplement_at_intake(
            session,
            ctx.clock,
            clerk_id=clerk_id,
            procedure_id=procedure_id,
            applicant_name=applicant[0],
            applicant_id_number=applicant[1],
            missing=missing,
            note=note,
        )
        return forms.supplement_pdf(session, notice, **contact)


def refuse(
    ctx: AppContext,
    clerk_id: str,
    procedure_id: int,
    applicant: tuple[str, str],
    reason: str,
    contact: dict[str, str],
) -> PrintedForm:
    """Record a refusal at the counter (Mẫu 03) and write its PDF."""
    with ctx.db.write() as session:
        notice = intake.refuse_intake(
            session,
            ctx.clock,
            clerk_id=clerk_id,
            procedure_id=procedure_id,
            applicant_name=applicant[0],
            applicant_id_number=applicant[1],
            reason=reason,
        )
        return forms.refusal_pdf(session, notice, **contact)
