"""The demo seeding keeps every invariant the registration services keep, and loads only once."""

import datetime as dt
import io
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from congvu.audit.models import JournalEntry
from congvu.audit.services import journal_verify
from congvu.core.folding import fold_for_index
from congvu.demo import corpus
from congvu.demo.seed import DEMO_PASSWORD, DISTRICT_ID, demo_exists, seed_demo
from congvu.documents import search
from congvu.documents.models import (
    Attachment,
    Direction,
    Document,
    DocumentAccess,
    Register,
    SearchEntry,
    Secrecy,
)
from congvu.documents.selectors import visible_documents
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import IDENTIFIER_RE, Agency, Membership, Role

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Friday 4 September 2026, mid-afternoon. The four working days before it skip the weekend and the
# National Day holidays of 31 August – 2 September 2026.
NOW = dt.datetime(2026, 9, 4, 15, 30, tzinfo=VN)
EXPECTED_DAYS = [dt.date(2026, 8, 26), dt.date(2026, 8, 27), dt.date(2026, 8, 28), dt.date(2026, 9, 3),
                 dt.date(2026, 9, 4)]


@pytest.fixture
def seeded(db, monkeypatch):
    # Tasks, drafts and the schedule go through the services at the real time; test_work.py covers them.
    monkeypatch.setattr("congvu.demo.work.seed_work_demo", lambda **kwargs: None)
    return seed_demo(days=5, now=NOW)


def test_working_days_skip_weekends_and_vietnamese_holidays():
    assert corpus.working_days(dt.date(2026, 8, 26), dt.date(2026, 9, 4)) == EXPECTED_DAYS


def test_seed_writes_the_demo_deployment_with_daily_volumes(seeded):
    assert seeded.created is True
    assert (seeded.first_day, seeded.last_day) == (dt.date(2026, 8, 26), dt.date(2026, 9, 4))
    assert demo_exists()
    per_day: dict[tuple, Counter] = defaultdict(Counter)
    for agency_id, direction, at in Document.objects.values_list("agency_id", "direction", "registered_at"):
        per_day[(agency_id, timezone.localtime(at, VN).date())][direction] += 1
    registering = set(Document.objects.values_list("agency__name", flat=True).distinct())
    assert registering == {"UBND huyện Nông Sơn", "UBND xã Quế Trung", "UBND xã Ninh Phước"}
    assert sorted({day for _, day in per_day}) == EXPECTED_DAYS
    assert len(per_day) == 3 * 5
    for counts in per_day.values():
        assert 30 <= counts[Direction.INCOMING] <= 40
        assert 10 <= counts[Direction.OUTGOING] <= 15
    assert Document.objects.filter(direction="in").count() == seeded.incoming
    assert Document.objects.filter(direction="out").count() == seeded.outgoing


def test_every_register_numbers_1_to_n_in_arrival_order_and_next_number_follows(seeded):
    registers = list(Register.objects.all())
    assert len(registers) >= 6
    for register in registers:
        numbers = list(register.documents.order_by("registered_at", "id").values_list("register_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), register.name
        assert register.next_number == len(numbers) + 1


def test_outgoing_numbers_and_notations_follow_decree_30(seeded):
    district = Agency.objects.get(identifier=DISTRICT_ID)
    decisions = Document.objects.filter(agency=district, direction="out", doc_type__code="quyet_dinh",
                                        secrecy=Secrecy.NORMAL).order_by("register_number")
    first = decisions.first()
    assert first.register.scope == Register.Scope.PER_TYPE  # the district numbers its decisions separately
    assert (first.number, first.notation) == ("01", "QĐ-UBND")
    letter = Document.objects.filter(direction="out", doc_type__code="cong_van").select_related(
        "drafting_department", "agency").first()
    assert letter.notation == f"{letter.agency.notation_code}-{letter.drafting_department.code}"


def test_secret_documents_sit_in_secret_registers_with_an_access_list(seeded):
    secret = Document.objects.exclude(secrecy=Secrecy.NORMAL)
    normal = Document.objects.filter(secrecy=Secrecy.NORMAL)
    assert not secret.exclude(register__scope=Register.Scope.SECRET).exists()
    assert not normal.filter(register__scope=Register.Scope.SECRET).exists()
    for doc in secret:
        assert DocumentAccess.objects.filter(document=doc).count() >= 1
    officer = get_user_model().objects.get(username="chuyenvien")
    assert not visible_documents(officer).exclude(secrecy=Secrecy.NORMAL).exists()


def test_search_rows_are_what_the_search_service_would_write(seeded):
    assert SearchEntry.objects.count() == Document.objects.count()
    bodies = dict(SearchEntry.objects.values_list("document_id", "body"))
    for doc in Document.objects.select_related("doc_type"):
        assert bodies[doc.pk] == search.document_body(doc), doc.pk
        assert doc.issuer_folded == fold_for_index(doc.issuer)[:200]


def test_search_finds_seeded_documents_typed_without_accents(seeded):
    clerk = get_user_model().objects.get(username="vanthu")
    district = Agency.objects.get(identifier=DISTRICT_ID)
    doc = Document.objects.filter(agency=district, secrecy=Secrecy.NORMAL).order_by("id").last()
    words = fold_for_index(doc.subject).split()[:4]
    page = search.search_documents(user=clerk, query=f'"{" ".join(words)}"', limit=200)
    assert doc.pk in [d.pk for d in page.items]


def test_attachments_are_small_valid_pdfs_with_a_text_layer(seeded):
    attachments = list(Attachment.objects.select_related("file", "document"))
    for att in attachments:
        from congvu.documents.files import open_stored

        with open_stored(att.file) as fh:
            content = fh.read()
        assert content.startswith(b"%PDF-1.4")
        assert len(content) < 2000
        text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
        assert att.document.number in text


def test_one_login_per_role_and_a_person_in_two_agencies(seeded):
    User = get_user_model()
    district = Agency.objects.get(identifier=DISTRICT_ID)
    for username, role in (("vanthu", Role.CLERK), ("lanhdao", Role.LEADER), ("chuyenvien", Role.OFFICER),
                           ("motcua", Role.ONESTOP), ("quantri", Role.AGENCY_ADMIN)):
        assert Membership.objects.filter(official__user__username=username, agency=district, role=role).exists()
    assert User.objects.get(username="admin").is_superuser
    dual = Membership.objects.filter(official__user__username="kiemnhiem")
    assert sorted(dual.values_list("agency__name", flat=True)) == ["UBND huyện Nông Sơn", "UBND xã Quế Trung"]
    assert Client().login(username="vanthu", password=DEMO_PASSWORD)


def test_agencies_have_qcvn_102_identifiers(seeded):
    names = set(Agency.objects.values_list("name", flat=True))
    assert {"UBND tỉnh Quảng Nam", "Sở Nội vụ tỉnh Quảng Nam", "UBND huyện Nông Sơn"} <= names
    assert {f"UBND xã {c}" for c in corpus.COMMUNES} <= names
    for identifier in Agency.objects.values_list("identifier", flat=True):
        assert IDENTIFIER_RE.match(identifier), identifier
    district = Agency.objects.get(identifier=DISTRICT_ID)
    assert district.departments.filter(name="Phòng Nội vụ").exists()
    assert district.children.filter(active_to__isnull=True).count() == 6


def test_seeding_is_journaled_once_and_the_journal_verifies(seeded):
    entries = JournalEntry.objects.filter(action="demo.seed")
    assert entries.count() == 1
    assert entries.get().after["incoming"] == seeded.incoming
    assert journal_verify().ok


def test_second_run_adds_nothing(seeded):
    counts = (Document.objects.count(), Agency.objects.count(), get_user_model().objects.count(),
              JournalEntry.objects.count(), Register.objects.count())
    again = seed_demo(days=5, now=NOW)
    assert again.created is False
    assert (Document.objects.count(), Agency.objects.count(), get_user_model().objects.count(),
            JournalEntry.objects.count(), Register.objects.count()) == counts


def test_the_services_continue_the_seeded_numbering(db):
    seed_demo(days=2)  # up to now, so the service registers into the same yearly register
    clerk = get_user_model().objects.get(username="vanthu")
    district = Agency.objects.get(identifier=DISTRICT_ID)
    register = Register.objects.get(agency=district, year=timezone.localdate().year, direction="in",
                                    scope=Register.Scope.GENERAL)
    before = register.next_number
    doc = incoming_register(actor=clerk, agency=district, data=incoming_data(number="999999"))
    assert (doc.register_id, doc.register_number) == (register.pk, before)
    register.refresh_from_db()
    assert register.next_number == before + 1


def test_documents_registered_today_exist_for_the_home_page(db):
    now = timezone.now()
    seed_demo(days=1, now=now)
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time.min, timezone.get_current_timezone())
    assert Document.objects.filter(registered_at__gte=start, registered_at__lte=now).count() >= 3 * (30 + 10)


def test_demo_command_loads_once_and_prints_the_logins(db):
    out = io.StringIO()
    call_command("demo", "--no-serve", "--days", "1", stdout=out)
    text = out.getvalue()
    for username in ("vanthu", "lanhdao", "chuyenvien", "motcua", "quantri", "admin", "kiemnhiem"):
        assert username in text
    assert DEMO_PASSWORD in text
    count = Document.objects.count()
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "dùng lại" in out.getvalue()
    assert Document.objects.count() == count
