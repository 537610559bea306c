"""Equipment points: services (who may, bad input refused with nothing changed, journal), the counts the
dashboard shows, and the pages."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.dashboard import equipment
from congvu.dashboard.models import EquipmentCheck, EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.org.models import AgencyKind, Role

pytestmark = pytest.mark.django_db

VC = EquipmentKind.VIDEO_CONFERENCE
CAM = EquipmentKind.CAMERA


@pytest.fixture
def communes(agency):
    """Three communes and a ward under the district `agency`."""
    return [make_agency(name=f"UBND xã {n}", kind=AgencyKind.COMMUNE_PC, parent=agency, place=n)
            for n in ("Quế Trung", "Ninh Phước", "Phước Ninh")] + [
        make_agency(name="UBND phường Sơn Viên", kind=AgencyKind.WARD_PC, parent=agency, place="Sơn Viên")]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("hethong", password="matkhau-123")


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def snapshot() -> dict:
    return {"points": list(EquipmentPoint.objects.order_by("pk").values_list(
                "pk", "agency_id", "kind", "name", "location", "status", "last_checked_at", "active", "note")),
            "checks": EquipmentCheck.objects.count(), "journal": JournalEntry.objects.count()}


def point(agency, kind=VC, name="Điểm cầu", status=EquipmentStatus.ONLINE, active=True):
    return EquipmentPoint.objects.create(agency=agency, kind=kind, name=name, status=status, active=active)


# --- services ----------------------------------------------------------------------------------------------

def test_agency_admin_creates_a_point_in_own_agency_and_below_journaled_on_that_agency(agency, communes,
                                                                                       agency_admin):
    p = equipment.equipment_point_create(actor=agency_admin, agency=communes[0], kind=VC,
                                         name="  Điểm cầu\x00 UBND xã  Quế Trung ", location="Hội trường")
    p.refresh_from_db()
    assert (p.agency_id, p.kind, p.name, p.location, p.status, p.active) == (
        communes[0].pk, VC, "Điểm cầu UBND xã Quế Trung", "Hội trường", EquipmentStatus.ONLINE, True)
    entry = JournalEntry.objects.get(action="dashboard.equipment_create")
    assert entry.chain.key == f"agency:{communes[0].pk}"
    assert entry.object_id == str(p.pk) and entry.after["name"] == "Điểm cầu UBND xã Quế Trung"
    own = equipment.equipment_point_create(actor=agency_admin, agency=agency, kind=CAM, name="Camera cổng")
    assert own.agency_id == agency.pk


@pytest.mark.parametrize("who", ["clerk", "leader", "other_admin", "anonymous"])
def test_create_is_refused_to_those_who_do_not_manage_the_agency(request, agency, communes, other_agency, who):
    actor = {
        "clerk": lambda: request.getfixturevalue("clerk"),
        "leader": lambda: request.getfixturevalue("leader"),
        # the admin of a commune cannot register the district's (its parent's) equipment
        "other_admin": lambda: make_official(communes[1], Role.AGENCY_ADMIN).user,
        "anonymous": lambda: __import__("django.contrib.auth.models", fromlist=["AnonymousUser"]).AnonymousUser(),
    }[who]()
    before = snapshot()
    with pytest.raises(PermissionDenied):
        equipment.equipment_point_create(actor=actor, agency=agency, kind=VC, name="Điểm cầu huyện")
    assert snapshot() == before


def test_commune_admin_manages_only_its_commune(communes):
    admin = make_official(communes[1], Role.AGENCY_ADMIN).user
    assert equipment.manageable_agency_ids(admin) == {communes[1].pk}
    assert equipment.can_manage_equipment(admin, communes[1].pk)
    assert not equipment.can_manage_equipment(admin, communes[0].pk)


@pytest.mark.parametrize("kwargs, field, message", [
    ({"kind": "drone"}, "kind", "Loại thiết bị không hợp lệ"),
    ({"kind": ""}, "kind", "Loại thiết bị không hợp lệ"),
    ({"name": "   "}, "name", "Vui lòng nhập tên điểm."),
    ({"name": "\x00\u200b"}, "name", "Vui lòng nhập tên điểm."),
    ({"name": "x" * 201}, "name", "Tên điểm dài quá 200 ký tự."),
    ({"status": "broken"}, "status", "Trạng thái không hợp lệ"),
    ({"location": "y" * 301}, "location", "Vị trí dài quá 300 ký tự."),
])
def test_create_bad_input_is_refused_with_a_message_and_nothing_changed(agency, agency_admin, kwargs, field,
                                                                       message):
    args = {"kind": VC, "name": "Điểm cầu huyện"} | kwargs
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        equipment.equipment_point_create(actor=agency_admin, agency=agency, **args)
    assert message in exc.value.fields[field]
    assert message in exc.value.message
    assert snapshot() == before


def test_create_reports_every_problem_at_once(agency, agency_admin):
    with pytest.raises(ValidationFailed) as exc:
        equipment.equipment_point_create(actor=agency_admin, agency=agency, kind="x", name="")
    assert set(exc.value.fields) == {"kind", "name"}


def test_update_changes_what_is_given_and_journals_the_difference(agency, agency_admin):
    p = point(agency, name="Điểm cầu cũ")
    equipment.equipment_point_update(actor=agency_admin, point=p, name="Điểm cầu huyện Nông Sơn", active=False)
    p.refresh_from_db()
    assert (p.name, p.active, p.kind, p.status) == ("Điểm cầu huyện Nông Sơn", False, VC, EquipmentStatus.ONLINE)
    entry = JournalEntry.objects.get(action="dashboard.equipment_update")
    assert entry.before == {"name": "Điểm cầu cũ", "active": True}
    assert entry.after == {"name": "Điểm cầu huyện Nông Sơn", "active": False}
    # the same values again: nothing to journal
    equipment.equipment_point_update(actor=agency_admin, point=p, name="Điểm cầu huyện Nông Sơn")
    assert JournalEntry.objects.filter(action="dashboard.equipment_update").count() == 1


def test_update_bad_input_and_another_agencys_point_change_nothing(agency, other_agency, agency_admin):
    mine, theirs = point(agency), point(other_agency)
    before = snapshot()
    with pytest.raises(ValidationFailed):
        equipment.equipment_point_update(actor=agency_admin, point=mine, name="", kind="nope")
    with pytest.raises(PermissionDenied):
        equipment.equipment_point_update(actor=agency_admin, point=theirs, name="Của tôi")
    assert snapshot() == before


def test_check_updates_the_point_adds_history_and_journals(agency, agency_admin):
    p = point(agency)
    at = timezone.now() - dt.timedelta(hours=2)
    check = equipment.equipment_check_record(actor=agency_admin, point=p, status=EquipmentStatus.OFFLINE,
                                             note="Mất đường truyền", checked_at=at)
    p.refresh_from_db()
    assert (p.status, p.last_checked_at) == (EquipmentStatus.OFFLINE, at)
    assert (check.status, check.note, check.checked_at, check.checked_by.user) == (
        EquipmentStatus.OFFLINE, "Mất đường truyền", at, agency_admin)
    entry = JournalEntry.objects.get(action="dashboard.equipment_check")
    assert entry.chain.key == f"agency:{agency.pk}"
    assert entry.before["status"] == "online" and entry.after["status"] == "offline"


def test_a_late_recorded_older_check_goes_to_history_only(agency, agency_admin):
    p = point(agency)
    now = timezone.now()
    equipment.equipment_check_record(actor=agency_admin, point=p, status=EquipmentStatus.ONLINE,
                                     checked_at=now - dt.timedelta(hours=1))
    equipment.equipment_check_record(actor=agency_admin, point=p, status=EquipmentStatus.MAINTENANCE,
                                     checked_at=now - dt.timedelta(days=1))
    p.refresh_from_db()
    assert (p.status, p.last_checked_at) == (EquipmentStatus.ONLINE, now - dt.timedelta(hours=1))
    assert [c.status for c in equipment.equipment_checks(p)] == ["online", "maintenance"]


def test_check_without_time_is_now(agency, agency_admin):
    p = point(agency)
    before = timezone.now()
    equipment.equipment_check_record(actor=agency_admin, point=p, status=EquipmentStatus.ONLINE)
    p.refresh_from_db()
    assert before <= p.last_checked_at <= timezone.now()


@pytest.mark.parametrize("status, checked_at, field", [
    ("online", lambda: timezone.now() + dt.timedelta(minutes=5), "checked_at"),
    ("online", lambda: timezone.make_aware(dt.datetime(1999, 12, 31, 8)), "checked_at"),
    ("exploded", lambda: None, "status"),
])
def test_check_bad_input_is_refused_and_nothing_changed(agency, agency_admin, status, checked_at, field):
    p = point(agency)
    before = snapshot()
    with pytest.raises(ValidationFailed) as exc:
        equipment.equipment_check_record(actor=agency_admin, point=p, status=status, checked_at=checked_at())
    assert field in exc.value.fields
    assert snapshot() == before


def test_check_of_another_agencys_point_is_refused(agency, other_agency, agency_admin, leader):
    theirs, mine = point(other_agency), point(agency)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        equipment.equipment_check_record(actor=agency_admin, point=theirs, status=EquipmentStatus.OFFLINE)
    with pytest.raises(PermissionDenied):  # a leader sees the point but does not record checks
        equipment.equipment_check_record(actor=leader, point=mine, status=EquipmentStatus.OFFLINE)
    assert snapshot() == before


def test_superuser_manages_everything(agency, other_agency, superuser):
    p = equipment.equipment_point_create(actor=superuser, agency=other_agency, kind=CAM, name="Camera chợ")
    equipment.equipment_check_record(actor=superuser, point=p, status=EquipmentStatus.OFFLINE)
    p.refresh_from_db()
    assert p.status == EquipmentStatus.OFFLINE


# --- selectors and counts ----------------------------------------------------------------------------------------

def test_summary_counts_points_online_and_communes(agency, communes, other_agency):
    q_trung, n_phuoc, p_ninh, ward = communes
    # video conference: Quế Trung online, Ninh Phước offline + online, Phước Ninh maintenance, ward none,
    # the district one online; an inactive one in the ward does not count
    point(q_trung)
    point(n_phuoc, status=EquipmentStatus.OFFLINE)
    point(n_phuoc, name="Điểm cầu 2")
    point(p_ninh, status=EquipmentStatus.MAINTENANCE)
    point(agency)
    point(ward, active=False)
    # cameras: 3 in Quế Trung (1 offline), 2 in the ward (both offline); one in an agency out of the scope
    for i, s in enumerate(["online", "online", "offline"]):
        point(q_trung, kind=CAM, name=f"Camera {i}", status=s)
    point(ward, kind=CAM, name="Camera A", status="offline")
    point(ward, kind=CAM, name="Camera B", status="offline")
    point(other_agency, kind=CAM, name="Camera ngoài")
    ids = [agency.pk] + [c.pk for c in communes]
    summary = equipment.equipment_summary(ids)
    # points: 5 active VC (q_trung 1, n_phuoc 2, p_ninh 1, district 1), online: 3 (q_trung, n_phuoc's 2nd,
    # district); communes: 4; with points: q_trung, n_phuoc, p_ninh = 3; connected: q_trung, n_phuoc = 2
    assert summary[VC] == (5, 3, 3, 4, 2)
    assert summary[VC].agencies_connected == 2
    # cameras: 5 points, 2 online; communes with points: q_trung, ward = 2; connected: q_trung = 1
    assert summary[CAM] == equipment.KindSummary(points=5, online=2, agencies_with_points=2, agencies_total=4,
                                                 agencies_connected=1)
    assert equipment.equipment_summary([]) == {VC: (0, 0, 0, 0, 0), CAM: (0, 0, 0, 0, 0)}


def test_a_commune_merged_away_is_not_counted(agency, communes):
    merged = make_agency(name="UBND xã Quế Ninh", kind=AgencyKind.COMMUNE_PC, parent=agency,
                         active_to=timezone.localdate() - dt.timedelta(days=1))
    future = make_agency(name="UBND xã Mới", kind=AgencyKind.COMMUNE_PC, parent=agency,
                         active_from=timezone.localdate() + dt.timedelta(days=1))
    point(communes[0])
    point(merged)  # a point left behind in the old commune: counted as a point, not as a commune
    ids = [agency.pk, merged.pk, future.pk] + [c.pk for c in communes]
    assert equipment.equipment_summary(ids)[VC] == (2, 2, 1, 4, 1)


def test_points_are_filtered_by_what_the_user_sees(agency, communes, other_agency, leader, clerk, superuser):
    mine = point(communes[0], name="A")
    cam = point(agency, kind=CAM, name="B", status="offline")
    theirs = point(other_agency, name="C")
    gone = point(agency, name="D", active=False)
    everything = [agency.pk, other_agency.pk] + [c.pk for c in communes]
    assert list(equipment.equipment_points(leader, everything)) == [cam, mine]  # by agency name: huyện < xã
    assert list(equipment.equipment_points(leader, everything, VC)) == [mine]
    assert list(equipment.equipment_points(leader, everything, status="offline")) == [cam]
    assert set(equipment.equipment_points(leader, everything, include_inactive=True)) == {cam, mine, gone}
    assert list(equipment.equipment_points(clerk, everything)) == []
    assert set(equipment.equipment_points(superuser, everything)) == {mine, cam, theirs}
    with pytest.raises(NotFound):
        equipment.equipment_point_get(leader, theirs.pk)
    assert equipment.equipment_point_get(leader, mine.pk) == mine


# --- pages -------------------------------------------------------------------------------------------------------

def test_pages_need_login_and_a_dashboard_role(client, agency, clerk):
    p = point(agency)
    for url in ("/dashboard/equipment/", f"/dashboard/equipment/{p.pk}/", "/dashboard/equipment/new/"):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/login/")
        assert login(clerk).get(url).status_code == 403


def test_list_shows_the_counts_and_filters(agency, communes, leader):
    point(communes[0], name="Điểm cầu Quế Trung")
    point(communes[1], kind=CAM, name="Camera chợ Ninh Phước", status="offline")
    html = login(leader).get("/dashboard/equipment/").content.decode()
    assert "Điểm cầu Quế Trung" in html and "Camera chợ Ninh Phước" in html
    assert "<td data-label=\"Số xã có điểm hoạt động\">1/4</td>" in html
    html = login(leader).get("/dashboard/equipment/", {"kind": CAM}).content.decode()
    assert "Camera chợ Ninh Phước" in html and "Điểm cầu Quế Trung" not in html
    html = login(leader).get("/dashboard/equipment/", {"agency": communes[0].pk}).content.decode()
    assert "Điểm cầu Quế Trung" in html and "Camera chợ Ninh Phước" not in html


@pytest.mark.parametrize("params, message", [
    ({"kind": "drone"}, "Loại thiết bị không hợp lệ"),
    ({"status": "\x00"}, "Trạng thái không hợp lệ"),
    ({"agency": "abc"}, "Cơ quan không hợp lệ"),
    ({"agency": str(2**70)}, "Cơ quan không hợp lệ"),
])
def test_list_bad_filters_answer_a_message_not_a_500(agency, leader, params, message):
    r = login(leader).get("/dashboard/equipment/", params)
    assert r.status_code == 400 and message in r.content.decode()


def test_list_agency_out_of_scope_is_a_message(agency, other_agency, leader):
    point(other_agency, name="Điểm của xã khác")
    r = login(leader).get("/dashboard/equipment/", {"agency": other_agency.pk})
    html = r.content.decode()
    assert r.status_code == 400 and "ngoài phạm vi" in html and "Điểm của xã khác" not in html


def test_new_point_through_the_page(agency, communes, agency_admin):
    c = login(agency_admin)
    assert c.get("/dashboard/equipment/new/").status_code == 200
    r = c.post("/dashboard/equipment/new/", {"agency": communes[2].pk, "kind": CAM, "name": "Camera ngã ba",
                                              "location": "Ngã ba Trung Phước", "status": "maintenance"})
    p = EquipmentPoint.objects.get()
    assert r.status_code == 302 and r.url == f"/dashboard/equipment/{p.pk}/"
    assert (p.agency_id, p.kind, p.name, p.status) == (communes[2].pk, CAM, "Camera ngã ba", "maintenance")


@pytest.mark.parametrize("data, message", [
    ({"kind": "drone", "name": "X"}, "Loại thiết bị không hợp lệ"),
    ({"kind": "camera", "name": ""}, "Vui lòng nhập tên điểm."),
    ({"kind": "camera", "name": "X", "agency": "zzz"}, "Chọn cơ quan"),
])
def test_new_point_bad_input_is_a_message_and_nothing_saved(agency, agency_admin, data, message):
    data = {"agency": agency.pk} | data
    before = snapshot()
    r = login(agency_admin).post("/dashboard/equipment/new/", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert snapshot() == before


def test_new_point_in_another_agency_is_forbidden(agency, other_agency, agency_admin, leader):
    before = snapshot()
    r = login(agency_admin).post("/dashboard/equipment/new/", {"agency": other_agency.pk, "kind": VC, "name": "X"})
    assert r.status_code == 403
    assert login(leader).get("/dashboard/equipment/new/").status_code == 403
    assert snapshot() == before


def test_detail_shows_history_and_records_a_check(agency, agency_admin):
    p = point(agency, name="Điểm cầu huyện")
    c = login(agency_admin)
    html = c.get(f"/dashboard/equipment/{p.pk}/").content.decode()
    assert "Điểm cầu huyện" in html and "Ghi nhận kiểm tra" in html and "Chưa có lần kiểm tra nào." in html
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    r = c.post(f"/dashboard/equipment/{p.pk}/check/", {"status": "offline", "checked_on": f"{yesterday:%d/%m/%Y}",
                                                        "checked_time": "08:30", "note": "Hỏng bộ giải mã"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "offline"
    assert timezone.localtime(p.last_checked_at) == timezone.make_aware(
        dt.datetime.combine(yesterday, dt.time(8, 30)))
    html = c.get(f"/dashboard/equipment/{p.pk}/").content.decode()
    assert f"{yesterday:%d/%m/%Y} 08:30" in html and "Hỏng bộ giải mã" in html and "Mất kết nối" in html


@pytest.mark.parametrize("data, message", [
    ({"status": "online", "checked_on": "01/01/2999"}, "không được ở tương lai"),
    ({"status": "online", "checked_on": "31/02/2026"}, "Ngày không hợp lệ"),
    ({"status": "online", "checked_on": "01/01/0001"}, "Năm phải từ 1900 đến 2999"),
    ({"status": "online", "checked_on": "01/01/2026", "checked_time": "25:99"}, "Giờ kiểm tra không hợp lệ"),
    ({"status": "dead"}, "Trạng thái không hợp lệ"),
])
def test_check_bad_input_through_the_page(agency, agency_admin, data, message):
    p = point(agency)
    before = snapshot()
    r = login(agency_admin).post(f"/dashboard/equipment/{p.pk}/check/", data)
    assert r.status_code == 400 and message in r.content.decode()
    assert snapshot() == before


def test_another_agencys_point_is_not_found_or_forbidden(agency, other_agency, agency_admin, leader):
    theirs, mine = point(other_agency), point(agency)
    before = snapshot()
    c = login(agency_admin)
    assert c.get(f"/dashboard/equipment/{theirs.pk}/").status_code == 404
    assert c.post(f"/dashboard/equipment/{theirs.pk}/check/", {"status": "offline"}).status_code == 404
    assert c.post(f"/dashboard/equipment/{theirs.pk}/edit/", {"kind": VC, "name": "X"}).status_code == 404
    assert login(leader).post(f"/dashboard/equipment/{mine.pk}/check/", {"status": "offline"}).status_code == 403
    assert login(leader).get(f"/dashboard/equipment/{mine.pk}/edit/").status_code == 403
    assert snapshot() == before


def test_edit_through_the_page(agency, agency_admin):
    p = point(agency, name="Cũ")
    c = login(agency_admin)
    assert c.get(f"/dashboard/equipment/{p.pk}/edit/").status_code == 200
    r = c.post(f"/dashboard/equipment/{p.pk}/edit/", {"kind": CAM, "name": "Mới", "location": "Cổng",
                                                       "active": "on"})
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.kind, p.name, p.location, p.active) == (CAM, "Mới", "Cổng", True)
    before = snapshot()
    r = c.post(f"/dashboard/equipment/{p.pk}/edit/", {"kind": CAM, "name": ""})
    assert r.status_code == 400 and "Vui lòng nhập tên điểm." in r.content.decode()
    assert snapshot() == before
