"""The home page's urgent figure counts exactly the documents of its urgent list: urgent incoming
documents not past their due date, those without a due date included."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.documents.models import Document, Urgency
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _urgent_links(page: str) -> list[int]:
    """Ids of the documents in the "Văn bản khẩn" box."""
    box = page.split("<h2>Văn bản khẩn</h2>", 1)[1].split("</section>", 1)[0]
    return [int(pk) for pk in re.findall(r'href="/documents/(\d+)/"', box)]


def test_urgent_count_and_list_agree(client, agency, clerk):
    def incoming(number, urgency, due):
        return incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number=number, urgency=urgency, issued_date=TODAY - dt.timedelta(days=40), due_date=due))

    no_due = incoming("1", Urgency.URGENT, None)
    due_today = incoming("2", Urgency.FLASH, TODAY)
    due_later = incoming("3", Urgency.VERY_URGENT, TODAY + dt.timedelta(days=3))
    incoming("4", Urgency.URGENT, TODAY - dt.timedelta(days=1))  # overdue: neither
    incoming("5", Urgency.NORMAL, None)  # not urgent
    outgoing_register(actor=clerk, agency=agency, data=outgoing_data(urgency=Urgency.FLASH))  # not incoming
    assert Document.objects.count() == 6
    client.force_login(clerk)
    page = client.get(reverse("documents:home")).content.decode()
    assert _urgent_links(page) == [due_later.pk, due_today.pk, no_due.pk]
    assert re.search(r'data-count="urgent_open">(\d+)<', page).group(1) == "3"
