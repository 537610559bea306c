"""Security review of the one-stop shop (r1): who reaches which page and endpoint. Every staff page sends the
anonymous to login, every API path answers 401 to the anonymous, another agency's staff and an officer of
another department get 404 (or 403 for a page their role never opens) on every dossier-bound URL, files stay
behind visibility, public pages leak nothing personal, are rate-limited and need the CSRF token to post.
A refused call changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from pypdf import PdfReader

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.tests.factories import pdf_upload
from congvu.onestop import urls as onestop_urls
from congvu.onestop.models import (
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierStep,
    PublicLookupAttempt,
    Rating,
)
from congvu.onestop.tests.factories_o2 import local
from congvu.onestop.tests.factories_o3 import make_dossier
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

PUBLIC = {"public_lookup", "public_dossier", "public_rate", "online_list", "online_submit", "public_copy_form",
          "public_copy", "public_copy_download"}
# URL patterns whose <pk> is not a dossier's.
NOT_DOSSIER_PK = {"procedure", "procedure_version_new", "copy", "copy_download", "copy_register"}
DUMMY = {"pk": 999, "file_pk": 999, "year": 2026, "code": "KHONG-CO-MA", "procedure": "1.000000"}

APPLICANT = {"name": "Trần Thị Bích Ngọc", "id_number": "049190001234", "phone": "0905123456",
             "email": "ngoc.tran@example.vn", "address": "Số 12 đường Hùng Vương, thôn Trung Phước"}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def patterns() -> list[URLPattern]:
    return [p for p in onestop_urls.urlpatterns if isinstance(p, URLPattern)]


def state() -> dict:
    """Everything a refused call must leave as it was."""
    return {
        "dossiers": list(Dossier.objects.order_by("pk").values_list(
            "pk", "status", "code", "due_at", "paused_at", "processed_at", "finished_at", "returned_to",
            "refusal_reason", "withdrawal_reason", "result_note")),
        "steps": list(DossierStep.objects.order_by("pk").values_list("pk", "finished_at", "department_id")),
        "components": list(DossierComponent.objects.order_by("pk").values_list("pk", "provided", "file_id")),
        "events": DossierEvent.objects.count(),
        "ratings": Rating.objects.count(),
        "journal": JournalEntry.objects.count(),
    }


@pytest.fixture
def world(agency, other_agency, procedure_version, onestop):
    """A dossier received at `agency`'s counter with a scanned component, now at its Phòng Nội vụ (NV)."""
    from congvu.onestop.receiving import dossier_receive

    components = [{"component_id": c.pk, "provided": True} for c in procedure_version.components.all()]
    components[0]["file"] = pdf_upload("to-khai.pdf", "To khai dang ky khai sinh")
    dossier = dossier_receive(actor=onestop, agency=agency, version=procedure_version,
                              received_at=local(2026, 3, 2, 9), applicant=dict(APPLICANT), components=components,
                              request_summary="Đăng ký khai sinh cho con thứ hai")
    file_pk = DossierComponent.objects.filter(dossier=dossier).exclude(file=None).get().file_id
    return {
        "dossier": dossier, "file_pk": file_pk,
        "nv_officer": make_official(agency, Role.OFFICER, username="cv_noivu",
                                    department=agency.departments.get(code="NV")).user,
        "vp_officer": make_official(agency, Role.OFFICER, username="cv_vanphong",
                                    department=agency.departments.get(code="VP")).user,
        "outsiders": [make_official(other_agency, role, username=f"xa_{role}").user
                      for role in (Role.ONESTOP, Role.LEADER, Role.AGENCY_ADMIN, Role.CLERK)],
    }


# --- the anonymous --------------------------------------------------------------------------------------

def test_every_staff_page_sends_the_anonymous_to_login(db):
    staff = [p for p in patterns() if p.name not in PUBLIC]
    assert len(staff) == 38, sorted(p.name for p in staff)
    for p in staff:
        url = reverse(f"onestop:{p.name}", kwargs={n: DUMMY[n] for n in p.pattern.converters})
        for method in ("get", "post"):
            response = getattr(Client(), method)(url)
            # A method the page never takes may be refused before the login check: nothing is shown either way.
            if response.status_code == 405:
                continue
            assert (response.status_code, response["Location"][:13]) == (302, "/login/?next="), (method, url)
        assert {Client().get(url).status_code, Client().post(url).status_code} & {302}, url


def test_every_public_page_answers_the_anonymous_without_login(world):
    from congvu.onestop.models import CertifiedCopy  # noqa: F401  (the copy pages answer 404 for an unknown code)

    code = world["dossier"].code
    expected = {"public_lookup": ({}, 200), "public_dossier": ({"code": code}, 200),
                "public_rate": ({"code": code}, 200), "online_list": ({}, 200),
                "online_submit": ({"procedure": world["dossier"].procedure_version.procedure.local_code}, 200),
                "public_copy_form": ({}, 200), "public_copy": ({"code": "ABCD-EFGH-JKLM"}, 404),
                "public_copy_download": ({"code": "ABCD-EFGH-JKLM"}, 404)}
    assert set(expected) == PUBLIC
    for name, (kwargs, status) in expected.items():
        response = Client().get(reverse(f"onestop:{name}", kwargs=kwargs))
        assert response.status_code == status, name


def _api_paths() -> list[tuple[str, str]]:
    from congvu.api import onestop, onestop_catalogue, onestop_copies, onestop_stats

    return [(m, re.sub(r"\{[^}]+\}", "999", path))
            for router in (onestop.router, onestop_catalogue.router, onestop_copies.router, onestop_stats.router)
            for path, view in router.path_operations.items() for op in view.operations for m in op.methods]


def test_every_onestop_endpoint_answers_401_to_the_anonymous(db):
    paths = _api_paths()
    assert len(paths) == 19, paths  # 9 dossiers + 3 catalogue/counter + 4 certified copies + 2 statistics (+1)
    assert all(path.startswith("/onestop/") for _m, path in paths)
    for method, path in paths:
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "unauthenticated"), (method, path)


# --- another agency, another department --------------------------------------------------------------------

def _dossier_urls(world) -> list[str]:
    d = world["dossier"]
    urls = []
    for p in patterns():
        if "pk" not in p.pattern.converters or p.name in NOT_DOSSIER_PK:
            continue
        kwargs = {"pk": d.pk} | ({"file_pk": world["file_pk"]} if "file_pk" in p.pattern.converters else {})
        urls.append(reverse(f"onestop:{p.name}", kwargs=kwargs))
    return urls


POSTS = {"reason": "Thử", "note": "Thử", "items": "Giấy chứng sinh", "kind": "financial", "method": "in_person",
         "returned_to": "Người lạ", "new_due_at": "31/12/2026"}


def test_another_agencys_staff_get_404_on_every_dossier_url(world):
    urls = _dossier_urls(world)
    assert len(urls) == 18, urls  # 4 counter + 9 processing + 5 printed forms
    before = state()
    for user in world["outsiders"]:
        c = client_for(user)
        for url in urls:
            codes = {c.get(url).status_code, c.post(url, POSTS).status_code}
            # their clerk (văn thư) never opens the counter's pages: 403 there, whatever the dossier
            allowed = {403, 404, 405} if user.username == "xa_clerk" and "/quay/" in url else {404, 405}
            assert codes <= allowed and codes != {405}, (user.username, url, codes)
    assert state() == before


def test_an_officer_of_another_department_reaches_no_dossier_url(world):
    """The dossier is at Phòng Nội vụ: the Văn phòng's officer gets 404 (403 on the counter's pages, which no
    officer opens); the Nội vụ officer sees the dossier page and its file."""
    before = state()
    c = client_for(world["vp_officer"])
    for url in _dossier_urls(world):
        codes = {c.get(url).status_code, c.post(url, POSTS).status_code}
        assert codes <= {403, 404, 405} and codes != {405}, (url, codes)
    assert state() == before
    d = world["dossier"]
    nv = client_for(world["nv_officer"])
    assert nv.get(reverse("onestop:dossier", args=[d.pk])).status_code == 200
    assert nv.get(reverse("onestop:dossier_file", args=[d.pk, world["file_pk"]])).status_code == 200


def test_an_existing_but_hidden_dossier_answers_like_a_missing_one(world):
    d = world["dossier"]
    c = client_for(world["outsiders"][0])
    hidden = c.get(reverse("onestop:dossier", args=[d.pk]))
    missing = c.get(reverse("onestop:dossier", args=[d.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    api = ApiClient(world["outsiders"][0])
    assert api.get(f"/onestop/dossiers/{d.pk}").json() == api.get(f"/onestop/dossiers/{d.pk + 1000}").json()


def test_another_agencys_staff_get_404_on_every_dossier_endpoint(world, agency):
    d = world["dossier"]
    payloads = {"hand-over": {}, "pause": {"kind": "financial", "reason": "Thử"}, "resume": {},
                "withdraw": {"reason": "Thử"}, "apology": {"reason": "Thử", "new_due_at": "31/12/2026"},
                "result": {"note": "Thử"}, "return": {"method": "in_person", "returned_to": "Người lạ"}}
    clients = [ApiClient(u) for u in world["outsiders"]]
    before = state()
    for api in clients:
        assert api.get(f"/onestop/dossiers/{d.pk}").status_code == 404
        for action, payload in payloads.items():
            assert api.post(f"/onestop/dossiers/{d.pk}/{action}", payload).status_code == 404, action
        listing = api.get("/onestop/dossiers", {"q": d.code})
        assert listing.status_code in (200, 403) and d.code not in listing.content.decode()
        receipt = api.post("/onestop/counter/dossiers", {"agency_id": agency.pk, "version_id":
                                                          d.procedure_version_id, "applicant": {"name": "A"}})
        assert receipt.status_code in (403, 404)
        stats = api.get("/onestop/stats", {"agency": agency.pk})
        assert stats.status_code in (403, 404)
    assert state() == before


def test_a_file_of_another_dossier_is_not_served_through_a_visible_one(world, agency, procedure_version, onestop):
    """The Nội vụ officer sees dossier A; dossier B's scan must not come out through A's URL."""
    from congvu.onestop.receiving import dossier_receive

    components = [{"component_id": c.pk, "provided": True} for c in procedure_version.components.all()]
    components[0]["file"] = pdf_upload("khac.pdf", "Ho so khac")
    other = dossier_receive(actor=onestop, agency=agency, version=procedure_version,
                            received_at=local(2026, 3, 2, 10), applicant=dict(APPLICANT, name="Lê Văn Khác"),
                            components=components)
    foreign = DossierComponent.objects.filter(dossier=other).exclude(file=None).get().file_id
    d = world["dossier"]
    for user in (world["nv_officer"], onestop):
        c = client_for(user)
        assert c.get(reverse("onestop:dossier_file", args=[d.pk, foreign])).status_code == 404
        assert c.get(reverse("onestop:dossier_file", args=[d.pk, world["file_pk"]])).status_code == 200


# --- public pages ---------------------------------------------------------------------------------------

def test_the_public_lookup_shows_nothing_personal(world, onestop):
    d = world["dossier"]
    page = Client().get(reverse("onestop:public_dossier", args=[d.code])).content.decode()
    assert "Trần T** B*** N***" in page
    secrets = [APPLICANT["name"], APPLICANT["id_number"], APPLICANT["phone"], APPLICANT["email"],
               "Hùng Vương", d.request_summary, onestop.official.full_name, "to-khai.pdf"]
    for secret in secrets:
        assert secret not in page, secret
    for e in DossierEvent.objects.filter(dossier=d).exclude(note=""):
        assert e.note not in page
    rate = Client().get(reverse("onestop:public_rate", args=[d.code])).content.decode()
    for secret in secrets + ["Trần T** B*** N***"]:
        assert secret not in rate, secret


def test_guessed_codes_are_rate_limited_and_the_limit_holds_for_a_right_code(world):
    d = world["dossier"]
    c = Client()
    for n in range(10):
        response = c.get(reverse("onestop:public_lookup"), {"ma": f"{d.code[:-4]}{9000 + n}"})
        assert response.status_code == 404
        assert "Không tìm thấy hồ sơ có mã này" in response.content.decode()
    blocked = c.get(reverse("onestop:public_dossier", args=[d.code]))
    assert blocked.status_code == 429 and "Trần" not in blocked.content.decode()
    assert c.get(reverse("onestop:public_lookup"), {"ma": d.code}, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_enumerating_existing_codes_is_rate_limited_too(world, agency, procedure_version, onestop):
    """Codes are sequential ({agency}-{yyMMdd}-{NNNN}): a client walking a day's codes only hits dossiers that
    exist, so counting failures alone never stops it. Every look-up counts against a (higher) limit."""
    from congvu.onestop.public import LOOKUP_ANY

    codes = [make_dossier(agency=agency, version=procedure_version, code=f"R1-{n:04d}").code for n in range(LOOKUP_ANY.attempts - 1)]
    codes.append(world["dossier"].code)
    c = Client()
    for code in codes:
        assert c.get(reverse("onestop:public_dossier", args=[code])).status_code == 200
    assert c.get(reverse("onestop:public_dossier", args=[world["dossier"].code])).status_code == 429
    assert Client(REMOTE_ADDR="10.9.9.9").get(
        reverse("onestop:public_dossier", args=[world["dossier"].code])).status_code == 200


def test_wrong_rating_proofs_are_rate_limited(agency, procedure_version):
    d = make_dossier(agency=agency, version=procedure_version, returned=True, code="R1-PROOF-0001")
    answers = {"time": "2", "contacts": "2", "bodies": "2", "attitude": "2", "ease": "2", "overall": "2"}
    c = Client()
    for n in range(5):
        response = c.post(reverse("onestop:public_rate", args=[d.code]), answers | {"proof": f"{1000 + n}"})
        assert response.status_code == 400
    right = c.post(reverse("onestop:public_rate", args=[d.code]), answers | {"proof": "4567"})
    assert right.status_code == 429
    assert not Rating.objects.exists()
    assert PublicLookupAttempt.objects.filter(kind="rating").count() == 5


def test_public_posts_need_the_csrf_token(world, agency, procedure_version):
    d = make_dossier(agency=agency, version=procedure_version, returned=True, code="R1-CSRF-0001")
    answers = {"time": "2", "contacts": "2", "bodies": "2", "attitude": "2", "ease": "2", "overall": "2",
               "proof": "4567"}
    before = state()
    c = Client(enforce_csrf_checks=True)
    assert c.post(reverse("onestop:public_rate", args=[d.code]), answers).status_code == 403
    local_code = procedure_version.procedure.local_code
    assert c.post(reverse("onestop:online_submit", args=[local_code]), {"applicant_name": "A"}).status_code == 403
    assert state() == before
    # the forms carry the token
    for url in (reverse("onestop:public_rate", args=[d.code]), reverse("onestop:online_submit", args=[local_code])):
        assert "csrfmiddlewaretoken" in c.get(url).content.decode(), url


def test_staff_posts_need_the_csrf_token(world, onestop):
    d = world["dossier"]
    c = Client(enforce_csrf_checks=True)
    c.force_login(onestop)
    before = state()
    for name in ("hand_over", "withdraw", "refuse", "request_supplement"):
        assert c.post(reverse(f"onestop:{name}", args=[d.pk]), POSTS).status_code == 403, name
    assert c.post(reverse("onestop:receive"), {"procedure": "1.001612"}).status_code == 403
    assert state() == before


def test_the_printed_forms_and_the_register_stay_within_the_users_agency(world, agency):
    """The tracking register lists only the active agency's dossiers: another agency's counter gets an empty
    register, never this agency's applicants."""
    d = world["dossier"]
    c = client_for(world["outsiders"][0])
    response = c.get(reverse("onestop:print_register"), {"tu_ngay": "01/03/2026", "den_ngay": "31/03/2026"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert d.code not in text and "Ngọc" not in text
