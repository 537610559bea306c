"""Duplicates across channels: the same document arriving twice (e-mail and exchange, paper and
electronic) is found three ways, only among the incoming documents of the agency the clerk may see:

- by content: the same bytes (StoredFile sha256) already attached to a document;
- by metadata: the registry's rule (same issuer, number/notation and date: `documents.services.find_duplicates`);
- by near-identical text: a 64-bit SimHash of the file's words (a scan of a document and its born-digital
  PDF, a re-typed copy) within `NEAR_DISTANCE` bits.

Linking (`duplicate_link`) is the alternative to registering twice: the new files join the document
already registered as another copy, journaled, without a new arrival number. See ADR 0012.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Q

from congvu.audit.services import journal_record
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold_words
from congvu.documents import search
from congvu.documents.models import Attachment, Channel, Direction, Document, StoredFile
from congvu.documents.selectors import visible_documents
from congvu.documents.services import find_duplicates
from congvu.intake.models import Extraction, ExtractionStatus, IntakeUpload, TextFingerprint
from congvu.intake.registration import issuer_variants
from congvu.org.selectors import can_register

# --- SimHash -----------------------------------------------------------------------------------

BITS = 64
BAND_BITS = 16
# Tuned on the real documents of testdata and generated variants (ADR 0012): the same document as a
# born-digital PDF and as a clean scan differs by 0–4 bits, re-typed by 0–5, a poor scan by up to 9;
# different documents by 14 or more, two short Công văn on one letterhead by 8 or more.
NEAR_DISTANCE = 6
MIN_WORDS = 30  # shorter texts (a cover page, a blank scan) say too little to compare

# Words every administrative document carries (national motto, "Nơi nhận", dates): folded, left out so
# that two different short letters of one agency do not look alike because of their letterhead.
STOPWORDS = frozenset({
    "cong", "hoa", "xa", "hoi", "chu", "nghia", "viet", "nam", "doc", "lap", "tu", "do", "hanh", "phuc", "so",
    "ngay", "thang", "kinh", "gui", "noi", "nhan", "nhu", "tren", "luu", "vt", "vv", "ve", "viec", "cua", "va",
    "cac", "co", "duoc", "theo", "cho", "trong", "voi", "nay", "de", "la", "nhung", "tai", "da", "den", "mot",
    "khong",
})


def text_words(text: str) -> list[str]:
    """The words SimHash reads: folded (OCR drops and swaps tone marks), two characters or more, no stopwords."""
    return [w for w in fold_words(text) if len(w) > 1 and w not in STOPWORDS]


def simhash(words: list[str]) -> int:
    """64-bit SimHash (unsigned) over single words and word pairs, each weighted by its count."""
    features = Counter(words)
    features.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    weights = [0] * BITS
    for feature, count in features.items():
        h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += count if (h >> bit) & 1 else -count
    return sum(1 << bit for bit in range(BITS) if weights[bit] > 0)


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << BITS) - 1)).bit_count()


def to_signed(h: int) -> int:
    """The unsigned hash as a BigIntegerField stores it."""
    return h - (1 << BITS) if h >= 1 << (BITS - 1) else h


def to_unsigned(h: int) -> int:
    return h + (1 << BITS) if h < 0 else h


def bands(h: int) -> list[int]:
    return [(h >> (BAND_BITS * i)) & ((1 << BAND_BITS) - 1) for i in range(BITS // BAND_BITS)]


def _probes(band: int) -> list[int]:
    """The band and its 16 one-bit neighbours: two hashes within 7 bits have a band within one bit
    (pigeonhole over four bands), so looking these up finds every candidate within NEAR_DISTANCE."""
    return [band] + [band ^ (1 << b) for b in range(BAND_BITS)]


# --- fingerprints ------------------------------------------------------------------------------

PENDING = (ExtractionStatus.PENDING, ExtractionStatus.RUNNING)


def file_text(stored_file: StoredFile) -> str:
    """The best text known for a file: the repaired text of a finished extraction, else the registry's
    text layer."""
    extraction = Extraction.objects.filter(file=stored_file, status=ExtractionStatus.DONE).only("text").first()
    if extraction is not None and extraction.text:
        return extraction.text
    return stored_file.text or ""


def fingerprint_ensure(stored_file: StoredFile, *, text: str | None = None) -> TextFingerprint | None:
    """The file's fingerprint, computed now if missing, if `text` (a newer reading) is given, or if the
    one kept was too short to compare (an OCR may have read the file since). Idempotent.

    Returns None while the file is still being read; a row with `length` < MIN_WORDS when its text is too
    short to compare (never a candidate)."""
    existing = TextFingerprint.objects.filter(file=stored_file).first()
    if existing is not None and text is None and existing.length >= MIN_WORDS:
        return existing
    if text is None:
        if Extraction.objects.filter(file=stored_file, status__in=PENDING).exists():
            return existing
        text = file_text(stored_file)
    words = text_words(text)
    h = simhash(words) if len(words) >= MIN_WORDS else 0
    values = {"simhash": to_signed(h), "length": len(words)} | {f"band{i}": b for i, b in enumerate(bands(h))}
    row, _ = TextFingerprint.objects.update_or_create(file=stored_file, defaults=values)
    return row


def fingerprints_backfill(*, limit: int = 500) -> int:
    """Fingerprint files attached to documents that have none yet (registered before intake, by the API
    or from the exchange). Returns how many files were read; call again until it returns 0."""
    files = list(StoredFile.objects.filter(attachments__isnull=False, fingerprint__isnull=True)
                 .exclude(extraction__status__in=PENDING).distinct().order_by("pk")[:limit])
    for f in files:
        fingerprint_ensure(f)
    return len(files)


# --- finding -----------------------------------------------------------------------------------

REASON_LABELS = {
    "content": "Cùng tệp (trùng từng byte)",
    "metadata": "Cùng cơ quan ban hành, số, ký hiệu và ngày ban hành",
    "text": "Nội dung gần như trùng",
}


@dataclass
class DuplicateMatch:
    document: Document
    reasons: list[str] = field(default_factory=list)  # "content", "metadata", "text", in that order
    distance: int | None = None  # SimHash bits apart, for a "text" match

    @property
    def labels(self) -> list[str]:
        return [REASON_LABELS[r] for r in self.reasons]


def _candidates(actor, agency_id: int):
    return visible_documents(actor).filter(agency_id=agency_id, direction=Direction.INCOMING)


def near_text_documents(*, actor, agency_id: int, stored_file: StoredFile) -> list[tuple[Document, int]]:
    """Incoming documents of the agency that `actor` may see whose files read almost like `stored_file`."""
    fp = fingerprint_ensure(stored_file)
    if fp is None or fp.length < MIN_WORDS:
        return []
    h = to_unsigned(fp.simhash)
    cond = Q()
    for i, band in enumerate(bands(h)):
        cond |= Q(**{f"band{i}__in": _probes(band)})
    near: dict[int, int] = {}
    for file_id, other in (TextFingerprint.objects.filter(cond, length__gte=MIN_WORDS).exclude(file=stored_file)
                           .values_list("file_id", "simhash")):
        d = hamming(h, to_unsigned(other))
        if d <= NEAR_DISTANCE:
            near[file_id] = d
    if not near:
        return []
    found: dict[int, tuple[Document, int]] = {}
    attachments = (Attachment.objects.filter(file_id__in=near, document__in=_candidates(actor, agency_id))
                   .select_related("document"))
    for a in attachments:
        d = near[a.file_id]
        if a.document_id not in found or d < found[a.document_id][1]:
            found[a.document_id] = (a.document, d)
    return sorted(found.values(), key=lambda pair: (pair[1], pair[0].pk))


def find_cross_channel_duplicates(*, actor, agency_id: int, stored_files: list[StoredFile],
                                  metadata: dict | None = None) -> list[DuplicateMatch]:
    """Documents already registered that these files (and metadata) duplicate, most certain first.

    `metadata` holds issuer, number, notation and issued_date (a date) as read or typed; without them
    only content and text are compared. Only incoming documents of `agency_id` that `actor` may see."""
    matches: dict[int, DuplicateMatch] = {}

    def add(doc: Document, reason: str, distance: int | None = None):
        m = matches.setdefault(doc.pk, DuplicateMatch(document=doc))
        if reason not in m.reasons:
            m.reasons.append(reason)
        if distance is not None and (m.distance is None or distance < m.distance):
            m.distance = distance

    files = [f for f in stored_files if f is not None]
    for a in (Attachment.objects.filter(file__in=files, document__in=_candidates(actor, agency_id))
              .select_related("document").order_by("document_id")):
        add(a.document, "content")
    meta = metadata or {}
    if meta.get("issuer") and (meta.get("number") or meta.get("notation")) and meta.get("issued_date"):
        from congvu.org.models import Agency

        agency = Agency.objects.get(pk=agency_id)
        for issuer in issuer_variants(meta["issuer"]):  # "ỦY BAN NHÂN DÂN TỈNH …" was registered as "UBND tỉnh …"
            for doc in find_duplicates(actor=actor, agency=agency, issuer=issuer, number=meta.get("number", ""),
                                       notation=meta.get("notation", ""), issued_date=meta["issued_date"]):
                add(doc, "metadata")
    for f in files:
        for doc, distance in near_text_documents(actor=actor, agency_id=agency_id, stored_file=f):
            add(doc, "text", distance)
    order = {"content": 0, "metadata": 1, "text": 2}
    for m in matches.values():
        m.reasons.sort(key=order.__getitem__)
    return sorted(matches.values(), key=lambda m: (order[m.reasons[0]], -len(m.reasons), -m.document.pk))


# --- linking -----------------------------------------------------------------------------------

def duplicate_link(*, actor, document_id: int, uploads: list[IntakeUpload], channel: str) -> Document:
    """Keep a second arrival of an incoming document with the one already registered, instead of
    registering it twice: each uploaded file not already among the document's files is attached after
    them; no arrival number is taken; the journal records the copy, its channel and files.

    Raises NotFound (a document the actor may not see), PermissionDenied (not the agency's clerk),
    ValidationFailed (no files, files of another user or agency, an unknown channel)."""
    doc = visible_documents(actor).filter(pk=document_id).first() if document_id else None
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if not can_register(actor, doc.agency_id):
        raise PermissionDenied("Chỉ văn thư của cơ quan được gắn bản nhận thêm vào văn bản.")
    if doc.direction != Direction.INCOMING:
        raise ValidationFailed("Chỉ gắn được bản nhận thêm vào văn bản đến.",
                               fields={"document": "Không phải văn bản đến."})
    if channel not in Channel.values:
        raise ValidationFailed(f"Hình thức nhận “{channel}” không hợp lệ.", fields={"channel": "Không hợp lệ."})
    if not uploads:
        raise ValidationFailed("Chưa có tệp nào để gắn vào văn bản.", fields={"files": "Vui lòng tải tệp lên."})
    for u in uploads:
        if u.uploaded_by_id != actor.pk or u.agency_id != doc.agency_id:
            raise ValidationFailed("Tệp không thuộc phiên làm việc của bạn ở cơ quan này.",
                                   fields={"files": "Tệp không hợp lệ."})
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=doc.pk)
        have = set(Attachment.objects.filter(document=locked).values_list("file_id", flat=True))
        position = (Attachment.objects.filter(document=locked).aggregate(m=Max("position"))["m"] or 0) + 1
        added, same = [], []
        for u in uploads:
            if u.file_id in have:
                same.append(u.original_name)
                continue
            Attachment.objects.create(document=locked, file_id=u.file_id, original_name=u.original_name[:255],
                                      position=position)
            have.add(u.file_id)
            position += 1
            added.append(u.original_name)
        IntakeUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(document=locked)
        if added:
            search.index_document(locked)
        journal_record(actor=actor, agency_id=locked.agency_id, action="document.copy_received", obj=locked,
                       after={"channel": channel, "files_added": added, "files_already_kept": same})
    for u in uploads:
        fingerprint_ensure(u.file)
    return locked
