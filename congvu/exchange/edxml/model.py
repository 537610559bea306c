"""The edXML package (QCVN 102:2016) as frozen dataclasses: what the parser returns and the builder takes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

NS_QCVN = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NS_VNPT_OLD = "http://www.e-doc.vn/Schema/"
NAMESPACES = (NS_QCVN, NS_VNPT_OLD)

BUSINESS_NEW, BUSINESS_RECALL, BUSINESS_UPDATE, BUSINESS_REPLACE = 0, 1, 2, 3
BUSINESS_TYPES = {0: "new", 1: "recall", 2: "update", 3: "replace"}

STATUS_CODES = {
    "01": "Đã đến",
    "02": "Từ chối",
    "03": "Đã tiếp nhận (vào sổ văn bản đến)",
    "04": "Đã phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Đề nghị lấy lại văn bản",
    "15": "Đồng ý cập nhật/lấy lại",
    "16": "Từ chối cập nhật/lấy lại",
}


class EdxmlError(ValueError):
    """The file is not an edXML package we accept (message in Vietnamese)."""

    def __init__(self, message: str, warnings: tuple[Finding, ...] = ()):
        super().__init__(message)
        self.message = message
        self.warnings = warnings


@dataclass(frozen=True)
class Finding:
    """One irregularity accepted in lenient mode (rejected in strict mode)."""

    code: str
    message: str


@dataclass(frozen=True)
class Organ:
    organ_id: str = ""
    name: str = ""
    organization_in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Signer:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    priority: int | None = None
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    organ_id: str = ""
    code: str = ""
    promulgation_date: dt.date | None = None
    document_id: str = ""


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str = ""
    timestamp: dt.datetime | None = None


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: int | None = None


@dataclass(frozen=True)
class Replacement:
    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    doc_type: int = BUSINESS_NEW
    reason: str = ""
    document_id: str = ""
    paper: int | None = None
    staff: StaffInfo | None = None
    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class Status:
    code: str
    description: str = ""
    timestamp: dt.datetime | None = None


@dataclass(frozen=True)
class Attachment:
    """A file as delivered: `size`/`sha256` are of the decoded bytes (the zip when the sender zipped it).

    `path` is the decoded file on disk (parser) or the file to encode (builder); None when the content
    could not be decoded (lenient mode) or was discarded.
    """

    content_id: str
    name: str
    content_type: str = ""
    description: str = ""
    size: int | None = None
    sha256: str | None = None
    zipped: bool = False
    path: Path | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Package:
    kind: str  # "document" | "status"
    sender: Organ
    recipients: tuple[Organ, ...] = ()
    namespace: str = NS_QCVN
    document_id: str = ""
    number: str = ""
    notation: str = ""
    place: str = ""
    date: dt.date | None = None
    type_code: str = ""
    type_detail: str = ""
    type_name: str = ""
    subject: str = ""
    content: str = ""
    signer: Signer = Signer()
    due_date: dt.date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    traces: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    status: Status | None = None
    staff: StaffInfo | None = None
    attachments: tuple[Attachment, ...] = ()
    signed: bool = False
    warnings: tuple[Finding, ...] = field(default=(), compare=False)

    @property
    def priority(self) -> int | None:
        return self.other_info.priority
