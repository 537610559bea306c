"""Reviewer R1: who may see and change what, for EVERY page of the `dashboard` namespace (the API paths are
in congvu/staffing/tests/test_review_security.py, which enumerates the staffing and dashboard paths together).

Same world as the staffing review (build_security_world): the victim agency is UBND xã Ninh Phước under the
district UBND huyện Nông Sơn, with people in post (staffing figures and drill-down items) and an equipment
point. Intruders: anonymous; a plain officer and the agency admin of a commune of another province; the province
admin of another province; the agency admin and the leader of the sibling commune Quế Lâm (under the same
district: a commune's leader must not read the district's or a sibling's dashboard); a plain officer of the
victim agency. Each forbidden request answers a redirect to login (anonymous), 403 or 404, or a page without
the victim's rows; nothing changes in the database."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import make_official
from congvu.org.models import Role
from congvu.staffing.tests.test_review_security import (
    MEMBER_NAME,
    POINT_NAME,
    ROLES,
    build_security_world,
    namespace_names,
    page_client,
    snapshot,
)

pytestmark = pytest.mark.django_db

VICTIM_NAME = "UBND xã Ninh Phước"


@pytest.fixture
def sw(db):
    return build_security_world()


def _u(name, *args):
    return reverse(f"dashboard:{name}", args=args)


def _period():
    return {"from": "01/01/2020", "to": "31/12/2020"}


# name → list of (method, kind, builder(w) → (path, params or data)); kinds as in the staffing review.
DASHBOARD_PAGES = {
    "home": [("GET", "deny", lambda w: (_u("home"), {"agency": w["s"].pk})),
             ("GET", "deny", lambda w: (_u("home"), {"agency": w["district"].pk})),
             ("GET", "list", lambda w: (_u("home"), {}))],
    "wall": [("GET", "deny", lambda w: (_u("wall"), {"agency": w["s"].pk})),
             ("GET", "deny", lambda w: (_u("wall"), {"agency": w["district"].pk})),
             ("GET", "list", lambda w: (_u("wall"), {}))],
    "indicator": [("GET", "deny", lambda w: (_u("indicator", "staffing_in_post"), {"agency": w["s"].pk})),
                  ("GET", "deny", lambda w: (_u("indicator", "equipment_video_conference"),
                                             {"agency": w["district"].pk})),
                  ("GET", "list", lambda w: (_u("indicator", "staffing_in_post"), {}))],
    "items": [("GET", "deny", lambda w: (_u("items", "staffing_in_post"), {"agency": w["s"].pk})),
              ("GET", "deny", lambda w: (_u("items", "staffing_in_post"), {"agency": w["district"].pk})),
              ("GET", "list", lambda w: (_u("items", "staffing_in_post"), {})),
              ("GET", "list", lambda w: (_u("items", "staffing_surplus"), {}))],
    "equipment_list": [("GET", "list", lambda w: (_u("equipment_list"), {})),
                       ("GET", "list", lambda w: (_u("equipment_list"), {"agency": w["s"].pk}))],
    "equipment_new": [("GET", "list", lambda w: (_u("equipment_new"), {"agency": w["s"].pk})),
                      ("POST", "deny", lambda w: (_u("equipment_new"), {
                          "agency": w["s"].pk, "kind": "camera", "name": "Camera lạ", "status": "online"}))],
    "equipment_detail": [("GET", "deny", lambda w: (_u("equipment_detail", w["point"].pk), {}))],
    "equipment_edit": [("GET", "deny", lambda w: (_u("equipment_edit", w["point"].pk), {})),
                       ("POST", "deny", lambda w: (_u("equipment_edit", w["point"].pk), {
                           "kind": "camera", "name": "Đổi tên", "location": "", "note": ""}))],
    "equipment_check": [("POST", "deny", lambda w: (_u("equipment_check", w["point"].pk), {
        "status": "offline", "note": "hỏng"}))],
    "report": [("GET", "deny", lambda w: (_u("report"), {"agency": w["s"].pk})),
               ("GET", "deny", lambda w: (_u("report"), {"agency": w["district"].pk, "format": "xlsx"})),
               ("GET", "deny", lambda w: (_u("report"), {"agency": w["s"].pk, "format": "pdf"})),
               ("GET", "list", lambda w: (_u("report"), {"format": "xlsx"})),
               ("GET", "list", lambda w: (_u("report"), {}))],
}
N_DASHBOARD_PAGES = 10


def test_every_dashboard_page_is_in_the_table():
    names = namespace_names("dashboard")
    assert len(names) == N_DASHBOARD_PAGES, sorted(names)
    assert names == set(DASHBOARD_PAGES)


def _text(response) -> str:
    body = b"".join(response) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body))
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
                         if c is not None)
    return body.decode("utf-8", "replace")


def markers(w) -> list[str]:
    return [VICTIM_NAME, POINT_NAME, MEMBER_NAME, "Cán bộ Quế Ninh 01"]


def check_page(w, role, method, kind, build, *, what):
    user = w["users"][role]
    path, data = build(w)
    client = page_client(user)
    before = snapshot()
    response = client.get(path, data) if method == "GET" else client.post(path, data)
    assert snapshot() == before, f"{what} as {role} changed the database"
    assert response.status_code != 500, what
    if user is None:
        assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL), what
        return
    if kind == "deny":
        assert response.status_code in (400, 403, 404), f"{what} as {role}: {response.status_code}"
    else:
        assert response.status_code in (200, 400, 403), f"{what} as {role}: {response.status_code}"
    text = _text(response)
    # the victim agency's own officer sees its name in the page header (their own agency), nothing else
    for marker in markers(w)[1:] if role == "officer_same_agency" else markers(w):
        assert marker not in text, f"{what} as {role} shows {marker!r}"


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_pages_refuse_intruders(sw, role):
    problems = []
    for name, specs in DASHBOARD_PAGES.items():
        for method, kind, build in specs:
            try:
                check_page(sw, role, method, kind, build, what=f"{method} dashboard:{name} {build(sw)[1]}")
            except AssertionError as exc:
                problems.append(str(exc).split("\n")[0])
    assert not problems, "\n".join(problems)


def test_the_table_is_meaningful_for_the_victims_leader(sw):
    """The victim's own leader sees its figures, its people behind a figure and its equipment point; the district
    leader sees the figures and the point too (a subtree) but not the people (the drill-down shows only rows of
    rosters the user may read, as documented); the commune leader does not see the district."""
    leader = make_official(sw["s"], Role.LEADER, username="r1_lanhdao_np").user
    district_leader = make_official(sw["district"], Role.LEADER, username="r1_lanhdao_huyen").user
    for user in (leader, district_leader):
        client = page_client(user)
        items = client.get(_u("items", "staffing_in_post"), {"agency": sw["s"].pk})
        assert items.status_code == 200
        assert (MEMBER_NAME in items.content.decode()) == (user == leader)
        assert POINT_NAME in client.get(_u("equipment_list")).content.decode()
        home = client.get(_u("home"), {"agency": sw["s"].pk})
        assert home.status_code == 200 and VICTIM_NAME in home.content.decode()
    client = page_client(leader)
    assert client.get(_u("home"), {"agency": sw["district"].pk}).status_code == 403
    assert client.get(_u("report"), {"agency": sw["district"].pk}).status_code == 403


def test_former_leader_loses_the_dashboard(sw):
    """A leader whose membership was ended (active=False) no longer sees the agency's figures."""
    official = make_official(sw["s"], Role.LEADER, username="r1_lanhdao_cu")
    official.memberships.update(active=False)
    client = page_client(official.user)
    for path, params in [(_u("home"), {"agency": sw["s"].pk}), (_u("items", "staffing_in_post"),
                                                                 {"agency": sw["s"].pk}),
                         (_u("equipment_detail", sw["point"].pk), {}), (_u("report"), {"agency": sw["s"].pk})]:
        response = client.get(path, params)
        assert response.status_code in (403, 404), path
        assert MEMBER_NAME not in response.content.decode()


def test_item_rows_link_only_to_visible_records(sw):
    """The district leader's drill-down of people in post lists the victim's people; a sibling commune's agency
    admin, asking for the same figure without an agency, gets only Quế Lâm's (none) — checked above — and
    the figure's per-unit breakdown does not name Ninh Phước."""
    client = page_client(sw["users"]["admin_same_province"])
    response = client.get(_u("indicator", "staffing_in_post"), _period())
    assert response.status_code == 200
    assert VICTIM_NAME not in response.content.decode()
