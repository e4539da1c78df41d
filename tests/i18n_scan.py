"""Finds the interface's Vietnamese strings: wrapped ones (for the catalogue) and bare ones (bugs).

Run `python -m tests.i18n_scan ui/pages/intake` to print, as .po entries, the wrapped strings of a
folder that the English catalogue does not translate yet, and to list the bare Vietnamese literals
left in it. A literal is exempt when it is a docstring, an argument of a logging call, or on a line
carrying the comment `i18n: skip` (data such as keyword lists or a font's sample text).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ]"
)
WRAPPERS = {"_", "N_", "_n", "_p"}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(?\w*\)?[sdif]")


@dataclass(frozen=True)
class Found:
    """One string literal: where it is and what it says (`context` is set for `_p`)."""

    path: Path
    line: int
    text: str
    context: str | None = None
    plural: bool = False

    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def scan_file(path: Path) -> tuple[list[Found], list[Found]]:
    """The wrapped strings of a file and its bare Vietnamese literals."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    exempt: set[int] = set()
    wrapped: list[Found] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in LOG_METHODS and isinstance(node.func, ast.Attribute):
            for sub in ast.walk(node):
                exempt.add(id(sub))
        if name in WRAPPERS and node.args:
            args = node.args
            context = None
            if name == "_p" and len(args) >= 2 and isinstance(args[0], ast.Constant):
                context = str(args[0].value)
                exempt.add(id(args[0]))
                args = args[1:]
            first_arg = args[0]
            if isinstance(first_arg, ast.Constant) and isinstance(first_arg.value, str):
                exempt.add(id(first_arg))
                wrapped.append(Found(path, first_arg.lineno, first_arg.value, context, name == "_n"))
    bare = [
        Found(path, node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and VIETNAMESE.search(node.value)
        and "i18n: skip" not in lines[node.lineno - 1]
        and "i18n: skip" not in lines[getattr(node, "end_lineno", node.lineno) - 1]
    ]
    return wrapped, bare


def scan(roots: list[str], exclude: tuple[str, ...] = ()) -> tuple[list[Found], list[Found]]:
    """Wrapped strings and bare literals of every .py file under the roots (paths from the checkout)."""
    wrapped: list[Found] = []
    bare: list[Found] = []
    for root in roots:
        base = ROOT / root
        files = [base] if base.suffix == ".py" else sorted(base.rglob("*.py"))
        for path in files:
            rel = str(path.relative_to(ROOT))
            if any(rel.startswith(x) for x in exclude):
                continue
            w, b = scan_file(path)
            wrapped += w
            bare += b
    return wrapped, bare


def placeholders(text: str) -> list[str]:
    """The format placeholders of a message, sorted, so source and translation can be compared."""
    return sorted(PLACEHOLDER.findall(text))


def _po_quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    )


def main(argv: list[str]) -> int:
    from counter_app.i18n import catalogue

    cat = catalogue("en")
    wrapped, bare = scan(argv or ["ui", "counter_app"])
    seen: set[tuple[str | None, str]] = set()
    for item in wrapped:
        key = f"{item.context}\x04{item.text}" if item.context else item.text
        if (item.context, item.text) in seen or cat.messages.get(key):
            continue
        seen.add((item.context, item.text))
        print(f"#: {item.where()}")
        if item.context:
            print(f"msgctxt {_po_quote(item.context)}")
        print(f"msgid {_po_quote(item.text)}")
        if item.plural:
            print(f"msgid_plural {_po_quote(item.text)}")
            print('msgstr[0] ""\nmsgstr[1] ""\n')
        else:
            print('msgstr ""\n')
    for item in bare:
        print(f"# BARE {item.where()}: {item.text!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
