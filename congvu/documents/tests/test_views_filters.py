"""The filters above the lists and on the search page: which registers they offer (only those the user
may see listed, `selectors.visible_registers`), and what a filter the form refuses does (errors shown,
no results, never the unfiltered list)."""

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from congvu.documents.models import Register, Secrecy
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


# --- filters the form refuses (C2) ---------------------------------------------------------------

def _results(page: str) -> list[int]:
    """Ids of the documents listed in the results area, in order."""
    results = page.split('id="results"', 1)[1] if 'id="results"' in page else page
    return [int(pk) for pk in re.findall(r'href="/documents/(\d+)/"', results)]


def _alert(page: str) -> str:
    """The text of the error box above the results, whitespace collapsed ("" when there is none)."""
    found = re.search(r'<div class="alert alert-error" role="alert">(.*?)</div>', page, re.DOTALL)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else ""


def test_search_page_filters_by_a_register_of_the_active_agency(client, docs, clerk):
    general = Register.objects.get(agency=docs["flood"].agency, direction="in", scope=Register.Scope.GENERAL)
    client.force_login(clerk)
    page = client.get(reverse("documents:search"), {"q": "lu lut", "register": str(general.pk)}).content.decode()
    assert _results(page) == [docs["flood"].pk]
    assert _register_options(page) == ["Tất cả", f"Sổ văn bản đến năm {YEAR}", f"Sổ văn bản mật đến năm {YEAR}",
                                       f"Sổ văn bản đi năm {YEAR}"]
    # Without the register: the query still applies, across both directions and the secret register.
    page = client.get(reverse("documents:search"), {"q": "lu lut"}).content.decode()
    assert sorted(_results(page)) == sorted([docs["flood"].pk, docs["out"].pk, docs["secret"].pk])


def test_search_page_refuses_a_register_it_does_not_offer(client, docs, clerk):
    foreign = docs["other"].register
    client.force_login(clerk)
    response = client.get(reverse("documents:search"), {"q": "lu lut", "register": str(foreign.pk)})
    page = response.content.decode()
    assert response.status_code == 200
    assert _results(page) == []
    assert _alert(page) == f"Điều kiện tìm kiếm chưa hợp lệ. Sổ: “{foreign.pk}” không có trong danh sách."


@pytest.mark.parametrize("params, message", [
    ({"urgency": "sieu_khan"}, "Độ khẩn: “sieu_khan” không có trong danh sách."),
    ({"status": "da_huy", "q": "lu lut"}, "Trạng thái: “da_huy” không có trong danh sách."),
    ({"doc_type": "sac_lenh"}, "Loại: “sac_lenh” không có trong danh sách."),
])
def test_list_refuses_a_filter_value_instead_of_listing_everything(client, docs, clerk, params, message):
    client.force_login(clerk)
    for headers in ({}, {"HX-Request": "true"}):  # the whole page and the htmx partial
        page = client.get(reverse("documents:incoming_list"), params, headers=headers).content.decode()
        assert _results(page) == []
        assert _alert(page) == f"Điều kiện tìm kiếm chưa hợp lệ. {message}"


def test_an_officer_cannot_filter_by_a_secret_register_they_are_not_shown(client, docs, officer):
    secret = docs["secret"].register
    client.force_login(officer)
    page = client.get(reverse("documents:incoming_list"), {"register": str(secret.pk)}).content.decode()
    assert _results(page) == []
    assert _alert(page) == f"Điều kiện tìm kiếm chưa hợp lệ. Sổ: “{secret.pk}” không có trong danh sách."
    # The officer's ordinary list is what is addressed to their department.
    page = client.get(reverse("documents:incoming_list")).content.decode()
    assert _results(page) == [docs["budget"].pk, docs["flood"].pk]


def test_search_page_explains_an_unknown_direction(client, docs, clerk):
    client.force_login(clerk)
    page = client.get(reverse("documents:search"), {"q": "lu lut", "direction": "ngang"}).content.decode()
    assert _results(page) == []
    assert _alert(page) == "Điều kiện tìm kiếm chưa hợp lệ. Loại sổ “ngang” không hợp lệ."
