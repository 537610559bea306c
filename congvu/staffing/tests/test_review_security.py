"""Reviewer R1: who may see and change what, for EVERY page of the `staffing` namespace and every staffing and
dashboard API path (the dashboard pages are in congvu/dashboard/tests/test_review_security.py, on the same world).

The pages and paths are enumerated from the URL resolver and the OpenAPI schema and compared with the table
below, so a new page or path without a row here fails `test_every_*_is_in_the_table` until someone adds it.

The world: the victim is the seed's Ninh Phước (Quế Phước + Quế Ninh merged on 01/12/2019 through the merge
wizard) in province 49, with its roster, a transfer to Quế Lâm, a surplus roadmap with a case, an operating cost
and an equipment point. The intruders may not see or change any of it:
  anonymous; a plain officer of an agency of another province; the agency admin of that agency; the province
  admin of another province (68); the agency admin and the leader of another commune of the same province
  (Quế Lâm); a plain officer of the victim agency itself.
Each forbidden request answers a redirect to the login page (anonymous pages), 401 (anonymous API), 403 or 404,
or a list without the victim's rows (markers: names, titles, reasons); the database is unchanged afterwards."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver

from conftest import make_agency, make_official
from congvu.api.services import api_token_create
from congvu.audit.models import JournalEntry
from congvu.org.models import Agency, AgencyKind, Membership, Role
from congvu.staffing import budget, reorg, transfers
from congvu.staffing import roadmap as rm
from congvu.staffing.models import (
    AdministrativeUnit,
    CaseKind,
    OperatingCost,
    QuotaDecision,
    Reorganisation,
    RoadmapCase,
    StaffMember,
    StaffPosting,
    SurplusRoadmap,
    Transfer,
    UnitAgency,
)
from congvu.staffing.tests.merge_world import MERGE_DAY, build_world
from congvu.staffing.tests.roadmap_world import superuser_with_official

pytestmark = pytest.mark.django_db

D = dt.date
ROADMAP_TITLE = "Lộ trình giảm dôi dư Ninh Phước RMSECRET"
TRANSFER_REASON = "Lý do điều động TRSECRET"
POINT_NAME = "Điểm cầu truyền hình EQSECRET"
RESOLUTION = "NQ 814/NQ-UBTVQH14 RGSECRET"
MEMBER_NAME = "Cán bộ Quế Phước 01"
ROLES = ["anonymous", "officer_other_province", "admin_other_agency", "admin_other_province", "admin_same_province",
         "leader_same_province", "officer_same_agency"]


# --- the world ----------------------------------------------------------------------------------------------

def build_security_world() -> dict:
    """See the module docstring. Shared with the dashboard review tests and the bad-input tests."""
    from congvu.dashboard import equipment, rollups

    w = build_world(documents=False)
    root = superuser_with_official("quantri_r1")
    plan = reorg.MergePlan(unit_ids=[w["phuoc"].pk, w["ninh"].pk], name="Xã Ninh Phước", code="20667",
                           unit_type="commune", unit_class="II", effective_date=MERGE_DAY, resolution=RESOLUTION,
                           new_agency_name="UBND xã Ninh Phước", new_agency_notation="UBND",
                           new_agency_identifier="000.23.31.H49")
    r = reorg.merge_execute(actor=w["admin"], plan=plan)
    s = r.successor_agency
    district = make_agency(name="UBND huyện Nông Sơn", kind=AgencyKind.DISTRICT_PC, province_code="49")
    lam = make_agency(name="UBND xã Quế Lâm", kind=AgencyKind.COMMUNE_PC, province_code="49", parent=district)
    UnitAgency.objects.create(unit=w["lam"], agency=lam)
    Agency.objects.filter(pk=s.pk).update(parent=district)
    s.refresh_from_db()
    QuotaDecision.objects.create(agency=lam, category="cadre_civil", quota=25, valid_from=D(2019, 1, 1),
                                 decision_number="QĐ 1/R1", decision_date=D(2019, 1, 1))
    members = {m.full_name: m for m in StaffMember.objects.all()}
    victim = members[MEMBER_NAME]
    other = members["Cán bộ Quế Phước 02"]
    # to a third commune: Quế Lâm's leaders would legitimately see a transfer into Quế Lâm
    trung = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, province_code="49", parent=district)
    t = transfers.transfer_propose(actor=w["admin"], member=victim, to_agency=trung, planned_date=D(2020, 6, 1),
                                   reason=TRANSFER_REASON)
    p = rm.roadmap_create(actor=w["admin"], agency=s, start_date=D(2020, 1, 1), title=ROADMAP_TITLE)
    case = rm.roadmap_case_add(actor=w["admin"], roadmap=p, member=other, kind=CaseKind.STREAMLINING,
                               planned_date=D(2021, 1, 1), note="Tinh giản")
    budget.operating_cost_set(actor=w["admin"], agency=s, year=2020, amount_vnd=500_000_000, note="Chi 2020")
    point = equipment.equipment_point_create(actor=root, agency=s, kind="video_conference", name=POINT_NAME)
    rollups.rebuild()

    other_pc = make_agency(name="UBND tỉnh Lâm Đồng", kind=AgencyKind.PROVINCE_PC, province_code="68")
    other_commune = make_agency(name="UBND xã Đạ Nhim", kind=AgencyKind.COMMUNE_PC, province_code="68")
    s_officer = make_official(s, Role.OFFICER, username="r1_chuyenvien_np").user
    users = {
        "anonymous": None,
        "officer_other_province": make_official(other_commune, Role.OFFICER, username="r1_chuyenvien_68").user,
        "admin_other_agency": make_official(other_commune, Role.AGENCY_ADMIN, username="r1_quantri_xa68").user,
        "admin_other_province": make_official(other_pc, Role.AGENCY_ADMIN, username="r1_quantri_tinh68").user,
        "admin_same_province": make_official(lam, Role.AGENCY_ADMIN, username="r1_quantri_quelam").user,
        "leader_same_province": make_official(lam, Role.LEADER, username="r1_lanhdao_quelam").user,
        "officer_same_agency": s_officer,
    }
    return {**w, "root": root, "reorg": r, "s": s, "district": district, "lam": lam, "victim": victim,
            "other": other, "transfer": t, "roadmap": p, "case": case, "point": point, "users": users,
            "unit": r.successor_unit, "other_pc": other_pc, "other_commune": other_commune}


def snapshot() -> dict:
    """Every row an intruder (or bad input) could create, change or delete."""
    from congvu.dashboard.models import EquipmentCheck, EquipmentPoint
    from congvu.exchange.models import DirectoryAlias

    def rows(model, *fields):
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return {
        "units": rows(AdministrativeUnit, "code", "name", "unit_class", "valid_from", "valid_to", "population"),
        "agencies": rows(Agency, "name", "identifier", "active_to", "parent_id"),
        "memberships": rows(Membership, "agency_id", "role", "active"),
        "members": rows(StaffMember, "full_name", "birth_date", "sex"),
        "postings": rows(StaffPosting, "member_id", "agency_id", "valid_from", "valid_to", "salary_coefficient",
                         "position", "category", "ended_reason"),
        "transfers": rows(Transfer, "member_id", "to_agency_id", "status", "planned_date", "reason"),
        "roadmaps": rows(SurplusRoadmap, "agency_id", "title", "start_date", "years"),
        "cases": rows(RoadmapCase, "member_id", "kind", "planned_date", "transfer_id"),
        "reorganisations": rows(Reorganisation, "successor_agency_id", "effective_date"),
        "operating": rows(OperatingCost, "agency_id", "year", "amount_vnd"),
        "quotas": rows(QuotaDecision, "agency_id", "quota", "valid_from", "valid_to"),
        "unit_agencies": rows(UnitAgency, "unit_id", "agency_id", "valid_from", "valid_to"),
        "points": rows(EquipmentPoint, "agency_id", "name", "status", "active", "kind"),
        "checks": rows(EquipmentCheck, "point_id", "status"),
        "aliases": rows(DirectoryAlias, "old_identifier"),
        "journal": JournalEntry.objects.count(),
    }


@pytest.fixture
def sw(db):
    return build_security_world()


def page_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_client(user) -> Client:
    if user is None:
        return Client()
    _, token = api_token_create(actor=None, user=user, name="r1")
    return Client(headers={"Authorization": f"Bearer {token}"})


def markers(w) -> list[str]:
    # (the merge resolution is public: it is the basis shown on the unit's page)
    return [ROADMAP_TITLE, TRANSFER_REASON, POINT_NAME, MEMBER_NAME, "Cán bộ Quế Ninh 01"]


# --- the table of pages -------------------------------------------------------------------------------------
# name → list of (method, url builder(w) → (path, params/data)). Kinds:
#   "deny": the request must be refused (403/404, or 400 for a refused form) and change nothing;
#   "list": may answer 200 (a list filtered by what the user may see) but must not show the victim's rows;
#   "public": reference data any logged-in user may read (units, norms); only anonymous is refused.

def _u(name, *args):
    from django.urls import reverse
    return reverse(f"staffing:{name}", args=args)


STAFFING_PAGES = {
    "unit_list": [("GET", "public", lambda w: (_u("unit_list"), {}))],
    "unit_detail": [("GET", "public", lambda w: (_u("unit_detail", w["unit"].pk), {}))],
    "unit_classify": [("POST", "deny", lambda w: (_u("unit_classify", w["unit"].pk),
                                                   {"decided_on": "01/01/2020", "unit_class": "I",
                                                    "decision": "QĐ 9/R1"}))],
    "unit_quota_decision": [("POST", "deny", lambda w: (_u("unit_quota_decision", w["unit"].pk),
                                                         {"category": "cadre_civil", "quota": "99",
                                                          "valid_from": "01/01/2020", "decision_number": "QĐ 9"}))],
    "norm_list": [("GET", "public", lambda w: (_u("norm_list"), {}))],
    "roster": [("GET", "deny", lambda w: (_u("roster"), {"agency": w["s"].pk})),
               ("GET", "list", lambda w: (_u("roster"), {}))],
    "roster_import": [("GET", "deny", lambda w: (_u("roster_import"), {"agency": w["s"].pk})),
                      ("POST", "deny", lambda w: (_u("roster_import"), {"agency": w["s"].pk}))],
    "member_new": [("GET", "deny", lambda w: (_u("member_new"), {"agency": w["s"].pk})),
                   ("POST", "deny", lambda w: (_u("member_new"), {
                       "agency": w["s"].pk, "full_name": "Người Lạ", "sex": "male", "birth_date": "01/01/1990",
                       "start_date": "01/01/2015", "category": "cadre_civil", "position": "Công chức",
                       "salary_coefficient": "2,34"}))],
    "member_detail": [("GET", "deny", lambda w: (_u("member_detail", w["victim"].pk), {}))],
    "member_change": [("POST", "deny", lambda w: (_u("member_change", w["victim"].pk),
                                                   {"on": "01/01/2024", "salary_coefficient": "9,99"}))],
    "member_leave": [("POST", "deny", lambda w: (_u("member_leave", w["victim"].pk),
                                                  {"on": "01/01/2024", "reason": "retirement"}))],
    "report": [("GET", "deny", lambda w: (_u("report"), {"agency": w["s"].pk})),
               ("GET", "deny", lambda w: (_u("report"), {"province": "49"})),
               ("GET", "list", lambda w: (_u("report"), {}))],
    "report_print": [("GET", "deny", lambda w: (_u("report_print"), {"agency": w["s"].pk})),
                     ("GET", "deny", lambda w: (_u("report_print"), {"province": "49"}))],
    "report_xlsx": [("GET", "deny", lambda w: (_u("report_xlsx"), {"agency": w["s"].pk})),
                    ("GET", "deny", lambda w: (_u("report_xlsx"), {"province": "49"}))],
    "merge_new": [("GET", "list", lambda w: (_u("merge_new"), {})),
                  ("POST", "list", lambda w: (_u("merge_new"), {"q": "Quế"}))],
    "merge_preview": [("POST", "deny", lambda w: (_u("merge_preview"), {
        "units": [w["unit"].pk, w["lam"].administrative_units.first().unit_id], "name": "Xã Gộp", "code": "99999",
        "unit_type": "commune", "unit_class": "I", "effective_date": "01/01/2022", "resolution": "NQ 1/R1",
        "successor": "new", "new_agency_name": "UBND xã Gộp", "new_agency_notation": "UBND",
        "new_agency_identifier": "000.99.31.H49", "numbering": "restart", "confirm": "1"}))],
    "merge_done": [("GET", "deny", lambda w: (_u("merge_done", w["reorg"].pk), {}))],
    "reorganisation_list": [("GET", "list", lambda w: (_u("reorganisation_list"), {}))],
    "roadmap_list": [("GET", "list", lambda w: (_u("roadmap_list"), {})),
                     ("GET", "deny", lambda w: (_u("roadmap_list"), {"agency": w["s"].pk}))],
    "roadmap_new": [("GET", "list", lambda w: (_u("roadmap_new"), {"agency": w["s"].pk})),
                    ("POST", "deny", lambda w: (_u("roadmap_new"), {
                        "agency": w["s"].pk, "title": "Lộ trình lạ", "start_date": "01/01/2024", "years": "5",
                        "hiring_freeze": "on"}))],
    "roadmap_detail": [("GET", "deny", lambda w: (_u("roadmap_detail", w["roadmap"].pk), {}))],
    "roadmap_case_add": [("POST", "deny", lambda w: (_u("roadmap_case_add", w["roadmap"].pk), {
        "member": w["victim"].pk, "kind": "streamlining", "planned_date": "01/01/2022"}))],
    "roadmap_case_remove": [("POST", "deny", lambda w: (_u("roadmap_case_remove", w["roadmap"].pk, w["case"].pk),
                                                         {}))],
    "roadmap_suggestions": [("GET", "deny", lambda w: (_u("roadmap_suggestions", w["roadmap"].pk), {}))],
    "transfer_list": [("GET", "list", lambda w: (_u("transfer_list"), {})),
                      ("GET", "deny", lambda w: (_u("transfer_list"), {"agency": w["s"].pk}))],
    "transfer_new": [("GET", "deny", lambda w: (_u("transfer_new"), {"agency": w["s"].pk})),
                     ("POST", "deny", lambda w: (_u("transfer_new"), {
                         "agency": w["s"].pk, "member": w["other"].pk, "to_agency": w["lam"].pk,
                         "planned_date": "01/06/2021", "reason": "Cần người"}))],
    "transfer_action": [("POST", "deny", lambda w, a=action: (_u("transfer_action", w["transfer"].pk, a), {
        "decision_number": "QĐ 5", "on": "01/06/2020", "reason": "Hủy"})) for action in
        ("approve", "complete", "cancel")],
    "budget": [("GET", "list", lambda w: (_u("budget"), {})),
               ("GET", "deny", lambda w: (_u("budget"), {"agency": w["s"].pk, "year": "2020"}))],
    "budget_operating": [("POST", "deny", lambda w: (_u("budget_operating"), {
        "agency": w["s"].pk, "year": "2020", "amount_vnd": "1", "note": "sửa"}))],
    "merger_saving": [("GET", "deny", lambda w: (_u("merger_saving", w["reorg"].pk), {"year": "2020"}))],
}
N_STAFFING_PAGES = 30


def namespace_names(namespace: str) -> set[str]:
    resolver = get_resolver()
    _prefix, sub = resolver.namespace_dict[namespace]
    return {p.name for p in sub.url_patterns if getattr(p, "name", None)}


def test_every_staffing_page_is_in_the_table():
    names = namespace_names("staffing")
    assert len(names) == N_STAFFING_PAGES, sorted(names)
    assert names == set(STAFFING_PAGES)


def check_page(w, role, method, kind, build, *, what: str):
    """One request of the table, as `role`; see the kinds above."""
    user = w["users"][role]
    path, data = build(w)
    before = snapshot()
    client = page_client(user)
    response = client.get(path, data) if method == "GET" else client.post(path, data)
    after = snapshot()
    assert after == before, f"{what} as {role} changed the database"
    assert response.status_code != 500, what
    if user is None:
        assert response.status_code == 302, what
        assert response["Location"].startswith(settings.LOGIN_URL), what
        return
    if kind == "public":
        assert response.status_code == 200, what
        return
    if kind == "deny":
        assert response.status_code in (400, 403, 404) or (
            response.status_code == 302 and method == "POST"), f"{what} as {role}: {response.status_code}"
    else:
        assert response.status_code in (200, 302, 403), f"{what} as {role}: {response.status_code}"
    body = b"".join(response) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    for marker in markers(w):
        assert marker not in text, f"{what} as {role} shows {marker!r}"


CASES = [(name, i) for name, specs in STAFFING_PAGES.items() for i in range(len(specs))]


@pytest.mark.parametrize("role", ROLES)
def test_staffing_pages_refuse_intruders(sw, role):
    """Every row of the table, for one intruder (one world per role keeps the run short)."""
    problems = []
    for name, specs in STAFFING_PAGES.items():
        for method, kind, build in specs:
            try:
                check_page(sw, role, method, kind, build, what=f"{method} staffing:{name} {build(sw)[1]}")
            except AssertionError as exc:
                problems.append(str(exc).split("\n")[0])
    assert not problems, "\n".join(problems)


def test_the_table_is_meaningful_for_the_superuser(sw):
    """The same requests made by the system admin succeed and show the victim's rows: the refusals above are
    about who asks, not about broken requests."""
    client = page_client(sw["root"])
    for name, path, params, marker in [
        ("roster", _u("roster"), {"agency": sw["s"].pk}, MEMBER_NAME),
        ("member_detail", _u("member_detail", sw["victim"].pk), {}, MEMBER_NAME),
        ("roadmap_detail", _u("roadmap_detail", sw["roadmap"].pk), {}, ROADMAP_TITLE),
        ("transfer_list", _u("transfer_list"), {"agency": sw["s"].pk}, MEMBER_NAME),
        ("roadmap_list", _u("roadmap_list"), {}, ROADMAP_TITLE),
        ("merge_done", _u("merge_done", sw["reorg"].pk), {}, "Ninh Phước"),
        ("reorganisation_list", _u("reorganisation_list"), {}, "Ninh Phước"),
        ("report", _u("report"), {"agency": sw["s"].pk, "on": "01/01/2020"}, "UBND xã Ninh Phước"),
    ]:
        response = client.get(path, params)
        assert response.status_code == 200, name
        assert marker in response.content.decode(), name


def test_province_admin_of_the_province_sees_the_roster(sw):
    client = page_client(sw["admin"])
    response = client.get(_u("roster"), {"agency": sw["s"].pk})
    assert response.status_code == 200
    assert MEMBER_NAME in response.content.decode()


# --- IDOR in form fields: a user allowed for their own agency names another agency's rows -----------------

@pytest.fixture
def lam_admin_world(sw):
    """Quế Lâm's agency admin manages Quế Lâm's roster (one person) — and tries the victim's ids."""
    from congvu.staffing.tests.roster_world import add_one

    add_one(sw["lam"], name="Người Quế Lâm")
    return sw


def test_idor_agency_admin_cannot_change_another_agencys_member_by_id(lam_admin_world):
    w = lam_admin_world
    client = page_client(w["users"]["admin_same_province"])
    before = snapshot()
    for path, data in [
        (_u("member_change", w["victim"].pk), {"on": "01/01/2024", "salary_coefficient": "9,99"}),
        (_u("member_leave", w["victim"].pk), {"on": "01/01/2024", "reason": "retirement"}),
        (_u("member_new"), {"agency": w["s"].pk, "full_name": "Người Lạ", "sex": "male", "birth_date": "01/01/1990",
                            "start_date": "01/01/2015", "category": "cadre_civil", "position": "Công chức",
                            "salary_coefficient": "2,34"}),
    ]:
        response = client.post(path, data)
        assert response.status_code in (400, 403, 404), path
    assert snapshot() == before


def test_idor_own_agency_query_victim_agency_in_post_adds_to_the_agency_checked(lam_admin_world):
    """member_new reads `agency` from the query first: whichever it picks, the person lands in the agency whose
    permission was checked (Quế Lâm), never in the victim's."""
    w = lam_admin_world
    client = page_client(w["users"]["admin_same_province"])
    response = client.post(_u("member_new") + f"?agency={w['lam'].pk}", {
        "agency": w["s"].pk, "full_name": "Người Mới", "sex": "male", "birth_date": "01/01/1990",
        "start_date": "01/01/2015", "category": "cadre_civil", "position": "Công chức", "salary_coefficient": "2,34"})
    assert response.status_code == 302
    assert not StaffPosting.objects.filter(agency=w["s"], member__full_name="Người Mới").exists()
    assert StaffPosting.objects.filter(agency=w["lam"], member__full_name="Người Mới").count() == 1


def test_idor_province_admin_of_another_province_cannot_transfer_the_victim_to_its_agency(sw):
    """The other province's admin plans for its own communes; naming the victim (another province's member) as
    the person to move into its commune is refused and changes nothing."""
    client = page_client(sw["users"]["admin_other_province"])
    before = snapshot()
    response = client.post(_u("transfer_new"), {"agency": sw["other_commune"].pk, "member": sw["other"].pk,
                                                 "to_agency": sw["other_commune"].pk,
                                                 "planned_date": "01/06/2021", "reason": "Cần người"})
    assert response.status_code in (400, 403, 404)
    assert snapshot() == before


def test_idor_province_admin_cannot_add_another_provinces_member_to_its_roadmap(sw):
    from congvu.staffing.tests.roster_world import add_one

    w = sw
    admin68 = w["users"]["admin_other_province"]
    add_one(w["other_commune"], name="Người Đạ Nhim")
    plan = rm.roadmap_create(actor=admin68, agency=w["other_commune"], start_date=D(2024, 1, 1), title="Lộ trình 68")
    client = page_client(admin68)
    before = snapshot()
    for kind in ("streamlining", "transfer"):
        response = client.post(_u("roadmap_case_add", plan.pk), {
            "member": w["victim"].pk, "kind": kind, "planned_date": "01/06/2024", "to_agency": w["other_commune"].pk,
            "reason": "Cần người"})
        assert response.status_code in (400, 403, 404), kind
    # a case of the victim's roadmap removed through the intruder's own roadmap id
    response = client.post(_u("roadmap_case_remove", plan.pk, w["case"].pk))
    assert response.status_code == 404
    assert snapshot() == before


def test_idor_province_admin_cannot_merge_its_unit_with_another_provinces_unit(sw):
    from congvu.staffing.models import UnitType

    w = sw
    admin68 = w["users"]["admin_other_province"]
    p68 = AdministrativeUnit.objects.create(code="68", name="Tỉnh Lâm Đồng", name_folded="tinh lam dong",
                                            unit_type=UnitType.PROVINCE)
    u68 = AdministrativeUnit.objects.create(code="24000", name="Xã Đạ Nhim", name_folded="xa da nhim",
                                            unit_type=UnitType.COMMUNE, parent=p68, valid_from=D(2008, 1, 1))
    client = page_client(admin68)
    before = snapshot()
    response = client.post(_u("merge_preview"), {
        "units": [u68.pk, w["lam"].administrative_units.first().unit_id], "name": "Xã Gộp", "code": "99999",
        "unit_type": "commune", "unit_class": "I", "effective_date": "01/01/2022", "resolution": "NQ 1/R1",
        "successor": "new", "new_agency_name": "UBND xã Gộp", "new_agency_notation": "UBND",
        "new_agency_identifier": "000.99.31.H49", "numbering": "restart", "confirm": "1"})
    assert response.status_code in (400, 403)
    assert snapshot() == before


def test_csrf_is_enforced_on_staffing_forms(sw):
    """With CSRF checks on (as in production), a cross-site POST by a logged-in province admin is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(sw["admin"])
    before = snapshot()
    response = client.post(_u("member_leave", sw["victim"].pk), {"on": "01/01/2024", "reason": "retirement"})
    assert response.status_code == 403
    assert snapshot() == before


# --- the API ------------------------------------------------------------------------------------------------

API = "/api/v1"


# (path template in the schema, method) → list of (kind, builder(w) → (concrete path, body or params))
API_TABLE = {
    ("/api/v1/staffing/units", "get"): [("public", lambda w: ("/staffing/units", {}))],
    ("/api/v1/staffing/units/{unit_id}", "get"): [("public", lambda w: (f"/staffing/units/{w['unit'].pk}", {}))],
    ("/api/v1/staffing/norms", "get"): [("public", lambda w: ("/staffing/norms", {}))],
    ("/api/v1/staffing/merge/preview", "post"): [("deny", lambda w: ("/staffing/merge/preview", merge_body(w)))],
    ("/api/v1/staffing/merge", "post"): [("deny", lambda w: ("/staffing/merge", merge_body(w)))],
    ("/api/v1/staffing/roster", "get"): [("deny", lambda w: ("/staffing/roster", {"agency": w["s"].pk}))],
    ("/api/v1/staffing/roster", "post"): [("deny", lambda w: ("/staffing/roster", {
        "agency_id": w["s"].pk, "full_name": "Người Lạ", "sex": "male", "birth_date": "01/01/1990",
        "category": "cadre_civil", "position": "Công chức", "salary_coefficient": "2.34",
        "start_date": "01/01/2015"}))],
    ("/api/v1/staffing/report", "get"): [("deny", lambda w: ("/staffing/report", {"agency": w["s"].pk})),
                                         ("deny", lambda w: ("/staffing/report", {"province": "49"}))],
    ("/api/v1/staffing/transfers", "get"): [("list", lambda w: ("/staffing/transfers", {})),
                                            ("deny", lambda w: ("/staffing/transfers", {"agency": w["s"].pk}))],
    ("/api/v1/staffing/transfers", "post"): [("deny", lambda w: ("/staffing/transfers", {
        "member_id": w["other"].pk, "to_agency_id": w["lam"].pk, "planned_date": "01/06/2021", "reason": "x"}))],
    ("/api/v1/staffing/transfers/{transfer_id}/{action}", "post"): [
        ("deny", lambda w, a=a: (f"/staffing/transfers/{w['transfer'].pk}/{a}", {"decision_number": "QĐ 5"}))
        for a in ("approve", "complete", "cancel")],
    ("/api/v1/staffing/roadmaps", "get"): [("list", lambda w: ("/staffing/roadmaps", {})),
                                           ("deny", lambda w: ("/staffing/roadmaps", {"agency": w["s"].pk}))],
    ("/api/v1/staffing/roadmaps", "post"): [("deny", lambda w: ("/staffing/roadmaps", {
        "agency_id": w["s"].pk, "title": "Lộ trình lạ", "start_date": "01/01/2024"}))],
    ("/api/v1/staffing/roadmaps/{roadmap_id}", "get"): [
        ("deny", lambda w: (f"/staffing/roadmaps/{w['roadmap'].pk}", {}))],
    ("/api/v1/staffing/budget", "get"): [("deny", lambda w: ("/staffing/budget", {"agency": w["s"].pk,
                                                                                 "year": 2020}))],
    ("/api/v1/staffing/reorganisations/{reorganisation_id}/saving", "get"): [
        ("deny", lambda w: (f"/staffing/reorganisations/{w['reorg'].pk}/saving", {"year": 2020}))],
    ("/api/v1/dashboard/indicators", "get"): [("list", lambda w: ("/dashboard/indicators", {}))],
    ("/api/v1/dashboard/indicators/{key}", "get"): [
        ("deny", lambda w: ("/dashboard/indicators/staffing_in_post", {"agency": w["s"].pk})),
        ("deny", lambda w: ("/dashboard/indicators/staffing_in_post", {"agency": w["district"].pk})),
        ("list", lambda w: ("/dashboard/indicators/staffing_in_post", {}))],
    ("/api/v1/dashboard/equipment", "get"): [("deny", lambda w: ("/dashboard/equipment", {"agency": w["s"].pk})),
                                             ("list", lambda w: ("/dashboard/equipment", {}))],
    ("/api/v1/dashboard/report", "get"): [("deny", lambda w: ("/dashboard/report", {"agency": w["s"].pk})),
                                          ("list", lambda w: ("/dashboard/report", {}))],
}
N_API_OPERATIONS = 20


def merge_body(w) -> dict:
    return {"unit_ids": [w["unit"].pk, w["lam"].administrative_units.first().unit_id], "name": "Xã Gộp",
            "code": "99999", "unit_type": "commune", "unit_class": "I", "effective_date": "01/01/2022",
            "resolution": "NQ 1/R1", "new_agency_name": "UBND xã Gộp", "new_agency_notation": "UBND",
            "new_agency_identifier": "000.99.31.H49"}


def api_operations() -> set[tuple[str, str]]:
    from congvu.api.api import api

    schema = api.get_openapi_schema()
    ops = set()
    for path, methods in schema["paths"].items():
        if path.startswith(("/api/v1/staffing", "/api/v1/dashboard")):
            ops |= {(path, m) for m in methods if m in ("get", "post", "put", "patch", "delete")}
    return ops


def test_every_staffing_and_dashboard_api_operation_is_in_the_table():
    ops = api_operations()
    assert len(ops) == N_API_OPERATIONS, sorted(ops)
    assert ops == set(API_TABLE)


def api_markers(w) -> list[str]:
    return [ROADMAP_TITLE, TRANSFER_REASON, POINT_NAME, MEMBER_NAME, "Cán bộ Quế Ninh 01",
            f'"agency_id": {w["s"].pk}', f'"id": {w["s"].pk}, "name"']


def check_api(w, role, method, kind, build, *, what):
    user = w["users"][role]
    path, data = build(w)
    client = api_client(user)
    before = snapshot()
    if method == "get":
        response = client.get(API + path, data)
    else:
        response = client.post(API + path, json.dumps(data), content_type="application/json")
    assert snapshot() == before, f"{what} as {role} changed the database"
    assert response.status_code != 500, what
    if user is None:
        assert response.status_code == 401, f"{what}: {response.status_code}"
        assert response.json().get("message"), what
        return
    if kind == "public":
        assert response.status_code == 200, what
        return
    if kind == "deny":
        assert response.status_code in (403, 404), f"{what} as {role}: {response.status_code} {response.content[:300]}"
        assert response.json().get("message"), what
    else:
        assert response.status_code in (200, 403), f"{what} as {role}: {response.status_code}"
    text = json.dumps(response.json(), ensure_ascii=False)
    for marker in markers(w):
        assert marker not in text, f"{what} as {role} shows {marker!r}"
    if response.status_code == 200 and "/dashboard/" in path and isinstance(response.json(), dict):
        assert w["s"].pk not in response.json().get("agency_ids", []), f"{what} as {role} covers the victim"


@pytest.mark.parametrize("role", ROLES)
def test_api_refuses_intruders(sw, role):
    problems = []
    for (template, method), specs in API_TABLE.items():
        for kind, build in specs:
            try:
                check_api(sw, role, method, kind, build, what=f"{method.upper()} {template} {build(sw)}")
            except AssertionError as exc:
                problems.append(str(exc).split("\n")[0])
    assert not problems, "\n".join(problems)


def test_api_table_is_meaningful_for_the_superuser(sw):
    client = api_client(sw["root"])
    roster = client.get(API + "/staffing/roster", {"agency": sw["s"].pk}).json()
    assert MEMBER_NAME in [i["full_name"] for i in roster["items"]]
    assert client.get(API + f"/staffing/roadmaps/{sw['roadmap'].pk}").status_code == 200
    listed = client.get(API + "/staffing/transfers", {"agency": sw["s"].pk}).json()
    assert [t["id"] for t in listed] == [sw["transfer"].pk]
    assert client.get(API + f"/staffing/reorganisations/{sw['reorg'].pk}/saving", {"year": 2020}).status_code == 200
    ind = client.get(API + "/dashboard/indicators/staffing_in_post", {"agency": sw["s"].pk})
    assert ind.status_code == 200 and sw["s"].pk in ind.json()["agency_ids"]


def test_api_session_post_without_csrf_is_refused(sw):
    """The browser session authenticates the API too: a POST without the CSRF token is refused (403)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(sw["admin"])
    before = snapshot()
    response = client.post(API + "/staffing/roadmaps", json.dumps({
        "agency_id": sw["s"].pk, "title": "CSRF", "start_date": "01/01/2024"}), content_type="application/json")
    assert response.status_code in (401, 403)
    assert snapshot() == before



def test_the_agencys_own_leader_and_admin_read_but_do_not_plan(sw):
    """The victim agency's leader and agency admin may read its roster, roadmaps, transfers and budget, but
    planning (transfers, roadmap cases, operating costs, merges) belongs to the province admin: refused, unchanged.
    The leader may not change the roster either (the agency admin may)."""
    leader = make_official(sw["s"], Role.LEADER, username="r1_lanhdao_np").user
    admin = make_official(sw["s"], Role.AGENCY_ADMIN, username="r1_quantri_np").user
    for user in (leader, admin):
        client = page_client(user)
        assert client.get(_u("roadmap_detail", sw["roadmap"].pk)).status_code == 200
        assert MEMBER_NAME in client.get(_u("transfer_list"), {"agency": sw["s"].pk}).content.decode()
        before = snapshot()
        for action in ("approve", "complete", "cancel"):
            client.post(_u("transfer_action", sw["transfer"].pk, action), {"on": "01/06/2020", "reason": "x"})
        responses = [
            client.post(_u("roadmap_case_add", sw["roadmap"].pk), {"member": sw["victim"].pk, "kind": "streamlining",
                                                                   "planned_date": "01/01/2022"}),
            client.post(_u("roadmap_case_remove", sw["roadmap"].pk, sw["case"].pk)),
            client.post(_u("budget_operating"), {"agency": sw["s"].pk, "year": "2020", "amount_vnd": "1"}),
            client.post(_u("roadmap_new"), {"agency": sw["s"].pk, "title": "Lộ trình", "start_date": "01/01/2024",
                                            "years": "5"}),
            client.post(_u("transfer_new"), {"agency": sw["s"].pk, "member": sw["other"].pk,
                                             "to_agency": sw["lam"].pk, "planned_date": "01/06/2021", "reason": "x"}),
        ]
        assert all(r.status_code in (302, 400, 403, 404) for r in responses)
        assert snapshot() == before, user.username
    before = snapshot()
    response = page_client(leader).post(_u("member_leave", sw["victim"].pk), {"on": "01/01/2024",
                                                                              "reason": "retirement"})
    assert response.status_code == 403
    assert snapshot() == before
    response = page_client(admin).post(_u("member_leave", sw["other"].pk), {"on": "01/01/2024",
                                                                            "reason": "retirement"})
    assert response.status_code == 302
    assert StaffPosting.objects.get(member=sw["other"], valid_to__isnull=False, ended_reason="retirement")
