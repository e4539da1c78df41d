"""Read the QR code of a chip ID card (CCCD): `ID|old ID|name|DDMMYYYY|gender|address|issue DDMMYYYY`.

Pure. A handheld scanner types the payload like a keyboard, into whatever field has the focus;
`looks_like_cccd_payload` lets the form recognise it anywhere. A payload that is not exactly right
is refused with the reason (`UserFacingError`) and fills nothing: half-filled identity data is worse
than none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from counter_app.errors import UserFacingError
from counter_app.i18n import _
from counter_app.text import fold, nfc

PARTS = 7
_ID = re.compile(r"^\d{12}$")
_OLD_ID = re.compile(r"^(\d{9}|\d{12})?$")
_LOOKS = re.compile(r"^\s*\d{9,12}\s*\|")
_GENDERS = {"nam": "nam", "nu": "nu", "male": "nam", "female": "nu"}
# Words that open a district-level name in addresses written before the 2025 reform (4 levels).
_DISTRICT_PREFIXES = ("huyen ", "quan ", "thi xa ", "thanh pho ")


@dataclass(frozen=True)
class AddressParts:
    """An address split best-effort into the form's three fields."""

    street: str
    commune: str
    province: str


@dataclass(frozen=True)
class CccdData:
    """What the card's QR code says, validated and NFC-normalised."""

    id_number: str
    old_id: str
    full_name: str
    birth_date: date
    gender: str  # "nam" or "nu"
    address: str
    issue_date: date

    @property
    def address_parts(self) -> AddressParts:
        """The address split into street / commune / province (see `split_address`)."""
        return split_address(self.address)


def looks_like_cccd_payload(text: str) -> bool:
    """True when a field's text looks like a scanned card QR (an ID number followed by `|` fields).

    Deliberately looser than `parse_cccd_qr`, so that a damaged scan is still caught and explained
    instead of landing in the field it was typed into.
    """
    return text.count("|") >= 4 and bool(_LOOKS.match(text))


def _date(value: str, label: str) -> date:
    if len(value) != 8 or not value.isdecimal():
        raise UserFacingError(
            _("Mã QR không đọc được: {label} “{value}” phải có dạng ngàythángnăm (8 chữ số).").format(
                label=label, value=value
            )
        )
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        raise UserFacingError(
            _("Mã QR không đọc được: {label} “{value}” không có trên lịch.").format(label=label, value=value)
        ) from None


def parse_cccd_qr(payload: str) -> CccdData:
    """Parse the card's QR text; UserFacingError saying exactly what is wrong otherwise."""
    parts = [p.strip() for p in nfc(payload).split("|")]
    while len(parts) > PARTS and parts[-1] == "":  # some scanners add a trailing separator
        parts.pop()
    if len(parts) != PARTS:
        raise UserFacingError(
            _(
                "Mã QR không đọc được: có {count} phần, mã QR của thẻ căn cước phải có đúng {PARTS} phần "
                "ngăn bởi dấu |. Hãy quét lại hoặc nhập tay."
            ).format(count=len(parts), PARTS=PARTS)
        )
    id_number, old_id, full_name, birth, gender, address, issued = parts
    if not _ID.match(id_number):
        raise UserFacingError(
            _("Mã QR không đọc được: số định danh “{id_number}” phải có đúng 12 chữ số.").format(
                id_number=id_number
            )
        )
    if not _OLD_ID.match(old_id):
        raise UserFacingError(
            _("Mã QR không đọc được: số CMND cũ “{old_id}” phải có 9 hoặc 12 chữ số.").format(old_id=old_id)
        )
    if not full_name:
        raise UserFacingError(_("Mã QR không đọc được: thiếu họ và tên."))
    birth_date = _date(birth, _("ngày sinh"))
    issue_date = _date(issued, _("ngày cấp"))
    if issue_date < birth_date:
        raise UserFacingError(_("Mã QR không đọc được: ngày cấp thẻ ở trước ngày sinh."))
    coded = _GENDERS.get(fold(gender))
    if coded is None:
        raise UserFacingError(
            _("Mã QR không đọc được: giới tính “{gender}” không phải Nam hoặc Nữ.").format(gender=gender)
        )
    return CccdData(id_number, old_id, full_name, birth_date, coded, address, issue_date)


def split_address(address: str) -> AddressParts:
    """Split "street, commune, province" at its commas, best-effort.

    The last comma-separated part is the province and the one before it the commune; everything
    earlier is the street (house number, hamlet, …). One part alone is kept as the street. Addresses
    written before the 2025 reform have a district between commune and province ("Xã Y, Huyện Z,
    Tỉnh T"): when the part before the province starts with Huyện/Quận/Thị xã/Thành phố and there is
    a part before it, the commune keeps both ("Xã Y, Huyện Z"). The clerk checks the result.
    """
    parts = [nfc(p) for p in address.split(",") if nfc(p)]
    if not parts:
        return AddressParts("", "", "")
    if len(parts) == 1:
        return AddressParts(parts[0], "", "")
    province = parts[-1]
    rest = parts[:-1]
    commune_parts = [rest.pop()]
    if rest and fold(commune_parts[0]).startswith(_DISTRICT_PREFIXES):
        commune_parts.insert(0, rest.pop())
    return AddressParts(", ".join(rest), ", ".join(commune_parts), province)
