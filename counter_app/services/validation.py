"""The reception form's data and its field checks: each check returns a Vietnamese message or None.

Pure: no database and no Qt. `validate_intake` reports every problem of a form at once, keyed by
the `IntakeForm` attribute name, so the form can mark every wrong field in one go.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from counter_app.clock import SystemClock, utc_to_local
from counter_app.errors import UserFacingError
from counter_app.i18n import N_, _
from counter_app.text import nfc

# Codes of the province or city where the birth was registered: the first 3 digits of a CCCD/ĐDCN
# number (Thông tư 07/2016/TT-BCA, Phụ lục I). The 2025 province mergers did not renumber existing
# personal identification numbers, so all 63 codes stay valid.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",  # i18n: skip
    "002": "Hà Giang",  # i18n: skip
    "004": "Cao Bằng",  # i18n: skip
    "006": "Bắc Kạn",  # i18n: skip
    "008": "Tuyên Quang",  # i18n: skip
    "010": "Lào Cai",  # i18n: skip
    "011": "Điện Biên",  # i18n: skip
    "012": "Lai Châu",  # i18n: skip
    "014": "Sơn La",  # i18n: skip
    "015": "Yên Bái",  # i18n: skip
    "017": "Hòa Bình",  # i18n: skip
    "019": "Thái Nguyên",  # i18n: skip
    "020": "Lạng Sơn",  # i18n: skip
    "022": "Quảng Ninh",  # i18n: skip
    "024": "Bắc Giang",  # i18n: skip
    "025": "Phú Thọ",  # i18n: skip
    "026": "Vĩnh Phúc",  # i18n: skip
    "027": "Bắc Ninh",  # i18n: skip
    "030": "Hải Dương",  # i18n: skip
    "031": "Hải Phòng",  # i18n: skip
    "033": "Hưng Yên",  # i18n: skip
    "034": "Thái Bình",  # i18n: skip
    "035": "Hà Nam",  # i18n: skip
    "036": "Nam Định",  # i18n: skip
    "037": "Ninh Bình",  # i18n: skip
    "038": "Thanh Hóa",  # i18n: skip
    "040": "Nghệ An",  # i18n: skip
    "042": "Hà Tĩnh",  # i18n: skip
    "044": "Quảng Bình",  # i18n: skip
    "045": "Quảng Trị",  # i18n: skip
    "046": "Thừa Thiên Huế",  # i18n: skip
    "048": "Đà Nẵng",  # i18n: skip
    "049": "Quảng Nam",  # i18n: skip
    "051": "Quảng Ngãi",  # i18n: skip
    "052": "Bình Định",  # i18n: skip
    "054": "Phú Yên",  # i18n: skip
    "056": "Khánh Hòa",  # i18n: skip
    "058": "Ninh Thuận",  # i18n: skip
    "060": "Bình Thuận",  # i18n: skip
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",  # i18n: skip
    "067": "Đắk Nông",  # i18n: skip
    "068": "Lâm Đồng",  # i18n: skip
    "070": "Bình Phước",  # i18n: skip
    "072": "Tây Ninh",  # i18n: skip
    "074": "Bình Dương",  # i18n: skip
    "075": "Đồng Nai",  # i18n: skip
    "077": "Bà Rịa - Vũng Tàu",  # i18n: skip
    "079": "Hồ Chí Minh",  # i18n: skip
    "080": "Long An",
    "082": "Tiền Giang",  # i18n: skip
    "083": "Bến Tre",  # i18n: skip
    "084": "Trà Vinh",  # i18n: skip
    "086": "Vĩnh Long",  # i18n: skip
    "087": "Đồng Tháp",  # i18n: skip
    "089": "An Giang",
    "091": "Kiên Giang",  # i18n: skip
    "092": "Cần Thơ",  # i18n: skip
    "093": "Hậu Giang",  # i18n: skip
    "094": "Sóc Trăng",  # i18n: skip
    "095": "Bạc Liêu",  # i18n: skip
    "096": "Cà Mau",  # i18n: skip
}

GENDERS = ("", "nam", "nu", "khac")
DELIVERY_MODES = ("counter", "post")
CHANNELS = {1: N_("trực tiếp"), 2: N_("trực tuyến"), 3: N_("qua bưu chính công ích")}
EARLIEST_BIRTH = date(1900, 1, 1)
NAME_MIN, NAME_MAX = 2, 100

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE = re.compile(r"^02\d{9}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_NAME_MARKS = frozenset(" '’-")


class DocumentLine(NamedTuple):
    """One paper of the checklist as the clerk ticked it: counts of originals and copies, received?"""

    name: str
    originals: int = 0
    certified_copies: int = 0
    copies: int = 0
    received: bool = True


@dataclass(frozen=True)
class IntakeForm:
    """Everything the reception form collects for one dossier (before validation)."""

    procedure_id: int
    full_name: str
    id_number: str = ""
    birth_date: date | None = None
    gender: str = ""  # "", "nam", "nu" or "khac"
    phone: str = ""
    email: str = ""
    address_province: str = ""
    address_commune: str = ""
    address_street: str = ""
    # The authorised person who submits on the applicant's behalf (all three or none).
    submitter_name: str = ""
    submitter_id_number: str = ""
    authorisation_note: str = ""
    # The catalogue checklist as ticked, then papers the catalogue does not list.
    documents: tuple[DocumentLine, ...] = ()
    extras: tuple[DocumentLine, ...] = ()
    sets_count: int = 1
    delivery: str = "counter"  # "counter" or "post"
    delivery_address: str = ""
    fee_collected: int | None = None  # None: the catalogue fee
    fee_reason: str = ""  # required when the fee collected differs from the catalogue fee
    channel: int = 1  # 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích (KenhThucHien)


def _money(amount: int) -> str:
    return _("{amount} đồng").format(amount=f"{amount:,}".replace(",", "."))


def normalise_id_number(text: str) -> str:
    """Drop the spaces, dots and dashes people type inside an ID number."""
    return _SEPARATORS.sub("", text)


def check_id_number(text: str) -> str | None:
    """A 12-digit CCCD/ĐDCN number starting with a province code, or a legacy 9-digit CMND."""
    number = normalise_id_number(text)
    if not number:
        return _("Hãy nhập số CCCD/định danh cá nhân")
    if not number.isdecimal() or not number.isascii():
        return _("Số CCCD/định danh cá nhân chỉ gồm chữ số")
    if len(number) == 9:
        return None
    if len(number) != 12:
        return _("Số CCCD/định danh cá nhân phải có 12 chữ số (CMND cũ: 9 chữ số); đang có {count}").format(
            count=len(number)
        )
    if number[:3] not in PROVINCE_CODES:
        return _("3 chữ số đầu của số CCCD ({number}) không phải mã tỉnh, thành phố hợp lệ").format(
            number=number[:3]
        )
    return None


def id_number_facts(number: str) -> tuple[int, str] | None:
    """(birth year, "nam"/"nu") encoded in a 12-digit number (NĐ 137/2015 Đ13), or None."""
    number = normalise_id_number(number)
    if len(number) != 12 or not number.isdecimal():
        return None
    code = int(number[3])
    return 1900 + (code // 2) * 100 + int(number[4:6]), ("nam" if code % 2 == 0 else "nu")


def check_id_matches(number: str, birth_date: date | None, gender: str) -> str | None:
    """A message when the birth year or gender encoded in a CCCD number contradicts the form."""
    facts = id_number_facts(number)
    if facts is None:
        return None
    year, coded_gender = facts
    if birth_date is not None and birth_date.year != year:
        return _("Số CCCD ứng với năm sinh {year}, khác năm sinh đã nhập ({year2}); hãy kiểm tra lại").format(
            year=year, year2=birth_date.year
        )
    if gender in ("nam", "nu") and gender != coded_gender:
        label = "nam" if coded_gender == "nam" else _("nữ")
        return _("Số CCCD ứng với giới tính {label}, khác giới tính đã chọn; hãy kiểm tra lại").format(
            label=label
        )
    return None


def normalise_phone(text: str) -> str:
    """Digits only, with +84 / 0084 turned into the domestic leading 0: "+84 912.345.678" → "0912345678"."""
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    return digits


def check_phone(text: str) -> str | None:
    """A Vietnamese mobile (10 digits, 03/05/07/08/09…) or landline (11 digits, 02…) number; empty is fine."""
    if not text.strip():
        return None
    number = normalise_phone(text)
    if not number.isdecimal() or not number.isascii():
        return _("Số điện thoại chỉ gồm chữ số (có thể có dấu cách, dấu chấm, +84)")
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return None
    if number.startswith("02"):
        return _("Số điện thoại cố định phải có 11 chữ số, bắt đầu bằng 02")
    return _("Số di động phải có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09")


def check_email(text: str) -> str | None:
    """A plausible e-mail address; empty is fine."""
    value = text.strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.match(value):
        return _("Địa chỉ thư điện tử không hợp lệ, ví dụ đúng: ten@example.vn")
    return None


def parse_dmy(text: str) -> date:
    """Parse a date written DD/MM/YYYY (also with - or ., or 8 digits DDMMYYYY); UserFacingError if wrong."""
    value = text.strip()
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif len(value) == 8 and value.isdecimal():
        day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    else:
        raise UserFacingError(
            _("Ngày “{value}” phải viết dạng ngày/tháng/năm, ví dụ 05/09/1990").format(value=value)
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise UserFacingError(_("Ngày “{value}” không có trên lịch").format(value=value)) from None


def check_birth_date(birth_date: date | None, today: date) -> str | None:
    """Not in the future and not before 1900; None (not given) is fine."""
    if birth_date is None:
        return None
    if birth_date > today:
        return _("Ngày sinh không được ở sau ngày hôm nay")
    if birth_date < EARLIEST_BIRTH:
        return _("Ngày sinh không được trước năm 1900")
    return None


def check_full_name(text: str, label: str | None = None) -> str | None:
    """Letters (Vietnamese included), spaces, apostrophes and hyphens; 2–100 characters after NFC.

    Hyphens are allowed beside the apostrophes because some Tây Nguyên names use them (Y-Ngông).
    `label` names the field in the message (translated by the caller); "Họ và tên" by default.
    """
    label = label or _("Họ và tên")
    name = nfc(text)
    if not name:
        return _("Hãy nhập {lower}").format(lower=label.lower())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return _("{label} phải dài từ {NAME_MIN} đến {NAME_MAX} ký tự").format(
            label=label, NAME_MIN=NAME_MIN, NAME_MAX=NAME_MAX
        )
    for ch in name:
        if ch in _NAME_MARKS:
            continue
        if not unicodedata.category(ch).startswith(("L", "M")):
            return _("{label} chỉ gồm chữ cái, dấu cách và dấu nháy (có ký tự “{ch}”)").format(
                label=label, ch=ch
            )
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return _("{label} phải có chữ cái").format(label=label)
    return None


def check_required(value: str | None, label: str) -> str | None:
    """ "Hãy nhập …" when the value is empty or only spaces."""
    if value is None or not value.strip():
        return _("Hãy nhập {label}").format(label=label)
    return None


def check_fee(amount: int | None) -> str | None:
    """A fee is a whole, non-negative number of đồng; None (the catalogue fee) is fine."""
    if amount is None:
        return None
    if amount < 0:
        return _("Số tiền phí, lệ phí không được âm")
    return None


def check_fee_reason(collected: int | None, catalogue_fee: int, reason: str) -> str | None:
    """A fee other than the catalogue's needs a written reason (exemption, reduction, …)."""
    if collected is None or collected == catalogue_fee:
        return None
    if not reason.strip():
        return _("Số tiền thu khác mức phí của thủ tục ({money}): hãy ghi lý do").format(
            money=_money(catalogue_fee)
        )
    return None


def _check_documents(form: IntakeForm) -> str | None:
    lines = [*form.documents, *form.extras]
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not nfc(line.name):
            problems.append(_("dòng {number} chưa có tên giấy tờ").format(number=number))
        if min(line.originals, line.certified_copies, line.copies) < 0:
            problems.append(_("dòng {number} có số lượng âm").format(number=number))
    if problems:
        return _("Danh mục giấy tờ: ") + "; ".join(problems)
    if not any(line.received for line in lines):
        return _("Hồ sơ phải có ít nhất một giấy tờ đã nhận")
    return None


def local_today() -> date:
    """Today's date in Vietnam by the system clock (the default for `validate_intake`)."""
    return utc_to_local(SystemClock().now_utc()).date()


def validate_intake(
    form: IntakeForm, *, today: date | None = None, catalogue_fee: int | None = None
) -> dict[str, str]:
    """Every problem of the form at once: {IntakeForm attribute name: Vietnamese message}.

    `today` is the local date for the birth-date check (default: the system clock); the fee-reason
    check runs when `catalogue_fee` (the procedure's fee) is given. Catalogue-dependent checks (the
    procedure exists, required papers are there) belong to `intake.register_dossier`.
    """
    today = today or local_today()
    errors: dict[str, str] = {}

    def put(field: str, message: str | None) -> None:
        if message and field not in errors:
            errors[field] = message

    if form.procedure_id <= 0:
        put("procedure_id", _("Hãy chọn thủ tục hành chính"))
    put("full_name", check_full_name(form.full_name))
    put("id_number", check_id_number(form.id_number))
    put("id_number", check_id_matches(form.id_number, form.birth_date, form.gender))
    put("birth_date", check_birth_date(form.birth_date, today))
    if form.gender not in GENDERS:
        put("gender", _("Giới tính phải là nam, nữ hoặc khác"))
    put("phone", check_phone(form.phone))
    put("email", check_email(form.email))
    if form.submitter_name.strip() or form.submitter_id_number.strip() or form.authorisation_note.strip():
        put("submitter_name", check_full_name(form.submitter_name, _("Họ và tên người nộp thay")))
        put("submitter_id_number", check_id_number(form.submitter_id_number))
        put(
            "authorisation_note",
            check_required(form.authorisation_note, _("giấy tờ ủy quyền của người nộp thay")),
        )
    put("documents", _check_documents(form))
    if form.sets_count < 1:
        put("sets_count", _("Số bộ hồ sơ phải từ 1 trở lên"))
    if form.delivery not in DELIVERY_MODES:
        put("delivery", _("Hình thức nhận kết quả phải là tại quầy hoặc qua bưu điện"))
    elif form.delivery == "post":
        put("delivery_address", check_required(form.delivery_address, _("địa chỉ nhận kết quả qua bưu điện")))
    put("fee_collected", check_fee(form.fee_collected))
    if catalogue_fee is not None and "fee_collected" not in errors:
        put("fee_reason", check_fee_reason(form.fee_collected, catalogue_fee, form.fee_reason))
    if form.channel not in CHANNELS:
        put("channel", _("Kênh tiếp nhận phải là trực tiếp, trực tuyến hoặc bưu chính công ích"))
    return errors


def birth_date_from_text(text: str) -> date | None:
    """Empty → None; otherwise `parse_dmy` (for form fields where the date is optional)."""
    return parse_dmy(text) if text.strip() else None
