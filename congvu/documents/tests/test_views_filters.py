"""The filters above the lists and on the search page: which registers they offer (only those the user
may see listed, `selectors.visible_registers`), and what a filter the form refuses does (errors shown,
no results, never the unfiltered list)."""

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.documents.models import Secrecy
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def docs(agency, other_agency, clerk, leader, officer, other_clerk):
    """Two ordinary incoming documents, one outgoing, and a secret one naming the clerk and the leader."""
    dept = agency.departments.get(code="NV")
    return {
        "flood": incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number="1", subject="Kế hoạch phòng chống lũ lụt", receiving_department_id=dept.pk)),
        "budget": incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number="2", subject="Dự toán ngân sách năm sau", receiving_department_id=dept.pk)),
        "out": outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Báo cáo lũ lụt")),
        "secret": incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number="3", subject="Kế hoạch mật về lũ lụt", secrecy=Secrecy.SECRET,
            access_official_ids=[leader.official.pk])),
        "other": incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(
            number="4", subject="Kế hoạch lũ lụt của xã")),
    }


def _register_options(page: str) -> list[str]:
    """The labels of the register <select> of the filters."""
    select = re.search(r'<select name="register"[^>]*>(.*?)</select>', page, re.DOTALL)
    return [html_lib.unescape(label) for label in re.findall(r"<option[^>]*>(.*?)</option>", select.group(1))]


@pytest.mark.parametrize("role, expected", [
    ("clerk", ["Tất cả", f"Sổ văn bản đến năm {YEAR}", f"Sổ văn bản mật đến năm {YEAR}"]),
    ("leader", ["Tất cả", f"Sổ văn bản đến năm {YEAR}", f"Sổ văn bản mật đến năm {YEAR}"]),
    ("agency_admin", ["Tất cả", f"Sổ văn bản đến năm {YEAR}", f"Sổ văn bản mật đến năm {YEAR}"]),
    ("officer", ["Tất cả", f"Sổ văn bản đến năm {YEAR}"]),
])
def test_list_filter_offers_secret_registers_only_to_whom_they_may_be_shown(client, request, docs, role, expected):
    client.force_login(request.getfixturevalue(role))
    assert _register_options(client.get(reverse("documents:incoming_list")).content.decode()) == expected
