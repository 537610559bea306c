"""Duplicates across channels: by content, by metadata, by near-identical text — only among the incoming
documents of the agency the clerk may see — and linking a second copy instead of registering it twice."""

import datetime as dt
import hashlib
import itertools
import random
import unicodedata

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.documents.models import Attachment, Document, Register, Secrecy, StoredFile
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.intake import duplicates
from congvu.intake.duplicates import (
    MIN_WORDS,
    NEAR_DISTANCE,
    bands,
    duplicate_link,
    find_cross_channel_duplicates,
    fingerprint_ensure,
    fingerprints_backfill,
    hamming,
    simhash,
    text_words,
    to_signed,
    to_unsigned,
)
from congvu.intake.models import Extraction, ExtractionStatus, IntakeUpload, TextFingerprint
from congvu.org.models import Role

# --- texts -------------------------------------------------------------------------------------

SENTENCES = [
    "Thực hiện Kế hoạch số 45/KH-UBND ngày 12/01/2026 của Ủy ban nhân dân tỉnh về chuyển đổi số năm 2026.",
    "Ủy ban nhân dân huyện đề nghị các phòng, ban chuyên môn rà soát danh mục thủ tục hành chính trực tuyến.",
    "Các đơn vị báo cáo kết quả thực hiện trước ngày 25 hằng tháng để tổng hợp báo cáo Ủy ban nhân dân tỉnh.",
    "Giao Phòng Văn hóa và Thông tin chủ trì, phối hợp với Văn phòng HĐND và UBND huyện theo dõi, đôn đốc.",
    "Trong quá trình triển khai, nếu có khó khăn, vướng mắc, các đơn vị phản ánh kịp thời về Ủy ban nhân dân.",
    "Đẩy mạnh tuyên truyền để người dân, doanh nghiệp sử dụng dịch vụ công trực tuyến toàn trình.",
    "Bảo đảm an toàn thông tin mạng, không để lộ lọt bí mật nhà nước trên môi trường mạng.",
    "Kinh phí thực hiện từ nguồn ngân sách nhà nước được giao trong dự toán năm 2026 của các đơn vị.",
    "Tổ chức kiểm tra việc thực hiện tại các xã, thị trấn trong quý II năm 2026.",
    "Phòng Tài chính - Kế hoạch tham mưu bố trí kinh phí theo quy định hiện hành.",
    "Công an huyện phối hợp bảo đảm an ninh trật tự trong thời gian tổ chức các hoạt động.",
    "Trung tâm Văn hóa - Thể thao và Truyền thanh huyện đưa tin kịp thời trên hệ thống loa truyền thanh.",
]


def cong_van(number: int, sentences: list[str], *, day: int = 5) -> str:
    return "\n".join([
        "ỦY BAN NHÂN DÂN", "HUYỆN NÔNG SƠN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}/UBND-VP", f"Nông Sơn, ngày {day:02d} tháng 3 năm 2026",
        "V/v triển khai nhiệm vụ chuyển đổi số năm 2026",
        "Kính gửi: - Các phòng, ban chuyên môn thuộc UBND huyện; - UBND các xã.",
        *sentences,
        "Nơi nhận:", "- Như trên;", "- TT Huyện ủy;", "- Lưu: VT, VP.",
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An",
    ])


def strip_marks(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def scanned(text: str, seed: int = 1) -> str:
    """What a poor OCR makes of a page: lines rewrapped, some marks lost, some letters misread, stray dots."""
    rnd = random.Random(seed)
    out = []
    for word in text.split():
        r = rnd.random()
        if r < 0.05:
            word = strip_marks(word)
        elif r < 0.08:
            word = word[:-1] + "l" if len(word) > 2 else word
        elif r < 0.10:
            word = word + "."
        out.append(word)
    lines = []
    for i in range(0, len(out), 9):
        lines.append(" ".join(out[i:i + 9]))
    return "\n".join(lines)


def retyped(text: str) -> str:
    """The same letter typed again: other line breaks, "V/v" spelled out, dashes and spaces differ."""
    return text.replace("V/v", "Về việc").replace(" - ", " – ").replace("\n", "  ")


def stored(text: str, name: str = "x") -> StoredFile:
    sha = hashlib.sha256(f"{name}:{text}".encode()).hexdigest()
    return StoredFile.objects.create(sha256=sha, size=len(text), content_type="application/pdf",
                                     path=f"files/{sha[:2]}/{sha[2:4]}/{sha}", text=text)


def register_with(clerk, agency, files: list[StoredFile], **overrides) -> Document:
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(**overrides),
                             stored_files=[(f, f"tep-{f.pk}.pdf") for f in files], allow_duplicate=True)


def upload_of(user, agency, f: StoredFile, name="ban-nhan-them.pdf") -> IntakeUpload:
    return IntakeUpload.objects.create(file=f, agency=agency, uploaded_by=user, original_name=name)


# --- SimHash -----------------------------------------------------------------------------------

def test_signed_storage_round_trips_and_bands_cover_the_hash():
    for h in (0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0xDEADBEEFCAFEBABE):
        assert to_unsigned(to_signed(h)) == h
        assert -(2**63) <= to_signed(h) < 2**63
        b = bands(h)
        assert len(b) == 4 and all(0 <= x < 2**16 for x in b)
        assert sum(x << (16 * i) for i, x in enumerate(b)) == h
    assert hamming(0b1011, 0b0001) == 2


def test_words_are_folded_and_letterhead_words_left_out():
    assert text_words("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Chuyển đổi số, tỉnh Quảng Nam a 2026") == [
        "chuyen", "doi", "tinh", "quang", "2026"]


def test_variants_of_one_letter_are_near_and_different_letters_are_not():
    original = cong_van(215, SENTENCES[:6])
    h = simhash(text_words(original))
    assert hamming(h, simhash(text_words(original))) == 0
    assert hamming(h, simhash(text_words(scanned(original)))) <= NEAR_DISTANCE
    assert hamming(h, simhash(text_words(retyped(original)))) <= NEAR_DISTANCE
    # letters on the same letterhead with other content, even a few sentences long, are far
    rnd = random.Random(7)
    for _ in range(40):
        a, b = rnd.sample(SENTENCES, 4), rnd.sample(SENTENCES, 4)
        if set(a) == set(b):
            continue
        d = hamming(simhash(text_words(cong_van(rnd.randint(100, 999), a))),
                    simhash(text_words(cong_van(rnd.randint(100, 999), b))))
        assert d > NEAR_DISTANCE, (a, b, d)


@pytest.mark.django_db
def test_fingerprint_is_kept_once_and_short_texts_are_never_candidates():
    f = stored(cong_van(1, SENTENCES[:5]))
    fp = fingerprint_ensure(f)
    assert fp.length == len(text_words(f.text)) >= MIN_WORDS
    assert to_unsigned(fp.simhash) == simhash(text_words(f.text))
    assert [fp.band0, fp.band1, fp.band2, fp.band3] == bands(to_unsigned(fp.simhash))
    assert fingerprint_ensure(f).pk == fp.pk
    assert TextFingerprint.objects.count() == 1
    short = stored("Kính gửi Ủy ban nhân dân xã", name="short")
    row = fingerprint_ensure(short)
    assert (row.length, row.simhash) == (3, 0)


@pytest.mark.django_db
def test_fingerprint_waits_for_a_running_reading_and_prefers_its_repaired_text():
    f = stored("", name="scan")
    ext = Extraction.objects.create(file=f, status=ExtractionStatus.RUNNING, source="ocr")
    assert fingerprint_ensure(f) is None
    assert not TextFingerprint.objects.exists()
    ext.status, ext.text = ExtractionStatus.DONE, cong_van(9, SENTENCES[:5])
    ext.save()
    fp = fingerprint_ensure(f)
    assert fp.length == len(text_words(ext.text))


# --- finding -----------------------------------------------------------------------------------

@pytest.mark.django_db
def test_same_bytes_already_attached_are_found(agency, clerk):
    f = stored(cong_van(1, SENTENCES[:3]))
    doc = register_with(clerk, agency, [f])
    register_with(clerk, agency, [stored("khác", name="other")], number="99")
    matches = find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f])
    assert [(m.document.pk, m.reasons) for m in matches] == [(doc.pk, ["content"])]
    assert matches[0].labels == ["Cùng tệp (trùng từng byte)"]


@pytest.mark.django_db
def test_same_issuer_number_and_date_are_found(agency, clerk):
    issued = timezone.localdate() - dt.timedelta(days=3)
    doc = register_with(clerk, agency, [], issuer="UBND tỉnh Quảng Nam", number="2739", notation="UBND-KTTH",
                        issued_date=issued)
    register_with(clerk, agency, [], issuer="UBND tỉnh Quảng Nam", number="2740", notation="UBND-KTTH",
                  issued_date=issued)
    f = stored("", name="new")
    meta = {"issuer": "UBND TỈNH QUẢNG NAM", "number": "2739", "notation": "UBND-KTTH", "issued_date": issued}
    matches = find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f], metadata=meta)
    assert [(m.document.pk, m.reasons) for m in matches] == [(doc.pk, ["metadata"])]
    assert find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f],
                                         metadata=meta | {"issued_date": issued - dt.timedelta(days=1)}) == []


@pytest.mark.django_db
def test_near_identical_text_is_found_a_scan_and_a_retyped_copy(agency, clerk):
    original = cong_van(215, SENTENCES[:6])
    doc = register_with(clerk, agency, [stored(original, "born-digital")])
    other = register_with(clerk, agency, [stored(cong_van(216, SENTENCES[6:12]), "other")], number="7")
    fingerprints_backfill()
    for variant in (scanned(original), retyped(original)):
        f = stored(variant, name=variant[:20])
        matches = find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f])
        assert [(m.document.pk, m.reasons) for m in matches] == [(doc.pk, ["text"])]
        assert matches[0].distance <= NEAR_DISTANCE
    assert other.pk not in [m.document.pk for m in matches]


@pytest.mark.django_db
def test_all_three_ways_on_one_document_are_listed_once(agency, clerk):
    issued = timezone.localdate() - dt.timedelta(days=2)
    f = stored(cong_van(215, SENTENCES[:6]))
    doc = register_with(clerk, agency, [f], number="215", notation="UBND-VP", issued_date=issued,
                        issuer="UBND huyện Nông Sơn")
    fingerprint_ensure(f)
    meta = {"issuer": "UBND huyện Nông Sơn", "number": "215", "notation": "UBND-VP", "issued_date": issued}
    copy = stored(retyped(f.text), name="copy")
    matches = find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f, copy], metadata=meta)
    assert [(m.document.pk, m.reasons) for m in matches] == [(doc.pk, ["content", "metadata", "text"])]


@pytest.mark.django_db
def test_nothing_is_found_in_another_agency(agency, other_agency, clerk, other_clerk):
    issued = timezone.localdate() - dt.timedelta(days=2)
    f = stored(cong_van(215, SENTENCES[:6]))
    register_with(other_clerk, other_agency, [f], number="215", issued_date=issued, issuer="UBND tỉnh Quảng Nam")
    fingerprint_ensure(f)
    meta = {"issuer": "UBND tỉnh Quảng Nam", "number": "215", "notation": "QĐ-UBND", "issued_date": issued}
    assert find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f], metadata=meta) == []
    # nor when asking about the other agency: the clerk sees none of its documents
    assert find_cross_channel_duplicates(actor=clerk, agency_id=other_agency.pk, stored_files=[f],
                                         metadata=meta) == []


@pytest.mark.django_db
def test_a_secret_document_the_clerk_is_not_named_on_is_not_found(agency, clerk):
    issued = timezone.localdate() - dt.timedelta(days=2)
    other = make_official(agency, Role.CLERK, username="vanthu2").user
    f = stored(cong_van(215, SENTENCES[:6]))
    secret = register_with(other, agency, [f], number="215", issued_date=issued, secrecy=Secrecy.CONFIDENTIAL)
    fingerprint_ensure(f)
    meta = {"issuer": "UBND tỉnh Quảng Nam", "number": "215", "notation": "QĐ-UBND", "issued_date": issued}
    copy = stored(retyped(f.text), name="copy")
    assert find_cross_channel_duplicates(actor=clerk, agency_id=agency.pk, stored_files=[f, copy],
                                         metadata=meta) == []
    # the clerk who registered it (named on it) is warned
    found = find_cross_channel_duplicates(actor=other, agency_id=agency.pk, stored_files=[f, copy], metadata=meta)
    assert [(m.document.pk, m.reasons) for m in found] == [(secret.pk, ["content", "metadata", "text"])]


@pytest.mark.django_db
def test_backfill_reads_attached_files_once(agency, clerk):
    files = [stored(cong_van(i, SENTENCES[i:i + 5]), name=str(i)) for i in range(3)]
    register_with(clerk, agency, files[:2])
    stored("not attached", name="loose")
    assert fingerprints_backfill() == 2
    assert set(TextFingerprint.objects.values_list("file_id", flat=True)) == {files[0].pk, files[1].pk}
    assert fingerprints_backfill() == 0


# --- linking -----------------------------------------------------------------------------------

def _state(doc):
    return (Attachment.objects.filter(document=doc).count(), Register.objects.get(pk=doc.register_id).next_number,
            Document.objects.count(), JournalEntry.objects.filter(action="document.copy_received").count())


@pytest.mark.django_db
def test_link_attaches_the_new_copy_without_a_new_number_and_journals_it(agency, clerk):
    first = stored(cong_van(215, SENTENCES[:6]), name="paper-scan")
    doc = register_with(clerk, agency, [first])
    before_next = Register.objects.get(pk=doc.register_id).next_number
    copy = stored(retyped(first.text), name="email")
    u = upload_of(clerk, agency, copy, name="cv-215-email.pdf")
    linked = duplicate_link(actor=clerk, document_id=doc.pk, uploads=[u], channel="email")
    assert linked.pk == doc.pk
    assert list(Attachment.objects.filter(document=doc).values_list("file_id", "original_name", "position")) == [
        (first.pk, f"tep-{first.pk}.pdf", 0), (copy.pk, "cv-215-email.pdf", 1)]
    assert Register.objects.get(pk=doc.register_id).next_number == before_next
    assert Document.objects.count() == 1
    u.refresh_from_db()
    assert u.document_id == doc.pk
    entry = JournalEntry.objects.get(action="document.copy_received")
    assert (entry.object_type, entry.object_id, entry.actor_id, entry.agency_id_ref) == (
        "documents.document", str(doc.pk), clerk.pk, agency.pk)
    assert entry.after == {"channel": "email", "files_added": ["cv-215-email.pdf"], "files_already_kept": []}
    assert TextFingerprint.objects.filter(file=copy).exists()


@pytest.mark.django_db
def test_link_of_the_same_bytes_adds_no_file_but_records_the_arrival(agency, clerk):
    f = stored(cong_van(215, SENTENCES[:6]))
    doc = register_with(clerk, agency, [f])
    u = upload_of(clerk, agency, f, name="lan-2.pdf")
    duplicate_link(actor=clerk, document_id=doc.pk, uploads=[u], channel="electronic")
    assert Attachment.objects.filter(document=doc).count() == 1
    assert JournalEntry.objects.get(action="document.copy_received").after == {
        "channel": "electronic", "files_added": [], "files_already_kept": ["lan-2.pdf"]}


@pytest.mark.django_db
def test_link_refusals_change_nothing(agency, other_agency, clerk, other_clerk, officer):
    doc = register_with(clerk, agency, [stored(cong_van(215, SENTENCES[:6]))],
                        receiving_department_id=agency.departments.get(code="NV").pk)
    foreign = register_with(other_clerk, other_agency, [stored("x", name="foreign")])
    mine = upload_of(clerk, agency, stored("copy", name="copy"))
    colleague = make_official(agency, Role.CLERK, username="vanthu2").user
    theirs = upload_of(colleague, agency, stored("theirs", name="theirs"))
    before = _state(doc)
    with pytest.raises(NotFound):
        duplicate_link(actor=clerk, document_id=foreign.pk, uploads=[mine], channel="email")
    with pytest.raises(ValidationFailed) as exc:
        duplicate_link(actor=clerk, document_id=doc.pk, uploads=[theirs], channel="email")
    assert exc.value.fields == {"files": "Tệp không hợp lệ."}
    with pytest.raises(ValidationFailed) as exc:
        duplicate_link(actor=clerk, document_id=doc.pk, uploads=[mine], channel="pigeon")
    assert exc.value.fields == {"channel": "Không hợp lệ."}
    with pytest.raises(ValidationFailed):
        duplicate_link(actor=clerk, document_id=doc.pk, uploads=[], channel="email")
    # the officer sees the document (sent to his unit) but does not register
    with pytest.raises(PermissionDenied):
        duplicate_link(actor=officer, document_id=doc.pk, uploads=[upload_of(officer, agency, mine.file)],
                       channel="email")
    outgoing_like = Document.objects.filter(pk=doc.pk)
    assert _state(doc) == before
    assert IntakeUpload.objects.filter(document__isnull=False).count() == 0
    assert outgoing_like.get().attachments.count() == 1


def test_stopwords_are_folded_words():
    assert all(w == w.lower() and w.isascii() for w in duplicates.STOPWORDS)
    assert not list(itertools.islice((w for w in duplicates.STOPWORDS if len(w) < 2), 1))
