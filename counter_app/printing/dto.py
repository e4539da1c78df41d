"""Frozen inputs of the printed forms (Mẫu 01, 02, 03): plain values, no database objects."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AgencyHeader:
    """Who issues the form, in natural case; the header upper-cases the names itself.

    parent_name: the body above the counter ("UBND xã Ỷ La").
    agency_name: the receiving body ("Bộ phận Tiếp nhận và Trả kết quả").
    place_name: the địa danh of the date line ("Ỷ La").
    """

    parent_name: str
    agency_name: str
    place_name: str

    @property
    def receiving_body(self) -> str:
        """How the body names itself in the text: "Bộ phận Tiếp nhận và Trả kết quả, UBND xã Ỷ La".

        The parent is left out when the agency's name already says where it is
        ("Trung tâm Phục vụ hành chính công xã Ỷ La" under "UBND xã Ỷ La").
        """
        parent = unicodedata.normalize("NFC", self.parent_name).strip()
        place = parent.removeprefix("UBND ").removeprefix("Ủy ban nhân dân ").strip()
        if not parent or place.casefold() in unicodedata.normalize("NFC", self.agency_name).casefold():
            return self.agency_name
        return f"{self.agency_name}, {parent}"


@dataclass(frozen=True, slots=True)
class DocumentLine:
    """One row of the "Thành phần hồ sơ" table: a paper and how many of each kind of copy."""

    name: str
    originals: int = 0
    certified_copies: int = 0
    copies: int = 0


@dataclass(frozen=True, slots=True)
class ReceiptData:
    """Mẫu 01, GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ. Datetimes are naive local time."""

    header: AgencyHeader
    code: str
    applicant_name: str
    applicant_title: str  # "Ông", "Bà" or "" (an organisation)
    owner_name: str | None  # chủ hồ sơ, when the submitter acts under an authorisation
    address: str
    phone: str
    email: str
    id_number: str
    procedure_name: str
    documents: tuple[DocumentLine, ...]
    sets_count: int
    statutory_time_text: str  # "05 ngày làm việc"
    received_at: datetime
    appointment_at: datetime
    delivery_text: str  # "Bộ phận Một cửa" or "… qua dịch vụ bưu chính công ích"
    fee_text: str  # "Thu trước: 8.000 đ"; "" prints no fee line
    tracking_book_volume: int | None
    tracking_book_number: int | None
    clerk_name: str
    status_url: str  # the QR target, a full URL
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class SupplementData:
    """Mẫu 02, PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ: every missing paper at once."""

    header: AgencyHeader
    number: str | None  # "Số: <number>/HDHS"; None leaves "Số: …/HDHS" to fill by hand
    applicant_name: str
    applicant_title: str
    address: str
    phone: str
    email: str
    procedure_name: str
    missing_documents: tuple[DocumentLine, ...]
    reason: str
    help_text: str  # where to look the procedure up, which officer and phone to call
    guide_officer_name: str
    issued_at: datetime
    code: str | None = None  # a saved dossier's code (supplement asked during processing), with its barcode


@dataclass(frozen=True, slots=True)
class RefusalData:
    """Mẫu 03, PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ."""

    header: AgencyHeader
    applicant_name: str
    applicant_title: str
    address: str
    phone: str
    email: str
    procedure_name: str
    reason: str
    help_text: str
    clerk_name: str
    issued_at: datetime
    code: str | None = None  # a saved dossier refused after intake (status 3), printed with its barcode


@dataclass(frozen=True, slots=True)
class HandoverRow:
    """One hand-over on the Phiếu kiểm soát; empty strings print as blanks to fill by hand."""

    giver: str  # "Bộ phận TN&TKQ"
    receiver: str  # the department receiving the dossier, often unknown at print time
    at: datetime | None  # when it was handed over; None prints "… giờ … phút, ngày … tháng … năm …"
    giver_name: str = ""
    receiver_name: str = ""
    result: str = ""  # Trước hạn / Đúng hạn / Quá hạn, written by the receiving side
    note: str = ""


@dataclass(frozen=True, slots=True)
class ControlSlipData:
    """Mẫu 05 (TT 01/2018), PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ. Datetimes are naive local time."""

    header: AgencyHeader
    code: str
    applicant_name: str
    applicant_title: str
    phone: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime | None
    processing_body: str  # "Cơ quan (bộ phận) giải quyết hồ sơ"; "" leaves a blank
    handovers: tuple[HandoverRow, ...]  # filled rows, from the dossier's timeline
    blank_rows: int  # further rows for the departments to fill by hand
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class ApologyData:
    """Mẫu 04, PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ. Datetimes are naive local time."""

    header: AgencyHeader
    number: str | None  # "Số: <number>/PXL"; None leaves "Số: …/PXL"
    code: str
    applicant_name: str
    applicant_title: str
    address: str
    phone: str
    procedure_name: str
    received_at: datetime
    previous_appointment: datetime
    new_appointment: datetime
    reason: str
    signer_role: str  # "Chủ tịch", "Giám đốc", or "KT. Chủ tịch<br/>Phó Chủ tịch" style text
    signer_name: str
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class StopNoticeData:
    """Mẫu 05 (TT 03/2025), THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ. Datetimes are naive local time.

    The official field list is not confirmed (domain §2.6); the notice records what the text says it
    must: the request or decision to stop, the stage the dossier had reached, the reason, and the fee
    paid (the amount refunded is left blank to fill by hand).
    """

    header: AgencyHeader
    number: str | None  # "Số: <number>/TB"; None leaves "Số: …/TB"
    code: str
    applicant_name: str
    applicant_title: str
    address: str
    phone: str
    procedure_name: str
    received_at: datetime
    appointment_at: datetime | None
    stage: str  # the status the dossier was in when it stopped: "Đang xử lý"
    stopped_at: datetime
    on_request: bool  # True: the applicant asked to withdraw it; False: a decision to stop processing
    reason: str
    fee_paid: int  # phí, lệ phí collected (đồng); 0 prints no fee line
    signer_role: str
    signer_name: str
    issued_at: datetime
