"""Admin pages: the system admin manages agencies; an agency admin manages their own agency only.
Refused requests answer 403 and change nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from congvu.audit.models import JournalEntry
from congvu.org.models import Agency, Department, Membership, Official

pytestmark = pytest.mark.django_db

ROLES = ["clerk", "leader", "officer", "onestop", "agency_admin"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sysadmin(db):
    return get_user_model().objects.create_superuser(username="admin", password="matkhau-123")


def _state():
    return (
        list(Agency.objects.order_by("pk").values_list("pk", "name", "identifier", "parent_id")),
        list(Department.objects.order_by("pk").values_list("pk", "name", "code", "active")),
        list(Membership.objects.order_by("pk").values_list("pk", "official_id", "agency_id", "role", "active")),
        get_user_model().objects.count(), JournalEntry.objects.count(),
    )


def test_system_admin_lists_creates_and_edits_agencies(client, sysadmin, agency, other_agency):
    client.force_login(sysadmin)
    html = client.get(reverse("org:agency_list")).content.decode()
    # Vietnamese alphabetical order: "UBND huyện" before "UBND xã"
    assert html.index("UBND huyện Nông Sơn") < html.index("UBND xã Quế Phước")
    assert client.get(reverse("org:agency_new")).status_code == 200
    response = client.post(reverse("org:agency_new"), {
        "name": "UBND xã Ninh Phước", "short_name": "Ninh Phước", "kind": "commune_pc", "notation_code": "UBND",
        "identifier": "000.09.35.H40", "parent_id": str(agency.pk), "place": "Ninh Phước",
        "active_from": "01/07/2025", "active_to": ""})
    assert response.status_code == 302
    created = Agency.objects.get(name="UBND xã Ninh Phước")
    assert created.parent == agency and created.identifier == "000.09.35.H40"
    edit = client.get(reverse("org:agency_edit", args=[created.pk])).content.decode()
    assert 'value="01/07/2025"' in edit
    client.post(reverse("org:agency_edit", args=[created.pk]), {
        "name": "UBND xã Ninh Phước", "kind": "commune_pc", "notation_code": "UBND",
        "identifier": "000.09.35.H40", "parent_id": "", "active_from": "01/07/2025"})
    created.refresh_from_db()
    assert created.parent is None


def test_agency_form_errors_are_shown_beside_the_fields(client, sysadmin):
    client.force_login(sysadmin)
    before = _state()
    response = client.post(reverse("org:agency_new"), {"name": "UBND xã Mới", "notation_code": "",
                                                       "identifier": "sai-ma", "kind": "commune_pc"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "không đúng cấu trúc QCVN 102" in html and "Vui lòng nhập chữ viết tắt" in html
    assert 'value="UBND xã Mới"' in html
    assert _state() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_system_admin_manages_agencies(request, client, agency, role):
    client.force_login(request.getfixturevalue(role))
    before = _state()
    assert client.get(reverse("org:agency_list")).status_code == 403
    assert client.post(reverse("org:agency_new"), {"name": "X", "notation_code": "X"}).status_code == 403
    assert client.post(reverse("org:agency_edit", args=[agency.pk]), {"name": "X", "notation_code": "X"}
                       ).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("role", ROLES)
def test_department_and_official_pages_by_role(request, client, agency, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    dept = agency.departments.get(code="VP")
    pages = [reverse("org:department_list", args=[agency.pk]), reverse("org:department_edit", args=[agency.pk, dept.pk]),
             reverse("org:official_list", args=[agency.pk]), reverse("org:official_new", args=[agency.pk]),
             reverse("org:membership_new", args=[agency.pk])]
    expected = 200 if role == "agency_admin" else 403
    assert [client.get(p).status_code for p in pages] == [expected] * 5
    if role != "agency_admin":
        before = _state()
        assert client.post(pages[0], {"name": "Phòng mới", "code": "PM"}).status_code == 403
        assert client.post(pages[1], {"name": "Đổi tên", "code": "VP", "active": "on"}).status_code == 403
        assert client.post(pages[3], {"username": "moi", "password": "matkhau-123", "full_name": "A",
                                      "role": "clerk"}).status_code == 403
        assert _state() == before


def test_agency_admin_cannot_open_another_agencys_pages(client, agency, other_agency, agency_admin):
    client.force_login(agency_admin)
    before = _state()
    assert client.get(reverse("org:department_list", args=[other_agency.pk])).status_code == 403
    assert client.post(reverse("org:department_list", args=[other_agency.pk]),
                       {"name": "Phòng lạ", "code": "PL"}).status_code == 403
    own_dept = agency.departments.get(code="VP")
    # A department reached through another agency's URL is not found.
    assert client.get(reverse("org:department_edit", args=[agency.pk, 999999])).status_code == 404
    assert client.get(reverse("org:department_edit", args=[agency.pk, own_dept.pk])).status_code == 200
    assert _state() == before


def test_agency_admin_manages_departments_in_vietnamese_order(client, agency, agency_admin):
    client.force_login(agency_admin)
    response = client.post(reverse("org:department_list", args=[agency.pk]), {"name": "Phòng Đất đai", "code": "dd"})
    assert response.status_code == 302
    html = client.get(reverse("org:department_list", args=[agency.pk])).content.decode()
    # Vietnamese order: "Phòng Đ…" before "Phòng N…", and both before "Văn phòng".
    assert html.index("Phòng Đất đai") < html.index("Phòng Nội vụ") < html.index("Văn phòng HĐND và UBND")
    dup = client.post(reverse("org:department_list", args=[agency.pk]), {"name": "Phòng khác", "code": "DD"})
    assert "Chữ viết tắt DD đã được dùng" in dup.content.decode()
    assert agency.departments.filter(code="DD").count() == 1


def test_agency_admin_creates_an_official_who_can_log_in(client, agency, agency_admin):
    client.force_login(agency_admin)
    nv = agency.departments.get(code="NV")
    response = client.post(reverse("org:official_new", args=[agency.pk]), {
        "full_name": "Phạm Văn Cường", "username": "cuongpv", "password": "matkhau-789", "role": "officer",
        "department_id": str(nv.pk), "position_name": "Chuyên viên"})
    assert response.status_code == 302
    listing = client.get(reverse("org:official_list", args=[agency.pk])).content.decode()
    assert "Phạm Văn Cường" in listing and "cuongpv" in listing
    menu = listing[listing.index('<nav class="subnav actions" aria-label="Quản trị">'):]
    menu = menu[:menu.index("</nav>")]
    assert menu.count('aria-current="page"') == 1
    assert (f'<a class="btn btn-small btn-primary" href="/manage/agencies/{agency.pk}/officials/" aria-current="page">'
            'Cán bộ</a>') in menu
    client.logout()
    assert client.login(username="cuongpv", password="matkhau-789")
    assert client.get("/").status_code == 200


def test_kiem_nhiem_through_the_membership_page(client, agency, other_agency, other_clerk, agency_admin):
    client.force_login(agency_admin)
    response = client.post(reverse("org:membership_new", args=[agency.pk]),
                           {"username": "vanthu_xa", "role": "clerk", "position_name": "Văn thư"})
    assert response.status_code == 302
    assert set(other_clerk.official.memberships.values_list("agency_id", flat=True)) == {agency.pk, other_agency.pk}
    missing = client.post(reverse("org:membership_new", args=[agency.pk]), {"username": "khong_co", "role": "clerk"})
    assert "Không tìm thấy cán bộ" in missing.content.decode()


def test_membership_toggle(client, agency, agency_admin, clerk):
    client.force_login(agency_admin)
    m = clerk.official.memberships.get()
    client.post(reverse("org:membership_toggle", args=[agency.pk, m.pk]), {"active": "0"})
    m.refresh_from_db()
    assert m.active is False
    own = agency_admin.official.memberships.get()
    response = client.post(reverse("org:membership_toggle", args=[agency.pk, own.pk]), {"active": "0"}, follow=True)
    assert "Bạn không thể tự thôi vai trò quản trị của mình." in response.content.decode()
    own.refresh_from_db()
    assert own.active is True


def test_manage_index_sends_each_admin_to_their_pages(client, agency, agency_admin, sysadmin, clerk):
    client.force_login(sysadmin)
    assert client.get(reverse("org:manage"))["Location"] == reverse("org:agency_list")
    client.force_login(agency_admin)
    assert client.get(reverse("org:manage"))["Location"] == reverse("org:department_list", args=[agency.pk])
    client.force_login(clerk)
    assert client.get(reverse("org:manage")).status_code == 403
    assert Official.objects.count() == 2


def test_agency_admin_corrects_an_official_and_sets_a_new_password(client, agency, agency_admin, clerk):
    official = clerk.official
    url = reverse("org:official_edit", args=[agency.pk, official.pk])
    client.force_login(agency_admin)
    assert official.full_name in client.get(url).content.decode()
    response = client.post(url, {"full_name": "  Nguyễn Thị   Thu Hà ", "email": "ha@nongson.gov.vn",
                                 "phone": "0235 3888 111", "new_password": "mat-khau-moi-2026"})
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.full_name, official.email, official.phone) == ("Nguyễn Thị Thu Hà", "ha@nongson.gov.vn",
                                                                    "0235 3888 111")
    assert get_user_model().objects.get(pk=clerk.pk).check_password("mat-khau-moi-2026")
    entries = list(JournalEntry.objects.filter(object_id=str(official.pk), object_type="org.official")
                   .order_by("seq").values_list("action", "after"))
    assert entries[0][0] == "official.update" and entries[0][1]["full_name"] == "Nguyễn Thị Thu Hà"
    assert entries[1] == ("official.password_reset", None)
    assert "mat-khau-moi-2026" not in str(list(JournalEntry.objects.values_list("before", "after")))


def test_official_edit_errors_and_refusals_change_nothing(client, agency, other_agency, agency_admin, clerk,
                                                          other_clerk, leader):
    official = clerk.official
    url = reverse("org:official_edit", args=[agency.pk, official.pk])
    before = (official.full_name, clerk.password, JournalEntry.objects.count())
    client.force_login(agency_admin)
    response = client.post(url, {"full_name": " ", "email": "khong-phai-email", "new_password": "ngan"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vui lòng nhập họ và tên." in html and "Địa chỉ thư điện tử không hợp lệ." in html
    assert "Mật khẩu cần ít nhất 8 ký tự." in html
    # another agency's official is not found through this agency; other roles are refused
    assert client.get(reverse("org:official_edit", args=[agency.pk, other_clerk.official.pk])).status_code == 404
    client.force_login(leader)
    assert client.post(url, {"full_name": "Tên khác"}).status_code == 403
    official.refresh_from_db()
    assert (official.full_name, get_user_model().objects.get(pk=clerk.pk).password,
            JournalEntry.objects.count()) == before
