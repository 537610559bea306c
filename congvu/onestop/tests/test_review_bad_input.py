"""Bad input and failure in the one-stop shop (r1's review of issue 6's list): an invalid citizen ID, a missing
mandatory component, a second supplement request, a second new date, a rating for a dossier not yet returned or
rated twice, a guessed dossier code — each a clear Vietnamese message and nothing changed, on the pages and the
API. Then garbage to every form and every endpoint: never a 500."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.documents.models import StoredFile
from congvu.onestop import public
from congvu.onestop import urls as onestop_urls
from congvu.onestop.models import (
    Apology,
    CertifiedCopy,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierSequence,
    DossierStatus,
    DossierStep,
    Pause,
    Procedure,
    ProcedureVersion,
    PublicLookupAttempt,
    Rating,
    SupplementRequest,
)
from congvu.onestop.tests.factories_o2 import local
from congvu.onestop.tests.factories_o3 import make_dossier

pytestmark = pytest.mark.django_db

GOOD = {"applicant_name": "Trần Thị Bích Ngọc", "applicant_id_number": "049190001234",
        "applicant_phone": "0905123456", "applicant_email": "ngoc.tran@example.vn",
        "applicant_address": "Thôn Trung Phước", "applicant_kind": "1"}


def state() -> dict:
    return {
        "dossiers": list(Dossier.objects.order_by("pk").values_list(
            "pk", "status", "code", "due_at", "paused_at", "paused_seconds", "processed_at", "finished_at",
            "returned_to", "refusal_reason", "withdrawal_reason", "result_note", "timeliness")),
        "steps": list(DossierStep.objects.order_by("pk").values_list("pk", "finished_at", "due_at", "department_id")),
        "components": list(DossierComponent.objects.order_by("pk").values_list("pk", "provided", "file_id")),
        "events": DossierEvent.objects.count(), "supplements": list(SupplementRequest.objects.values_list(
            "pk", "items", "completed_at")),
        "pauses": list(Pause.objects.values_list("pk", "ended_at")),
        "apologies": list(Apology.objects.values_list("pk", "new_due_at")),
        "ratings": Rating.objects.count(), "sequences": list(DossierSequence.objects.values_list("day", "last")),
        "files": StoredFile.objects.count(), "journal": JournalEntry.objects.count(),
        "procedures": Procedure.objects.count(), "versions": ProcedureVersion.objects.count(),
        "copies": CertifiedCopy.objects.count(),
    }


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def receive_post(version, **changes) -> dict:
    data = {"procedure": version.procedure.local_code, "outcome": "accept", "channel": "1", "sets": "1"} | GOOD
    for c in version.components.all():
        data[f"provided_{c.pk}"] = "1"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def api_receive(version, **changes) -> dict:
    body = {"version_id": version.pk, "applicant": {"name": "Trần Thị Bích Ngọc", "id_number": "049190001234"},
            "components": [{"component_id": c.pk, "provided": True} for c in version.components.all()]}
    body.update(changes)
    return body


def _text(response) -> str:
    return response.content.decode()


# --- the issue's list -----------------------------------------------------------------------------------

@pytest.mark.parametrize("id_number, message", [
    ("12345", "phải gồm đúng 12 chữ số"),
    ("0491900012345", "phải gồm đúng 12 chữ số"),
    ("04919000123A", "phải gồm đúng 12 chữ số"),
    ("999190001234", "3 chữ số đầu phải là mã tỉnh từ 001 đến 096"),
    ("000190001234", "3 chữ số đầu phải là mã tỉnh từ 001 đến 096"),
])
def test_an_invalid_citizen_id_is_refused_beside_its_field(procedure_version, onestop, id_number, message):
    before = state()
    response = client_for(onestop).post(reverse("onestop:receive"),
                                        receive_post(procedure_version, applicant_id_number=id_number))
    assert response.status_code == 400
    html = _text(response)
    # the message sits beside the field, and the typed value is kept for correcting
    field = re.search(r'id="id_applicant_id_number".*?</div>', html, re.S).group(0)
    assert message in field and f'value="{id_number}"' in field
    api = ApiClient(onestop)
    before_api = state()
    answer = api.post("/onestop/counter/dossiers", api_receive(
        procedure_version, applicant={"name": "Trần Thị Bích Ngọc", "id_number": id_number}))
    assert answer.status_code == 400 and message in json.dumps(answer.json(), ensure_ascii=False)
    assert state() == before_api
    assert before["dossiers"] == before_api["dossiers"] == []


def test_a_missing_mandatory_component_is_refused_and_nothing_is_kept(procedure_version, onestop):
    required = procedure_version.components.filter(required=True).first()
    before = state()
    response = client_for(onestop).post(reverse("onestop:receive"),
                                        receive_post(procedure_version, **{f"provided_{required.pk}": None}))
    assert response.status_code == 400
    assert f"Hồ sơ còn thiếu giấy tờ bắt buộc: {required.name}" in _text(response)
    assert state() == before
    components = [{"component_id": c.pk, "provided": c.pk != required.pk} for c in procedure_version.components.all()]
    api = ApiClient(onestop)
    before = state()
    answer = api.post("/onestop/counter/dossiers", api_receive(procedure_version, components=components))
    assert answer.status_code == 400 and required.name in answer.json()["message"]
    assert state() == before


def test_a_second_supplement_request_is_refused(procedure_version, onestop):
    from congvu.onestop.receiving import dossier_receive, dossier_supplement_complete

    required = procedure_version.components.filter(required=True).first()
    d = dossier_receive(actor=onestop, agency=onestop.official.memberships.get().agency, version=procedure_version,
                        applicant={"name": "Trần Thị Bích Ngọc", "id_number": "049190001234"},
                        components=[{"component_id": c.pk, "provided": c.pk != required.pk}
                                    for c in procedure_version.components.all()],
                        outcome="supplement", reason="Thiếu giấy chứng sinh")
    assert d.status == DossierStatus.SUPPLEMENT
    c = client_for(onestop)
    before = state()
    response = c.post(reverse("onestop:request_supplement", args=[d.pk]), {"items": "Giấy tờ khác",
                                                                          "reason": "Lần hai"})
    assert response.status_code == 400
    assert "mỗi hồ sơ chỉ được yêu cầu bổ sung một lần" in _text(response)
    assert state() == before
    # completed, then asked again: still once
    dossier_supplement_complete(actor=onestop, dossier=d, components=[{"component_id": required.pk,
                                                                       "provided": True}])
    before = state()
    response = c.post(reverse("onestop:request_supplement", args=[d.pk]), {"items": "Giấy tờ khác",
                                                                          "reason": "Lần hai"})
    assert response.status_code == 400 and "chỉ được yêu cầu bổ sung một lần" in _text(response)
    assert state() == before


@pytest.fixture
def apologised(agency, procedure_version, onestop, leader):
    """A dossier received now whose new date was already given once."""
    from congvu.onestop.processing import dossier_apology
    from congvu.onestop.tests.factories_o2 import accepted_dossier

    d = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=timezone.localtime())
    first_new = (d.due_at + dt.timedelta(days=14)).date()
    while first_new.weekday() >= 5:
        first_new += dt.timedelta(days=1)
    dossier_apology(actor=leader, dossier=d, reason="Chờ xác minh", new_due_at=f"{first_new:%d/%m/%Y}")
    return d, leader, f"{first_new + dt.timedelta(days=7):%d/%m/%Y}"


def test_a_second_new_date_is_refused_by_the_api(apologised):
    d, leader, later = apologised
    api = ApiClient(leader)
    before = state()
    answer = api.post(f"/onestop/dossiers/{d.pk}/apology", {"reason": "Lần hai", "new_due_at": later})
    assert answer.status_code == 400 and "chỉ được hẹn lại một lần" in answer.json()["message"]
    assert state() == before


def test_a_second_new_date_is_refused_on_the_page_with_its_message(apologised):
    d, leader, later = apologised
    before = state()
    response = client_for(leader).post(reverse("onestop:apology", args=[d.pk]),
                                       {"reason": "Lần hai", "new_due_at": later})
    assert response.status_code == 400
    assert state() == before
    assert "chỉ được hẹn lại một lần" in _text(response)


ANSWERS = {"time": "2", "contacts": "2", "bodies": "2", "attitude": "2", "ease": "2", "overall": "2"}


def test_a_rating_before_the_result_is_returned_or_twice_is_refused(agency, procedure_version):
    open_one = make_dossier(agency=agency, version=procedure_version, code="R1-MO-0001")
    c = Client()
    before = state()
    response = c.post(reverse("onestop:public_rate", args=[open_one.code]), ANSWERS | {"proof": "4567"})
    assert response.status_code == 400 and public.NOT_RETURNED in _text(response)
    assert state() == before
    returned = make_dossier(agency=agency, version=procedure_version, code="R1-TRA-0001", returned=True)
    assert c.post(reverse("onestop:public_rate", args=[returned.code]),
                  ANSWERS | {"proof": "5678"}).status_code == 200  # the phone's last four digits
    before = state()
    response = c.post(reverse("onestop:public_rate", args=[returned.code]), ANSWERS | {"proof": "4567"})
    assert response.status_code == 409 and public.ALREADY_RATED in _text(response)
    assert state() == before


def test_a_guessed_code_gets_one_neutral_message_and_changes_nothing_but_the_count(agency, procedure_version):
    real = make_dossier(agency=agency, version=procedure_version)
    before = state()
    for guess in (real.code[:-1] + "9", "'; DROP TABLE x;--", "A" * 500, "%", "\x00", "000.00.00.H40-260101-0001"):
        response = Client().get(reverse("onestop:public_lookup"), {"ma": guess})
        assert response.status_code == 404, guess
        assert public.NOT_FOUND in _text(response) and real.applicant_name.split()[0] not in _text(response)
    assert state() == before
    assert PublicLookupAttempt.objects.filter(kind="lookup").count() == 6


# --- garbage to every form ---------------------------------------------------------------------------------

HUGE = "Nguyễn " * 3_000
GARBAGE_VALUES = ["", "abc", "-1", "1e309", "99999999999999999999999", "31/02/2026", "32/13/99999", "\x00",
                  "<script>alert(1)</script>", HUGE]
CATALOGUE_FORMS = {"procedure_new", "procedure_version_new"}
ON_POSTGRESQL = os.environ.get("CONGVU_DATABASE_URL", "").startswith("postgres")
NUL_500: set[str] = set()  # forms that once sent NUL bytes to PostgreSQL (all fixed)
FIELDS = ("procedure", "applicant_kind", "applicant_name", "applicant_id_number", "applicant_phone",
          "applicant_email", "applicant_address", "applicant_representative_name",
          "applicant_representative_id_number", "request_summary", "sets", "channel", "outcome", "supplement_items",
          "reason", "items", "next", "extra_name", "to_department", "to_agency", "to_official", "note", "kind",
          "new_due_at", "method", "returned_to", "proof", "comment", "agency", "document_title", "requester_name",
          "requester_id_number", "pages", "copies", "certifier", "dossier", "national_code", "local_code", "name",
          "field", "level", "valid_from", "basis", "time_limit", "time_unit", "fee", "fee_note", "result_documents",
          "online_level", "supplement_rule", "agencies", "components_text", "steps_text", *ANSWERS)
QUERY = ("q", "on", "page", "status", "procedure", "date_from", "date_to", "overdue", "agency", "department",
         "tu_ngay", "den_ngay", "nam", "ma", "printed", "tep", "format")
PUBLIC = {"public_lookup", "public_dossier", "public_rate", "online_list", "online_submit", "public_copy_form",
          "public_copy", "public_copy_download"}


@pytest.fixture
def fuzz_world(agency, procedure_version, onestop, leader, agency_admin):
    from congvu.onestop.tests.factories_o2 import accepted_dossier

    procedure_version.online_level = "full"
    procedure_version.save()
    d = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 2, 9))
    return {"dossier": d, "users": [onestop, leader, agency_admin]}


URL_NAMES = sorted(p.name for p in onestop_urls.urlpatterns if isinstance(p, URLPattern))


def _url(world, name: str) -> str:
    d = world["dossier"]
    values = {"pk": d.pk, "file_pk": 1, "year": 2026, "code": d.code,
              "procedure": d.procedure_version.procedure.local_code}
    p = next(p for p in onestop_urls.urlpatterns if isinstance(p, URLPattern) and p.name == name)
    kwargs = {n: values[n] for n in p.pattern.converters}
    if name in ("procedure", "procedure_version_new"):
        kwargs = {"pk": d.procedure_version.procedure_id}
    if name in ("copy", "copy_download"):
        kwargs = {"pk": 1}
    return reverse(f"onestop:{name}", kwargs=kwargs)


def _payloads(version) -> list:
    components = [f"provided_{c.pk}" for c in version.components.all()] + [
        f"component_{c.pk}" for c in version.components.all()]
    payloads = [{}] + [{f: v for f in (*FIELDS, *components)} for v in GARBAGE_VALUES]
    # One field bad at a time, the others plausible: reaches the checks behind the first one.
    for f in ("new_due_at", "sets", "channel", "to_department", "to_agency", "to_official", "kind", "method",
              "valid_from", "time_limit", "fee", "pages", "copies", "certifier", "agency", "applicant_kind"):
        for v in ("\x00", "99999999999999999999999"):
            payloads.append(receive_post(version) | ANSWERS | {"reason": "Lý do", "note": "Ghi chú", f: v})
    # Lists where one value is expected.
    payloads.append({"applicant_name": ["A", "B"], "extra_name": ["x"] * 50, "items": ["a", "b"]})
    return payloads


@pytest.mark.parametrize("name", URL_NAMES)
def test_garbage_posted_to_every_onestop_form_never_gives_a_500(fuzz_world, name):
    version = fuzz_world["dossier"].procedure_version
    url = _url(fuzz_world, name)
    payloads = _payloads(version)
    if name in NUL_500:
        payloads = [p for p in payloads if "\\x00" not in repr(p)]
    first = version.components.first().pk
    users = fuzz_world["users"] if name in CATALOGUE_FORMS or name.startswith("catalogue") else fuzz_world["users"][:2]
    for user in users:
        c = client_for(user)
        for i, payload in enumerate(payloads):
            # a new address per post, so the public forms' rate limits let the checks behind them run
            response = c.post(url, payload, REMOTE_ADDR=f"10.{i % 200}.{len(user.username)}.1")
            assert response.status_code < 500, (name, user.username, str(payload)[:300])
        for fname, content in (("x.pdf", b"%PDF-1.4 garbage"), ("x.xlsx", b"PK\x03\x04"), ("khong-duoi", b""),
                               ("a" * 300 + ".pdf", b"\x00" * 10)):
            data = {key: SimpleUploadedFile(fname, content) for key in ("file", "files", f"file_{first}",
                                                                         f"component_{first}", "extra_file_0")}
            response = c.post(url, data | GOOD | {"extra_name": "Giấy khác"}, REMOTE_ADDR="10.250.0.1")
            assert response.status_code < 500, (name, user.username, fname[:20])


@pytest.mark.parametrize("name", URL_NAMES)
def test_garbage_query_strings_on_every_onestop_page_never_give_a_500(fuzz_world, name):
    url = _url(fuzz_world, name)
    for user in fuzz_world["users"]:
        c = client_for(user)
        for v in GARBAGE_VALUES:
            if name in NUL_500 and v == "\x00":
                continue
            response = c.get(url, {q: v for q in QUERY}, REMOTE_ADDR="10.251.0.1")
            assert response.status_code < 500, (name, user.username, v[:30])


@pytest.mark.parametrize("field, value", [("time_limit", "1e309"), ("time_limit", "NaN"),
                                          ("time_limit", "Infinity"), ("fee", "99999999999999999999999"),
                                          ("steps_text", "Tiếp nhận | Bộ phận một cửa | NaN"),
                                          ("components_text", "Đơn | Có | 99999999999999999999999")])
def test_absurd_numbers_in_the_catalogue_form_are_refused_in_vietnamese(agency_admin, procedure_version, field,
                                                                        value):
    """Found by r1 (500s: decimal.InvalidOperation, integer overflow), fixed by o1 in 2ecea21."""
    data = {"national_code": "1.009999", "local_code": "1.009999.000.00.00.H40", "name": "Thủ tục thử",
            "field": "Hộ tịch", "level": "Cấp xã", "valid_from": "01/01/2027", "time_limit": "5",
            "time_unit": "ngày làm việc", "fee": "0", "online_level": "Không trực tuyến",
            "supplement_rule": "Tính lại từ đầu khi nhận đủ hồ sơ", "components_text": "Đơn đề nghị | Có",
            "steps_text": "Tiếp nhận | Bộ phận một cửa | 0.5\nGiải quyết | Phòng chuyên môn | 2"} | {field: value}
    before = state()
    response = client_for(agency_admin).post(reverse("onestop:procedure_new"), data)
    assert response.status_code == 400
    assert state() == before


def test_garbage_in_path_codes_never_gives_a_500(db):
    for name in ("public_dossier", "public_rate", "online_submit", "public_copy", "public_copy_download"):
        kw = "procedure" if name == "online_submit" else "code"
        for v in ("A" * 5000, "%00", "..", "ÂÊÔ", "1" * 40, "-"):
            response = Client().get(reverse(f"onestop:{name}", kwargs={kw: v}))
            assert response.status_code < 500, (name, v[:20])


# --- garbage to every endpoint ------------------------------------------------------------------------------

JSON_GARBAGE = ["", "{", "null", "[]", "123", '"x"', "{}", '{"x": 1}']


def _bad_bodies(version) -> list:
    bodies: list = [{}, {"reason": None}, {"reason": 5}, {"reason": HUGE}, {"reason": "\x00"},
                    {"kind": "x", "reason": "a"}, {"method": "fax", "returned_to": "a"},
                    {"new_due_at": "31/02/2026", "reason": "a"}, {"new_due_at": "\x00", "reason": "a"},
                    {"new_due_at": HUGE[:40], "reason": "a"}, {"new_due_at": "9999-12-31T23:59", "reason": "a"},
                    {"to_department": -1}, {"to_department": 10**30}, {"to_agency": "x"}, {"note": ["a"]},
                    {"to_official": 2**63}]
    base = api_receive(version)
    for key, value in (("applicant", None), ("applicant", {"name": "\x00"}), ("applicant", {"name": HUGE}),
                       ("applicant", {"name": "A", "id_number": "\x00"}), ("applicant", {"name": "A", "kind": 9}),
                       ("applicant", {"name": "A", "email": "\x00@x"}), ("applicant", "x"),
                       ("version_id", 10**30), ("version_id", -5), ("procedure_id", 99999), ("version_id", "abc"),
                       ("components", [{"component_id": 10**12}]), ("components", [{"name": "\x00"}]),
                       ("components", "x"), ("components", [1, 2]), ("received_at", "31/02/2026"),
                       ("received_at", "9999-12-31T00:00:00"), ("received_at", "0001-01-01T00:00:00+14:00"),
                       ("sets", 0), ("sets", "x"), ("channel", 2), ("outcome", "x"),
                       ("supplement_items", [HUGE]), ("supplement_items", ["\x00"]), ("reason", "\x00"),
                       ("agency_id", 10**12), ("request_summary", "\x00")):
        bodies.append(base | {key: value})
    bodies.append(base | {"outcome": "supplement", "reason": "\x00", "supplement_items": ["\x00"]})
    bodies.append(base | {"outcome": "refuse", "reason": "\x00"})
    return bodies


QUERY_GARBAGE = [{"status": "x"}, {"status": "99"}, {"procedure": "-1"}, {"date_from": "31/02/2026"},
                 {"date_to": "\x00"}, {"date_from": "32/13/2026", "date_to": "01/01/1900"}, {"q": "\x00"},
                 {"q": "A" * 101}, {"offset": "-1"}, {"limit": "100000"}, {"on": "2026-02-31"}, {"on": "x"},
                 {"agency_id": "0"}, {"year": "99999"}, {"after": "x"}, {"format": "pdf"}, {"agency": "x"},
                 {"department": str(10**20)}, {"overdue": "maybe"}, {"date_from": "0001-01-01", "date_to": "9999-12-31"}]


def test_garbage_to_every_onestop_endpoint_never_gives_a_500(fuzz_world):
    from congvu.api import onestop, onestop_catalogue, onestop_copies, onestop_stats

    d = fuzz_world["dossier"]
    ops = [(m, re.sub(r"\{[^}]+\}", str(d.pk), path))
           for router in (onestop.router, onestop_catalogue.router, onestop_copies.router, onestop_stats.router)
           for path, view in router.path_operations.items() for op in view.operations for m in op.methods]
    bodies = _bad_bodies(d.procedure_version)
    nul_500: list = []  # bodies that once reached PostgreSQL with NUL bytes (all fixed)
    for user in fuzz_world["users"]:
        api = ApiClient(user)
        for method, path in ops:
            if method == "GET":
                for query in QUERY_GARBAGE:
                    response = api.get(path, query)
                    assert response.status_code < 500, (user.username, path, query)
                continue
            for raw in JSON_GARBAGE:
                response = api.post(path, raw)
                assert response.status_code < 500, (user.username, path, raw)
            for body in bodies:
                if path == "/onestop/counter/dossiers" and body in nul_500:
                    continue
                response = api.post(path, body)
                assert response.status_code < 500, (user.username, path, str(body)[-300:], response.content[:500])
            for data in ("{", "[]", '{"document_title": 5}', json.dumps({"document_title": "\x00",
                                                                         "requester_name": "\x00"}),
                         json.dumps({"document_title": "A", "requester_name": "B", "dossier": 10**6})):
                response = api.client.post("/api/v1" + path, {"data": data, "files": [
                    SimpleUploadedFile("x.pdf", b"%PDF-1.4 garbage", content_type="application/pdf")]})
                assert response.status_code < 500, (user.username, path, data[:40])


# --- NUL bytes: PostgreSQL refuses them in text; the services must strip or refuse them first -----------------

@pytest.mark.parametrize("changes", [{"request_summary": "Cấp bản sao\x00"},
                                     {"outcome": "refuse", "reason": "Không thuộc thẩm quyền\x00"},
                                     {"outcome": "supplement", "reason": "Thiếu\x00",
                                      "supplement_items": ["Giấy chứng sinh\x00"]}])
def test_nul_bytes_in_a_receipt_are_refused_or_stripped(procedure_version, onestop, changes):
    api = ApiClient(onestop)
    response = api.post("/onestop/counter/dossiers", api_receive(procedure_version, **changes))
    assert response.status_code < 500
    stored = Dossier.objects.values_list("request_summary", "refusal_reason").first() or ()
    items = list(SupplementRequest.objects.values_list("items", "reason"))
    assert "\x00" not in repr((stored, items))


def test_a_nul_byte_in_the_procedure_box_is_no_500(procedure_version, onestop):
    c = client_for(onestop)
    assert c.get(reverse("onestop:receive"), {"procedure": "khai\x00sinh"}).status_code < 500
    assert c.post(reverse("onestop:receive"), receive_post(procedure_version, procedure="1.00\x00")).status_code < 500
