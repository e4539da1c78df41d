"""Interface language: Vietnamese source strings translated through gettext-style .po catalogues.

Vietnamese is the source language: every user-visible string is written in Vietnamese in the code and
wrapped in `_()` (or `_n()` for counts, `_p()` with a context for short ambiguous words). The English
catalogue is every `*.po` file under `resources/i18n/en/`, merged; each area of the code keeps its own
file so translators and reviewers work on one screen at a time. Official forms (Mẫu 01–06) are printed
in Vietnamese whatever the interface language: they are legal documents.

Strings are translated when they are shown, never at import time: module-level tables use `N_()` to
mark their strings and translate them with `_()` where they are displayed, so switching the language
and rebuilding the window changes every text.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from counter_app.paths import resources_dir

SOURCE_LANGUAGE = "vi"
LANGUAGES: dict[str, str] = {"vi": "Tiếng Việt", "en": "English"}


@dataclass
class Catalogue:
    """The translations of one language: plain, plural and context-qualified messages."""

    messages: dict[str, str] = field(default_factory=dict)
    plurals: dict[str, tuple[str, str]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)

    def get(self, key: str) -> str | None:
        """The translation of `key` (`context\\x04msgid` for a context), or None when there is none."""
        text = self.messages.get(key)
        if not text:
            self.missing.add(key)
            return None
        return text


class PoSyntaxError(ValueError):
    """A .po file that cannot be read; names the file and the line."""


def _unquote(token: str, where: str) -> str:
    try:
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError) as exc:
        raise PoSyntaxError(f"{where}: chuỗi không hợp lệ {token!r}") from exc
    if not isinstance(value, str):
        raise PoSyntaxError(f"{where}: chuỗi không hợp lệ {token!r}")
    return value


def parse_po(text: str, name: str = "<po>") -> list[dict[str, str]]:
    """The entries of a .po text as dicts with keys msgctxt, msgid, msgid_plural, msgstr, msgstr[N]."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last_key: str | None = None

    def flush() -> None:
        nonlocal current, last_key
        if "msgid" in current:
            entries.append(current)
        current, last_key = {}, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            flush()
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if last_key is None:
                raise PoSyntaxError(f"{where}: dòng tiếp nối không thuộc mục nào")
            current[last_key] += _unquote(line, where)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not (
            keyword.startswith("msgstr[") and keyword.endswith("]")
        ):
            raise PoSyntaxError(f"{where}: từ khoá lạ {keyword!r}")
        if keyword in ("msgctxt", "msgid") and ("msgstr" in current or "msgstr[0]" in current):
            flush()  # a new entry began without a blank line between
        if keyword in current:
            raise PoSyntaxError(f"{where}: {keyword} lặp lại trong một mục")
        current[keyword] = _unquote(rest.strip(), where)
        last_key = keyword
    flush()
    return entries


def load_catalogue(files: Iterable[Path]) -> Catalogue:
    """One catalogue from several .po files; a msgid translated twice differently is an error."""
    cat = Catalogue()
    for path in sorted(files):
        for entry in parse_po(path.read_text(encoding="utf-8"), path.name):
            msgid = entry["msgid"]
            if not msgid:
                continue  # the header
            key = f"{entry['msgctxt']}\x04{msgid}" if "msgctxt" in entry else msgid
            if "msgid_plural" in entry:
                one, many = entry.get("msgstr[0]", ""), entry.get("msgstr[1]", "")
                if one and many:
                    cat.plurals[key] = (one, many)
                    cat.messages[key] = one
                continue
            text = entry.get("msgstr", "")
            if not text:
                continue
            previous = cat.messages.get(key)
            if previous is not None and previous != text:
                raise PoSyntaxError(f"{path.name}: {msgid!r} được dịch hai cách khác nhau")
            cat.messages[key] = text
    return cat


def catalogue_dir(language: str) -> Path:
    """Where the .po files of `language` live."""
    return resources_dir() / "i18n" / language


_lock = threading.Lock()
_language = SOURCE_LANGUAGE
_catalogues: dict[str, Catalogue] = {}


def catalogue(language: str) -> Catalogue:
    """The (cached) catalogue of a language; empty for the source language."""
    with _lock:
        if language not in _catalogues:
            files = [] if language == SOURCE_LANGUAGE else list(catalogue_dir(language).glob("*.po"))
            _catalogues[language] = load_catalogue(files)
        return _catalogues[language]


def set_language(language: str) -> None:
    """Make `language` ("vi" or "en") the language of every string translated from now on."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    catalogue(language)
    _language = language


def language() -> str:
    """The current interface language code."""
    return _language


def _(message: str) -> str:
    """`message` (Vietnamese source) in the current language."""
    if _language == SOURCE_LANGUAGE:
        return message
    return catalogue(_language).get(message) or message


def _p(context: str, message: str) -> str:
    """`message` with a disambiguating context (for short words like "Mở" that mean several things)."""
    if _language == SOURCE_LANGUAGE:
        return message
    return catalogue(_language).get(f"{context}\x04{message}") or message


def _n(message: str, count: int) -> str:
    """`message` for `count` things; English picks its singular or plural form. Format it afterwards."""
    if _language == SOURCE_LANGUAGE:
        return message
    cat = catalogue(_language)
    forms = cat.plurals.get(message)
    if forms is None:
        return cat.get(message) or message
    return forms[0] if count == 1 else forms[1]


def N_(message: str) -> str:
    """Mark `message` for translation without translating it (module-level tables)."""
    return message
