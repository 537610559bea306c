"""Builder of edXML document and status packages, element names and order as the VNPT EdXML102 samples.

The package is written to a binary stream; attachments are read and base64-encoded chunk by chunk,
so a large file never sits in memory. The returned `Package` has each attachment's size and sha256.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from .model import NS_QCVN, STATUS_CODES, Attachment, Business, EdxmlError, Organ, Package, StaffInfo

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_READ = 57 * 1024  # a multiple of 3: every chunk encodes without padding


def _date(value: dt.date | None) -> str:
    return value.strftime("%Y/%m/%d") if value else ""


def _timestamp(value: dt.datetime | None) -> str:
    return value.strftime("%Y/%m/%d %H:%M:%S") if value else ""


def document_id_for(organ_id: str, date: dt.date, number: str, notation: str) -> str:
    """QCVN 102 DocumentId: `<OrganId>,<yyyy/MM/dd>,<number>/<notation>`."""
    code = f"{number}/{notation}" if notation else number
    return f"{organ_id},{_date(date)},{code}"


class _Writer:
    def __init__(self, out: BinaryIO):
        self.out = out
        self.depth = 0

    def raw(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))

    def open(self, name: str, attrs: str = "") -> None:
        self.raw(f"{'  ' * self.depth}<edXML:{name}{attrs}>\n")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.raw(f"{'  ' * self.depth}</edXML:{name}>\n")

    def leaf(self, name: str, value, *, always: bool = False) -> None:
        if value is None or value == "" or value == ():
            if always:
                self.raw(f"{'  ' * self.depth}<edXML:{name} />\n")
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        text = escape(_ILLEGAL.sub("", str(value)))
        self.raw(f"{'  ' * self.depth}<edXML:{name}>{text}</edXML:{name}>\n")


def _organ(w: _Writer, tag: str, organ: Organ) -> None:
    w.open(tag)
    w.leaf("OrganId", organ.organ_id, always=True)
    w.leaf("OrganizationInCharge", organ.organization_in_charge)
    w.leaf("OrganName", organ.name, always=True)
    w.leaf("OrganAdd", organ.address)
    w.leaf("Email", organ.email)
    w.leaf("Telephone", organ.telephone)
    w.leaf("Fax", organ.fax)
    w.leaf("Website", organ.website)
    w.close(tag)


def _staff(w: _Writer, staff: StaffInfo | None) -> None:
    if staff is None:
        return
    w.open("StaffInfo")
    w.leaf("Department", staff.department)
    w.leaf("Staff", staff.staff)
    w.leaf("Email", staff.email)
    w.leaf("Mobile", staff.mobile)
    w.close("StaffInfo")


def _response_for(w: _Writer, package: Package) -> None:
    for item in package.response_for:
        w.open("ResponseFor")
        w.leaf("OrganId", item.organ_id)
        w.leaf("Code", item.code)
        w.leaf("DocumentId", item.document_id)
        w.leaf("PromulgationDate", _date(item.promulgation_date))
        w.close("ResponseFor")


def _business(w: _Writer, b: Business) -> None:
    w.open("Bussiness")
    w.leaf("DocumentId", b.document_id)
    w.leaf("BussinessDocType", b.doc_type, always=True)
    w.leaf("BussinessDocReason", b.reason)
    w.leaf("Paper", b.paper)
    if b.receivers or b.document_info or b.document_receiver:
        w.open("BussinessDocumentInfo")
        w.leaf("DocumentInfo", b.document_info)
        w.leaf("DocumentReceiver", b.document_receiver)
        if b.receivers:
            w.open("ReceiverList")
            for r in b.receivers:
                w.open("Receiver")
                w.leaf("OrganId", r.organ_id)
                w.leaf("ReceiverType", r.receiver_type)
                w.close("Receiver")
            w.close("ReceiverList")
        w.close("BussinessDocumentInfo")
    if b.replacements:
        w.open("ReplacementInfoList")
        for r in b.replacements:
            w.open("ReplacementInfo")
            w.leaf("DocumentId", r.document_id)
            w.open("OrganIdList")
            for organ_id in r.organ_ids:
                w.leaf("OrganId", organ_id)
            w.close("OrganIdList")
            w.close("ReplacementInfo")
        w.close("ReplacementInfoList")
    _staff(w, b.staff)
    w.close("Bussiness")


def _default_open(attachment: Attachment) -> BinaryIO:
    if attachment.path is None:
        raise EdxmlError(f"Tệp đính kèm '{attachment.name}' không có nội dung để đóng gói.")
    return open(attachment.path, "rb")  # noqa: SIM115


def build_package(
    package: Package, out: BinaryIO, *, open_attachment: Callable[[Attachment], BinaryIO] = _default_open
) -> Package:
    """Write `package` (kind "document" or "status") as edXML to `out`; return it with attachment digests."""
    if package.kind not in ("document", "status"):
        raise EdxmlError(f"Loại gói '{package.kind}' không hợp lệ (document hoặc status).")
    w = _Writer(out)
    w.raw('<?xml version="1.0" encoding="UTF-8"?>\n')
    w.raw(f'<edXML xmlns="{NS_QCVN}">\n')
    w.depth = 1
    w.open("edXMLEnvelope", f' xmlns:edXML="{NS_QCVN}"')
    w.open("edXMLHeader")
    w.open("MessageHeader")
    _organ(w, "From", package.sender)
    if package.kind == "status":
        status = package.status
        if status is None or status.code not in STATUS_CODES:
            raise EdxmlError("Gói trạng thái cần mã trạng thái thuộc 01–06, 13, 15, 16.")
        _response_for(w, package)
        _staff(w, package.staff)
        w.leaf("StatusCode", status.code, always=True)
        w.leaf("Description", status.description)
        w.leaf("Timestamp", _timestamp(status.timestamp))
        w.close("MessageHeader")
        w.close("edXMLHeader")
        w.close("edXMLEnvelope")
        w.raw("</edXML>\n")
        return package
    for organ in package.recipients:
        _organ(w, "To", organ)
    w.leaf("DocumentId", package.document_id)
    w.open("Code")
    w.leaf("CodeNumber", package.number)
    w.leaf("CodeNotation", package.notation)
    w.close("Code")
    w.open("PromulgationInfo")
    w.leaf("Place", package.place)
    w.leaf("PromulgationDate", _date(package.date))
    w.close("PromulgationInfo")
    w.open("DocumentType")
    w.leaf("Type", package.type_code)
    w.leaf("TypeDetail", package.type_detail)
    w.leaf("TypeName", package.type_name)
    w.close("DocumentType")
    w.leaf("Subject", package.subject)
    w.leaf("Content", package.content)
    w.open("SignerInfo")
    w.leaf("Competence", package.signer.competence)
    w.leaf("Position", package.signer.position)
    w.leaf("FullName", package.signer.full_name)
    w.close("SignerInfo")
    w.leaf("DueDate", _date(package.due_date))
    o = package.other_info
    w.open("OtherInfo")
    w.leaf("Priority", o.priority)
    w.leaf("SphereOfPromulgation", o.sphere_of_promulgation)
    w.leaf("TyperNotation", o.typer_notation)
    w.leaf("PromulgationAmount", o.promulgation_amount)
    w.leaf("PageAmount", o.page_amount)
    w.leaf("Direction", o.direction)
    if o.appendixes:
        w.open("Appendixes")
        for appendix in o.appendixes:
            w.leaf("Appendix", appendix)
        w.close("Appendixes")
    w.close("OtherInfo")
    _response_for(w, package)
    w.leaf("SteeringType", package.steering_type)
    if package.to_places:
        w.open("ToPlaces")
        for place in package.to_places:
            w.leaf("Place", place)
        w.close("ToPlaces")
    w.close("MessageHeader")
    w.open("TraceHeaderList")
    for trace in package.traces:
        w.open("TraceHeader")
        w.leaf("OrganId", trace.organ_id)
        w.leaf("Timestamp", _timestamp(trace.timestamp))
        w.close("TraceHeader")
    if package.business is not None:
        _business(w, package.business)
    w.close("TraceHeaderList")
    w.close("edXMLHeader")
    w.open("edXMLBody")
    w.open("edXMLManifest", ' version="1.0"')
    for a in package.attachments:
        w.open("Reference")
        w.leaf("ContentId", a.content_id)
        w.leaf("ContentType", a.content_type)
        w.leaf("Description", a.description)
        w.leaf("AttachmentName", a.name)
        w.close("Reference")
    w.close("edXMLManifest")
    w.close("edXMLBody")
    w.close("edXMLEnvelope")
    done = []
    if package.attachments:
        w.raw("  <AttachmentEncoded>\n")
        for a in package.attachments:
            w.raw("    <Attachment>\n")
            for tag, value in (
                ("ContentId", a.content_id),
                ("AttachmentName", a.name),
                ("Description", a.description),
                ("ContentType", a.content_type),
            ):
                if value:
                    w.raw(f"      <{tag}>{escape(_ILLEGAL.sub('', value))}</{tag}>\n")
            w.raw(f"      <edXML:ContentTransferEncoded xmlns:edXML={quoteattr(NS_QCVN)}>")
            sha, size = hashlib.sha256(), 0
            with open_attachment(a) as source:
                head = b""
                while chunk := source.read(_READ):
                    if len(head) < 4:
                        head += chunk[:4]
                    sha.update(chunk)
                    size += len(chunk)
                    out.write(base64.b64encode(chunk))
            w.raw("</edXML:ContentTransferEncoded>\n    </Attachment>\n")
            done.append(dataclasses.replace(a, size=size, sha256=sha.hexdigest(), zipped=head[:4] == b"PK\x03\x04"))
        w.raw("  </AttachmentEncoded>\n")
    w.raw("</edXML>\n")
    return dataclasses.replace(package, attachments=tuple(done))
