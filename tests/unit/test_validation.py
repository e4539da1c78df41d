"""Field checks of the reception form: every validator, and validate_intake reporting all problems."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date

import pytest

from counter_app.errors import UserFacingError
from counter_app.services.validation import (
    PROVINCE_CODES,
    DocumentLine,
    IntakeForm,
    check_birth_date,
    check_email,
    check_fee,
    check_fee_reason,
    check_full_name,
    check_id_matches,
    check_id_number,
    check_phone,
    check_required,
    id_number_facts,
    normalise_phone,
    parse_dmy,
    validate_intake,
)

TODAY = date(2024, 6, 14)


def test_province_codes_are_the_63_codes_from_001_to_096() -> None:
    assert len(PROVINCE_CODES) == 63
    assert min(PROVINCE_CODES) == "001" and max(PROVINCE_CODES) == "096"
    assert PROVINCE_CODES["038"] == "Thanh Hóa"
    assert "003" not in PROVINCE_CODES


@pytest.mark.parametrize("number", ["001092012345", "038 192 012 345", "096300000001", "123456789"])
def test_check_id_number_accepts_cccd_and_legacy_cmnd(number: str) -> None:
    assert check_id_number(number) is None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "Hãy nhập"),
        ("00109201234", "12 chữ số"),
        ("0010920123456", "12 chữ số"),
        ("00109201234a", "chỉ gồm chữ số"),
        ("003092012345", "mã tỉnh"),
        ("097092012345", "mã tỉnh"),
        ("１２３４５６７８９", "chỉ gồm chữ số"),  # full-width digits are not ASCII digits
    ],
)
def test_check_id_number_rejects_with_reason(number: str, fragment: str) -> None:
    message = check_id_number(number)
    assert message is not None and fragment in message


def test_id_number_facts_decode_century_gender_and_year() -> None:
    assert id_number_facts("001092012345") == (1992, "nam")
    assert id_number_facts("001192012345") == (1992, "nu")
    assert id_number_facts("001205012345") == (2005, "nam")
    assert id_number_facts("001305012345") == (2005, "nu")
    assert id_number_facts("123456789") is None


def test_check_id_matches_flags_year_and_gender_contradictions() -> None:
    assert check_id_matches("001092012345", date(1992, 6, 15), "nam") is None
    assert check_id_matches("001092012345", None, "") is None
    year = check_id_matches("001092012345", date(1993, 1, 1), "nam")
    assert year is not None and "1992" in year
    gender = check_id_matches("001092012345", date(1992, 1, 1), "nu")
    assert gender is not None and "giới tính" in gender
    assert check_id_matches("123456789", date(1950, 1, 1), "nu") is None


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("(024) 3825 1234", "02438251234"),
    ],
)
def test_normalise_phone(raw: str, normal: str) -> None:
    assert normalise_phone(raw) == normal
    assert check_phone(raw) is None


@pytest.mark.parametrize("number", ["0312345678", "0512345678", "0712345678", "0812345678", "0987654321"])
def test_check_phone_accepts_every_mobile_prefix(number: str) -> None:
    assert check_phone(number) is None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("0112345678", "di động"),
        ("0412345678", "di động"),
        ("091234567", "di động"),
        ("09123456789", "di động"),
        ("0243825123", "cố định"),
        ("0912-abc-678", "chữ số"),
    ],
)
def test_check_phone_rejects_with_reason(number: str, fragment: str) -> None:
    message = check_phone(number)
    assert message is not None and fragment in message


def test_check_phone_empty_is_fine() -> None:
    assert check_phone("") is None
    assert check_phone("   ") is None


@pytest.mark.parametrize("address", ["an.nguyen@example.vn", "a+b@mail.gov.vn", "X_Y@sub.domain.com"])
def test_check_email_accepts(address: str) -> None:
    assert check_email(address) is None


@pytest.mark.parametrize("address", ["an", "an@", "@example.vn", "an@example", "a b@example.vn", "a..b@x.vn"])
def test_check_email_rejects(address: str) -> None:
    assert check_email(address) is not None


def test_check_email_empty_is_fine() -> None:
    assert check_email("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/06/1992", date(1992, 6, 15)),
        ("5/6/1992", date(1992, 6, 5)),
        ("15-06-1992", date(1992, 6, 15)),
        ("15.06.1992", date(1992, 6, 15)),
        (" 15061992 ", date(1992, 6, 15)),
    ],
)
def test_parse_dmy(text: str, expected: date) -> None:
    assert parse_dmy(text) == expected


@pytest.mark.parametrize("text", ["1992-06-15", "31/02/2020", "15/13/1992", "abc", ""])
def test_parse_dmy_refuses_with_a_user_facing_message(text: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_dmy(text)
    assert "Ngày" in caught.value.message


def test_check_birth_date() -> None:
    assert check_birth_date(None, TODAY) is None
    assert check_birth_date(TODAY, TODAY) is None
    assert check_birth_date(date(1900, 1, 1), TODAY) is None
    future = check_birth_date(date(2024, 6, 15), TODAY)
    assert future is not None and "sau ngày hôm nay" in future
    old = check_birth_date(date(1899, 12, 31), TODAY)
    assert old is not None and "1900" in old


@pytest.mark.parametrize(
    "name", ["Nguyễn Văn An", "Đặng Thị Ánh", "Ksor H'Blăk", "Y-Ngông Niê Kdăm", "Lê Ng’ọc", "Ai"]
)
def test_check_full_name_accepts_vietnamese_names(name: str) -> None:
    assert check_full_name(name) is None


def test_check_full_name_accepts_nfd_input() -> None:
    assert check_full_name(unicodedata.normalize("NFD", "Nguyễn Thị Hằng")) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Hãy nhập"),
        ("   ", "Hãy nhập"),
        ("A", "từ 2 đến 100"),
        ("A" * 101, "từ 2 đến 100"),
        ("Nguyễn Văn 2", "chữ cái"),
        ("An@Nguyen", "chữ cái"),
        ("' -", "phải có chữ cái"),
    ],
)
def test_check_full_name_rejects(name: str, fragment: str) -> None:
    message = check_full_name(name)
    assert message is not None and fragment in message


def test_check_required() -> None:
    assert check_required("x", "địa chỉ") is None
    assert check_required("  ", "địa chỉ") == "Hãy nhập địa chỉ"
    assert check_required(None, "địa chỉ") == "Hãy nhập địa chỉ"


def test_check_fee_and_reason() -> None:
    assert check_fee(None) is None
    assert check_fee(0) is None
    assert check_fee(-1) is not None
    assert check_fee_reason(None, 50_000, "") is None
    assert check_fee_reason(50_000, 50_000, "") is None
    message = check_fee_reason(0, 50_000, "")
    assert message is not None and "50.000 đồng" in message
    assert check_fee_reason(0, 50_000, "Miễn phí cho hộ nghèo") is None


def _good_form(**changes: object) -> IntakeForm:
    base = IntakeForm(
        procedure_id=1,
        full_name="Nguyễn Văn An",
        id_number="001092012345",
        birth_date=date(1992, 6, 15),
        gender="nam",
        phone="0912345678",
        documents=(DocumentLine("Tờ khai", 1),),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_validate_intake_accepts_a_good_form() -> None:
    assert validate_intake(_good_form(), today=TODAY, catalogue_fee=0) == {}


def test_validate_intake_reports_every_problem_at_once() -> None:
    form = _good_form(
        procedure_id=0,
        full_name="A1",
        id_number="12",
        birth_date=date(2030, 1, 1),
        gender="x",
        phone="123",
        email="no",
        submitter_name="Trần Bình",
        documents=(DocumentLine("", -1),),
        sets_count=0,
        delivery="post",
        fee_collected=-5,
        channel=9,
    )
    errors = validate_intake(form, today=TODAY, catalogue_fee=0)
    assert set(errors) == {
        "procedure_id",
        "full_name",
        "id_number",
        "birth_date",
        "gender",
        "phone",
        "email",
        "submitter_id_number",
        "authorisation_note",
        "documents",
        "sets_count",
        "delivery_address",
        "fee_collected",
        "channel",
    }
    assert all(isinstance(message, str) and message for message in errors.values())


def test_validate_intake_submitter_needs_all_three_fields() -> None:
    complete = _good_form(
        submitter_name="Trần Văn Bình",
        submitter_id_number="038090000001",
        authorisation_note="Giấy ủy quyền số 12",
    )
    assert validate_intake(complete, today=TODAY) == {}
    partial = _good_form(authorisation_note="Giấy ủy quyền")
    assert set(validate_intake(partial, today=TODAY)) == {"submitter_name", "submitter_id_number"}


def test_validate_intake_fee_reason_only_when_fee_differs() -> None:
    assert validate_intake(_good_form(fee_collected=20_000), today=TODAY, catalogue_fee=20_000) == {}
    errors = validate_intake(_good_form(fee_collected=0), today=TODAY, catalogue_fee=20_000)
    assert set(errors) == {"fee_reason"}
    assert (
        validate_intake(
            _good_form(fee_collected=0, fee_reason="Miễn lệ phí"), today=TODAY, catalogue_fee=20_000
        )
        == {}
    )


def test_validate_intake_post_delivery_needs_an_address() -> None:
    assert set(validate_intake(_good_form(delivery="post"), today=TODAY)) == {"delivery_address"}
    assert validate_intake(_good_form(delivery="post", delivery_address="Số 5, Ỷ La"), today=TODAY) == {}
    assert set(validate_intake(_good_form(delivery="ship"), today=TODAY)) == {"delivery"}


def test_validate_intake_needs_a_received_document() -> None:
    errors = validate_intake(_good_form(documents=(DocumentLine("Tờ khai", 1, received=False),)), today=TODAY)
    assert "ít nhất một giấy tờ" in errors["documents"]
    extra_only = _good_form(documents=(), extras=(DocumentLine("Giấy xác nhận", 1),))
    assert validate_intake(extra_only, today=TODAY) == {}


def test_validate_intake_id_number_consistency_with_birth_year() -> None:
    errors = validate_intake(_good_form(birth_date=date(1990, 1, 1)), today=TODAY)
    assert set(errors) == {"id_number"}
