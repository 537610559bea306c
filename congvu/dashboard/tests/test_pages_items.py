"""The items behind a figure: built through the real services, rolled up by `rollups.rebuild`, then read on the
dashboard and on the items page. The list holds exactly the records the figure counts (those the user may see),
and says how many the user may not see."""

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.dashboard import indicators, items, rollups
from congvu.dashboard.access import Scope
from congvu.documents.models import Secrecy
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.org.models import AgencyKind, Role
from congvu.workflow.models import Assignment
from congvu.workflow.services import assignment_accept, assignment_submit, direction_give

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_registry_cache():
    """The registry keeps labels and the snapshot day a few seconds per process: not across tests."""
    indicators.cache_clear()
    yield
    indicators.cache_clear()


@pytest.fixture
def world(reference_data, agency, clerk, leader, officer):
    """The district registers 3 incoming documents (one of them secret, named to the clerk only) and issues 1;
    the leader directs two to the officer of Nội vụ: one is done on time, the other's deadline has passed.
    A commune below the district registers 2 incoming documents."""
    nv = agency.departments.get(code="NV")
    d1 = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="11", subject="Về việc A"))
    d2 = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="12", subject="Về việc B"))
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        number="13", subject="Về việc mật", secrecy=Secrecy.CONFIDENTIAL,
        access_official_ids=[clerk.official.pk]))
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    today = timezone.localdate()
    direction_give(actor=leader, document=d1, text="Giao Nội vụ xử lý", lead=officer.official, due_at=today)
    direction_give(actor=leader, document=d2, text="Giao Nội vụ xử lý", lead=officer.official,
                   due_at=today + dt.timedelta(days=7))
    late = Assignment.objects.get(document=d1, role="lead")
    # Time passes: the first deadline was an hour ago.
    Assignment.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    done = Assignment.objects.get(document=d2, role="lead")
    assignment_submit(actor=officer, assignment=done, note="Đã xử lý")
    assignment_accept(actor=leader, assignment=done)
    commune = make_agency(name="UBND xã Quế Lộc", kind=AgencyKind.COMMUNE_PC, parent=agency)
    commune_clerk = make_official(commune, Role.CLERK, username="vanthu_queloc").user
    c1 = incoming_register(actor=commune_clerk, agency=commune, data=incoming_data(number="21"))
    c2 = incoming_register(actor=commune_clerk, agency=commune, data=incoming_data(number="22"))
    rollups.rebuild()
    return {"d1": d1, "d2": d2, "secret": secret, "out": out, "late": late, "done": done, "nv": nv,
            "commune": commune, "commune_clerk": commune_clerk, "c1": c1, "c2": c2}


def _scope(*agencies) -> Scope:
    today = timezone.localdate()
    return Scope(tuple(sorted(a.pk for a in agencies)), today.replace(day=1), today)


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _linked_ids(html: str, prefix: str) -> list[int]:
    table = html.split('id="items"', 1)[1].split("</table>", 1)[0]
    return [int(x) for x in re.findall(rf'href="{prefix}(\d+)/"', table)]


def test_incoming_documents_behind_the_figure_with_the_secret_one_hidden(world, agency, leader, clerk):
    scope = _scope(agency)
    assert indicators.compute("documents_incoming", scope).value == 3
    page = items.items_for(leader, "documents_incoming", scope)
    assert (page.figure, page.total, page.hidden) == (3, 2, 1)
    # On the page, the agency filter takes the commune below too: 3 + 2 counted, the same 2 visible.
    html = _login(leader).get(f"/dashboard/items/documents_incoming/?agency={agency.pk}").content.decode()
    assert sorted(_linked_ids(html, "/documents/")) == sorted([world["d1"].pk, world["d2"].pk])
    assert 'data-total="5" data-visible="2"' in html and "3 mục bạn không có quyền xem" in html
    html = _login(leader).get(f"/dashboard/items/documents_incoming/?agency={world['commune'].pk}").content.decode()
    assert 'data-total="2" data-visible="0"' in html and "2 mục bạn không có quyền xem" in html
    # The clerk is named on the secret document, but has no dashboard: the figure is for leaders only.
    assert _login(clerk).get("/dashboard/items/documents_incoming/").status_code == 403


def test_the_clicked_figure_and_its_list_agree_for_the_whole_subtree(world, agency, leader):
    c = _login(leader)
    home = c.get("/dashboard/").content.decode()
    figure = re.search(r'data-figure="documents_incoming">(\d+)', home).group(1)
    assert figure == "5"  # 3 in the district, 2 in the commune
    href = unescape(re.search(r'href="([^"]+)" data-indicator="documents_incoming"', home).group(1))
    html = c.get(href).content.decode()
    # The header repeats the figure; the district leader holds no post in the commune and is not named on the
    # secret document: 3 of the 5 are counted, not shown.
    assert 'data-total="5" data-visible="2"' in html and "3 mục bạn không có quyền xem" in html
    assert sorted(_linked_ids(html, "/documents/")) == sorted([world["d1"].pk, world["d2"].pk])


def test_overdue_processing_lists_the_late_assignment_for_its_department(world, agency, leader):
    scope = _scope(agency)
    nv = world["nv"]
    result = indicators.compute("processing_overdue", scope)
    assert result.value == 1
    assert [(r.key, r.value) for r in result.breakdown] == [(str(nv.pk), 1)]
    for dim in ("", str(nv.pk)):
        page = items.items_for(leader, "processing_overdue", scope, dimension=dim)
        assert (page.figure, page.total, page.hidden) == (1, 1, 0)
        due = timezone.localtime(Assignment.objects.get(pk=world["late"].pk).due_at)
        assert page.rows[0].cells[2:4] == [("Hạn xử lý", f"{due:%d/%m/%Y %H:%M}"), ("Quá hạn (ngày)", "dưới 1")]
    html = _login(leader).get(f"/dashboard/items/processing_overdue/?dim={nv.pk}").content.decode()
    assert _linked_ids(html, "/documents/") == [world["d1"].pk]
    # The home page's ranked table links the department's overdue count to exactly that list.
    home = _login(leader).get("/dashboard/").content.decode()
    ranked = home.split('id="ranked-units"', 1)[1].split("</table>", 1)[0]
    assert "Phòng Nội vụ" in ranked and f"dim={nv.pk}" in unescape(ranked)


def test_on_time_processing_and_outgoing(world, agency, leader):
    scope = _scope(agency)
    on_time = items.items_for(leader, "processing_on_time", scope)
    assert (on_time.figure, on_time.total) == (1, 1)
    assert on_time.rows[0].url == f"/documents/{world['d2'].pk}/"
    late = items.items_for(leader, "processing_late", scope)
    assert (late.figure, late.total) == (0, 0)
    out = items.items_for(leader, "documents_outgoing", scope)
    assert (out.figure, out.total, [r.url for r in out.rows]) == (1, 1, [f"/documents/{world['out'].pk}/"])
    share = items.items_for(leader, "documents_electronic_share", scope)
    assert (share.figure, share.total, share.hidden) == (4, 3, 1)  # the denominator: 3 in + 1 out


def test_a_breakdown_row_of_another_unit_lists_nothing(world, agency, leader):
    scope = _scope(agency)
    vp = agency.departments.get(code="VP")
    page = items.items_for(leader, "processing_overdue", scope, dimension=str(vp.pk))
    assert (page.figure, page.total, page.rows) == (0, 0, [])


def test_paging_is_fixed_size_and_stable(world, agency, clerk, leader, monkeypatch):
    for n in range(3):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(30 + n)))
    rollups.rebuild()
    monkeypatch.setattr(items, "PAGE_SIZE", 2)
    scope = _scope(agency)
    pages = [items.items_for(leader, "documents_incoming", scope, page=p) for p in (1, 2, 3)]
    assert [len(p.rows) for p in pages] == [2, 2, 1]
    assert [p.has_next for p in pages] == [True, True, False]
    urls = [r.url for p in pages for r in p.rows]
    assert len(set(urls)) == 5 and all(p.total == 5 for p in pages)
