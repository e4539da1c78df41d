"""Catalogue use cases: import (upsert by code), export, listing, diacritic-free search, the built-in set."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from counter_app.catalogue.json_io import read_json, write_json
from counter_app.catalogue.schema import (
    CatalogueError,
    DocumentSpec,
    ProcedureSpec,
    describe_fee,
    format_deadline,
    format_fee,
    validate_rows,
)
from counter_app.clock import Clock
from counter_app.i18n import _
from counter_app.paths import resources_dir
from counter_app.storage.models import Procedure, ProcedureDocument
from counter_app.text import fold

__all__ = [
    "CatalogueDiff",
    "CatalogueEntry",
    "ImportReport",
    "apply_catalogue",
    "builtin_catalogue_path",
    "describe_fee",
    "diff_catalogue",
    "export_catalogue",
    "format_deadline",
    "format_fee",
    "import_catalogue",
    "list_procedures",
    "load_builtin_catalogue",
    "read_catalogue_file",
    "search_procedures",
    "write_catalogue_file",
]


@dataclass(frozen=True)
class ImportReport:
    """What an import did: procedures added, updated, left unchanged and (with replace) deactivated."""

    added: int
    updated: int
    unchanged: int
    deactivated: int = 0

    @property
    def total(self) -> int:
        """Procedures in the imported file."""
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True)
class CatalogueEntry:
    """A procedure as stored: its database id (for dossiers), whether it is in use, and its spec."""

    id: int
    active: bool
    spec: ProcedureSpec


def builtin_catalogue_path() -> Path:
    """The catalogue shipped with the application (test data; see its "source")."""
    return resources_dir() / "catalogue" / "procedures.json"


def read_catalogue_file(path: Path) -> list[ProcedureSpec]:
    """Read a .json or .xlsx catalogue, all rows valid or CatalogueError naming every problem."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(path)
    if suffix == ".xlsx":
        from counter_app.catalogue.xlsx_io import read_xlsx  # openpyxl is slow to import: only here

        return read_xlsx(path)
    raise CatalogueError(
        [], message=_("Không nhận dạng được tệp {name}: chỉ nhận .json hoặc .xlsx.").format(name=path.name)
    )


def write_catalogue_file(path: Path, specs: Sequence[ProcedureSpec], *, source: str = "") -> None:
    """Write a .json or .xlsx catalogue chosen by the file extension."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        write_json(path, specs, source=source)
    elif suffix == ".xlsx":
        from counter_app.catalogue.xlsx_io import write_xlsx  # openpyxl is slow to import: only here

        write_xlsx(path, specs)
    else:
        raise CatalogueError(
            [], message=_("Không ghi được tệp {name}: chỉ hỗ trợ .json hoặc .xlsx.").format(name=path.name)
        )


def _spec_of(row: Procedure) -> ProcedureSpec:
    return ProcedureSpec(
        code=row.code,
        name=row.name,
        field_code=row.field_code,
        field_name=row.field_name,
        level=row.level,
        deadline_amount=float(row.deadline_amount),
        deadline_unit=row.deadline_unit,
        cutoff=row.cutoff,
        pause_rule=row.pause_rule,
        deadline_note=row.deadline_note,
        fee_amount=row.fee_amount,
        fee_note=row.fee_note,
        legal_basis=row.legal_basis,
        online_level=row.online_level,
        agency_in_charge=row.agency_in_charge,
        unconfirmed=row.unconfirmed,
        documents=tuple(
            DocumentSpec(d.name, d.originals, d.certified_copies, d.copies, d.required) for d in row.documents
        ),
    )


def _apply(session: Session, row: Procedure, spec: ProcedureSpec) -> None:
    row.name = spec.name
    row.name_fold = fold(spec.name)
    row.field_code = spec.field_code
    row.field_name = spec.field_name
    row.level = spec.level
    row.deadline_amount = spec.deadline_amount
    row.deadline_unit = spec.deadline_unit
    row.cutoff = spec.cutoff
    row.pause_rule = spec.pause_rule
    row.deadline_note = spec.deadline_note
    row.fee_amount = spec.fee_amount
    row.fee_note = spec.fee_note
    row.legal_basis = spec.legal_basis
    row.unconfirmed = spec.unconfirmed
    row.online_level = spec.online_level
    row.agency_in_charge = spec.agency_in_charge
    # Dossiers copy their papers when received, so replacing the checklist never rewrites history.
    if row.documents:
        row.documents.clear()
        # The old papers must be gone before the new ones reuse their (procedure_id, position) slots;
        # the unit of work would otherwise insert first and hit the unique index.
        session.flush()
    for position, doc in enumerate(spec.documents, start=1):
        row.documents.append(
            ProcedureDocument(
                position=position,
                name=doc.name,
                originals=doc.originals,
                certified_copies=doc.certified_copies,
                copies=doc.copies,
                required=doc.required,
            )
        )


def _all_procedures(session: Session) -> list[Procedure]:
    query = select(Procedure).options(selectinload(Procedure.documents)).order_by(Procedure.id)
    return list(session.scalars(query))


@dataclass(frozen=True)
class CatalogueDiff:
    """What importing a set of procedures would do to the stored catalogue (nothing written yet)."""

    added: tuple[ProcedureSpec, ...]
    updated: tuple[ProcedureSpec, ...]
    unchanged: tuple[ProcedureSpec, ...]
    deactivated: tuple[ProcedureSpec, ...]  # as stored; only with replace

    def report(self) -> ImportReport:
        """The counts of an import that did exactly this."""
        return ImportReport(len(self.added), len(self.updated), len(self.unchanged), len(self.deactivated))


def _diff(existing: dict[str, Procedure], specs: Sequence[ProcedureSpec], replace: bool) -> CatalogueDiff:
    added, updated, unchanged = [], [], []
    for spec in specs:
        row = existing.get(spec.code)
        if row is None:
            added.append(spec)
        elif row.active and _spec_of(row) == spec:
            unchanged.append(spec)
        else:
            updated.append(spec)
    wanted = {spec.code for spec in specs}
    gone = [_spec_of(row) for code, row in existing.items() if replace and row.active and code not in wanted]
    return CatalogueDiff(tuple(added), tuple(updated), tuple(unchanged), tuple(gone))


def diff_catalogue(
    session: Session, specs: Sequence[ProcedureSpec], *, replace: bool = False
) -> CatalogueDiff:
    """What `import_catalogue` would do with `specs` (checked the same way first), without writing."""
    checked = validate_rows([spec.to_dict() for spec in specs])
    return _diff({row.code: row for row in _all_procedures(session)}, checked, replace)


def import_catalogue(
    session: Session, specs: Sequence[ProcedureSpec], clock: Clock, *, replace: bool = False
) -> ImportReport:
    """Upsert `specs` by code in the caller's transaction; all or nothing (see `apply_catalogue`)."""
    return apply_catalogue(session, specs, clock, replace=replace).report()


def apply_catalogue(
    session: Session, specs: Sequence[ProcedureSpec], clock: Clock, *, replace: bool = False
) -> CatalogueDiff:
    """Upsert `specs` by code in the caller's transaction, all or nothing; returns what changed.

    Procedures are never deleted (dossiers refer to them). With `replace`, active procedures missing
    from `specs` are marked inactive; an inactive procedure present in `specs` becomes active again.
    """
    # Specs may be built by hand (UI editor, tests): the same checks as a file, before any write.
    checked = validate_rows([spec.to_dict() for spec in specs])
    now = clock.now_utc()
    existing = {row.code: row for row in _all_procedures(session)}
    diff = _diff(existing, checked, replace)
    for spec in diff.added:
        row = Procedure(code=spec.code, active=True, updated_at=now)
        _apply(session, row, spec)
        session.add(row)
    for spec in diff.updated:
        row = existing[spec.code]
        _apply(session, row, spec)
        row.active = True
        row.updated_at = now
    for spec in diff.deactivated:
        row = existing[spec.code]
        row.active = False
        row.updated_at = now
    session.flush()
    return diff


def export_catalogue(session: Session, *, include_inactive: bool = False) -> list[ProcedureSpec]:
    """The catalogue in catalogue order, ready for write_catalogue_file (import gives it back exactly)."""
    return [_spec_of(row) for row in _all_procedures(session) if include_inactive or row.active]


def list_procedures(session: Session, *, active_only: bool = True) -> list[CatalogueEntry]:
    """Every procedure (only those in use unless told otherwise), in catalogue order, with ids."""
    return [
        CatalogueEntry(row.id, row.active, _spec_of(row))
        for row in _all_procedures(session)
        if row.active or not active_only
    ]


def _rank(entry: CatalogueEntry, words: list[str], phrase: str) -> tuple[int, ...] | None:
    """Sort key of a match (smaller is better), or None when some word matches nothing."""
    spec = entry.spec
    name = fold(spec.name)
    code = fold(spec.code)
    haystack = f"{code} {name} {fold(spec.field_code)} {fold(spec.field_name)}"
    if not all(word in haystack for word in words):
        return None
    name_words = name.split()
    whole_words = sum(1 for word in words if word in name_words)
    return (
        0 if code == phrase else 1,
        0 if phrase in name else 1,
        0 if name.startswith(phrase) else 1,
        -whole_words,
        len(name),
    )


def search_procedures(
    session: Session, query: str, limit: int = 20, *, active_only: bool = True
) -> list[CatalogueEntry]:
    """Procedures whose code, name or field contain every word of `query`, in any order, ignoring case
    and diacritics, đ matching d: "dang ky khai sinh", "khai sinh" and "sinh khai" find "Đăng ký khai sinh".

    The best matches come first: exact code, the whole phrase in the name, the name starting with it.
    """
    phrase = fold(query)
    words = phrase.split()
    entries = list_procedures(session, active_only=active_only)
    if not words:
        return entries[:limit]
    ranked = [(key, entry) for entry in entries if (key := _rank(entry, words, phrase)) is not None]
    ranked.sort(key=lambda item: (item[0], item[1].spec.name))
    return [entry for _, entry in ranked[:limit]]


def load_builtin_catalogue(session: Session, clock: Clock) -> ImportReport:
    """Import the shipped catalogue (upsert; procedures already present keep their id)."""
    return import_catalogue(session, read_json(builtin_catalogue_path()), clock)
