"""Hostile and broken input: every parser either answers or refuses with its own error, never crashes.

Property-based (hypothesis) over the CCCD QR parser, the catalogue and calendar importers, the sync
wire decoders and the dossier look-up by a scanned or typed code; the number of examples is bounded
so the whole file stays within CI time.
"""

from __future__ import annotations

import contextlib
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counter_app.catalogue.json_io import parse_document
from counter_app.catalogue.schema import CatalogueError
from counter_app.deadlines.calendar import parse_calendar_document
from counter_app.errors import UserFacingError
from counter_app.services.cccd import parse_cccd_qr
from counter_app.services.dossier_query import DossierFilter, list_page
from counter_app.services.dossier_view import load_dossier_view
from counter_app.sync import protocol

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)
NASTY_TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "'; DROP TABLE dossiers; --",
            "000.00.31.H12-261123-1001' OR '1'='1",
            "%_%",
            "\x00\x01\ufeff",
            "Ｎｇｕｙễｎ",  # full-width
            "Nguye\u0302\u0303n",  # decomposed (NFD) Vietnamese
            "a" * 10_000,
            "|" * 7,
            "001092012345|123456789|Nguyễn Văn A|32132026|Nam|Hà Nội|01012020",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        NASTY_TEXT,
        st.lists(st.text(alphabet=string.printable + "ễếộ", max_size=15), min_size=7, max_size=7).map(
            "|".join
        ),
    )
)
def test_cccd_parser_refuses_or_parses(payload: str) -> None:
    try:
        data = parse_cccd_qr(payload)
    except UserFacingError as exc:
        assert exc.message.startswith("Mã QR không đọc được")
    else:
        assert len(data.id_number) == 12 and data.id_number.isdigit()


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_catalogue_document_refuses_or_parses(data: Any) -> None:
    try:
        specs = parse_document(data)
    except CatalogueError as exc:
        assert exc.message
    else:
        assert all(spec.code and spec.name for spec in specs)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["days", "version", "name", "x"]), JSON, max_size=3))
def test_calendar_document_refuses_or_parses(data: dict[str, Any]) -> None:
    try:
        parse_calendar_document(Path("lich.toml"), data)
    except UserFacingError as exc:
        assert exc.message


DECODERS = [
    protocol.Head.from_json,
    protocol.EnrolRequest.from_json,
    protocol.EnrolResponse.from_json,
    protocol.WireOp.from_json,
    protocol.PushRequest.from_json,
    protocol.PushResponse.from_json,
    protocol.PullResponse.from_json,
    protocol.OpResult.from_json,
    protocol.Change.from_json,
]


@pytest.mark.parametrize("decode", DECODERS, ids=lambda d: d.__qualname__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=JSON)
def test_wire_decoders_refuse_with_protocol_error(decode: Any, data: Any) -> None:
    with contextlib.suppress(protocol.ProtocolError):
        decode(data)


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_outbox_files_with_garbage_are_refused(data: Any) -> None:
    with pytest.raises(protocol.ProtocolError):
        protocol.read_outbox_file(data if isinstance(data, dict) else {"x": data}, lambda _counter: "00" * 32)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=NASTY_TEXT)
def test_lookup_and_search_never_crash_and_never_match_garbage(db: Any, text: str) -> None:
    with db.read() as session:
        with pytest.raises(UserFacingError):
            load_dossier_view(session, text)
        # The test database holds no dossier: whatever is typed, the search finds nothing and says so.
        assert (
            list_page(session, DossierFilter(text=text), None, now_utc=datetime(2026, 1, 5, 3, tzinfo=UTC))
            == []
        )


@pytest.mark.parametrize(
    "typed",
    ["'; DROP TABLE dossiers; --", "x' OR '1'='1", "%", "_", "%_%", "\\", "' OR 1=1 --", "*"],
)
def test_injection_and_wildcards_match_nothing(desk: Any, typed: str) -> None:
    code = desk.register(appointment=datetime(2026, 1, 12, 9, 32))
    with desk.db.read() as session:
        assert list_page(session, DossierFilter(text=typed), None) == []
        assert [r.code for r in list_page(session, DossierFilter(text=code), None)] == [code]
        with pytest.raises(UserFacingError):
            load_dossier_view(session, typed)
