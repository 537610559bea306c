"""The merge wizard's pages, API and command: who may, what they show, bad input answered without a 500."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from congvu.staffing.models import AdministrativeUnit, Reorganisation
from congvu.staffing.tests.merge_world import build_world
from congvu.staffing.tests.test_merge import NEW_ID, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db):
    return build_world()


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(w, **changes) -> dict:
    data = {"units": [w["phuoc"].pk, w["ninh"].pk], "name": "Xã Ninh Phước", "code": "20667",
            "unit_type": "commune", "unit_class": "II", "effective_date": "01/12/2019",
            "resolution": "NQ 814/NQ-UBTVQH14", "successor": "new", "new_agency_name": "UBND xã Ninh Phước",
            "new_agency_notation": "UBND", "new_agency_identifier": NEW_ID, "numbering": "restart"}
    data.update(changes)
    return data


def test_wizard_search_preview_confirm_done_and_list(w):
    c = _client(w["admin"])
    page = c.get(reverse("staffing:merge_new"))
    assert page.status_code == 200 and "Sắp xếp đơn vị hành chính" in page.content.decode()
    # Accent-insensitive search among units in force, keeping the chosen one.
    found = c.post(reverse("staffing:merge_new"), {"q": "que", "units": [w["phuoc"].pk],
                                                   "effective_date": "01/12/2019"}).content.decode()
    assert "Xã Quế Ninh" in found and "Xã Quế Lâm" in found
    assert found.count(f'value="{w["phuoc"].pk}" checked') == 1
    assert "UBND xã Quế Phước tiếp nhận" in found  # the chosen unit's agency may be the successor
    preview = c.post(reverse("staffing:merge_preview"), _form(w))
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "61,61 km²" in body and "4847 người" in body
    assert 'id="pv-surplus">dôi dư 12<' in body and 'id="pv-quota">21<' in body
    assert "Xác nhận sắp xếp" in body and Reorganisation.objects.count() == 0
    done = c.post(reverse("staffing:merge_preview"), _form(w, confirm="1"))
    r = Reorganisation.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("staffing:merge_done", args=[r.pk])
    page = c.get(done["Location"]).content.decode()
    assert 'id="done-surplus">dôi dư 12<' in page and "Xã Quế Phước" in page and "Xã Quế Ninh" in page
    assert f"{reverse('staffing:report')}?agency={r.successor_agency_id}&amp;on=01/12/2019" in page
    listing = c.get(reverse("staffing:reorganisation_list")).content.decode()
    assert "Xã Ninh Phước" in listing and "Xã Quế Phước" in listing and "Xã Quế Ninh" in listing


def test_wizard_bad_input_shows_the_message_and_changes_nothing(w):
    c = _client(w["admin"])
    before = snapshot()
    for changes, text in [({"units": [w["phuoc"].pk]}, "Chọn ít nhất hai đơn vị"),
                          ({"effective_date": "31/02/2019"}, "Ngày"),
                          ({"effective_date": "01/01/2005"}, "không còn hiệu lực vào ngày 01/01/2005"),
                          ({"code": "20674"}, "Mã 20674 đang là mã của Xã Quế Lâm"),
                          ({"successor": "abc"}, "Chọn cơ quan kế thừa"),
                          ({"units": ["x", "0", "-3"]}, "Chọn ít nhất hai đơn vị"),
                          ({"new_agency_identifier": "H49"}, "QCVN 102")]:
        for confirm in ("", "1"):
            response = c.post(reverse("staffing:merge_preview"), _form(w, confirm=confirm, **changes))
            assert response.status_code == 400, changes
            assert text in response.content.decode(), changes
    assert snapshot() == before


def test_pages_refused_to_others(w):
    from conftest import make_agency, make_official
    from congvu.org.models import AgencyKind, Role

    anonymous = Client()
    assert anonymous.get(reverse("staffing:merge_new")).status_code == 302
    assert anonymous.post(reverse("staffing:merge_preview"), _form(w, confirm="1")).status_code == 302
    clerk = _client(w["clerk_ninh"])
    for name in ("staffing:merge_new", "staffing:reorganisation_list"):
        assert clerk.get(reverse(name)).status_code == 403
    assert clerk.post(reverse("staffing:merge_preview"), _form(w, confirm="1")).status_code == 403
    other = make_official(make_agency(name="UBND tỉnh Lâm Đồng", kind=AgencyKind.PROVINCE_PC, province_code="68"),
                          Role.AGENCY_ADMIN, username="qtlamdong").user
    assert _client(other).post(reverse("staffing:merge_preview"), _form(w, confirm="1")).status_code == 403
    # Another province's admin does not find these communes at all.
    found = _client(other).post(reverse("staffing:merge_new"), {"q": "que", "effective_date": "01/12/2019"})
    assert "Xã Quế Ninh" not in found.content.decode()
    assert Reorganisation.objects.count() == 0
    r = _run_api(w)
    assert _client(other).get(reverse("staffing:merge_done", args=[r["id"]])).status_code == 404
    assert "Xã Ninh Phước" not in _client(other).get(reverse("staffing:reorganisation_list")).content.decode()


def _api(user, path, data):
    return _client(user).post(f"/api/v1/staffing/{path}", data=json.dumps(data), content_type="application/json")


def _json(w, **changes) -> dict:
    data = {"unit_ids": [w["phuoc"].pk, w["ninh"].pk], "name": "Xã Ninh Phước", "code": "20667",
            "unit_type": "commune", "unit_class": "II", "effective_date": "2019-12-01",
            "resolution": "NQ 814/NQ-UBTVQH14", "new_agency_name": "UBND xã Ninh Phước",
            "new_agency_notation": "UBND", "new_agency_identifier": NEW_ID}
    data.update(changes)
    return data


def _run_api(w):
    response = _api(w["admin"], "merge", _json(w))
    assert response.status_code == 201, response.content
    return response.json()


def test_api_preview_and_merge(w):
    p = _api(w["admin"], "merge/preview", _json(w))
    assert p.status_code == 200
    body = p.json()
    assert (body["quota"], body["in_post"], body["surplus"], body["population"]) == (21, 33, 12, 4847)
    assert body["area_km2"] == "61.61"
    assert {g["key"]: g["count"] for g in body["groups"]}["documents"] == 2
    assert body["aliases"] == [["000.21.31.H49", NEW_ID], ["000.22.31.H49", NEW_ID]]
    assert Reorganisation.objects.count() == 0
    r = _run_api(w)
    assert r["summary"]["surplus"] == 12 and r["effective_date"] == "2019-12-01"
    assert AdministrativeUnit.objects.get(pk=r["successor_unit_id"]).name == "Xã Ninh Phước"


def test_api_bad_input_and_permissions(w):
    before = snapshot()
    for changes, status in [({"unit_ids": [w["phuoc"].pk]}, 400), ({"effective_date": "2019-13-01"}, 400),
                            ({"unit_ids": [w["phuoc"].pk, 10**9]}, 404), ({"numbering": "sometimes"}, 422),
                            ({"extra": 1}, 422), ({"unit_ids": [w["phuoc"].pk, w["ninh"].pk],
                                                   "code": "20674"}, 400)]:
        for path in ("merge/preview", "merge"):
            response = _api(w["admin"], path, _json(w, **changes))
            assert response.status_code == status, (changes, response.content)
            assert response.json()["message"]
    assert _api(w["clerk_ninh"], "merge", _json(w)).status_code == 403
    assert Client().post("/api/v1/staffing/merge", data=json.dumps(_json(w)),
                         content_type="application/json").status_code == 401
    assert snapshot() == before


def test_command_preview_and_run(w, capsys):
    common = ["--units", "20668,20671", "--name", "Xã Ninh Phước", "--code", "20667", "--type", "commune",
              "--class", "II", "--date", "2019-12-01", "--resolution", "NQ 814/NQ-UBTVQH14",
              "--new-agency-name", "UBND xã Ninh Phước", "--new-agency-identifier", NEW_ID, "--as", "qtquangnam"]
    call_command("merge", "preview", *common)
    out = capsys.readouterr().out
    assert "61.61 km², 4847 người" in out and "Biên chế 21, có mặt 33, dôi dư 12." in out
    assert Reorganisation.objects.count() == 0
    with pytest.raises(CommandError, match="Không có đơn vị mã 99999"):
        call_command("merge", "run", *[("20668,99999" if a == "20668,20671" else a) for a in common])
    with pytest.raises(CommandError, match="Chỉ quản trị hệ thống"):
        call_command("merge", "run", *common[:-1], "vanthu_queninh")
    call_command("merge", "run", *common)
    out = capsys.readouterr().out
    assert "Biên chế 21, có mặt 33, dôi dư 12." in out
    assert Reorganisation.objects.count() == 1


def test_garbage_never_reaches_the_database(w):
    """NUL bytes and absurd ids are answered with a message (no 500 on PostgreSQL), nothing changed; control
    characters are dropped from texts that are otherwise fine."""
    c = _client(w["admin"])
    before = snapshot()
    nul = {k: "a\x00b" for k in ("name", "code", "resolution", "new_agency_name", "new_agency_notation",
                                  "new_agency_identifier", "effective_date", "unit_class", "unit_type", "numbering")}
    for confirm in ("", "1"):
        assert c.post(reverse("staffing:merge_preview"), _form(w, confirm=confirm, **nul)).status_code == 400
    assert c.post(reverse("staffing:merge_new"), {"q": "qu\x00e", "units": ["1" * 30]}).status_code == 200
    for path in ("merge/preview", "merge"):
        assert _api(w["admin"], path, _json(w, unit_ids=[2**70, 1])).status_code == 422
        assert _api(w["admin"], path, _json(w, name="\x00")).status_code == 400
    assert snapshot() == before
    response = c.post(reverse("staffing:merge_preview"), _form(w, confirm="1", name="Xã\x00 Ninh Phước",
                                                               resolution="NQ\x00 814"))
    assert response.status_code == 302
    r = Reorganisation.objects.get()
    assert (r.successor_unit.name, r.resolution) == ("Xã Ninh Phước", "NQ 814")
