"""Read and write the catalogue as JSON ({"format": "counter-app.catalogue", "version": 1, ...})."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from counter_app.catalogue.schema import CatalogueError, ProcedureSpec, validate_rows
from counter_app.i18n import _

FORMAT = "counter-app.catalogue"
VERSION = 1


def _refuse(message: str) -> CatalogueError:
    return CatalogueError([], message=message)


def parse_document(data: object) -> list[ProcedureSpec]:
    """Validate an already-decoded catalogue document; CatalogueError names every bad row and field."""
    if not isinstance(data, dict):
        raise _refuse(_("Tệp danh mục phải là một đối tượng JSON có khóa “procedures”."))
    if data.get("format") != FORMAT:
        raise _refuse(
            _('Tệp không phải danh mục thủ tục của phần mềm (cần "format": "{FORMAT}").').format(
                FORMAT=FORMAT
            )
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _refuse(
            _(
                "Danh mục phiên bản {version!r} không được hỗ trợ (phiên bản này đọc được phiên bản "
                "{VERSION})."
            ).format(version=version, VERSION=VERSION)
        )
    procedures = data.get("procedures")
    if not isinstance(procedures, list):
        raise _refuse(_("Tệp danh mục thiếu danh sách “procedures”."))
    return validate_rows(procedures)


def read_json(path: Path) -> list[ProcedureSpec]:
    """Read and validate a JSON catalogue file; nothing is returned unless every row is valid."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad on Windows may add a BOM
    except OSError as exc:
        raise _refuse(
            _("Không đọc được tệp {path}: {error}.").format(path=path, error=exc.strerror or exc)
        ) from exc
    except UnicodeDecodeError as exc:
        raise _refuse(_("Tệp {path} không phải văn bản UTF-8.").format(path=path)) from exc
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(
            _("Tệp {path} không phải JSON hợp lệ (dòng {lineno}, cột {colno}: {msg}).").format(
                path=path, lineno=exc.lineno, colno=exc.colno, msg=exc.msg
            )
        ) from exc
    return parse_document(data)


def catalogue_document(
    specs: Sequence[ProcedureSpec], *, source: str, notes: Sequence[str] = ()
) -> dict[str, Any]:
    """The JSON document for `specs` (the same shape read_json accepts)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION, "source": source}
    if notes:
        document["notes"] = list(notes)
    document["procedures"] = [spec.to_dict() for spec in specs]
    return document


def write_json(
    path: Path, specs: Sequence[ProcedureSpec], *, source: str = "", notes: Sequence[str] = ()
) -> None:
    """Write `specs` to `path` atomically (a half-written catalogue must never replace a good one)."""
    text = json.dumps(catalogue_document(specs, source=source, notes=notes), ensure_ascii=False, indent=2)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, path)
