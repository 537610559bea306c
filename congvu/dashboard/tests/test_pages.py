"""The dashboard pages: what a leader sees, that every figure is the registry's, that every figure links to its
items with the same scope, who is refused, and that bad filters give a clean message (never a 500)."""

import datetime as dt
import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.dashboard import charts, indicators, rollups
from congvu.dashboard.access import Scope
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import AgencyKind, Role
from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_registry_cache():
    """The registry keeps labels and the snapshot day a few seconds per process: not across tests."""
    indicators.cache_clear()
    yield
    indicators.cache_clear()


@pytest.fixture
def commune(agency):
    return make_agency(name="UBND xã Quế Lộc", code="UBND", kind=AgencyKind.COMMUNE_PC, parent=agency)


@pytest.fixture
def figures(reference_data, agency, commune, clerk, leader):
    """Records of today, rolled up by `rollups.rebuild`: 5 + 3 incoming documents (district, commune), 2 outgoing
    (district), and 4 of the district's incoming documents whose lead assignment to Nội vụ was due two days ago
    and is still in progress."""
    nv = agency.departments.get(code="NV")
    commune_clerk = make_official(commune, Role.CLERK, username="vanthu_queloc").user
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(60 + i))) for i in range(5)]
    for i in range(3):
        incoming_register(actor=commune_clerk, agency=commune, data=incoming_data(number=str(70 + i)))
    for _ in range(2):
        outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    now = timezone.now()
    for doc in docs[:4]:
        Assignment.objects.create(agency=agency, document=doc, role=AssignmentRole.LEAD, assignee_department=nv,
                                  assigned_by=leader.official, due_at=now - dt.timedelta(days=2),
                                  status=AssignmentStatus.IN_PROGRESS, created_at=now - dt.timedelta(days=5))
    rollups.rebuild()
    indicators.cache_clear()
    return docs


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _month_scope(*agencies) -> Scope:
    today = timezone.localdate()
    return Scope(tuple(sorted(a.pk for a in agencies)), today.replace(day=1), today)


def _tile_text(html: str, key: str) -> str:
    m = re.search(rf'data-figure="{key}">(.*?)</span>', html, re.S)
    assert m, f"no figure {key}"
    return unescape(m.group(1)).strip()


def _tile_href(html: str, key: str) -> str:
    m = re.search(rf'<a class="stat[^"]*" href="([^"]+)" data-indicator="{key}"', html)
    assert m, f"no link for {key}"
    return unescape(m.group(1))


def test_home_shows_the_registry_figures_for_the_leader_s_agency_and_below(leader, agency, commune, figures):
    r = _login(leader).get("/dashboard/")
    html = r.content.decode()
    assert r.status_code == 200
    scope = _month_scope(agency, commune)
    # Each figure is exactly what the registry computes for the default scope (this month, agency + commune).
    assert indicators.compute("documents_incoming", scope).value == 8
    assert _tile_text(html, "documents_incoming") == "8"
    assert _tile_text(html, "documents_outgoing") == "2"
    assert _tile_text(html, "processing_overdue") == "4"
    for key in ("documents_electronic_share", "dossiers_received", "exchange_waiting", "staffing_surplus"):
        assert _tile_text(html, key) == charts.number(indicators.compute(key, scope).value,
                                                      indicators.get(key).unit)
    # The ranked table names the department with its overdue count, linked to the items of that department.
    nv = agency.departments.get(code="NV")
    assert "Phòng Nội vụ" in html
    assert "/dashboard/items/processing_overdue/?from=" in html and f"dim={nv.pk}" in html


def test_every_figure_links_to_its_items_with_the_same_scope(leader, agency, commune, figures):
    today = timezone.localdate()
    c = _login(leader)
    html = c.get(f"/dashboard/?agency={commune.pk}").content.decode()
    href = _tile_href(html, "documents_incoming")
    period = f"from={today.replace(day=1):%d/%m/%Y}&to={today:%d/%m/%Y}".replace("/", "%2F")
    assert href == f"/dashboard/items/documents_incoming/?agency={commune.pk}&{period}"
    assert _tile_text(html, "documents_incoming") == "3"  # the commune alone
    page = c.get(href)
    assert page.status_code == 200
    body = page.content.decode()
    # The items page reads the same figure: 3 documents counted; the leader of the district holds no position
    # in the commune, so none of them is visible to them and the page says so.
    assert 'data-total="3" data-visible="0"' in body
    assert "3 mục bạn không có quyền xem" in body


def test_presets_and_explicit_periods(leader, figures):
    c = _login(leader)
    today = timezone.localdate()
    r = c.get("/dashboard/?preset=today")
    assert r.status_code == 200
    assert f'value="{today:%d/%m/%Y}"' in r.content.decode()
    r = c.get("/dashboard/?preset=year")
    assert f'value="01/01/{today.year}"' in r.content.decode()
    r = c.get(f"/dashboard/?from=01/01/{today.year}&to={today:%d/%m/%Y}")
    assert r.status_code == 200
    assert _tile_text(r.content.decode(), "documents_incoming") == "8"


def test_indicator_page_formula_chart_table_breakdown(leader, agency, figures):
    r = _login(leader).get("/dashboard/indicators/documents_incoming/")
    html = r.content.decode()
    assert r.status_code == 200
    ind = indicators.get("documents_incoming")
    assert ind.formula in html and ind.period in html
    assert "<svg" in html and "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "<caption>Văn bản đến theo ngày</caption>" in html
    today = timezone.localdate()
    assert f"<td>{today:%d/%m/%Y}</td><td class=\"num\">8</td>" in html  # the table beside the chart
    assert 'id="breakdown"' in html and agency.name in html


def test_charts_hold_no_script_and_no_external_asset():
    series = [(dt.date(2026, 11, d), d % 3) for d in range(1, 31)]
    svg = charts.line_chart(series, label="Văn bản đến")
    bar = charts.bar_chart([("Phòng <Nội vụ>", 4), ("Văn phòng", 1)], label="Quá hạn")
    for out in (svg, bar):
        assert "<script" not in out
        assert not re.search(r'(?:href|src)="https?://', out)
    assert "01/11" in svg and "Phòng &lt;Nội vụ&gt;" in bar
    assert charts.table_rows(series)[0] == ("01/11/2026", "1")


def test_wall_page_refreshes_itself_and_answers_htmx_with_the_figures_only(leader, figures):
    c = _login(leader)
    r = c.get("/dashboard/wall/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'hx-trigger="every 60s"' in html and "htmx-2.min.js" in html
    assert 'class="mainnav"' not in html  # no navigation chrome
    partial = c.get("/dashboard/wall/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<main id="wall-figures"') and "<html" not in partial
    assert _wall_value(partial, "documents_incoming") == "8"


def _wall_value(html, key):
    m = re.search(rf'<span class="wall-value" data-figure="{key}">(.*?)</span>', html)
    return m.group(1)


def test_anonymous_is_sent_to_the_login_page():
    for url in ("/dashboard/", "/dashboard/wall/", "/dashboard/items/documents_incoming/",
                "/dashboard/indicators/documents_incoming/"):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard/wall/", "/dashboard/items/documents_incoming/",
                                 "/dashboard/indicators/documents_incoming/"])
def test_an_officer_or_a_clerk_gets_403_with_a_vietnamese_message(officer, clerk, url):
    for user in (officer, clerk):
        r = _login(user).get(url)
        assert r.status_code == 403
        assert "Bạn không có quyền xem bảng điều hành" in r.content.decode()


def test_an_agency_outside_the_leader_s_scope_is_refused(leader, other_agency, agency):
    c = _login(leader)
    for url in (f"/dashboard/?agency={other_agency.pk}", f"/dashboard/items/documents_incoming/?agency={other_agency.pk}",
                f"/dashboard/wall/?agency={other_agency.pk}",
                f"/dashboard/indicators/documents_incoming/?agency={other_agency.pk}"):
        r = c.get(url)
        assert r.status_code == 403, url
        assert "không có quyền xem số liệu của cơ quan này" in r.content.decode()
    # the commune leader does not see the district above
    commune = make_agency(name="UBND xã Quế Lâm", kind=AgencyKind.COMMUNE_PC, parent=agency)
    commune_leader = make_official(commune, Role.LEADER, username="lanhdao_xa").user
    assert _login(commune_leader).get(f"/dashboard/?agency={agency.pk}").status_code == 403
    assert _login(commune_leader).get(f"/dashboard/?agency={commune.pk}").status_code == 200


@pytest.mark.parametrize("query", [
    "from=32/13/2026", "from=abc&to=01/01/2026", "to=31/02/2026", "from=10/11/2026&to=01/11/2026",
    "agency=abc", "agency=1%3B%20drop", "agency=%C2%B2", "preset=forever", "from=01/01/1900&to=31/12/2026",
    "from=" + "9" * 300, "from=31/12/9999", "to=31/12/9999", "from=01/01/0001&to=01/01/0001",
])
def test_garbage_filters_give_a_clean_400(leader, query):
    c = _login(leader)
    for url in ("/dashboard/", "/dashboard/items/documents_incoming/", "/dashboard/indicators/documents_incoming/",
                "/dashboard/wall/"):
        r = c.get(f"{url}?{query}")
        assert r.status_code == 400, (url, query)
        assert 'role="alert"' in r.content.decode()


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=99999999999999", "page=%C2%B2", "dim=abc",
                                   "dim=" + "x" * 100, "dim=%C2%B2"])
def test_garbage_items_params_give_a_clean_400(leader, query):
    r = _login(leader).get(f"/dashboard/items/processing_overdue/?{query}")
    assert r.status_code == 400
    assert 'role="alert"' in r.content.decode()


def test_unknown_indicator_is_404(leader):
    c = _login(leader)
    assert c.get("/dashboard/items/nothing/").status_code == 404
    assert c.get("/dashboard/indicators/nothing/").status_code == 404


def test_every_indicator_and_its_items_render(leader, figures):
    c = _login(leader)
    for key in indicators.INDICATORS:
        assert c.get(f"/dashboard/indicators/{key}/").status_code == 200, key
        assert c.get(f"/dashboard/items/{key}/").status_code == 200, key


def test_home_page_query_budget(leader, figures, django_assert_max_num_queries):
    c = _login(leader)
    c.get("/dashboard/")  # session and caches warm
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        assert c.get("/dashboard/").status_code == 200


# One read per indicator (each a single statement over the roll-ups) plus the page's own: a new query per agency
# or per row would break it. Reading the indicators together would bring it to ~25 (not done yet).
HOME_QUERY_BUDGET = 45


@pytest.mark.parametrize("key", ["processing_overdue", "documents_incoming", "dossiers_received", "staffing_in_post",
                                 "exchange_sent", "equipment_cameras", "tasks_late"])
def test_out_of_range_or_hostile_dimensions_never_fail(leader, key):
    """Numbers past a database integer, negative numbers, NUL bytes and SQL text: a clean page or a 400."""
    c = _login(leader)
    for dim in ("9" * 19, "9" * 30, "0", "-1", "\x00", "1 OR 1=1", "?"):
        r = c.get(f"/dashboard/items/{key}/", {"dim": dim})
        assert r.status_code in (200, 400), (key, dim)
    assert c.get("/dashboard/", {"agency": "9" * 30}).status_code == 403


def test_the_overview_links_every_indicator_page_with_the_same_scope(leader, figures):
    html = _login(leader).get("/dashboard/?preset=today").content.decode()
    today = timezone.localdate()
    catalogue = unescape(html.split('id="s-catalogue"', 1)[1].split("</section>", 1)[0])
    period = urlencode({"from": f"{today:%d/%m/%Y}", "to": f"{today:%d/%m/%Y}"})
    for key in indicators.INDICATORS:
        assert f'href="/dashboard/indicators/{key}/?{period}"' in catalogue


def test_a_superuser_sees_every_agency(agency, commune, other_agency, figures, django_user_model):
    admin = django_user_model.objects.create_superuser(username="quantri_he_thong", password="matkhau-123")
    c = _login(admin)
    html = c.get("/dashboard/").content.decode()
    assert _tile_text(html, "documents_incoming") == "8"
    for a in (agency, commune, other_agency):
        assert f'<option value="{a.pk}"' in html
    assert c.get(f"/dashboard/?agency={other_agency.pk}").status_code == 200
    assert c.get("/dashboard/wall/").status_code == 200
