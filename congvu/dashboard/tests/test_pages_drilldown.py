"""Every figure against the list behind it, on the registry's hand-built dataset (test_indicators.world: October
2026, district A with commune B, district C outside): an official who may see everything in A and B finds, for
every indicator and for every row of its breakdown, exactly as many records as the figure counts; a leader of A
alone finds fewer and is told how many are hidden."""

import pytest
from django.test import Client

from conftest import make_official
from congvu.dashboard import indicators, items
from congvu.dashboard.tests.test_indicators import world  # noqa: F401 - the shared fixture
from congvu.org.models import Membership, Position, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_registry_cache():
    """The registry keeps labels and the snapshot day a few seconds per process: not across tests."""
    indicators.cache_clear()
    yield
    indicators.cache_clear()


@pytest.fixture
def sees_all(world):  # noqa: F811
    """Leader, clerk and agency admin of A and of B: every record of the scope is visible to them."""
    official = make_official(world["a"], Role.LEADER, username="toanquyen")
    position = Position.objects.get(name="Chuyên viên")
    for agency, role in ((world["a"], Role.CLERK), (world["a"], Role.AGENCY_ADMIN), (world["b"], Role.LEADER),
                         (world["b"], Role.CLERK), (world["b"], Role.AGENCY_ADMIN)):
        Membership.objects.create(official=official, agency=agency, role=role, position=position)
    return official.user


def test_each_figure_and_each_breakdown_row_lists_exactly_its_records(world, sees_all):  # noqa: F811
    scope = world["scope"]
    checked = []
    assert set(items.SPECS) == set(indicators.INDICATORS)  # a list behind every figure
    for key, spec in sorted(items.SPECS.items()):
        result = indicators.compute(key, scope)
        for dim, source in [("", result)] + [(row.key, row) for row in result.breakdown]:
            page = items.items_for(sees_all, key, scope, dimension=dim)
            if spec.count_of == "none":  # a count of communes, or a quota: the list shows what stands behind it
                continue
            expected = int(getattr(source, spec.count_of) or 0)
            assert (key, dim, page.total, page.hidden) == (key, dim, expected, 0)
            checked.append((key, dim))
    assert len(checked) > 40


def test_the_dataset_behind_the_main_figures(world, sees_all):  # noqa: F811
    """The counts by hand (see test_indicators.world): 6 incoming (A 4, B 2), 2 outgoing, 3 documents done (one
    late), 1 overdue document, tasks 1 late and 1 overdue, 6 dossiers received, 3 done of which 2 late, 1 overdue,
    2 ratings, 5 people in post, 1 delivery sent, received and waiting, 3 cameras."""
    scope = world["scope"]
    totals = {key: items.items_for(sees_all, key, scope).total for key in (
        "documents_incoming", "documents_outgoing", "processing_on_time", "processing_late", "processing_overdue",
        "tasks_late", "tasks_overdue", "dossiers_received", "dossiers_on_time_rate", "dossiers_late_by_procedure",
        "dossiers_overdue", "dossiers_satisfaction", "staffing_in_post", "exchange_sent", "exchange_received",
        "exchange_waiting", "equipment_cameras")}
    assert totals == {
        "documents_incoming": 6, "documents_outgoing": 2, "processing_on_time": 2, "processing_late": 1,
        "processing_overdue": 1, "tasks_late": 1, "tasks_overdue": 1, "dossiers_received": 6,
        "dossiers_on_time_rate": 4, "dossiers_late_by_procedure": 2, "dossiers_overdue": 1,
        "dossiers_satisfaction": 2, "staffing_in_post": 5, "exchange_sent": 1, "exchange_received": 1,
        "exchange_waiting": 1, "equipment_cameras": 3}


def test_a_leader_of_the_district_alone_is_told_what_is_hidden(world):  # noqa: F811
    leader_a = make_official(world["a"], Role.LEADER, username="lanhdao_a").user
    scope = world["scope"]
    page = items.items_for(leader_a, "documents_incoming", scope)
    assert (page.figure, page.total, page.hidden) == (6, 4, 2)  # B's two are counted, not shown
    page = items.items_for(leader_a, "dossiers_received", scope)
    assert (page.figure, page.total, page.hidden) == (6, 5, 1)
    c = Client()
    c.force_login(leader_a)
    html = c.get(f"/dashboard/items/documents_incoming/?from=01/10/2026&to=31/10/2026&agency={world['a'].pk}"
                 ).content.decode()
    assert 'data-total="6" data-visible="4"' in html and "2 mục bạn không có quyền xem" in html


def test_equipment_lines_and_the_wall_read_the_same_figures(world):  # noqa: F811
    """B, the only commune, has a connected video-conference point and 3 cameras: "1/1 xã đã kết nối",
    "3 điểm camera tại 1/1 xã" (the demo's "6/6", "46 … tại 5/6" come out of the same two indicators)."""
    leader_a = make_official(world["a"], Role.LEADER, username="lanhdao_tb").user
    c = Client()
    c.force_login(leader_a)
    period = "from=01/10/2026&to=31/10/2026"
    home = c.get(f"/dashboard/?{period}").content.decode()
    assert "1/1 xã đã kết nối" in home and "3 điểm camera tại 1/1 xã" in home
    wall = c.get(f"/dashboard/wall/?{period}").content.decode()
    assert "1/1 xã đã kết nối" in wall and "3 điểm camera tại 1/1 xã" in wall
    for key, text in (("documents_incoming", "6"), ("processing_overdue", "1"), ("dossiers_on_time_rate", "50%")):
        assert f'<span class="wall-value" data-figure="{key}">{text}</span>' in wall
    cameras = items.items_for(leader_a, "equipment_cameras", world["scope"])
    assert (cameras.figure, cameras.total) == (3, 3)
    assert all(row.url.startswith("/dashboard/equipment/") for row in cameras.rows)
