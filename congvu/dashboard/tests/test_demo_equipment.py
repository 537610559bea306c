"""The demo's equipment and dashboard figures: 6/6 communes connected, 46 cameras in 5/6 communes, through the
services (journaled), idempotent, and the dashboard's equipment indicators read them."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from conftest import make_agency
from congvu.audit.models import JournalEntry
from congvu.dashboard import indicators
from congvu.dashboard.access import Scope
from congvu.dashboard.equipment import equipment_summary
from congvu.dashboard.models import EquipmentCheck, EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.demo.dashboard import seed_dashboard_demo
from congvu.org.models import AgencyKind

pytestmark = pytest.mark.django_db

COMMUNES = ("Quế Trung", "Ninh Phước", "Phước Ninh", "Quế Lộc", "Sơn Viên", "Quế Lâm")


@dataclass
class FakeOrg:
    """The fields of congvu.demo.seed._Org that the equipment seed reads."""

    province: object
    district: object
    communes: list
    admin: object


@pytest.fixture
def org(db):
    """The demo's own organisation (congvu.demo.seed builds it the same way before the documents)."""
    from congvu.demo.seed import _build_org

    return _build_org(timezone.localdate())


@pytest.fixture
def fake_org(db):
    province = make_agency(name="UBND tỉnh Quảng Nam", kind=AgencyKind.PROVINCE_PC, place="Quảng Nam")
    district = make_agency(name="UBND huyện Nông Sơn", parent=province)
    communes = [make_agency(name=f"UBND xã {c}", kind=AgencyKind.COMMUNE_PC, parent=district, place=c)
                for c in COMMUNES]
    admin = get_user_model().objects.create_superuser("admin", password="matkhau-123")
    return FakeOrg(province, district, communes, admin)


def test_demo_equipment(org):
    now = timezone.now()
    result = seed_dashboard_demo(org=org, now=now)
    assert (result.video_conference, result.cameras, result.created) == (6, 46, 52)
    vc = EquipmentPoint.objects.filter(kind=EquipmentKind.VIDEO_CONFERENCE)
    assert sorted(vc.values_list("agency_id", flat=True)) == sorted(c.pk for c in org.communes)
    assert set(vc.values_list("status", flat=True)) == {EquipmentStatus.ONLINE}
    cams = EquipmentPoint.objects.filter(kind=EquipmentKind.CAMERA)
    per_commune = [cams.filter(agency=c).count() for c in org.communes]
    assert per_commune == [12, 10, 9, 8, 7, 0] and sum(per_commune) == 46
    assert cams.filter(status=EquipmentStatus.ONLINE).count() == 42
    # every point has its last check, in the past, and one check row
    assert EquipmentCheck.objects.count() == 52
    assert not EquipmentPoint.objects.filter(last_checked_at__isnull=True).exists()
    assert not EquipmentPoint.objects.filter(last_checked_at__gt=now).exists()
    assert JournalEntry.objects.filter(action="dashboard.equipment_create").count() == 52
    assert JournalEntry.objects.filter(action="dashboard.equipment_check").count() == 52
    # the dashboard's words: "6/6 xã đã kết nối", "46 điểm camera tại 5/6 xã"
    ids = [org.province.pk, org.district.pk] + [c.pk for c in org.communes]
    summary = equipment_summary(ids)
    assert (summary["video_conference"].agencies_connected, summary["video_conference"].agencies_total) == (6, 6)
    assert (summary["camera"].points, summary["camera"].agencies_with_points, summary["camera"].agencies_total) == (
        46, 5, 6)
    today = timezone.localdate()
    scope = Scope(tuple(ids), today.replace(day=1), today)
    r = indicators.compute("equipment_video_conference", scope)
    assert (r.value, r.numerator, r.denominator) == (6, 6, 6)
    r = indicators.compute("equipment_cameras", scope)
    assert (r.value, r.numerator, r.denominator) == (46, 5, 6)


def test_demo_equipment_is_idempotent(org):
    now = timezone.now()
    seed_dashboard_demo(org=org, now=now)
    before = (EquipmentPoint.objects.count(), EquipmentCheck.objects.count(),
              JournalEntry.objects.filter(action__startswith="dashboard.equipment").count())
    again = seed_dashboard_demo(org=org, now=now)
    assert again.created == 0
    assert (EquipmentPoint.objects.count(), EquipmentCheck.objects.count(),
            JournalEntry.objects.filter(action__startswith="dashboard.equipment").count()) == before == (52, 52, 104)


def test_demo_as_of_a_later_moment_never_checks_in_the_future(fake_org):
    seed_dashboard_demo(org=fake_org, now=timezone.now() + dt.timedelta(days=3))
    assert not EquipmentPoint.objects.filter(last_checked_at__gt=timezone.now()).exists()
    assert EquipmentPoint.objects.count() == 52


def test_after_the_demo_seed_the_dashboard_has_figures(db, monkeypatch):
    """seed_demo calls seed_dashboard_demo after its documents, dossiers and staffing: the equipment is there and
    the roll-ups are rebuilt from them, so the dashboard's document figures equal the documents the demo
    registered. A second call adds nothing."""
    from congvu.demo.seed import DISTRICT_ID, seed_demo
    from congvu.documents.models import Direction, Document
    from congvu.org.models import Agency

    monkeypatch.setattr("congvu.demo.work.seed_work_demo", lambda **kwargs: None)  # tasks: test_work.py
    now = timezone.now()
    seed_demo(days=2, now=now)
    district = Agency.objects.get(identifier=DISTRICT_ID)
    # the communes in office (the staffing story's Quế Ninh was merged into Ninh Phước)
    communes = list(Agency.objects.filter(parent=district, kind=AgencyKind.COMMUNE_PC, active_to__isnull=True)
                    .order_by("pk"))
    assert len(communes) == 6
    assert EquipmentPoint.objects.filter(kind=EquipmentKind.VIDEO_CONFERENCE).count() == 6
    assert EquipmentPoint.objects.filter(kind=EquipmentKind.CAMERA).count() == 46
    ids = (district.pk, *(c.pk for c in communes))
    today = timezone.localdate()
    start = today - dt.timedelta(days=40)
    incoming = indicators.compute("documents_incoming", Scope(ids, start, today)).value
    assert incoming > 0
    registered = Document.objects.filter(agency_id__in=ids, direction=Direction.INCOMING)
    assert incoming == sum(1 for d in registered.only("registered_at")
                           if start <= timezone.localtime(d.registered_at).date() <= today)
    vc = indicators.compute("equipment_video_conference", Scope(ids, start, today))
    assert (vc.value, vc.denominator) == (6, 6)
    cams = indicators.compute("equipment_cameras", Scope(ids, start, today))
    assert (cams.value, cams.numerator, cams.denominator) == (46, 5, 6)
    demo_org = FakeOrg(district.parent, district, communes, get_user_model().objects.get(username="admin"))
    again = seed_dashboard_demo(org=demo_org, now=now)
    assert again.created == 0 and EquipmentPoint.objects.count() == 52
