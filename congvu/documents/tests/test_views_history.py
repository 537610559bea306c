"""The history on a document's page comes from `documents.history.document_history`: journal rows in
Vietnamese, corrections with their before → after values, and nothing for a user who may not see it."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.audit.services import journal_record, journal_verify
from congvu.core.errors import NotFound
from congvu.documents.history import document_history
from congvu.documents.models import Secrecy
from congvu.documents.services import document_update, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import Official

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _history(page: str) -> list[str]:
    """The "Lịch sử" box as text lines: each entry's label, then its changes."""
    box = page.split("<h2>Lịch sử</h2>", 1)[1].split("</section>", 1)[0]
    lines = []
    for item in re.findall(r"<strong>(.*?)</strong>|<li>([^<]*?): <span class=\"old\">(.*?)</span> → "
                           r"<span class=\"new\">(.*?)</span></li>", box):
        label, field, old, new = item
        lines.append(label or f"{field}: {old} → {new}")
    return lines


def test_corrections_read_in_vietnamese_on_the_page_and_from_the_selector(client, agency, clerk, officer):
    Official.objects.filter(user=clerk).update(full_name="Nguyễn Thị Lan")
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    dept = agency.departments.get(code="NV")
    due = TODAY + dt.timedelta(days=5)
    document_update(actor=clerk, document=doc, changes={
        "urgency": "flash", "receiving_department_id": dept.pk, "receiving_official_id": officer.official.pk,
        "due_date": due.strftime("%d/%m/%Y"), "pages": "4"})
    document_update(actor=clerk, document=doc, changes={"pages": ""})
    expected = [
        ("Vào sổ văn bản đến", "Nguyễn Thị Lan", []),
        ("Sửa thông tin văn bản", "Nguyễn Thị Lan", [
            ("Độ khẩn", "Thường", "Hỏa tốc"), ("Số trang", "(trống)", "4"),
            ("Hạn xử lý", "(trống)", f"{due:%d/%m/%Y}"), ("Đơn vị nhận", "(trống)", "Phòng Nội vụ"),
            ("Người nhận", "(trống)", "Cán bộ chuyenvien")]),
        ("Sửa thông tin văn bản", "Nguyễn Thị Lan", [("Số trang", "4", "(trống)")]),
    ]
    assert [(e.label, e.actor_name, e.changes) for e in document_history(user=clerk, document=doc)] == expected
    client.force_login(clerk)
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    assert _history(page) == [line for label, _, changes in expected
                              for line in [label] + [f"{f}: {a} → {b}" for f, a, b in changes]]
    assert page.count(" · Nguyễn Thị Lan</div>") == 3 and " · vanthu<" not in page


def test_the_actor_is_named_when_the_page_is_read_and_the_journal_keeps_the_login(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    bot = get_user_model().objects.create_user(username="dongbo", password="x")  # a user who is no official
    with transaction.atomic():
        journal_record(actor=bot, agency_id=agency.pk, action="document.access_grant", obj=doc)
        journal_record(actor=None, agency_id=agency.pk, action="document.print", obj=doc)
    Official.objects.filter(user=clerk).update(full_name="Nguyễn Thị Lan")
    rows = list(JournalEntry.objects.filter(object_type="documents.document", object_id=str(doc.pk))
                .order_by("pk").values_list("actor_name", "hash"))
    assert [(e.label, e.actor_name) for e in document_history(user=clerk, document=doc)] == [
        ("Vào sổ văn bản đến", "Nguyễn Thị Lan"), ("Cho phép xem văn bản", "dongbo"),
        ("In sổ văn bản mật có văn bản này", "hệ thống")]
    Official.objects.filter(user=clerk).update(full_name="Nguyễn Thị Lan Anh")  # renamed: the history follows
    assert document_history(user=clerk, document=doc)[0].actor_name == "Nguyễn Thị Lan Anh"
    assert [name for name, _ in rows] == ["vanthu", "dongbo", "hệ thống"]
    assert list(JournalEntry.objects.filter(object_type="documents.document", object_id=str(doc.pk))
                .order_by("pk").values_list("actor_name", "hash")) == rows
    assert journal_verify().ok


def test_outgoing_history_names_the_reply_date_and_the_status(client, agency, clerk):
    doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    document_update(actor=clerk, document=doc, changes={"due_date": TODAY.strftime("%d/%m/%Y"),
                                                        "dispatched_on": TODAY.strftime("%d/%m/%Y")})
    history = document_history(user=clerk, document=doc)
    assert [(e.label, e.changes) for e in history] == [
        ("Cấp số văn bản đi", []),
        ("Sửa thông tin văn bản", [("Hạn trả lời", "(trống)", f"{TODAY:%d/%m/%Y}"),
                                   ("Ngày chuyển", "(trống)", f"{TODAY:%d/%m/%Y}"),
                                   ("Trạng thái", "Đã ban hành", "Đã phát hành")])]


def test_opening_a_secret_document_appears_in_its_history(client, agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", secrecy=Secrecy.SECRET))
    client.force_login(clerk)
    client.get(reverse("documents:detail", args=[doc.pk]))
    page = client.get(reverse("documents:detail", args=[doc.pk])).content.decode()
    # The second opening lists the first one and itself (journaled before the page is built).
    assert _history(page) == ["Vào sổ văn bản đến", "Mở xem văn bản mật", "Mở xem văn bản mật"]


def test_history_is_not_given_to_who_may_not_see_the_document(agency, clerk, leader, other_clerk):
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", secrecy=Secrecy.SECRET))
    for user in (other_clerk, leader):  # another agency; the agency's leader not named on it
        with pytest.raises(NotFound):
            document_history(user=user, document=secret)
