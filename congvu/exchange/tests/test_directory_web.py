"""Pages and API of the agency directory: search for everyone, edits and imports for the system admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from congvu.api.tests.conftest import BASE, ApiClient
from congvu.audit.models import JournalEntry
from congvu.exchange import directory
from congvu.exchange.models import DirectoryAlias, DirectoryEntry
from congvu.exchange.tests.test_directory import MERGER_CSV

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_user("quantri_ht", password="x", is_superuser=True, is_staff=True)


@pytest.fixture
def loaded(admin):
    directory.directory_import(actor=admin, data=MERGER_CSV)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _state():
    return (list(DirectoryEntry.objects.order_by("identifier").values_list("identifier", "name", "valid_to")),
            list(DirectoryAlias.objects.order_by("old_identifier").values_list("old_identifier", "entry_id")),
            JournalEntry.objects.count())


def test_everyone_logged_in_searches_without_accents(loaded, clerk):
    c = _client(clerk)
    r = c.get(reverse("exchange:directory"), {"q": "thai binh"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "UBND tỉnh Thái Bình" in html and "Văn phòng UBND tỉnh Thái Bình" in html
    assert "UBND thành phố Huế" not in html
    assert "Thay bằng" in html and "01/07/2025" in html
    assert reverse("exchange:directory_import") not in html  # no admin buttons for a clerk
    r = c.get(reverse("exchange:directory"), {"q": "thai binh", "on": "01/07/2025"})
    assert "Không có mã nào khớp “thai binh”" in r.content.decode()
    r = c.get(reverse("exchange:directory"), {"on": "31/02/2025"})
    assert "Ngày “31/02/2025” không hợp lệ" in r.content.decode()
    r = c.get(reverse("exchange:directory_entry", args=["000.00.00.H54"]))
    assert r.status_code == 200
    assert "directory-form" not in r.content.decode()
    assert c.get(reverse("exchange:directory_entry", args=["000.00.00.H99"])).status_code == 404
    r = c.get(reverse("exchange:directory_export"))
    assert r.content.decode() == directory.directory_export()
    assert Client().get(reverse("exchange:directory")).status_code == 302  # anonymous → login


def test_non_admin_cannot_import_or_edit(loaded, clerk, agency_admin):
    before = _state()
    for user in (clerk, agency_admin):
        c = _client(user)
        assert c.get(reverse("exchange:directory_import")).status_code == 403
        upload = SimpleUploadedFile("d.csv", b"identifier,name\n000.00.00.H49,UBND t\xe1\xbb\x89nh Qu\xe1\xba\xa3ng Ninh\n")
        assert c.post(reverse("exchange:directory_import"), {"file": upload}).status_code == 403
        assert c.post(reverse("exchange:directory_new"), {"identifier": "000.00.00.H49", "name": "X"}).status_code == 403
        assert c.post(reverse("exchange:directory_entry", args=["000.00.00.H54"]),
                      {"identifier": "000.00.00.H54", "name": "Đổi"}).status_code == 403
    assert _state() == before


def test_admin_imports_with_line_errors_then_succeeds(admin):
    c = _client(admin)
    assert c.get(reverse("exchange:directory_import")).status_code == 200
    bad = "identifier,name\n000.00.00.H49,UBND tỉnh Quảng Ninh\n28.22.H17,Sở\n".encode()
    r = c.post(reverse("exchange:directory_import"), {"file": SimpleUploadedFile("d.csv", bad)})
    assert r.status_code == 400
    assert "Dòng 3: Mã định danh “28.22.H17” không đúng cấu trúc QCVN 102" in r.content.decode()
    assert DirectoryEntry.objects.count() == 0
    r = c.post(reverse("exchange:directory_import"),
               {"file": SimpleUploadedFile("d.csv", MERGER_CSV.encode()), "dry_run": "on"})
    assert r.status_code == 200
    assert "Kiểm tra (chưa ghi): 4 mã mới" in r.content.decode()
    assert DirectoryEntry.objects.count() == 0
    r = c.post(reverse("exchange:directory_import"), {"file": SimpleUploadedFile("d.csv", MERGER_CSV.encode())})
    assert r.status_code == 302
    assert DirectoryEntry.objects.count() == 4
    assert JournalEntry.objects.get(action="directory.import").after["source"] == "d.csv"


def test_admin_adds_and_edits_an_entry(loaded, admin, agency):
    c = _client(admin)
    r = c.post(reverse("exchange:directory_new"), {"identifier": "01.02.G22", "name": "Văn phòng Chính phủ"})
    assert r.status_code == 400
    assert "không đúng cấu trúc QCVN 102" in r.content.decode()
    r = c.post(reverse("exchange:directory_new"), {"identifier": "000.00.00.G22", "name": "Văn phòng Chính phủ",
                                                   "basis": "QCVN 102:2016", "agency": agency.pk})
    assert r.status_code == 302
    entry = DirectoryEntry.objects.get(identifier="000.00.00.G22")
    assert (entry.name, entry.basis, entry.agency_id) == ("Văn phòng Chính phủ", "QCVN 102:2016", agency.pk)
    r = c.post(reverse("exchange:directory_entry", args=["000.00.00.H57"]), {
        "identifier": "000.00.00.H57", "name": "UBND thành phố Huế", "valid_from": "14/04/2025",
        "valid_to": "31/12/2030", "alias_of": "000.00.00.H33", "basis": "giả định"})
    assert r.status_code == 302
    assert DirectoryAlias.objects.get(old_identifier="000.00.00.H57").entry.identifier == "000.00.00.H33"
    r = c.post(reverse("exchange:directory_entry", args=["000.00.00.H57"]), {
        "identifier": "000.00.00.H58", "name": "Đổi mã"})
    assert r.status_code == 400
    assert "Không đổi được mã định danh" in r.content.decode()
    assert DirectoryEntry.objects.get(identifier="000.00.00.H57").name == "UBND thành phố Huế"
    assert JournalEntry.objects.filter(action="directory.save").count() == 2


def test_api_search_and_resolve(loaded, clerk):
    api = ApiClient(clerk)
    r = api.get("/directory", {"q": "THÁI bình"})
    assert r.status_code == 200
    body = r.json()
    assert [i["identifier"] for i in body["items"]] == ["000.00.00.H54", "000.00.01.H54"]
    assert body["items"][0]["replaced_by"] == {"old_identifier": "000.00.00.H54", "identifier": "000.00.00.H33",
                                               "valid_from": "2025-07-01", "valid_to": None,
                                               "basis": "NQ 202/2025/QH15"}
    r = api.get("/directory/000.00.00.H54", {"on": "2025-07-01"})
    assert r.status_code == 200
    body = r.json()
    assert (body["requested"], body["via_alias"], body["in_use"], body["entry"]["identifier"]) == (
        "000.00.00.H54", True, True, "000.00.00.H33")
    assert [a["old_identifier"] for a in body["entry"]["replaces"]] == ["000.00.00.H54", "000.00.01.H54"]
    r = api.get("/directory/000.00.00.H54", {"on": "30/06/2025"})
    assert (r.json()["via_alias"], r.json()["entry"]["name"]) == (False, "UBND tỉnh Thái Bình")
    r = api.get("/directory/000.00.00.H57", {"on": "2025-01-01"})
    assert (r.status_code, r.json()["in_use"], r.json()["entry"]["identifier"]) == (200, False, "000.00.00.H57")
    r = api.get("/directory/000.00.00.H99")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = api.get("/directory", {"on": "hôm qua"})
    assert r.status_code == 400
    assert Client().get(BASE + "/directory").status_code == 401


def test_api_import_admin_only(admin, clerk):
    r = ApiClient(clerk).client.post(BASE + "/directory/import", MERGER_CSV, content_type="text/csv")
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert DirectoryEntry.objects.count() == 0
    api = ApiClient(admin)
    r = api.client.post(BASE + "/directory/import", "identifier,name\nnull,X\n", content_type="text/csv")
    assert r.status_code == 400
    assert list(r.json()["fields"]) == ["line_2"]
    r = api.client.post(BASE + "/directory/import", MERGER_CSV, content_type="application/json")
    assert r.status_code == 415
    r = api.client.post(BASE + "/directory/import", MERGER_CSV, content_type="text/csv")
    assert r.status_code == 200, r.json()
    assert (r.json()["created"], r.json()["aliases_set"]) == (4, 2)
    r = api.client.post(BASE + "/directory/import", MERGER_CSV, content_type="text/csv")
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 4)
