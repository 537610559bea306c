"""Pages of roadmaps, transfers and the budget: who sees what, the forms, bad input answered with a message."""

import datetime as dt

import pytest

from conftest import make_official
from congvu.org.models import Role
from congvu.staffing import budget
from congvu.staffing import roadmap as rm
from congvu.staffing.models import (
    OperatingCost,
    Reorganisation,
    ReorganisationPart,
    RoadmapCase,
    StaffPosting,
    SurplusRoadmap,
    Transfer,
    TransferStatus,
)
from congvu.staffing.tests.conftest import login
from congvu.staffing.tests.roadmap_world import commune, commune_agency, member, quota

D = dt.date


@pytest.fixture
def w(quang_nam):
    ninh_phuoc = commune_agency(quang_nam["commune"], "UBND xã Ninh Phước")
    que_lam = commune_agency(commune(quang_nam["district"], "20668", "Xã Quế Lâm"), "UBND xã Quế Lâm")
    quota(ninh_phuoc, 2)
    quota(que_lam, 3)
    people = [member(ninh_phuoc, n, birth=b) for n, b in (
        ("Nguyễn Văn An", D(1960, 5, 10)), ("Trần Thị Bình", D(1990, 1, 1)), ("Lê Văn Cường", D(1992, 1, 1)),
        ("Phạm Văn Dũng", D(1988, 1, 1)))]
    return {"from": ninh_phuoc, "to": que_lam, "people": people}


def test_anonymous_is_sent_to_login(client, db):
    for path in ("/staffing/roadmaps/", "/staffing/transfers/", "/staffing/budget/", "/staffing/roadmaps/new/"):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_roadmap_journey(w, province_admin):
    c = login(province_admin)
    assert c.get("/staffing/roadmaps/new/").status_code == 200
    response = c.post("/staffing/roadmaps/new/", {"agency": w["from"].pk, "title": "Lộ trình Ninh Phước",
                                                  "start_date": "01/01/2020", "years": "5", "hiring_freeze": "on"})
    plan = SurplusRoadmap.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staffing/roadmaps/{plan.pk}/"
    assert list(plan.cases.values_list("member__full_name", flat=True)) == ["Nguyễn Văn An"]
    page = c.get(f"/staffing/roadmaps/{plan.pk}/").content.decode()
    assert "<svg" in page and "<script" not in page.split("<main", 1)[-1].split("</main>")[0]
    assert "Lộ trình Ninh Phước" in page and "Về đúng biên chế vào cuối năm 2020" not in page
    # 4 in post, quota 2; 1 retires in 2020 → 3 (surplus 1) each year: not reached.
    assert "Chưa về đúng biên chế" in page
    # Suggestions: Quế Lâm has 3 vacancies; 1 person needed, the youngest proposed.
    page = c.get(f"/staffing/roadmaps/{plan.pk}/suggestions/?on=01/03/2020").content.decode()
    assert "Lê Văn Cường" in page and "UBND xã Quế Lâm" in page and "Đề xuất điều động" in page
    response = c.post(f"/staffing/roadmaps/{plan.pk}/cases/", {
        "member": w["people"][2].pk, "kind": "transfer", "to_agency": w["to"].pk, "planned_date": "01/03/2020",
        "back": "suggestions"})
    assert response.status_code == 302
    case = RoadmapCase.objects.get(member=w["people"][2])
    assert case.transfer.status == TransferStatus.PROPOSED
    page = c.get(f"/staffing/roadmaps/{plan.pk}/").content.decode()
    assert "Về đúng biên chế vào cuối năm 2020" in page
    # Bad input: a date before the plan — a message, nothing added.
    response = c.post(f"/staffing/roadmaps/{plan.pk}/cases/", {
        "member": w["people"][3].pk, "kind": "streamlining", "planned_date": "31/12/2019"})
    assert response.status_code == 400
    assert "01/01/2020 – 31/12/2024" in response.content.decode()
    assert plan.cases.count() == 2
    # Remove the transfer case: the transfer is cancelled.
    response = c.post(f"/staffing/roadmaps/{plan.pk}/cases/{case.pk}/remove/")
    assert response.status_code == 302
    assert Transfer.objects.get().status == TransferStatus.CANCELLED


def test_roadmap_new_bad_input(w, province_admin):
    c = login(province_admin)
    for data in ({"agency": w["from"].pk, "title": "X", "start_date": "01/01/2020", "years": "0"},
                 {"agency": w["from"].pk, "title": "X", "start_date": "01/01/2020", "years": "11"},
                 {"agency": w["from"].pk, "title": "X", "start_date": "31/02/2020", "years": "5"},
                 {"agency": w["from"].pk, "title": "X", "start_date": "01/01/2020", "years": "năm"},
                 {"agency": "99999999999999999999", "title": "X", "start_date": "01/01/2020", "years": "5"},
                 {"agency": w["from"].pk, "title": "", "start_date": "01/01/2020", "years": "5"}):
        response = c.post("/staffing/roadmaps/new/", data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert not SurplusRoadmap.objects.exists()


def test_who_sees_roadmaps(w, province_admin, other_province_admin, plain_user):
    plan = rm.roadmap_create(actor=province_admin, agency=w["from"], start_date=D(2020, 1, 1), title="Kín")
    leader = make_official(w["from"], Role.LEADER, username="ctxa").user
    assert login(leader).get(f"/staffing/roadmaps/{plan.pk}/").status_code == 200
    assert "Kín" in login(leader).get("/staffing/roadmaps/").content.decode()
    assert login(leader).get("/staffing/roadmaps/new/").status_code == 403
    for user in (other_province_admin, plain_user):
        assert login(user).get(f"/staffing/roadmaps/{plan.pk}/").status_code == 404
        assert "Kín" not in login(user).get("/staffing/roadmaps/").content.decode()
    assert login(other_province_admin).post(f"/staffing/roadmaps/{plan.pk}/cases/", {
        "member": w["people"][1].pk, "kind": "streamlining", "planned_date": "01/01/2021"}).status_code == 404
    # The leader sees but may not change.
    assert login(leader).post(f"/staffing/roadmaps/{plan.pk}/cases/", {
        "member": w["people"][1].pk, "kind": "streamlining", "planned_date": "01/01/2021"}).status_code == 403
    assert plan.cases.count() == 1


def test_transfer_journey_and_no_vacancy_message(w, province_admin):
    c = login(province_admin)
    assert c.get(f"/staffing/transfers/new/?agency={w['from'].pk}").status_code == 200
    # Quế Lâm: quota 3, nobody in post.
    quota_full = [member(w["to"], f"Người {i}") for i in range(3)]
    response = c.post("/staffing/transfers/new/", {"agency": w["from"].pk, "member": w["people"][1].pk,
                                                   "to_agency": w["to"].pk, "planned_date": "01/03/2021"})
    assert response.status_code == 400
    assert "không còn chỉ tiêu trống" in response.content.decode()
    assert not Transfer.objects.exists()
    response = c.post("/staffing/transfers/new/", {"agency": w["from"].pk, "member": w["people"][1].pk,
                                                   "to_agency": w["to"].pk, "planned_date": "01/03/2021",
                                                   "reason": "Tăng cường cán bộ địa chính"})
    assert response.status_code == 302
    t = Transfer.objects.get()
    page = c.get("/staffing/transfers/").content.decode()
    assert "Tăng cường cán bộ địa chính" in page and "Phê duyệt" in page
    assert c.post(f"/staffing/transfers/{t.pk}/approve/", {"decision_number": "12/QĐ-UBND"}).status_code == 302
    assert c.post(f"/staffing/transfers/{t.pk}/complete/", {"on": "32/03/2021"}).status_code == 302  # message
    t.refresh_from_db()
    assert t.status == TransferStatus.APPROVED
    assert c.post(f"/staffing/transfers/{t.pk}/complete/", {"on": ""}).status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.DONE
    assert StaffPosting.objects.get(member=w["people"][1], valid_to__isnull=True).agency == w["to"]
    assert c.post(f"/staffing/transfers/{t.pk}/explode/").status_code == 404
    assert quota_full


def test_budget_page_and_operating_cost_form(w, province_admin, other_province_admin):
    c = login(province_admin)
    page = c.get(f"/staffing/budget/?agency={w['from'].pk}&year=2023").content.decode()
    # 4 people at 2.34: 9.36 × (1,490,000 × 6 + 1,800,000 × 6) = 9.36 × 19,740,000 = 184,766,400.
    assert "184.766.400" in page
    response = c.post("/staffing/budget/operating/", {"agency": w["from"].pk, "year": "2023", "amount_vnd": "-5"})
    assert response.status_code == 400 and "không âm" in response.content.decode()
    response = c.post("/staffing/budget/operating/", {"agency": w["from"].pk, "year": "0", "amount_vnd": "5"})
    assert response.status_code == 400
    assert not OperatingCost.objects.exists()
    response = c.post("/staffing/budget/operating/", {"agency": w["from"].pk, "year": "2023",
                                                      "amount_vnd": "800.000.000"})
    assert response.status_code == 302
    assert OperatingCost.objects.get().amount_vnd == 800_000_000
    page = c.get(f"/staffing/budget/?agency={w['from'].pk}&year=2023").content.decode()
    assert "984.766.400" in page  # + 800,000,000
    assert c.get(f"/staffing/budget/?agency={w['from'].pk}&year=abc").status_code == 200
    assert login(other_province_admin).get(f"/staffing/budget/?agency={w['from'].pk}").status_code == 404
    assert login(other_province_admin).post("/staffing/budget/operating/", {
        "agency": w["from"].pk, "year": "2024", "amount_vnd": "1"}).status_code == 404


def test_merger_saving_page(w, quang_nam, province_admin):
    from congvu.staffing.tests.roadmap_world import superuser_with_official

    admin = superuser_with_official()
    old = commune_agency(commune(quang_nam["district"], "20664", "Xã Quế Phước", valid_from=D(2000, 1, 1),
                                 valid_to=D(2019, 12, 31)), "UBND xã Quế Phước")
    member(old, "Đã nghỉ", coefficient="2.00", start=D(2010, 1, 1), end=D(2019, 12, 31))
    reorg = Reorganisation.objects.create(successor_unit=quang_nam["commune"], successor_agency=w["from"],
                                          effective_date=D(2020, 1, 1), resolution="NQ 814/NQ-UBTVQH14",
                                          created_by=admin.official)
    ReorganisationPart.objects.create(reorganisation=reorg, predecessor_unit=old.administrative_units.get().unit,
                                      predecessor_agency=old)
    budget.operating_cost_set(actor=admin, agency=old, year=2019, amount_vnd=400_000_000)
    page = login(province_admin).get(f"/staffing/reorganisations/{reorg.pk}/saving/?year=2020").content.decode()
    # Before: 4 × 2.34 (Ninh Phước) + 2.00 = 11.36; after 9.36: 2.00 × 1,490,000 × 12 = 35,760,000 pay saving;
    # operating 400,000,000 − 0 (2020 not entered) → 435,760,000.
    assert "35.760.000" in page and "435.760.000" in page and "Chưa nhập chi hoạt động" in page
    assert login(province_admin).get(f"/staffing/reorganisations/{reorg.pk}/saving/?year=2019").status_code == 200
    assert login(province_admin).get("/staffing/reorganisations/999999/saving/").status_code == 404


def test_pages_without_quota_or_choice(quang_nam, province_admin):
    bare = commune_agency(commune(quang_nam["district"], "20669", "Xã Quế Trung", unit_class=""), "UBND xã Quế Trung")
    member(bare, "Một người")
    plan = rm.roadmap_create(actor=province_admin, agency=bare, start_date=D(2021, 1, 1), title="Chưa có biên chế")
    c = login(province_admin)
    page = c.get(f"/staffing/roadmaps/{plan.pk}/").content.decode()
    assert "<svg" in page and "Chưa về đúng biên chế" in page
    assert c.get(f"/staffing/roadmaps/{plan.pk}/suggestions/").status_code == 200
    assert c.get(f"/staffing/roadmaps/{plan.pk}/suggestions/?on=99/99/9999").status_code == 200
    assert "Chọn cơ quan để xem kinh phí" in c.get("/staffing/budget/").content.decode()
    assert "Chưa có lộ trình" not in c.get("/staffing/roadmaps/").content.decode()
    assert c.get("/staffing/transfers/?status=zzz&agency=abc").status_code == 200
