"""Safe, streaming parser of edXML packages (QCVN 102:2016 and the older VNPT namespace).

Expat with every DTD feature refused (no DOCTYPE, no entity declaration, no external entity: the
parser never opens a file or the network), bounded element count/depth/text, and the base64 of each
attachment decoded chunk by chunk into a temporary file with its sha256 computed on the way, so memory
stays bounded whatever the attachment size.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from .model import (
    NAMESPACES,
    NS_QCVN,
    STATUS_CODES,
    Attachment,
    Business,
    EdxmlError,
    Finding,
    Organ,
    OtherInfo,
    Package,
    Receiver,
    Replacement,
    ResponseFor,
    Signer,
    StaffInfo,
    Status,
    TraceHeader,
)

MAX_PACKAGE_BYTES = 200 * 1024 * 1024  # base64 inflates by 4/3: attachments up to about 150 MB
MAX_ELEMENTS = 20_000
MAX_DEPTH = 40
MAX_TEXT = 1024 * 1024
MAX_ATTACHMENTS = 200
CHUNK = 256 * 1024

ORGAN_ID_RE = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}$")
DOCUMENT_ID_RE = re.compile(r"^(?P<organ>[^,]+),(?P<date>\d{4}/\d{2}/\d{2}),(?P<code>.+)$")


@dataclass
class _Node:
    local: str
    ns: str
    children: list[_Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def value(self) -> str:
        return "".join(self.text).strip()

    def child(self, local: str) -> _Node | None:
        return next((c for c in self.children if c.local == local), None)

    def all(self, local: str) -> list[_Node]:
        return [c for c in self.children if c.local == local]

    def get(self, local: str) -> str:
        node = self.child(local)
        return node.value() if node is not None else ""


class _NullFile:
    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


class _Base64Sink:
    """Decodes base64 text pieces into a file, hashing the decoded bytes."""

    def __init__(self, directory: Path | None, keep: bool = True):
        if keep:
            fd, name = tempfile.mkstemp(prefix="edxml-", suffix=".bin", dir=directory)
            self.path: Path | None = Path(name)
            self.file = os.fdopen(fd, "wb")
        else:  # only the size and digest are wanted: nothing touches the disk
            self.path = None
            self.file = _NullFile()
        self.sha = hashlib.sha256()
        self.size = 0
        self.pending = b""
        self.head = b""
        self.invalid = False

    def feed(self, text: str) -> None:
        if self.invalid:
            return
        data = self.pending + text.encode("ascii", "replace").translate(None, b" \t\r\n")
        cut = len(data) - len(data) % 4
        self.pending = data[cut:]
        if cut:
            self._write(data[:cut])

    def _write(self, data: bytes) -> None:
        try:
            raw = binascii.a2b_base64(data, strict_mode=True)
        except binascii.Error:
            self.invalid = True
            return
        if len(self.head) < 64:
            self.head += raw[: 64 - len(self.head)]
        self.sha.update(raw)
        self.size += len(raw)
        self.file.write(raw)

    def close(self) -> str | None:
        """Returns None when decoded, else "invalid" or "truncated"."""
        self.file.close()
        if self.invalid:
            return "invalid"
        if self.pending:
            if re.fullmatch(rb"[A-Za-z0-9+/=]*", self.pending):
                return "truncated"
            return "invalid"
        return None

    def discard(self) -> None:
        self.file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class _Collector:
    def __init__(self, attachments_dir: Path | None, keep: bool = True):
        self.attachments_dir = attachments_dir
        self.keep = keep
        self.stack: list[_Node] = []
        self.root: _Node | None = None
        self.count = 0
        self.sink: _Base64Sink | None = None
        self.sinks: list[tuple[_Node, _Base64Sink]] = []
        self.prefixes: list[dict[str, str]] | None = None

    def start(self, name: str, attrs) -> None:
        if self.prefixes is not None:
            scope = dict(self.prefixes[-1])
            for key, value in attrs.items():
                if key == "xmlns":
                    scope[""] = value
                elif key.startswith("xmlns:"):
                    scope[key[6:]] = value
            self.prefixes.append(scope)
            prefix, _, local = name.rpartition(":")
            ns = scope.get(prefix, "")
        else:
            ns, _, local = name.rpartition(" ")
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise EdxmlError(f"Gói có quá nhiều phần tử (quá {MAX_ELEMENTS}).")
        if len(self.stack) >= MAX_DEPTH:
            raise EdxmlError(f"Gói lồng quá sâu (quá {MAX_DEPTH} mức).")
        node = _Node(local, ns)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)
        if local == "ContentTransferEncoded":
            if len(self.sinks) >= MAX_ATTACHMENTS:
                raise EdxmlError(f"Gói có quá nhiều tệp đính kèm (quá {MAX_ATTACHMENTS}).")
            self.sink = _Base64Sink(self.attachments_dir, self.keep)
            self.sinks.append((node, self.sink))

    def end(self, name: str) -> None:
        self.stack.pop()
        if self.prefixes is not None:
            self.prefixes.pop()
        if name.endswith("ContentTransferEncoded"):
            self.sink = None

    def data(self, text: str) -> None:
        if self.sink is not None:
            self.sink.feed(text)
            return
        if self.stack:
            node = self.stack[-1]
            node.text.append(text)
            if sum(len(t) for t in node.text) > MAX_TEXT:
                raise EdxmlError(f"Phần tử {node.local} có nội dung quá dài.")


def _refuse_dtd(*_args) -> None:
    raise EdxmlError("Gói chứa khai báo DOCTYPE/thực thể (DTD): bị từ chối vì lý do an toàn.")


def _refuse_external(*_args) -> int:
    raise EdxmlError("Gói tham chiếu thực thể bên ngoài: bị từ chối vì lý do an toàn.")


def _strip_leading(head: bytes, findings: list[Finding]) -> int:
    """Bytes to skip before the XML starts (the real VNPT sample `document_new` starts with '1212')."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    start = len(head) - len(stripped)
    if stripped.startswith(b"<"):
        return start
    lt = stripped.find(b"<?xml")
    if lt == -1:
        lt = stripped.find(b"<")
    if 0 < lt <= 32 and not stripped[:lt].strip(b"0123456789abcdefABCDEF\r\n \t"):
        findings.append(Finding("leading_garbage", f"Có {lt} byte thừa trước phần khai báo XML ({stripped[:lt]!r})."))
        return start + lt
    raise EdxmlError("Tệp không phải XML (không bắt đầu bằng thẻ XML).")


def parse_package(
    source: str | os.PathLike | BinaryIO,
    *,
    strict: bool = False,
    attachments_dir: Path | None = None,
    keep_attachments: bool = True,
    max_bytes: int = MAX_PACKAGE_BYTES,
) -> Package:
    """Parse an edXML document or status package.

    Attachments are decoded into files in `attachments_dir` (a temporary directory by default);
    the caller owns them (`Attachment.path`). With `keep_attachments=False` they are deleted after
    hashing. Raises `EdxmlError` for anything that is not an acceptable package; in strict mode any
    irregularity (listed as warnings in lenient mode) is an error.
    """
    own = not hasattr(source, "read")
    stream: BinaryIO = open(source, "rb") if own else source  # noqa: SIM115
    findings: list[Finding] = []
    try:
        try:
            start = stream.tell()
        except (AttributeError, OSError):  # a pipe: no second reading
            start = None
        try:
            collector = _run(stream, findings, attachments_dir, max_bytes, keep_attachments, namespaces=True)
        except _UnboundPrefix as exc:
            # A real VNPT sample uses `xlink:href` without declaring xlink: not well-formed XML in the
            # strict sense; leniently, read it again resolving prefixes ourselves.
            if strict:
                raise EdxmlError(
                    f"Tệp không phải XML hợp lệ: tiền tố không gian tên chưa khai báo (dòng {exc.line})."
                ) from None
            findings.clear()
            findings.append(Finding("unbound_prefix", f"Tiền tố không gian tên chưa được khai báo (dòng {exc.line})."))
            if start is None:
                raise EdxmlError(
                    f"Tệp không phải XML hợp lệ: tiền tố không gian tên chưa khai báo (dòng {exc.line})."
                ) from None
            stream.seek(start)
            collector = _run(stream, findings, attachments_dir, max_bytes, keep_attachments, namespaces=False)
    finally:
        if own:
            stream.close()
    try:
        package = _build(collector, findings, keep_attachments)
    except BaseException:
        _discard(collector)
        raise
    if strict and package.warnings:
        _discard(collector)
        listed = "; ".join(f.message for f in package.warnings)
        raise EdxmlError(f"Gói không đúng chuẩn QCVN 102 (chế độ nghiêm ngặt): {listed}", package.warnings)
    return package


class _UnboundPrefix(Exception):
    def __init__(self, line: int):
        self.line = line


def _run(
    stream: BinaryIO,
    findings: list[Finding],
    attachments_dir: Path | None,
    max_bytes: int,
    keep: bool,
    *,
    namespaces: bool,
) -> _Collector:
    collector = _Collector(attachments_dir, keep)
    if not namespaces:
        collector.prefixes = [{"xml": "http://www.w3.org/XML/1998/namespace"}]
    try:
        parser = expat.ParserCreate(encoding=None, namespace_separator=" " if namespaces else None)
        parser.buffer_text = True
        parser.buffer_size = 64 * 1024
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.UnparsedEntityDeclHandler = _refuse_dtd
        parser.ExternalEntityRefHandler = _refuse_external
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = collector.start
        parser.EndElementHandler = collector.end
        parser.CharacterDataHandler = collector.data
        first = stream.read(CHUNK)
        if not first:
            raise EdxmlError("Tệp rỗng, không phải gói edXML.")
        chunk = first[_strip_leading(first[:256], findings) :]
        total = 0
        while chunk:
            total += len(chunk)
            if total > max_bytes:
                raise EdxmlError(f"Gói vượt quá kích thước cho phép ({max_bytes // (1024 * 1024)} MB).")
            parser.Parse(chunk, False)
            chunk = stream.read(CHUNK)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        _discard(collector)
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNBOUND_PREFIX]:
            raise _UnboundPrefix(exc.lineno) from None
        raise EdxmlError(f"Tệp không phải XML hợp lệ: {expat.ErrorString(exc.code)} (dòng {exc.lineno}).") from exc
    except BaseException:
        _discard(collector)
        raise
    return collector


def _discard(collector: _Collector) -> None:
    for _node, sink in collector.sinks:
        sink.discard()


# ---------------------------------------------------------------- interpretation


def _date(value: str, what: str, findings: list[Finding]) -> dt.date | None:
    if not value:
        return None
    for fmt in ("%Y/%m/%d", "%Y-%m-%d"):
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        if fmt != "%Y/%m/%d":
            findings.append(Finding("date_format", f"{what} '{value}' không theo định dạng yyyy/MM/dd."))
        return parsed
    findings.append(Finding("date_invalid", f"{what} '{value}' không phải ngày hợp lệ."))
    return None


def _timestamp(value: str, what: str, findings: list[Finding]) -> dt.datetime | None:
    if not value:
        return None
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt != "%Y/%m/%d %H:%M:%S":
            findings.append(Finding("timestamp_format", f"{what} '{value}' không theo định dạng yyyy/MM/dd HH:mm:ss."))
        return parsed
    findings.append(Finding("timestamp_invalid", f"{what} '{value}' không phải thời điểm hợp lệ."))
    return None


def _int(value: str, what: str, findings: list[Finding]) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        findings.append(Finding("number_invalid", f"{what} '{value}' không phải số."))
        return None


def _bool(value: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(value.lower()) if value else None


def _organ(node: _Node, what: str, findings: list[Finding]) -> Organ:
    organ = Organ(
        organ_id=node.get("OrganId"),
        name=node.get("OrganName"),
        organization_in_charge=node.get("OrganizationInCharge"),
        address=node.get("OrganAdd"),
        email=node.get("Email"),
        telephone=node.get("Telephone"),
        fax=node.get("Fax"),
        website=node.get("Website"),
    )
    _check_organ_id(organ.organ_id, what, findings)
    if not organ.name:
        findings.append(Finding("organ_name_missing", f"{what} ({organ.organ_id}) thiếu tên cơ quan (OrganName)."))
    return organ


def _check_organ_id(organ_id: str, what: str, findings: list[Finding]) -> None:
    if not organ_id or organ_id.lower() == "null":
        findings.append(Finding("organ_id_missing", f"{what} thiếu mã định danh (OrganId)."))
    elif not ORGAN_ID_RE.match(organ_id):
        findings.append(
            Finding(
                "organ_id_format",
                f"Mã định danh {what} '{organ_id}' không theo cấu trúc QCVN 102 (V1V2V3.Z1Z2.Y1Y2.MX1X2).",
            )
        )


def _staff(node: _Node | None) -> StaffInfo | None:
    if node is None:
        return None
    return StaffInfo(node.get("Department"), node.get("Staff"), node.get("Email"), node.get("Mobile"))


def _response_for(header: _Node, findings: list[Finding]) -> tuple[ResponseFor, ...]:
    result = []
    for node in header.all("ResponseFor"):
        item = ResponseFor(
            organ_id=node.get("OrganId"),
            code=node.get("Code"),
            promulgation_date=_date(node.get("PromulgationDate"), "Ngày của văn bản được trả lời", findings),
            document_id=node.get("DocumentId"),
        )
        if item == ResponseFor():
            findings.append(Finding("response_for_empty", "Phần tử ResponseFor rỗng (bỏ qua)."))
            continue
        result.append(item)
    return tuple(result)


def _check_document_id(document_id: str, what: str, findings: list[Finding]) -> None:
    if not document_id:
        findings.append(Finding("document_id_missing", f"{what} thiếu DocumentId."))
        return
    match = DOCUMENT_ID_RE.match(document_id)
    if not match:
        findings.append(
            Finding(
                "document_id_format",
                f"{what} '{document_id}' không theo cấu trúc QCVN 102 <Mã định danh>,<yyyy/MM/dd>,<số>/<ký hiệu> "
                "(giữ nguyên như nhận được).",
            )
        )
        return
    try:
        dt.datetime.strptime(match["date"], "%Y/%m/%d")
    except ValueError:
        findings.append(
            Finding("document_id_date", f"{what} '{document_id}' chứa ngày không tồn tại ({match['date']}).")
        )


def _business(node: _Node, findings: list[Finding]) -> Business:
    doc_type = _int(node.get("BussinessDocType"), "BussinessDocType", findings)
    if doc_type not in (0, 1, 2, 3):
        findings.append(
            Finding(
                "business_type",
                f"Loại nghiệp vụ BussinessDocType '{node.get('BussinessDocType')}' "
                "không thuộc 0 (mới), 1 (thu hồi), 2 (cập nhật), 3 (thay thế); coi là văn bản mới.",
            )
        )
        doc_type = 0
    info = node.child("BussinessDocumentInfo")
    receivers: list[Receiver] = []
    if info is not None and info.child("ReceiverList") is not None:
        for r in info.child("ReceiverList").all("Receiver"):
            receivers.append(Receiver(r.get("OrganId"), _int(r.get("ReceiverType"), "ReceiverType", findings)))
    replacements: list[Replacement] = []
    if node.child("ReplacementInfoList") is not None:
        for r in node.child("ReplacementInfoList").all("ReplacementInfo"):
            ids = r.child("OrganIdList")
            organ_ids = tuple(o.value() for o in ids.all("OrganId")) if ids is not None else ()
            replacements.append(Replacement(r.get("DocumentId"), organ_ids))
    if node.get("DocumentId"):
        _check_document_id(node.get("DocumentId"), "DocumentId của văn bản đích", findings)
    for item in replacements:
        _check_document_id(item.document_id, "DocumentId của văn bản bị thay thế", findings)
    if doc_type in (1, 2) and not node.get("DocumentId"):
        findings.append(
            Finding(
                "business_target_missing", "Gói thu hồi/cập nhật không ghi DocumentId của văn bản đích trong Bussiness."
            )
        )
    if doc_type == 3 and not replacements:
        findings.append(Finding("business_target_missing", "Gói thay thế không có ReplacementInfoList."))
    return Business(
        doc_type=doc_type,
        reason=node.get("BussinessDocReason"),
        document_id=node.get("DocumentId"),
        paper=_int(node.get("Paper"), "Paper", findings),
        staff=_staff(node.child("StaffInfo")),
        document_info=info.get("DocumentInfo") if info is not None else "",
        document_receiver=info.get("DocumentReceiver") if info is not None else "",
        receivers=tuple(receivers),
        replacements=tuple(replacements),
    )


def _sniff(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/msword"
    return ""


def _attachments(root: _Node, manifest: _Node | None, sinks, keep: bool, findings: list[Finding]):
    references = {r.get("ContentId"): r for r in manifest.all("Reference")} if manifest is not None else {}
    by_node = {id(node): sink for node, sink in sinks}
    encoded = root.child("AttachmentEncoded")
    items = encoded.all("Attachment") if encoded is not None else []
    result = []
    seen = set()
    for item in items:
        cid = item.get("ContentId")
        name = item.get("AttachmentName")
        ref = references.get(cid)
        label = name or cid or "(không tên)"
        if ref is None:
            findings.append(
                Finding("attachment_not_in_manifest", f"Tệp '{label}' không có trong danh mục (edXMLManifest).")
            )
        else:
            seen.add(cid)
        declared = item.get("ContentType") or (ref.get("ContentType") if ref is not None else "")
        if ref is not None and not ref.get("ContentType"):
            findings.append(Finding("manifest_content_type_missing", f"Danh mục thiếu ContentType của tệp '{label}'."))
        elif ref is not None and item.get("ContentType") and ref.get("ContentType") != item.get("ContentType"):
            findings.append(
                Finding(
                    "content_type_mismatch",
                    f"Tệp '{label}': danh mục ghi {ref.get('ContentType')} "
                    f"nhưng phần đính kèm ghi {item.get('ContentType')}.",
                )
            )
        node = item.child("ContentTransferEncoded")
        sink = by_node.get(id(node)) if node is not None else None
        if sink is None:
            findings.append(
                Finding("attachment_content_missing", f"Tệp '{label}' không có nội dung (ContentTransferEncoded).")
            )
            result.append(Attachment(cid, name, declared, item.get("Description")))
            continue
        problem = sink.close()
        if problem == "truncated":
            raise EdxmlError(f"Nội dung base64 của tệp '{label}' bị cắt cụt (độ dài không chia hết cho 4).")
        if problem == "invalid":
            sink.discard()
            findings.append(
                Finding(
                    "attachment_not_base64", f"Nội dung tệp '{label}' không phải base64 hợp lệ (không giải mã được)."
                )
            )
            result.append(Attachment(cid, name, declared, item.get("Description")))
            continue
        sniffed = _sniff(sink.head)
        zipped = sniffed == "application/zip"
        if zipped and not name.lower().endswith(".zip") and declared != "application/zip":
            findings.append(Finding("zipped_undeclared", f"Tệp '{label}' được nén zip nhưng khai báo {declared}."))
        if sniffed == "application/pdf" and b"\xef\xbf\xbd" in sink.head:
            findings.append(
                Finding("binary_damaged", f"Tệp PDF '{label}' bị hỏng do chuyển đổi văn bản (chứa ký tự U+FFFD).")
            )
        if sink.size == 0:
            findings.append(Finding("attachment_empty", f"Tệp '{label}' rỗng."))
        if not keep:
            sink.discard()
        result.append(
            Attachment(
                cid,
                name,
                declared,
                item.get("Description") or (ref.get("Description") if ref is not None else ""),
                sink.size,
                sink.sha.hexdigest(),
                zipped,
                sink.path if keep else None,
            )
        )
    for cid, ref in references.items():
        if cid not in seen:
            findings.append(
                Finding(
                    "attachment_missing",
                    f"Tệp '{ref.get('AttachmentName') or cid}' có trong danh mục nhưng không được gửi kèm.",
                )
            )
    return tuple(result)


def _build(collector: _Collector, findings: list[Finding], keep: bool) -> Package:
    root = collector.root
    if root is None or root.local != "edXML":
        raise EdxmlError("Tệp không phải gói edXML (phần tử gốc không phải edXML).")
    if root.ns not in NAMESPACES:
        raise EdxmlError(f"Gói edXML có không gian tên lạ '{root.ns}' (cần {NS_QCVN}).")
    envelope = root.child("edXMLEnvelope")
    header = envelope.child("edXMLHeader") if envelope is not None else None
    message = header.child("MessageHeader") if header is not None else None
    if message is None:
        raise EdxmlError("Gói edXML thiếu edXMLEnvelope/edXMLHeader/MessageHeader.")
    for node in (envelope, header, message):
        if node.ns != root.ns:
            raise EdxmlError(f"Phần tử {node.local} có không gian tên lạ '{node.ns}'.")
    sender_node = message.child("From")
    if sender_node is None:
        raise EdxmlError("Gói edXML thiếu nơi gửi (From).")
    sender = _organ(sender_node, "Nơi gửi", findings)
    signature = header.child("Signature")
    if signature is not None and signature.ns != "http://www.w3.org/2000/09/xmldsig#":
        findings.append(Finding("signature_namespace", "Chữ ký XML (Signature) không thuộc không gian tên xmldsig."))
    if message.child("StatusCode") is not None:
        code = message.get("StatusCode")
        if code not in STATUS_CODES:
            raise EdxmlError(f"Mã trạng thái '{code}' không thuộc danh mục QCVN 102 (01–06, 13, 15, 16).")
        response_for = _response_for(message, findings)
        if not response_for:
            findings.append(
                Finding("status_target_missing", "Gói trạng thái không ghi văn bản liên quan (ResponseFor).")
            )
        for item in response_for:
            _check_document_id(item.document_id, "DocumentId của văn bản liên quan", findings)
        status = Status(
            code, message.get("Description"), _timestamp(message.get("Timestamp"), "Thời điểm trạng thái", findings)
        )
        if status.timestamp is None:
            findings.append(Finding("status_timestamp_missing", "Gói trạng thái thiếu thời điểm (Timestamp)."))
        _discard(collector)
        return Package(
            kind="status",
            sender=sender,
            document_id=response_for[0].document_id if response_for else "",
            namespace=root.ns,
            response_for=response_for,
            status=status,
            staff=_staff(message.child("StaffInfo")),
            signed=signature is not None,
            warnings=tuple(findings),
        )
    recipients = tuple(_organ(n, "Nơi nhận", findings) for n in message.all("To"))
    if not recipients:
        findings.append(Finding("recipient_missing", "Gói văn bản không có nơi nhận (To)."))
    document_id = message.get("DocumentId")
    _check_document_id(document_id, "DocumentId", findings)
    code = message.child("Code")
    number = code.get("CodeNumber") if code is not None else ""
    notation = code.get("CodeNotation") if code is not None else ""
    if not number:
        findings.append(Finding("number_missing", "Văn bản thiếu số (CodeNumber)."))
    elif not number.isdigit():
        findings.append(Finding("number_format", f"Số văn bản '{number}' không phải dãy chữ số."))
    promulgation = message.child("PromulgationInfo")
    date = _date(promulgation.get("PromulgationDate") if promulgation is not None else "", "Ngày ban hành", findings)
    if date is None:
        findings.append(Finding("date_missing", "Văn bản thiếu ngày ban hành (PromulgationDate)."))
    doc_type = message.child("DocumentType")
    signer_node = message.child("SignerInfo")
    signer = (
        Signer(signer_node.get("Competence"), signer_node.get("Position"), signer_node.get("FullName"))
        if signer_node is not None
        else Signer()
    )
    other = message.child("OtherInfo")
    other_info = OtherInfo()
    if other is not None:
        appendixes = other.child("Appendixes")
        other_info = OtherInfo(
            priority=_int(other.get("Priority"), "Độ khẩn (Priority)", findings),
            sphere_of_promulgation=other.get("SphereOfPromulgation"),
            typer_notation=other.get("TyperNotation"),
            promulgation_amount=_int(other.get("PromulgationAmount"), "Số bản phát hành", findings),
            page_amount=_int(other.get("PageAmount"), "Số trang", findings),
            direction=_bool(other.get("Direction")),
            appendixes=tuple(a.value() for a in appendixes.all("Appendix")) if appendixes is not None else (),
        )
    places = message.child("ToPlaces")
    traces = []
    business = None
    trace_list = header.child("TraceHeaderList")
    if trace_list is not None:
        for node in trace_list.all("TraceHeader"):
            organ_id = node.get("OrganId")
            if not organ_id or organ_id.lower() == "null":
                findings.append(
                    Finding("trace_organ_missing", "Một TraceHeader thiếu mã định danh hệ thống đã đi qua.")
                )
                organ_id = ""
            traces.append(TraceHeader(organ_id, _timestamp(node.get("Timestamp"), "Thời điểm TraceHeader", findings)))
        blocks = trace_list.all("Bussiness")
        if blocks:
            business = _business(blocks[0], findings)
        if len(blocks) > 1:
            findings.append(Finding("business_repeated", "TraceHeaderList có nhiều khối Bussiness; chỉ dùng khối đầu."))
    body = envelope.child("edXMLBody")
    manifest = body.child("edXMLManifest") if body is not None else None
    attachments = _attachments(root, manifest, collector.sinks, keep, findings)
    due_date = _date(message.get("DueDate"), "Hạn xử lý", findings)
    if due_date and date and due_date < date:
        findings.append(
            Finding("due_before_date", f"Hạn xử lý {due_date:%d/%m/%Y} trước ngày ban hành {date:%d/%m/%Y}.")
        )
    return Package(
        kind="document",
        sender=sender,
        recipients=recipients,
        namespace=root.ns,
        document_id=document_id,
        number=number,
        notation=notation,
        place=promulgation.get("Place") if promulgation is not None else "",
        date=date,
        type_code=doc_type.get("Type") if doc_type is not None else "",
        type_detail=doc_type.get("TypeDetail") if doc_type is not None else "",
        type_name=doc_type.get("TypeName") if doc_type is not None else "",
        subject=message.get("Subject"),
        content=message.get("Content"),
        signer=signer,
        due_date=due_date,
        to_places=tuple(p.value() for p in places.all("Place")) if places is not None else (),
        other_info=other_info,
        response_for=_response_for(message, findings),
        steering_type=_int(message.get("SteeringType"), "SteeringType", findings),
        traces=tuple(traces),
        business=business,
        attachments=attachments,
        signed=signature is not None,
        warnings=tuple(findings),
    )
