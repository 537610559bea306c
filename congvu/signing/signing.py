"""Signing PDFs with pyHanko, placed as Decree 30/2020 Annex I describes (plain functions, no database).

- ``kind="personal"``: the competent person's signature; the visible appearance is the signer's image
  (blue handwritten signature, transparent PNG), or the signer's name when no image is given.
- ``kind="agency"``: the agency's signature (the seal); the red seal image, real size (~39 mm), overlaps the
  left third of the personal signature already on the document (or of the default personal box).
- ``kind="attachment"``: an annex or electronic copy signed by the Văn thư: top right of page 1, no image,
  text "number and notation; time (ISO 8601, Vietnam zone)" in Times New Roman 10.

Every signature is an incremental update (PAdES baseline B-B, SHA-256): the signed bytes are never rewritten,
a second signature is appended after the first one.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko.stamp import StaticStampStyle
from pypdf import PdfReader
from pypdf.errors import PdfReadError as PyPdfReadError

from congvu.core.errors import ValidationFailed

Kind = Literal["personal", "agency", "attachment"]
KINDS = ("personal", "agency", "attachment")
VN_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4
SEAL_SIZE = 39 * MM  # a round seal of a provincial body is 35-42 mm across
PERSONAL_SIZE = (60 * MM, 28 * MM)
FIELD_PREFIX = "CongVu"
REASONS = {"personal": "Ký ban hành", "agency": "Đóng dấu cơ quan", "attachment": "Ký tệp đính kèm"}
FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/msttcorefonts/Times_New_Roman.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),  # metric twin of Times New Roman
    Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"),
]


@dataclass(frozen=True)
class Pkcs12Key:
    path: Path | str
    password: str


Box = tuple[float, float, float, float]


def load_pkcs12_signer(path: Path | str, password: str) -> signers.SimpleSigner:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"Không đọc được tệp chứng thư số {path}: {exc.strerror}.") from exc
    try:
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=None, passphrase=password.encode() if password else None
        )
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("Tệp PKCS#12 không hợp lệ hoặc sai mật khẩu.") from exc


def pkcs11_signer(*, lib: str, slot: int | None = 0, token_label: str | None = None, pin: str | None = None,
                  key_label: str | None = None, cert_label: str | None = None):
    """A signer on a PKCS#11 token (USB token / HSM). Returns (signer, session); close the session after signing."""
    try:
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as hanko_pkcs11
    except ImportError as exc:
        raise ValidationFailed(
            "Chưa cài thư viện python-pkcs11 nên không dùng được thiết bị ký (token) PKCS#11."
        ) from exc
    criteria = TokenCriteria(label=token_label) if token_label else None
    try:
        session = hanko_pkcs11.open_pkcs11_session(
            lib, slot_no=None if criteria else slot, token_criteria=criteria, user_pin=pin
        )
    except Exception as exc:  # the PKCS#11 module raises its own hierarchy
        raise ValidationFailed(f"Không mở được thiết bị ký PKCS#11: {exc}.") from exc
    signer = hanko_pkcs11.PKCS11Signer(session, key_label=key_label, cert_label=cert_label or key_label)
    try:
        signer.signing_cert  # noqa: B018 - loads the certificate and the key handle now, not halfway through signing
    except Exception as exc:  # a label that names nothing on the token
        session.close()
        raise ValidationFailed(
            f"Không tìm thấy khóa hoặc chứng thư số “{key_label or cert_label or ''}” trên thiết bị ký PKCS#11: {exc}."
        ) from exc
    return signer, session


VIETNAMESE_SAMPLE = "ĐđƯươờởỡợẠạẢảẤấỦủỉốệễ"


@functools.cache
def _font_path() -> Path | None:
    """The first Times-like TrueType font with the Vietnamese letters (old Liberation builds lack them)."""
    from fontTools.ttLib import TTFont

    for path in FONT_CANDIDATES:
        if not path.is_file():
            continue
        try:
            cmap = TTFont(str(path), lazy=True).getBestCmap()
        except Exception:  # noqa: BLE001 - an unreadable font is simply not a candidate
            continue
        if all(ord(ch) in cmap for ch in VIETNAMESE_SAMPLE):
            return path
    return None


def _ascii(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", text).encode("latin-1", "ignore").decode("latin-1")


def vn_iso(when: dt.datetime) -> str:
    """ISO 8601 in the Vietnam zone, e.g. 2026-11-27T08:00:00+07:00."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(VN_ZONE).isoformat(timespec="seconds")


def _appearance_pdf(box: Box, *, image: bytes | None, lines: list[str], colour: tuple[int, int, int],
                    ring: bool = False, font_size: float = 10, align: str = "C") -> bytes:
    """A one-page PDF the size of the box with the image and/or the text; pyHanko imports it as the appearance."""
    width, height = box[2] - box[0], box[3] - box[1]
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_page()
    if image is not None:
        pdf.image(BytesIO(image), x=0, y=0, w=width, h=height, keep_aspect_ratio=True)
        return bytes(pdf.output())
    font = _font_path()
    if font:
        pdf.add_font("Serif", "", str(font))
        pdf.set_font("Serif", size=font_size)
    else:  # no TrueType font on this machine: core Times without diacritics
        pdf.set_font("Times", size=font_size)
        lines = [_ascii(line) for line in lines]
    pdf.set_text_color(*colour)
    if ring:
        pdf.set_draw_color(*colour)
        pdf.set_line_width(2)
        pdf.ellipse(2, 2, width - 4, height - 4)
    line_height = font_size * 1.2
    top = max(0.0, (height - line_height * len(lines)) / 2)
    inset = width * 0.15 if ring else 0
    for i, line in enumerate(lines):
        pdf.set_xy(inset, top + i * line_height)
        pdf.cell(w=width - 2 * inset, h=line_height, text=line, align=align)
    return bytes(pdf.output())


def _existing_signatures(reader: PdfReader) -> list[tuple[str, int, Box]]:
    """(field name, page index, rectangle) of every signature widget already in the file."""
    found = []
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            parent = annot.get("/Parent")
            holder = parent.get_object() if parent is not None and "/T" not in annot else annot
            if holder.get("/FT") != "/Sig" and annot.get("/FT") != "/Sig":
                continue
            rect = tuple(float(v) for v in annot.get("/Rect", [0, 0, 0, 0]))
            found.append((str(holder.get("/T", "")), index, rect))
    return found


def _signature_count(reader: PdfReader) -> int:
    fields_ = reader.get_fields() or {}
    return sum(1 for f in fields_.values() if f.get("/FT") == "/Sig")


def default_personal_box(page_width: float) -> Box:
    """Right half of the last page above the bottom margin, where the signing block usually sits."""
    right = page_width - 20 * MM
    width, height = PERSONAL_SIZE
    bottom = 40 * MM
    return (right - width, bottom, right, bottom + height)


def seal_box(personal: Box) -> Box:
    """The seal, real size, overlapping the left third of the personal signature on its left."""
    x1, y1, x2, y2 = personal
    right = x1 + (x2 - x1) / 3
    centre_y = (y1 + y2) / 2
    return (right - SEAL_SIZE, centre_y - SEAL_SIZE / 2, right, centre_y + SEAL_SIZE / 2)


def attachment_box(page_width: float, page_height: float) -> Box:
    """Top right of the first page, inside the 20 mm top margin, flush with the 15-20 mm right margin."""
    right = page_width - 15 * MM
    top = page_height - 5 * MM
    return (right - 75 * MM, top - 14 * MM, right, top)


class _TimedPdfSigner(signers.PdfSigner):
    """PdfSigner whose claimed signing time (the /M entry of a PAdES signature) is given, not read from the clock."""

    def __init__(self, *args, when: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._when = when

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        if self._when is not None:
            session.system_time = self._when
        return session


def _subject_value(signer: signers.Signer, attr: str) -> str:
    cert = signer.signing_cert
    if cert is None:
        return ""
    return str(cert.subject.native.get(attr, ""))


def sign_pdf(
    pdf_bytes: bytes,
    *,
    signer: Pkcs12Key | signers.Signer,
    kind: Kind,
    image: bytes | None = None,
    number: str = "",
    when: dt.datetime | None = None,
    box: Box | None = None,
    page: int | None = None,
    reason: str = "",
) -> bytes:
    """Append a visible PAdES signature to a PDF; returns the whole signed file (input bytes + the update)."""
    if kind not in KINDS:
        raise ValidationFailed(f"Loại chữ ký không hợp lệ: {kind}.")
    if isinstance(signer, Pkcs12Key):
        signer = load_pkcs12_signer(signer.path, signer.password)
    when = when or dt.datetime.now(dt.UTC).replace(microsecond=0)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        reader = PdfReader(BytesIO(pdf_bytes))
        page_count = len(reader.pages)
    except (PyPdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed("Tệp không phải PDF hợp lệ nên không ký được.") from exc
    if page_count == 0:
        raise ValidationFailed("Tệp PDF không có trang nào nên không ký được.")

    existing = _existing_signatures(reader)
    if kind == "attachment":
        page_index = 0 if page is None else page
    else:
        page_index = page_count - 1 if page is None else page
    if not 0 <= page_index < page_count:
        raise ValidationFailed(f"Trang {page_index + 1} không có trong tệp ({page_count} trang).")
    media = reader.pages[page_index].mediabox
    page_width, page_height = float(media.width), float(media.height)

    signer_name = _subject_value(signer, "common_name")
    organisation = _subject_value(signer, "organization_name") or signer_name
    if kind == "personal":
        rect = box or default_personal_box(page_width)
        lines = [] if image else ["Ký bởi:", signer_name, vn_iso(when)]
        appearance = _appearance_pdf(rect, image=image, lines=lines, colour=(0, 51, 153))
    elif kind == "agency":
        if box is None:
            personal = [e for e in existing if e[0].startswith(f"{FIELD_PREFIX}_personal")]
            if personal and page is None:
                page_index, personal_rect = personal[-1][1], personal[-1][2]
            else:
                personal_rect = default_personal_box(page_width)
            rect = seal_box(personal_rect)
        else:
            rect = box
        appearance = _appearance_pdf(rect, image=image, lines=[] if image else [organisation],
                                     colour=(204, 0, 0), ring=image is None, font_size=8)
    else:
        rect = box or attachment_box(page_width, page_height)
        lines = [organisation, f"Số, ký hiệu: {number}" if number else "Số, ký hiệu: (không có)", vn_iso(when)]
        appearance = _appearance_pdf(rect, image=None, lines=lines, colour=(0, 0, 0), align="L")

    field_name = f"{FIELD_PREFIX}_{kind}_{_signature_count(reader) + 1}"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason or REASONS[kind],
        name=signer_name or None,
    )
    with tempfile.NamedTemporaryFile(suffix=".pdf") as stamp_file:
        stamp_file.write(appearance)
        stamp_file.flush()
        style = StaticStampStyle.from_pdf_file(stamp_file.name, border_width=0, background_opacity=1.0)
        pdf_signer = _TimedPdfSigner(
            meta,
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page_index, box=rect),
            when=when,
        )
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
            out = pdf_signer.sign_pdf(writer)
        except PdfReadError as exc:
            raise ValidationFailed("Tệp không phải PDF hợp lệ nên không ký được.") from exc
    signed = out.getvalue()
    if signed[: len(pdf_bytes)] != pdf_bytes:  # pyHanko appends; never hand back a rewritten signed file
        raise RuntimeError("incremental signing rewrote the original bytes")
    return signed
