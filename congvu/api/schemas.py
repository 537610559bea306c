"""Request and response shapes of the JSON API. Field descriptions show up in /api/v1/openapi.json."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from congvu.documents.models import Channel, Direction, DocumentStatus, Secrecy, Urgency

# Ids are database keys (64-bit); anything outside that range cannot exist and is refused by the schema.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _codes(choices) -> type:
    """A Literal of a TextChoices' codes, so OpenAPI lists them and pydantic checks them."""
    return Literal[tuple(choices.values)]  # type: ignore[return-value]


DirectionCode = _codes(Direction)
UrgencyCode = _codes(Urgency)
SecrecyCode = _codes(Secrecy)
ChannelCode = _codes(Channel)
StatusCode = _codes(DocumentStatus)

DATE_HELP = "Ngày dạng yyyy-mm-dd (cũng nhận dd/mm/yyyy)."


class StrictIn(Schema):
    # Unknown fields are errors, so a misspelt field name is reported instead of silently ignored.
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------------

class DocumentRef(Schema):
    id: int
    number_notation: str = Field(description="Số, ký hiệu, ví dụ “125/QĐ-UBND”.")
    issuer: str
    issued_date: dt.date | None
    register_number: int
    subject: str


class ErrorOut(Schema):
    code: str = Field(description="Mã lỗi cho máy đọc, ví dụ validation_failed, forbidden, not_found.")
    message: str = Field(description="Thông báo tiếng Việt cho người dùng.")
    fields: dict[str, str] = Field(description="Lỗi theo từng trường: tên trường → thông báo.")
    documents: list[DocumentRef] | None = Field(
        None, description="Chỉ có khi code = duplicate_suspected: các văn bản đã vào sổ trùng thông tin.")


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
CREATE_ERRORS = ERRORS | {409: ErrorOut, 413: ErrorOut, 415: ErrorOut}


# --- documents ---------------------------------------------------------------------------------

class AgencyRef(Schema):
    id: int
    name: str


class RegisterRef(Schema):
    id: int
    name: str
    year: int


class DocumentTypeRef(Schema):
    code: str
    name: str
    abbreviation: str


class DocumentListItem(Schema):
    id: int
    direction: DirectionCode = Field(description="in: văn bản đến; out: văn bản đi.")
    agency: AgencyRef
    # "register" would shadow a method of the schema class, so the attribute has another name.
    register_ref: RegisterRef = Field(serialization_alias="register", description="Sổ văn bản.")
    register_number: int = Field(description="Số đến (văn bản đến) hoặc số của văn bản (văn bản đi).")
    registered_at: dt.datetime
    number: str
    notation: str
    number_notation: str
    doc_type: DocumentTypeRef
    issuer: str = Field(description="Cơ quan ban hành.")
    issued_date: dt.date | None
    subject: str = Field(description="Trích yếu.")
    urgency: UrgencyCode = Field(description="Độ khẩn.")
    secrecy: SecrecyCode = Field(description="Độ mật.")
    due_date: dt.date | None = Field(description="Hạn xử lý.")
    status: StatusCode


class RecipientOut(Schema):
    agency_id: int | None
    name: str


class AttachmentOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int = Field(description="Kích thước (byte).")
    sha256: str
    content_url: str = Field(description="Đường dẫn tải tệp.")


class DocumentOut(DocumentListItem):
    signer: str
    signer_title: str
    pages: int | None
    channel: ChannelCode = Field(description="Hình thức nhận: giấy, điện tử, thư điện tử, fax.")
    receiving_department_id: int | None
    receiving_official_id: int | None
    drafting_department_id: int | None
    dispatched_on: dt.date | None = Field(description="Ngày chuyển (văn bản đi).")
    copies: int | None = Field(description="Số lượng bản (văn bản đi).")
    notes: str
    recipients: list[RecipientOut] = Field(description="Nơi nhận (văn bản đi).")
    attachments: list[AttachmentOut]


class DocumentPage(Schema):
    items: list[DocumentListItem]
    next_after: int | None = Field(description="Truyền vào tham số after để lấy trang tiếp theo; null là hết.")
    prev_before: int | None


class IncomingIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan vào sổ (id); bỏ trống khi bạn chỉ là văn thư của "
                                                "một cơ quan.")
    issuer: str = Field(description="Cơ quan ban hành.")
    number: str = Field("", description="Số của văn bản, ví dụ “125”.")
    notation: str = Field("", description="Ký hiệu, ví dụ “QĐ-UBND”.")
    issued_date: str | None = Field(None, description="Ngày ban hành. " + DATE_HELP)
    doc_type: str = Field(description="Mã loại văn bản (xem /document-types), ví dụ quyet_dinh.")
    subject: str = Field(description="Trích yếu.")
    signer: str = ""
    signer_title: str = ""
    urgency: UrgencyCode = Urgency.NORMAL.value
    secrecy: SecrecyCode = Secrecy.NORMAL.value
    pages: int | None = Field(None, description="Số trang.")
    due_date: str | None = Field(None, description="Hạn xử lý. " + DATE_HELP)
    channel: ChannelCode = Channel.PAPER.value
    received_at: dt.datetime | None = Field(None, description="Thời gian đến; mặc định là bây giờ.")
    receiving_department_id: Id | None = Field(None, description="Đơn vị nhận.")
    receiving_official_id: Id | None = Field(None, description="Người nhận.")
    notes: str = ""
    access_official_ids: list[Id] = Field(default_factory=list, max_length=500,
                                          description="Người được xem văn bản mật.")
    allow_duplicate: bool = Field(False, description="Vẫn vào sổ khi đã có văn bản trùng cơ quan ban hành, "
                                                     "số, ký hiệu và ngày.")
    intake_files: list[Id] = Field(default_factory=list, max_length=20,
                                   description="Id của tệp đã tải lên qua POST /intake/files: được đính kèm mà "
                                               "không gửi lại tệp; sửa đổi so với dữ liệu đọc được được ghi lại.")


class OutgoingIn(StrictIn):
    agency: Id | None = Field(None, description="Cơ quan cấp số (id); bỏ trống khi bạn chỉ là văn thư của "
                                                "một cơ quan.")
    doc_type: str = Field(description="Mã loại văn bản, ví dụ quyet_dinh, cong_van.")
    subject: str = Field(description="Trích yếu.")
    signer: str = Field(description="Người ký.")
    signer_title: str = ""
    issued_date: str | None = Field(None, description="Ngày ban hành; mặc định hôm nay. " + DATE_HELP)
    urgency: UrgencyCode = Urgency.NORMAL.value
    secrecy: SecrecyCode = Secrecy.NORMAL.value
    pages: int | None = None
    due_date: str | None = Field(None, description=DATE_HELP)
    drafting_department_id: Id | None = Field(None, description="Đơn vị soạn thảo (bắt buộc với Công văn).")
    recipient_agency_ids: list[Id] = Field(default_factory=list, max_length=500,
                                           description="Nơi nhận trong hệ thống (id cơ quan).")
    recipient_names: list[str] = Field(default_factory=list, max_length=500,
                                       description="Nơi nhận bên ngoài, ghi bằng chữ.")
    intake_files: list[Id] = Field(default_factory=list, max_length=20,
                                   description="Id của tệp đã tải lên qua POST /intake/files: được đính kèm mà "
                                               "không gửi lại tệp; sửa đổi so với dữ liệu đọc được được ghi lại.")
    dispatched_on: str | None = Field(None, description="Ngày chuyển. " + DATE_HELP)
    copies: int | None = Field(None, description="Số lượng bản.")
    notes: str = ""
    access_official_ids: list[Id] = Field(default_factory=list, max_length=500,
                                          description="Người được xem văn bản mật.")


class DocumentPatchIn(StrictIn):
    """Only the fields sent are changed; numbers, dates of issue and registers never change."""

    subject: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    urgency: UrgencyCode | None = None
    pages: int | None = None
    due_date: str | None = Field(None, description=DATE_HELP)
    notes: str | None = None
    receiving_department_id: Id | None = None
    receiving_official_id: Id | None = None
    dispatched_on: str | None = Field(None, description=DATE_HELP)
    copies: int | None = None


# --- reference data ----------------------------------------------------------------------------

class RegisterOut(Schema):
    id: int
    agency: AgencyRef
    year: int
    direction: DirectionCode
    scope: str = Field(description="general: sổ chung; per_type: sổ riêng của một loại; secret: sổ mật.")
    doc_type_code: str
    name: str
    next_number: int = Field(description="Số sẽ cấp cho văn bản tiếp theo.")
    closed: bool


class DocumentTypeOut(Schema):
    code: str
    name: str
    abbreviation: str
    valid_from: dt.date
    valid_to: dt.date | None
    legal_basis: str


class MembershipOut(Schema):
    agency: AgencyRef
    roles: list[str] = Field(description="clerk, leader, officer, onestop, agency_admin.")
    can_register: bool = Field(description="Được vào sổ văn bản đến và cấp số văn bản đi.")


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    agencies: list[MembershipOut]
