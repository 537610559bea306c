"""Electronic certified copies (chứng thực bản sao điện tử từ bản chính), REGULATIONS §4.11.

The counter scans the original (one PDF, or images that become one PDF, one image a page, in order); the
certification takes the next number of the agency's certification register for the year (sổ chứng thực,
gap-free under the row lock of CertificationSequence), computes the fee, adds the certification statement
(lời chứng) as a last page and signs the whole with the AGENCY's key through congvu.signing. The signed file
is stored as it is and never rewritten; anyone can check it by its code on /kiem-tra-ban-sao/<code>/.

Everything happens in one transaction: a failure while composing or signing gives the register number back
and leaves no stored file behind (docs/decisions/0022-certified-copies.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents import files as file_store
from congvu.documents.files import PDF
from congvu.documents.models import StoredFile
from congvu.onestop.models import CertificationSequence, CertifiedCopy, Dossier
from congvu.onestop.public import Limit, TooManyAttempts, attempt_record, attempts_check
from congvu.org.models import Agency, Membership, Official, Role
from congvu.org.selectors import official_for_user, user_has_role
from congvu.signing.config import configured_trust_roots
from congvu.signing.services import configured_signer
from congvu.signing.signing import sign_pdf
from congvu.signing.verify import VerificationResult, verify_pdf_label

__all__ = ["TooManyAttempts", "certified_copy_create", "copy_fee", "copy_public_lookup", "copy_verify"]

# --- the fee (TT 226/2016/TT-BTC as amended; REGULATIONS §4.11) ------------------------------------------

FEE_FIRST_PAGES = 2_000  # VND a page for pages 1 and 2
FEE_LATER_PAGES = 1_000  # VND a page from page 3
FEE_CAP_PER_COPY = 200_000  # at most, per copy
# The procedure a certification may be linked to when it came in as a one-stop dossier.
COPY_PROCEDURE_CODE = "2.000815"
BOOK_SUFFIX = "SCT/BS"  # sổ chứng thực bản sao (TT 01/2020/TT-BTP forms)
STATEMENT = "Chứng thực bản sao này đúng với bản chính."
SIGN_REASON = "Chứng thực bản sao điện tử từ bản chính"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/tiff")
MAX_COPIES = 100
MAX_PAGES = 2_000  # a bigger scan is a mistake, not a document; the register column is small too


def copy_fee(*, pages: int, copies: int = 1) -> int:
    """2,000 VND a page for the first two pages, 1,000 from the third, at most 200,000 a copy, times copies."""
    if pages < 1 or copies < 1:
        raise ValueError("pages and copies must be at least 1")
    per_copy = FEE_FIRST_PAGES * min(pages, 2) + FEE_LATER_PAGES * max(pages - 2, 0)
    return min(per_copy, FEE_CAP_PER_COPY) * copies


def money(value: int) -> str:
    """12000 → "12.000" (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def register_book(year: int) -> str:
    """The register the number belongs to: one electronic book a year, e.g. 01/2026-SCT/BS."""
    return f"01/{year}-{BOOK_SUFFIX}"


# --- who may do what -----------------------------------------------------------------------------------

VIEW_ROLES = (Role.ONESTOP, Role.LEADER, Role.AGENCY_ADMIN)
CERTIFY_ROLES = (Role.ONESTOP, Role.LEADER)


def can_view_copies(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *VIEW_ROLES)


def can_certify(user, agency_id: int) -> bool:
    return user_has_role(user, agency_id, *CERTIFY_ROLES)


def certifiers(agency: Agency) -> list[Official]:
    """Who may sign the statement: the agency's leaders (the chair, or the vice-chair the chair authorises;
    NĐ 23/2015 as amended by NĐ 280/2025)."""
    ids = Membership.objects.filter(agency=agency, role=Role.LEADER, active=True).values_list("official_id")
    return list(Official.objects.filter(pk__in=ids).order_by("full_name", "pk"))


def certifier_title(official: Official, agency: Agency) -> str:
    """The certifier's position (Chủ tịch, Phó Chủ tịch) when it is a leader's, for the signing block."""
    membership = (Membership.objects.filter(official=official, agency=agency, role=Role.LEADER, active=True,
                                            position__is_leader=True).select_related("position").first())
    return membership.position.name if membership else ""


def visible_copies(user, agency_id: int) -> QuerySet[CertifiedCopy]:
    """The agency's register for staff who may see it; nothing for anyone else."""
    if not can_view_copies(user, agency_id):
        return CertifiedCopy.objects.none()
    return (CertifiedCopy.objects.filter(agency_id=agency_id)
            .select_related("agency", "certifier", "dossier", "certified_file", "scan"))


def copy_for(user, pk: int) -> CertifiedCopy:
    """One certification the user may see; otherwise NotFound (a copy of another agency is not hinted at)."""
    copy = (CertifiedCopy.objects.select_related("agency", "certifier", "dossier", "certified_file", "scan")
            .filter(pk=pk).first())
    if copy is None or not can_view_copies(user, copy.agency_id):
        raise NotFound("Không tìm thấy bản sao chứng thực hoặc bạn không có quyền xem.")
    return copy


# --- the scan ------------------------------------------------------------------------------------------


@dataclass
class Scan:
    """The original's scan as one PDF in a temporary file, checked, with its page count."""

    prepared: file_store.PreparedFile
    pages: int
    original_names: list[str]

    def read(self) -> bytes:
        return self.prepared.temp_path.read_bytes()

    def discard(self) -> None:
        file_store.discard(self.prepared)


def _pdf_pages(data: bytes, name: str) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone does not stop reading
            raise ValidationFailed(f"Tệp “{name}” được đặt mật khẩu; hãy quét lại bản chính không đặt mật khẩu.",
                                   fields={"files": "Tệp PDF có mật khẩu."})
        pages = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValidationFailed(f"Tệp “{name}” không đọc được như PDF.",
                               fields={"files": "Tệp PDF bị hỏng hoặc không hợp lệ."}) from exc
    if pages < 1:
        raise ValidationFailed(f"Tệp “{name}” không có trang nào.", fields={"files": "Tệp PDF không có trang."})
    return pages


def _images_to_pdf(paths: list[Path]) -> bytes:
    """One A4 page per image (every frame of a multi-page TIFF), in the order given, without re-encoding
    JPEGs (img2pdf); images with transparency are flattened on white first (img2pdf refuses alpha)."""
    import img2pdf
    from PIL import Image, ImageSequence, UnidentifiedImageError

    layout = img2pdf.get_layout_fun((img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)), fit=img2pdf.FitMode.into,
                                    auto_orient=True)
    sources: list[bytes] = []
    try:
        for path in paths:
            with Image.open(path) as img:  # reads the header only, until the pixels are asked for
                if img.format == "JPEG" and img.mode in ("L", "RGB", "CMYK"):
                    sources.append(path.read_bytes())
                    continue
                frames = [f.copy() for f in ImageSequence.Iterator(img)]
            for frame in frames:
                if frame.mode in ("RGBA", "LA", "P", "PA"):
                    rgba = frame.convert("RGBA")
                    frame = Image.new("RGB", rgba.size, (255, 255, 255))
                    frame.paste(rgba, mask=rgba.getchannel("A"))
                elif frame.mode not in ("L", "RGB", "1", "CMYK"):
                    frame = frame.convert("RGB")
                buf = io.BytesIO()
                frame.save(buf, "PNG")
                sources.append(buf.getvalue())
        return img2pdf.convert(sources, layout_fun=layout)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, img2pdf.ImageOpenError) as exc:
        raise ValidationFailed("Không đọc được ảnh quét; hãy quét lại (JPEG, PNG hoặc TIFF).",
                               fields={"files": "Ảnh quét bị hỏng."}) from exc


def scan_prepare(uploads) -> Scan:
    """Check the uploads (type by content, size) and make the one PDF of the original.

    One PDF, or one or more images (JPEG, PNG, TIFF) in page order; anything else is refused in Vietnamese.
    Runs outside any transaction (it is the slow part); the caller discards the result."""
    uploads = list(uploads or [])
    if not uploads:
        raise ValidationFailed("Chưa có bản quét của bản chính.", fields={"files": "Tải lên tệp PDF hoặc ảnh quét."})
    prepared: list[file_store.PreparedFile] = []
    try:
        for upload in uploads:
            prepared.append(file_store.prepare_upload(upload, field="files"))
        kinds = {p.content_type for p in prepared}
        names = [p.original_name for p in prepared]
        if kinds == {PDF}:
            if len(prepared) > 1:
                raise ValidationFailed("Chỉ tải lên một tệp PDF (hoặc nhiều ảnh, mỗi ảnh một trang).",
                                       fields={"files": "Gộp bản quét thành một tệp PDF."})
            scan = prepared.pop()
            scan.original_name = names[0]
            pages = _pdf_pages(scan.temp_path.read_bytes(), scan.original_name)
        elif kinds <= set(IMAGE_TYPES):
            data = _images_to_pdf([p.temp_path for p in prepared])
            scan = _prepared_from_bytes(data, "ban-quet.pdf")
            pages = _pdf_pages(data, "ban-quet.pdf")
        else:
            raise ValidationFailed("Bản quét phải là một tệp PDF hoặc các ảnh JPEG, PNG, TIFF.",
                                   fields={"files": "Không nhận tệp Word, Excel hay trộn PDF với ảnh."})
        if pages > MAX_PAGES:
            file_store.discard(scan)
            raise ValidationFailed(f"Bản quét có {pages} trang, quá {MAX_PAGES} trang.",
                                   fields={"files": f"Tối đa {MAX_PAGES} trang một lần chứng thực."})
    finally:
        for p in prepared:
            file_store.discard(p)
    return Scan(scan, pages, names)


def _prepared_from_bytes(data: bytes, name: str, text: str = "") -> file_store.PreparedFile:
    fd, tmp = tempfile.mkstemp(prefix="congvu-copy-", suffix=".pdf")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return file_store.PreparedFile(name, PDF, len(data), hashlib.sha256(data).hexdigest(), Path(tmp), text)


def _store(prepared: file_store.PreparedFile, written: list[str]) -> StoredFile:
    """The StoredFile of a prepared file: reused when the same bytes are kept already, else created with its
    bytes written (recorded in `written`, so a rollback can remove them)."""
    row = StoredFile.objects.filter(sha256=prepared.sha256).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            row = StoredFile.objects.create(sha256=prepared.sha256, size=prepared.size,
                                            content_type=prepared.content_type,
                                            path=file_store.storage_relpath(prepared.sha256), text=prepared.text)
    except IntegrityError:  # the same bytes committed meanwhile
        return StoredFile.objects.get(sha256=prepared.sha256)
    written.append(file_store.put_file(prepared))
    return row


def _unlink(written: list[str]) -> None:
    for rel in written:
        (Path(settings.MEDIA_ROOT) / rel).unlink(missing_ok=True)
    written.clear()


# --- the statement page -------------------------------------------------------------------------------

FONT_DIR = Path(file_store.__file__).resolve().parent / "data"  # DejaVu Serif Condensed, every Vietnamese letter


def public_path(code: str) -> str:
    return f"/kiem-tra-ban-sao/{code}/"


def statement_pdf(*, agency_name: str, place: str, number: int, year: int, certified_at: dt.datetime,
                  certifier_name: str, certifier_title: str, document_title: str, pages: int, copies: int,
                  requester_name: str, code: str) -> bytes:
    """The certification statement (lời chứng) as one A4 page.

    The signing block is at a fixed place: where congvu.signing puts the personal signature box (x 130–190 mm,
    40 mm above the bottom), so the agency's seal lands over the left third of the certifier's block, as on
    paper; the check code's address and QR code sit bottom left. The details above shrink their type (12 pt
    down to 8 pt) until the longest title and name the register accepts fit above the date line."""
    import segno
    from fpdf import FPDF

    local = timezone.localtime(certified_at)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 15, 20)
    pdf.add_font("Serif", "", str(FONT_DIR / "DejaVuSerifCondensed.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "DejaVuSerifCondensed-Bold.ttf"))
    pdf.add_page()
    pdf.set_title(f"Lời chứng số {number}, quyển số {register_book(year)}")

    # Header: agency (left), national motto (right), Decree 30 Annex I.
    pdf.set_font("Serif", "B", 11)
    if len(pdf.multi_cell(75, 5.5, agency_name.upper(), dry_run=True, output="LINES")) > 4:
        pdf.set_font("Serif", "B", 8)
    pdf.set_xy(20, 15)
    pdf.multi_cell(75, 5.5 if pdf.font_size_pt > 8 else 4, agency_name.upper(), align="C")
    pdf.set_font("Serif", "B", 11)
    pdf.set_xy(95, 15)
    pdf.multi_cell(95, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_x(95)
    pdf.multi_cell(95, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.line(122, pdf.get_y() + 0.5, 163, pdf.get_y() + 0.5)

    pdf.set_xy(20, 45)
    pdf.set_font("Serif", "B", 14)
    pdf.cell(170, 8, "LỜI CHỨNG CỦA NGƯỜI THỰC HIỆN CHỨNG THỰC", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Serif", "", 11)
    pdf.cell(170, 6, "(Chứng thực bản sao điện tử từ bản chính)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(7)
    pdf.set_font("Serif", "B", 13)
    pdf.multi_cell(170, 7, STATEMENT, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        ("Giấy tờ, văn bản", document_title),
        ("Số trang bản chính", f"{pages} trang"),
        ("Số bản sao", f"{copies} bản"),
        ("Người yêu cầu chứng thực", requester_name),
        ("Số chứng thực", f"{number}"),
        ("Quyển số", register_book(year)),
        ("Mã kiểm tra", code),
    ]
    top, bottom = pdf.get_y(), 200.0
    for size in (12, 11, 10, 9, 8):
        line = size * 0.55
        pdf.set_font("Serif", "B", size)
        height = sum(len(pdf.multi_cell(115, line, value, dry_run=True, output="LINES")) * line for _, value in rows)
        if top + height <= bottom:
            break
    for label, value in rows:
        pdf.set_x(20)
        pdf.set_font("Serif", "", size)
        pdf.cell(55, line, f"{label}:")
        pdf.set_font("Serif", "B", size)
        pdf.multi_cell(115, line, value, new_x="LMARGIN", new_y="NEXT")

    # Bottom left: where and how to check the copy.
    url = f"{getattr(settings, 'SITE_URL', '')}{public_path(code)}"
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=8, border=1)
    pdf.image(io.BytesIO(qr.getvalue()), x=20, y=222, w=30, h=30)
    pdf.set_font("Serif", "", 9)
    pdf.set_xy(53, 223)
    pdf.multi_cell(52, 4.5, "Kiểm tra bản sao và chữ ký số của cơ quan: quét mã QR hoặc vào", align="L",
                   new_x="LEFT", new_y="NEXT")
    pdf.multi_cell(52, 4.5, url, align="L")

    # Date line and the signing block (title above the signature box, the name under it).
    pdf.set_font("Serif", "", 12)
    pdf.set_xy(100, 205)
    place_text = f"{place}, ngày" if place else "Ngày"
    pdf.cell(90, 6, f"{place_text} {local:%d} tháng {local:%m} năm {local:%Y}", align="C")
    pdf.set_font("Serif", "B", 12)
    pdf.set_xy(100, 212)
    pdf.cell(90, 6, "NGƯỜI THỰC HIỆN CHỨNG THỰC", align="C")
    if certifier_title:
        pdf.set_xy(100, 218)
        pdf.cell(90, 6, certifier_title.upper(), align="C")
    pdf.set_xy(100, 262)
    pdf.multi_cell(90, 6, certifier_name, align="C")
    return bytes(pdf.output())


def compose_certified_pdf(scan: bytes, statement: bytes) -> bytes:
    """The scan's pages, then the statement page: the file the agency signs.

    An original that was itself a signed PDF keeps the look of its signatures, but not their fields: each
    signature widget becomes a plain stamp annotation with the same appearance, and the form goes. Otherwise
    the copy would carry signatures whose signed bytes are no longer there, which every verifier reports as
    broken; what the agency certifies is the copy, with its own signature."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter()
    original = PdfReader(io.BytesIO(scan))
    if original.is_encrypted:
        original.decrypt("")  # only owner-password files get here (scan_prepare refuses the others)
    writer.append(original)
    writer.append(PdfReader(io.BytesIO(statement)))
    for page in writer.pages:
        annots = page.get("/Annots")
        if not annots:
            continue
        kept = []
        for ref in annots.get_object():
            annot = ref.get_object()
            parent = annot.get("/Parent")
            holder = parent.get_object() if parent is not None else annot
            if annot.get("/Subtype") == "/Widget" and "/Sig" in (annot.get("/FT"), holder.get("/FT")):
                if "/AP" not in annot:
                    continue
                stamp = DictionaryObject({
                    NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Stamp"),
                    NameObject("/Rect"): annot["/Rect"], NameObject("/AP"): annot["/AP"],
                    NameObject("/F"): NumberObject(4)})  # printed, not editable
                kept.append(writer._add_object(stamp))  # annotations are indirect objects (ISO 32000 12.5.2)
            else:
                kept.append(ref)
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page["/Annots"]
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]
    writer.add_metadata({"/Title": "Bản sao điện tử được chứng thực từ bản chính", "/Producer": "congvu"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- codes ---------------------------------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_RE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def new_code() -> str:
    """12 random characters (60 bits) in three groups: guessing one is hopeless, and guesses are rate-limited."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(value: str) -> str:
    """What a person typed (spaces, lower case, with or without hyphens) as a code, or "" when it cannot be one."""
    raw = re.sub(r"[\s\-–.]", "", (value or "").upper())
    if len(raw) != 12:
        return ""
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    return code if CODE_RE.match(code) else ""


# --- certifying ----------------------------------------------------------------------------------------


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _positive(value, *, field: str, label: str, errors: dict, default: int, maximum: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = f"{label} phải là số nguyên."
        return default
    if not 1 <= number <= maximum:
        errors[field] = f"{label} phải từ 1 đến {maximum}."
    return number


def _certifier(actor, agency: Agency, certifier_id, errors: dict) -> Official | None:
    allowed = {o.pk: o for o in certifiers(agency)}
    me = official_for_user(actor)
    if certifier_id in (None, ""):
        if me is not None and me.pk in allowed:
            return me
        errors["certifier"] = "Chọn người thực hiện chứng thực (lãnh đạo của cơ quan)."
        return None
    try:
        pk = int(str(certifier_id))
    except ValueError:
        pk = None
    if pk not in allowed:
        errors["certifier"] = "Người thực hiện chứng thực phải là lãnh đạo đang công tác tại cơ quan."
        return None
    return allowed[pk]


def _dossier(agency: Agency, dossier_id, dossier_code, errors: dict) -> Dossier | None:
    """The one-stop dossier the certification answers, by id (API) or by its code (the counter's form)."""
    found = Dossier.objects.filter(agency=agency).select_related("procedure_version__procedure")
    code = _clean(dossier_code).replace(" ", "").upper()
    if code:
        dossier = found.exclude(code="").filter(code__iexact=code).first()
    elif dossier_id not in (None, ""):
        try:
            pk = int(str(dossier_id))
        except ValueError:
            pk = None
        dossier = found.filter(pk=pk).first() if pk and 0 < pk < 2**63 else None
    else:
        return None
    if dossier is None:
        errors["dossier"] = "Không tìm thấy hồ sơ này trong cơ quan."
        return None
    if dossier.procedure_version.procedure.national_code != COPY_PROCEDURE_CODE:
        errors["dossier"] = f"Hồ sơ {dossier} không phải hồ sơ chứng thực bản sao (thủ tục {COPY_PROCEDURE_CODE})."
        return None
    return dossier


def dossier_scan_files(dossier: Dossier) -> list:
    """The files handed in with a certification dossier, in the order of its components, as uploads: the
    counter received and scanned the original, the certifier certifies from the dossier (two people, two
    steps, no new state). Only PDFs and images are taken; scan_prepare decides whether they make one scan."""
    from django.core.files import File

    files = []
    for component in dossier.components.filter(file__isnull=False).select_related("file").order_by("id"):
        if component.file.content_type == PDF or component.file.content_type in IMAGE_TYPES:
            path = Path(settings.MEDIA_ROOT) / component.file.path
            if path.is_file():
                files.append(File(path.open("rb"), name=component.original_name or path.name))
    if not files:
        raise ValidationFailed(f"Hồ sơ {dossier} chưa có bản quét (tệp PDF hoặc ảnh) của bản chính.",
                               fields={"files": "Tải bản quét lên, hoặc đính kèm vào hồ sơ khi tiếp nhận."})
    return files


def _take_number(agency: Agency, year: int) -> int:
    """The next register number of the agency's year, under the sequence row's lock (held until commit, so
    a rollback gives the number back; concurrent certifications queue here)."""
    if not CertificationSequence.objects.filter(agency=agency, year=year).exists():
        try:
            with transaction.atomic():
                CertificationSequence.objects.create(agency=agency, year=year, last=0)
        except IntegrityError:  # created by a concurrent certification; its lock orders us below
            pass
    CertificationSequence.objects.filter(agency=agency, year=year).update(last=F("last") + 1)
    return CertificationSequence.objects.get(agency=agency, year=year).last


def certified_copy_create(*, actor, agency: Agency, uploads, document_title: str, requester_name: str,
                          requester_id_number: str = "", pages: int | None = None, copies=1, certifier_id=None,
                          dossier_id=None, dossier_code: str | None = None, now: dt.datetime | None = None,
                          signer=None) -> CertifiedCopy:
    """Certify an electronic copy of an original and return it.

    Guarantees: the actor is one-stop staff or a leader of `agency`; the certifier is a leader of `agency`
    (the actor when left out and the actor is one); the scan is one PDF or images (one a page); the register
    number is the next of the agency's year, without gaps; the fee follows `copy_fee`; the certified PDF is
    the scan plus the statement page, signed with the agency's key (`signer`, default the configured one)
    and stored as a new file. All or nothing: any failure leaves no number taken, no row and no file.
    Journals `certified_copy.certified`."""
    if actor is None or not can_certify(actor, agency.pk):
        raise PermissionDenied("Chỉ cán bộ một cửa hoặc lãnh đạo của cơ quan được chứng thực bản sao.")
    today = timezone.localtime(now or timezone.now()).date()
    if (agency.active_to and today > agency.active_to) or (agency.active_from and today < agency.active_from):
        # A dissolved or merged agency keeps its register but certifies nothing new (REGULATIONS §1).
        raise ValidationFailed(f"{agency.name} không còn hoạt động vào ngày {today:%d/%m/%Y}; không chứng thực mới.",
                               code="agency_inactive")
    errors: dict[str, str] = {}
    title = _clean(document_title)
    requester = _clean(requester_name)
    id_number = _clean(requester_id_number).replace(" ", "")
    if not title:
        errors["document_title"] = "Nhập tên giấy tờ, văn bản được chứng thực."
    elif len(title) > 500:
        errors["document_title"] = "Tên giấy tờ tối đa 500 ký tự."
    if not requester:
        errors["requester_name"] = "Nhập họ tên người yêu cầu chứng thực."
    elif len(requester) > 200:
        errors["requester_name"] = "Họ tên tối đa 200 ký tự."
    if id_number and not re.fullmatch(r"[0-9A-Za-z]{6,20}", id_number):
        errors["requester_id_number"] = "Số giấy tờ tùy thân gồm 6 đến 20 chữ số hoặc chữ cái."
    copy_count = _positive(copies, field="copies", label="Số bản sao", errors=errors, default=1, maximum=MAX_COPIES)
    certifier = _certifier(actor, agency, certifier_id, errors)
    dossier = _dossier(agency, dossier_id, dossier_code, errors)
    if errors:
        raise ValidationFailed(next(iter(errors.values())) if len(errors) == 1
                               else "Thông tin chứng thực chưa đúng; xem các ô được đánh dấu.", fields=errors)

    uploads = list(uploads or [])
    from_dossier = dossier_scan_files(dossier) if not uploads and dossier is not None else []
    try:
        scan = scan_prepare(uploads or from_dossier)
    finally:
        for handle in from_dossier:
            handle.close()
    session = None
    written: list[str] = []
    try:
        if pages not in (None, "") and str(pages).strip() != str(scan.pages):
            raise ValidationFailed(f"Bản quét có {scan.pages} trang, không phải {pages} trang như đã khai.",
                                   fields={"pages": f"Bản quét có {scan.pages} trang."})
        if signer is None:
            signer, session = configured_signer("agency")
        scan_bytes = scan.read()
        certified_at = (now or timezone.now()).replace(microsecond=0)
        year = timezone.localtime(certified_at).year
        fee = copy_fee(pages=scan.pages, copies=copy_count)
        try:
            with transaction.atomic():
                number = _take_number(agency, year)
                code = new_code()
                while CertifiedCopy.objects.filter(code=code).exists():  # 60 random bits: practically never
                    code = new_code()
                scan_row = _store(scan.prepared, written)
                statement = statement_pdf(
                    agency_name=agency.name, place=agency.place, number=number, year=year, certified_at=certified_at,
                    certifier_name=certifier.full_name, certifier_title=certifier_title(certifier, agency),
                    document_title=title,
                    pages=scan.pages, copies=copy_count, requester_name=requester, code=code)
                unsigned = compose_certified_pdf(scan_bytes, statement)
                signed = sign_pdf(unsigned, signer=signer, kind="agency", when=certified_at, reason=SIGN_REASON)
                signed_prepared = _prepared_from_bytes(signed, "ban-sao-chung-thuc.pdf")
                try:
                    signed_row = _store(signed_prepared, written)
                finally:
                    file_store.discard(signed_prepared)
                copy = CertifiedCopy.objects.create(
                    agency=agency, dossier=dossier, code=code, register_year=year, register_number=number,
                    certified_at=certified_at, certifier=certifier, requester_name=requester,
                    requester_id_number=id_number, document_title=title, pages=scan.pages, copies=copy_count,
                    fee=fee, scan=scan_row, certified_file=signed_row, created_by=actor)
                journal_record(actor=actor, agency_id=agency.pk, action="certified_copy.certified", obj=copy, after={
                    "register": register_book(year), "number": number, "code": code, "document_title": title,
                    "pages": scan.pages, "copies": copy_count, "fee": fee, "certifier": certifier.full_name,
                    "dossier": dossier.code if dossier else None, "scan": scan_row.sha256,
                    "certified_file": signed_row.sha256})
                journal_record(actor=actor, agency_id=agency.pk, action="signature.signed", obj=signed_row,
                               after={"from": hashlib.sha256(unsigned).hexdigest(), "to": signed_row.sha256,
                                      "kind": "agency", "certified_copy": code})
        except BaseException:
            _unlink(written)  # still inside nothing: the rows are rolled back, the bytes go too
            raise
    finally:
        scan.discard()
        if session is not None:
            session.close()
    return copy


# --- reading the file and checking the signature -------------------------------------------------------


def copy_file_bytes(copy: CertifiedCopy) -> bytes:
    try:
        with file_store.open_stored(copy.certified_file) as fh:
            return fh.read()
    except FileNotFoundError:
        raise NotFound("Tệp bản sao không còn trong kho lưu trữ; báo quản trị hệ thống.") from None


def copy_verify(copy: CertifiedCopy) -> VerificationResult:
    """The signatures of the stored certified file, checked now against the configured trust roots."""
    return verify_pdf_label(copy_file_bytes(copy), trust_roots=configured_trust_roots())


def copy_download_record(*, actor, copy: CertifiedCopy) -> None:
    """Staff downloads are journaled (the copy carries a citizen's papers)."""
    with transaction.atomic():
        journal_record(actor=actor, agency_id=copy.agency_id, action="certified_copy.download", obj=copy,
                       after={"code": copy.code})


def download_name(copy: CertifiedCopy) -> str:
    return f"ban-sao-chung-thuc-{copy.register_year}-{copy.register_number}.pdf"


# --- the public check ----------------------------------------------------------------------------------

# The same per-client rule as the dossier lookup (congvu.onestop.public): failed tries only, keyed-hash client.
LOOKUP = Limit("copy", 10, dt.timedelta(minutes=15), "Bạn đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau 15 phút.")
NEUTRAL_MESSAGE = "Không tìm thấy bản sao chứng thực với mã này. Kiểm tra lại mã in trên trang lời chứng."


def copy_public_lookup(*, code: str, client: str, now: dt.datetime | None = None) -> CertifiedCopy:
    """The certified copy with this code, for the public page (no login).

    A client that used up LOOKUP (failed look-ups) is refused with TooManyAttempts, even for a right code, so
    the refusal tells nothing; an unknown or malformed code records a failure and raises NotFound with the
    same neutral message whatever the reason."""
    attempts_check(client=client, limit=LOOKUP, now=now)
    normal = normalise_code(code)
    copy = (CertifiedCopy.objects.select_related("agency", "certifier", "certified_file").filter(code=normal).first()
            if normal else None)
    if copy is None:
        with transaction.atomic():
            attempt_record(client=client, limit=LOOKUP, now=now)
        raise NotFound(NEUTRAL_MESSAGE)
    return copy
