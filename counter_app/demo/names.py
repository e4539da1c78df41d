"""Vietnamese name, ID-number, phone and address generators for demo data (weighted like real life)."""

from __future__ import annotations

import random
from datetime import date

# Family names with their approximate share of the population (sums to ~1.0 with "other").
FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 0.38),
    ("Trần", 0.11),
    ("Lê", 0.095),
    ("Phạm", 0.07),
    ("Hoàng", 0.03),
    ("Huỳnh", 0.021),
    ("Phan", 0.045),
    ("Vũ", 0.025),
    ("Võ", 0.014),
    ("Đặng", 0.021),
    ("Bùi", 0.02),
    ("Đỗ", 0.014),
    ("Hồ", 0.013),
    ("Ngô", 0.013),
    ("Dương", 0.01),
    ("Lý", 0.005),
    ("Đinh", 0.006),
    ("Trịnh", 0.005),
    ("Lương", 0.004),
    ("Mai", 0.004),
)
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Xuân", "Thành", "Ngọc", "Đình", "Quốc", "Anh")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Minh", "Hồng", "Phương", "Thúy", "Bảo")
GIVEN_MALE = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Kiên",
    "Long",
    "Lộc",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phúc",
    "Phong",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Tiến",
    "Toàn",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Ỷ",
    "Đạt",
    "Ẩn",
    "Lợi",
)
GIVEN_FEMALE = (
    "Anh",
    "Ánh",
    "Châu",
    "Dung",
    "Diệp",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thơ",
    "Thu",
    "Thủy",
    "Trang",
    "Uyên",
    "Vân",
    "Yến",
    "Ấu",
)
# CCCD province codes (first three digits) with their province names after the 2025 merger.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("001", "Thành phố Hà Nội"),
    ("008", "Tỉnh Tuyên Quang"),
    ("019", "Tỉnh Thái Nguyên"),
    ("022", "Tỉnh Quảng Ninh"),
    ("031", "Thành phố Hải Phòng"),
    ("037", "Tỉnh Ninh Bình"),
    ("038", "Tỉnh Thanh Hóa"),
    ("040", "Tỉnh Nghệ An"),
    ("046", "Thành phố Huế"),
    ("048", "Thành phố Đà Nẵng"),
    ("066", "Tỉnh Đắk Lắk"),
    ("079", "Thành phố Hồ Chí Minh"),
    ("092", "Thành phố Cần Thơ"),
    ("096", "Tỉnh Cà Mau"),
)
PHONE_PREFIXES = (
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "070",
    "076",
    "077",
    "078",
    "079",
    "081",
    "082",
    "083",
    "084",
    "085",
    "086",
    "088",
    "089",
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
)
HAMLETS = (
    "Thôn Đông",
    "Thôn Đoài",
    "Thôn Thượng",
    "Thôn Hạ",
    "Tổ dân phố Ỷ La",
    "Tổ dân phố Tân Hà",
    "Thôn Phú Lâm",
    "Tổ dân phố 7",
    "Thôn Bình Ca",
    "Thôn Lũng Cú",
)


class PersonGenerator:
    """Deterministic generator of plausible applicants for one seed."""

    def __init__(self, rng: random.Random, home_province: tuple[str, str], commune: str) -> None:
        self._rng = rng
        self._family = [name for name, _ in FAMILY_NAMES]
        self._weights = [weight for _, weight in FAMILY_NAMES]
        self._home = home_province
        self._commune = commune

    def person(self, today: date) -> dict[str, object]:
        """One applicant as column values (names in NFC, as the intake form stores them)."""
        rng = self._rng
        male = rng.random() < 0.48
        family = rng.choices(self._family, self._weights)[0]
        middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
        given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
        full_name = f"{family} {middle} {given}"
        age_days = rng.randint(18 * 365, 85 * 365)
        birth = date.fromordinal(today.toordinal() - age_days)
        province = self._home if rng.random() < 0.85 else rng.choice(PROVINCES)
        century_gender = (0 if male else 1) + (2 if birth.year >= 2000 else 0)
        id_number = f"{province[0]}{century_gender}{birth.year % 100:02d}{rng.randint(0, 999_999):06d}"
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"
        return {
            "full_name": full_name,
            "birth_date": birth.isoformat(),
            "gender": "nam" if male else "nu",
            "id_number": id_number,
            "phone": phone,
            "address_province": self._home[1],
            "address_commune": self._commune,
            "address_street": f"{rng.randint(1, 200)} {rng.choice(HAMLETS)}",
        }
