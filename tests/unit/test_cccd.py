"""Chip ID card QR payloads: parse the good ones, explain the bad ones, split addresses."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from counter_app.errors import UserFacingError
from counter_app.services.cccd import (
    AddressParts,
    CccdData,
    looks_like_cccd_payload,
    parse_cccd_qr,
    split_address,
)

SAMPLE = (
    "001092012345|123456789|Nguyễn Văn An|15061992|Nam|Số 5 ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang|20082021"
)


def test_parse_cccd_qr_reads_every_field() -> None:
    data = parse_cccd_qr(SAMPLE)
    assert data == CccdData(
        id_number="001092012345",
        old_id="123456789",
        full_name="Nguyễn Văn An",
        birth_date=date(1992, 6, 15),
        gender="nam",
        address="Số 5 ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang",
        issue_date=date(2021, 8, 20),
    )
    assert data.address_parts == AddressParts("Số 5 ngõ 12", "Phường Ỷ La", "Tỉnh Tuyên Quang")


def test_parse_cccd_qr_female_empty_old_id_nfd_and_trailing_separator() -> None:
    payload = unicodedata.normalize(
        "NFD", "038192000123||Lê Thị Hoa|01021990|Nữ|Thôn 3, Xã Yên Lạc, Tỉnh Thanh Hóa|01012022|\r\n"
    )
    data = parse_cccd_qr(payload)
    assert data.gender == "nu"
    assert data.old_id == ""
    assert data.full_name == "Lê Thị Hoa"
    assert unicodedata.is_normalized("NFC", data.address)


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("001092012345|123456789|Nguyễn Văn An|15061992|Nam|Hà Nội", "có 6 phần"),
        (SAMPLE + "|x|y", "có 9 phần"),
        (SAMPLE.replace("001092012345", "00109201234"), "12 chữ số"),
        (SAMPLE.replace("001092012345", "00109201234X"), "12 chữ số"),
        (SAMPLE.replace("|123456789|", "|12345|"), "CMND cũ"),
        (SAMPLE.replace("15061992", "1506199"), "ngày sinh"),
        (SAMPLE.replace("15061992", "31021992"), "không có trên lịch"),
        (SAMPLE.replace("20082021", "2008202A"), "ngày cấp"),
        (SAMPLE.replace("20082021", "20081990"), "trước ngày sinh"),
        (SAMPLE.replace("|Nam|", "|Khác|"), "giới tính"),
        (SAMPLE.replace("|Nguyễn Văn An|", "||"), "họ và tên"),
    ],
)
def test_parse_cccd_qr_refuses_with_the_reason(payload: str, fragment: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_cccd_qr(payload)
    assert fragment in caught.value.message
    assert caught.value.message.startswith("Mã QR không đọc được")


def test_looks_like_cccd_payload() -> None:
    assert looks_like_cccd_payload(SAMPLE)
    assert looks_like_cccd_payload(
        "001092012345|123456789|Nguyễn Văn An|15061992|Nam"
    )  # damaged, still a scan
    assert not looks_like_cccd_payload("Nguyễn Văn An")
    assert not looks_like_cccd_payload("001092012345")
    assert not looks_like_cccd_payload("a|b|c|d|e|f|g")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            "Số 5 ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang",
            AddressParts("Số 5 ngõ 12", "Phường Ỷ La", "Tỉnh Tuyên Quang"),
        ),
        (
            "Số 5, ngõ 12, Phường Ỷ La, Tỉnh Tuyên Quang",
            AddressParts("Số 5, ngõ 12", "Phường Ỷ La", "Tỉnh Tuyên Quang"),
        ),
        (
            "Thôn 3, Xã Yên Lạc, Huyện Như Thanh, Tỉnh Thanh Hóa",
            AddressParts("Thôn 3", "Xã Yên Lạc, Huyện Như Thanh", "Tỉnh Thanh Hóa"),
        ),
        ("Phường Ỷ La, Tỉnh Tuyên Quang", AddressParts("", "Phường Ỷ La", "Tỉnh Tuyên Quang")),
        ("Tuyên Quang", AddressParts("Tuyên Quang", "", "")),
        ("", AddressParts("", "", "")),
        (" , Xã A ,, Tỉnh B ", AddressParts("", "Xã A", "Tỉnh B")),
    ],
)
def test_split_address_best_effort(address: str, expected: AddressParts) -> None:
    assert split_address(address) == expected
