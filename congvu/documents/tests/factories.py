"""Builders for registry tests: valid input by default, override what the test is about."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from congvu.documents.services import IncomingData, OutgoingData


def incoming_data(**overrides) -> IncomingData:
    values = dict(
        issuer="UBND tỉnh Quảng Nam", number="125", notation="QĐ-UBND",
        issued_date=timezone.localdate() - dt.timedelta(days=2), doc_type="quyet_dinh",
        subject="Về việc giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm 2026",
        signer="Lê Văn Dũng", signer_title="KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
    )
    values.update(overrides)
    return IncomingData(**values)


def outgoing_data(**overrides) -> OutgoingData:
    values = dict(
        doc_type="quyet_dinh", subject="Về việc kiện toàn Ban Chỉ đạo chuyển đổi số huyện",
        signer="Nguyễn Văn An", signer_title="CHỦ TỊCH", recipient_names=["Sở Nội vụ tỉnh Quảng Nam"],
    )
    values.update(overrides)
    return OutgoingData(**values)


def minimal_pdf(text: str = "Quyet dinh thu nghiem") -> bytes:
    """A small valid one-page PDF with a text layer."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def pdf_upload(name="quyet-dinh.pdf", text="Quyet dinh thu nghiem") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf(text), content_type="application/pdf")
