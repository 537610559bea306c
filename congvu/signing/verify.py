"""Verifying the digital signatures of a PDF (plain functions, no database).

Each signature is checked for integrity (the signed bytes hash to the signed digest and the CMS signature is
correct), coverage (the whole file, or a revision followed only by permitted updates such as a further
signature), the certificate chain against the trust roots, and the claimed signing time.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

Status = Literal["valid", "invalid", "unknown_signer"]
LABEL_VALID = "ký số hợp lệ"
LABEL_INVALID = "không hợp lệ"
LABEL_NONE = "không có chữ ký"


@dataclass(frozen=True)
class SignatureReport:
    status: Status
    signer_name: str
    organisation: str
    signing_time: dt.datetime | None
    covers_whole_file: bool
    intact: bool
    chain_ok: bool
    message_vi: str
    field_name: str = ""


@dataclass(frozen=True)
class VerificationResult:
    label: str
    signatures: list[SignatureReport]

    @property
    def ok(self) -> bool:
        return self.label == LABEL_VALID


def _to_asn1(cert: x509.Certificate | asn1_x509.Certificate | bytes) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, x509.Certificate):
        cert = cert.public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(cert)


def _subject(cert: asn1_x509.Certificate | None) -> tuple[str, str]:
    if cert is None:
        return "", ""
    native = cert.subject.native
    return str(native.get("common_name", "")), str(native.get("organization_name", ""))


def _invalid(message: str, *, name: str = "", organisation: str = "", field_name: str = "",
             when: dt.datetime | None = None, covers: bool = False) -> SignatureReport:
    return SignatureReport("invalid", name, organisation, when, covers, False, False, message, field_name)


def _check_one(embedded, context: ValidationContext) -> SignatureReport:
    field_name = embedded.field_name or ""
    try:
        cert = embedded.signer_cert
    except Exception:  # noqa: BLE001 - a mangled CMS blob has no readable certificate
        cert = None
    name, organisation = _subject(cert)
    when = embedded.self_reported_timestamp
    try:
        status = validate_pdf_signature(embedded, context)
    except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds for broken signatures
        logger.warning("signature %s could not be validated: %s", field_name, exc)
        return _invalid(
            f"Chữ ký «{field_name}» bị hỏng, không kiểm tra được (tệp đã bị cắt hoặc sửa sau khi ký).",
            name=name, organisation=organisation, field_name=field_name, when=when,
        )
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = bool(status.intact and status.valid)
    chain_ok = bool(status.trusted)
    when = status.signer_reported_dt or when
    modifications_ok = status.docmdp_ok or status.modification_level is None
    coverage_ok = status.coverage in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
    who = name or "không rõ người ký"
    if not intact:
        return SignatureReport(
            "invalid", name, organisation, when, covers, False, chain_ok,
            f"Chữ ký của {who} không hợp lệ: nội dung tệp đã bị thay đổi sau khi ký.", field_name,
        )
    if not coverage_ok or not modifications_ok:
        return SignatureReport(
            "invalid", name, organisation, when, covers, True, chain_ok,
            f"Chữ ký của {who} không còn hiệu lực: tệp đã bị sửa nội dung sau khi ký.", field_name,
        )
    if not chain_ok:
        return SignatureReport(
            "unknown_signer", name, organisation, when, covers, True, False,
            f"Chữ ký của {who} nguyên vẹn nhưng chứng thư số không thuộc tổ chức chứng thực được tin cậy.",
            field_name,
        )
    if when is not None and status.signing_cert is not None:
        validity = status.signing_cert["tbs_certificate"]["validity"]
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
        if not not_before <= when <= not_after:
            return SignatureReport(
                "invalid", name, organisation, when, covers, True, True,
                f"Chữ ký của {who} có thời điểm ký nằm ngoài thời hạn của chứng thư số.", field_name,
            )
    suffix = "" if covers else " (sau đó tệp chỉ được bổ sung chữ ký hợp lệ)"
    return SignatureReport(
        "valid", name, organisation, when, covers, True, True, f"Chữ ký của {who} hợp lệ{suffix}.", field_name,
    )


_SIG_MARKS = re.compile(rb"/ByteRange|/Type\s*/Sig\b")
_SIG_FIELD = re.compile(rb"/FT\s*/Sig\b")


def _signature_traces(pdf_bytes: bytes) -> bool:
    """Remnants of a signature in a file that has no readable one: a cut or damaged signature."""
    if _SIG_MARKS.search(pdf_bytes):
        return True
    truncated = b"%%EOF" not in pdf_bytes[-1024:]
    return truncated and bool(_SIG_FIELD.search(pdf_bytes))


def verify_pdf(pdf_bytes: bytes, *, trust_roots) -> list[SignatureReport]:
    """Every signature in the file, in signing order. `trust_roots`: certificates (cryptography, asn1crypto or DER)."""
    context = ValidationContext(
        trust_roots=[_to_asn1(c) for c in trust_roots], allow_fetching=False, revocation_mode="soft-fail",
    )
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        if _signature_traces(pdf_bytes):
            logger.warning("signed PDF unreadable: %s", exc)
            return [_invalid("Tệp PDF có chữ ký nhưng đã bị cắt hoặc hỏng, không đọc được để kiểm tra.")]
        return []
    reports = [_check_one(sig, context) for sig in embedded]
    if not reports and _signature_traces(pdf_bytes):
        return [_invalid("Tệp có dấu vết chữ ký số nhưng chữ ký đã bị cắt hoặc hỏng.")]
    return reports


def overall_label(reports: list[SignatureReport]) -> str:
    if not reports:
        return LABEL_NONE
    return LABEL_VALID if all(r.status == "valid" for r in reports) else LABEL_INVALID


def verify_pdf_label(pdf_bytes: bytes, *, trust_roots) -> VerificationResult:
    reports = verify_pdf(pdf_bytes, trust_roots=trust_roots)
    return VerificationResult(overall_label(reports), reports)
