"""/api/v1/documents/{id}/signatures: the digital signatures of a document's files, and checking them again.

Mounted by congvu/api/api.py. Thin: reads through
signing.selectors (visibility from documents.selectors), writes through signing.services.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from congvu.api.schemas import ERRORS, MAX_ID
from congvu.documents.selectors import document_get
from congvu.signing.selectors import document_signature_checks
from congvu.signing.services import document_signatures_check

router = Router(tags=["Chữ ký số"])


class SignatureOut(Schema):
    field_name: str
    status: str = Field(description="valid | invalid | unknown_signer")
    signer_name: str
    organisation: str
    signing_time: str | None
    covers_whole_file: bool
    intact: bool
    chain_ok: bool
    message_vi: str


class SignatureCheckOut(Schema):
    label: str = Field(description="valid | invalid | none")
    label_text: str = Field(description="ký số hợp lệ / không hợp lệ / không có chữ ký")
    signer_name: str
    organisation: str
    signing_time: dt.datetime | None
    checked_at: dt.datetime
    signatures: list[SignatureOut]


class FileSignaturesOut(Schema):
    attachment_id: int
    original_name: str
    sha256: str
    check: SignatureCheckOut | None = Field(description="Lần kiểm tra gần nhất; null nếu chưa kiểm tra.")


def _actor(request):
    return request.auth if getattr(request, "auth", None) is not None else request.user


def _rows(user, document_id: int) -> list[FileSignaturesOut]:
    out = []
    for attachment, check in document_signature_checks(user=user, document_id=document_id):
        out.append(FileSignaturesOut(
            attachment_id=attachment.pk, original_name=attachment.original_name, sha256=attachment.file.sha256,
            check=None if check is None else SignatureCheckOut(
                label=check.label, label_text=check.get_label_display(), signer_name=check.signer_name,
                organisation=check.organisation, signing_time=check.signing_time, checked_at=check.checked_at,
                signatures=[SignatureOut(**r) for r in check.reports],
            ),
        ))
    return out


DocumentId = Path(..., ge=1, le=MAX_ID, description="Id của văn bản.")


@router.get("/documents/{document_id}/signatures", response={200: list[FileSignaturesOut], **ERRORS},
            summary="Chữ ký số của các tệp văn bản",
            description="Kết quả kiểm tra chữ ký số gần nhất của từng tệp đính kèm.")
def signatures_list(request: HttpRequest, document_id: int = DocumentId):
    return _rows(_actor(request), document_id)


@router.post("/documents/{document_id}/signatures/check", response={200: list[FileSignaturesOut], **ERRORS},
             summary="Kiểm tra lại chữ ký số",
             description="Kiểm tra tính toàn vẹn, phạm vi ký, chuỗi chứng thư theo các chứng thư gốc tin cậy và "
                         "thời điểm ký của mọi tệp đính kèm, lưu và trả về kết quả.")
def signatures_check(request: HttpRequest, document_id: int = DocumentId):
    user = _actor(request)
    doc = document_get(user=user, pk=document_id)
    document_signatures_check(actor=user, document=doc)
    return _rows(user, document_id)
