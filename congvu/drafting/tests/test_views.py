"""The drafting pages: list tabs, create (also as a reply), detail with each role's buttons, the actions,
comparison, downloads, the policy page and the panel on a document's page."""

import re

import pytest
from django.test import Client

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.drafting.models import Draft, DraftingPolicy, DraftStatus
from congvu.drafting.tests.conftest import docx_file, make_draft, pdf_file, state_snapshot, to_state
from congvu.exchange.models import InboxItem

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def people(officer, unit_head, chairman, clerk):
    return {"officer": officer, "unit_head": unit_head, "chairman": chairman, "clerk": clerk}


def test_create_page_and_post(agency, officer, other_agency):
    c = login(officer)
    page = c.get("/drafts/new/")
    assert page.status_code == 200 and "Soạn dự thảo" in page.text
    r = c.post("/drafts/new/", {
        "doc_type": "cong_van", "subject": "V/v đăng ký nhu cầu đào tạo năm 2026", "urgency": "normal",
        "secrecy": "normal", "recipient_agency_ids": [str(other_agency.pk)], "recipient_names": "Sở Nội vụ\n\n",
        "note": "Bản đầu", "request_token": "abc", "file": pdf_file()})
    draft = Draft.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/drafts/{draft.pk}/"
    assert (draft.recipient_agency_ids, draft.recipient_names, draft.versions.get().note) == (
        [other_agency.pk], ["Sở Nội vụ"], "Bản đầu")
    detail = c.get(r["Location"])
    assert "Đã tạo dự thảo (phiên bản 1)." in detail.text and "Trình ký nháy" in detail.text


def test_create_errors_are_shown_beside_the_fields(agency, officer):
    before = state_snapshot()
    r = login(officer).post("/drafts/new/", {"doc_type": "cong_van", "subject": "", "recipient_names": ""})
    assert r.status_code == 200
    assert "Vui lòng nhập trích yếu." in r.text and "Vui lòng chọn tệp dự thảo." in r.text
    assert "Vui lòng nhập nơi nhận." in r.text
    assert state_snapshot() == before


def test_reply_button_prefills_a_reply(agency, other_agency, clerk, officer, nv):
    incoming = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer=other_agency.name, number="45", notation="CV-UBND", receiving_department_id=nv.pk))
    c = login(officer)
    doc_page = c.get(f"/documents/{incoming.pk}/")
    assert f'href="/drafts/new/?reply_to={incoming.pk}"' in doc_page.text and "Soạn văn bản trả lời" in doc_page.text
    form = c.get(f"/drafts/new/?reply_to={incoming.pk}")
    assert "Soạn văn bản trả lời" in form.text
    assert f"V/v trả lời văn bản số 45/CV-UBND ngày {incoming.issued_date:%d/%m/%Y} của {other_agency.name}" in form.text
    assert f'<option value="{other_agency.pk}" selected>' in form.text
    r = c.post("/drafts/new/", {"doc_type": "cong_van", "subject": "V/v trả lời", "reply_to": str(incoming.pk),
                                "recipient_agency_ids": [str(other_agency.pk)], "file": pdf_file()})
    assert r.status_code == 302
    reply = Draft.objects.get()
    assert reply.reply_to == incoming
    assert "V/v trả lời" in c.get(f"/documents/{incoming.pk}/").text  # listed on the incoming document


def test_reply_to_an_invisible_document_is_404(agency, clerk, officer):
    hidden = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    c = login(officer)
    assert c.get(f"/drafts/new/?reply_to={hidden.pk}").status_code == 404
    assert c.post("/drafts/new/", {"reply_to": str(hidden.pk), "file": pdf_file()}).status_code == 404
    assert not Draft.objects.exists()


def test_each_role_sees_its_buttons_and_the_flow_runs_through_pages(agency, other_agency, people):
    draft = make_draft(people["officer"], agency, recipient_agency_ids=[other_agency.pk], recipient_names=[])
    pages = {k: login(u) for k, u in people.items()}
    url = f"/drafts/{draft.pk}/"

    r = pages["officer"].post(f"{url}submit/", {"reviewer_id": "", "comment": "Kính trình"})
    assert r.status_code == 302
    assert "Đã trình ký nháy: Trần Thị Bích." in pages["officer"].get(url).text
    head = pages["unit_head"].get(url).text
    assert "Ký nháy, trình ký duyệt" in head and "Cập nhật dự thảo" not in head
    assert pages["chairman"].get(url).status_code == 404  # not yet sent to him

    r = pages["unit_head"].post(f"{url}review/", {"decision": "return", "comment": ""})
    assert "Vui lòng ghi ý kiến khi trả lại dự thảo." in pages["unit_head"].get(r["Location"]).text
    pages["unit_head"].post(f"{url}review/", {"decision": "forward", "approver_id": people["chairman"].official.pk})
    assert "Ký duyệt" in pages["chairman"].get(url).text
    assert pages["officer"].post(f"{url}approve/").status_code == 403
    pages["chairman"].post(f"{url}approve/", {"comment": "Đồng ý ban hành"})
    text = pages["clerk"].get(url).text
    assert "Kiểm tra thể thức" in text and "Cấp số, ban hành" not in text
    pages["clerk"].post(f"{url}format/", {"decision": "ok"})
    assert 'id="issue-button"' in pages["clerk"].get(url).text

    r = pages["clerk"].post(f"{url}issue/", {"dispatch": "1"})
    draft.refresh_from_db()
    assert draft.status == DraftStatus.ISSUED and r["Location"] == f"/documents/{draft.document_id}/"
    page = pages["clerk"].get(r["Location"]).text
    assert "Đã cấp số văn bản đi: 01/UBND-NV." in page
    assert "Đã phát hành: gửi điện tử đến 1 cơ quan trong hệ thống." in page
    assert "Quá trình soạn thảo" in page and "Đồng ý ban hành" in page  # the draft's history on the document
    assert "Đã gửi điện tử, chờ vào sổ" in page
    assert InboxItem.objects.filter(agency=other_agency).count() == 1
    # A second click on "Cấp số" numbers nothing and sends nothing again.
    pages["clerk"].post(f"{url}issue/", {"dispatch": "1"})
    assert InboxItem.objects.count() == 1 and Draft.objects.get().document_id == draft.document_id


def test_lists_have_tabs_with_counts(agency, people):
    mine = make_draft(people["officer"], agency, subject="Dự thảo A")
    to_state(mine, "in_review", **people)
    page = login(people["unit_head"]).get("/drafts/?tab=review").text
    assert "Dự thảo A" in page and 'Chờ tôi ký nháy<span class="count">1</span>' in page
    assert "Dự thảo A" in login(people["officer"]).get("/drafts/").text
    assert "Chờ kiểm tra thể thức, cấp số" not in login(people["officer"]).get("/drafts/").text
    assert "Dự thảo A" not in login(people["clerk"]).get("/drafts/?tab=issue").text


def test_the_list_opens_on_the_first_tab_where_drafts_wait(agency, people):
    current = re.compile(r'<a class="btn btn-small" href="\?tab=(\w+)" aria-current="page">')
    waiting = make_draft(people["officer"], agency, subject="Dự thảo chờ cấp số")
    to_state(waiting, "approved", **people)
    reviewing = make_draft(people["officer"], agency, subject="Dự thảo chờ ký nháy")
    to_state(reviewing, "in_review", **people)
    clerk = login(people["clerk"])
    page = clerk.get("/drafts/").text
    assert current.findall(page) == ["issue"] and "Dự thảo chờ cấp số" in page
    page = clerk.get("/drafts/?tab=mine").text  # asked for: kept, with the tabs where drafts wait linked
    assert current.findall(page) == ["mine"] and "Dự thảo chờ cấp số" not in page
    assert ('Không có dự thảo nào trong danh sách này.<br>'
            '<a href="?tab=issue">Chờ kiểm tra thể thức, cấp số: 1</a></p>') in page
    page = login(people["unit_head"]).get("/drafts/").text
    assert current.findall(page) == ["review"] and "Dự thảo chờ ký nháy" in page
    page = login(people["officer"]).get("/drafts/").text  # nothing waits for the author: their own drafts
    assert current.findall(page) == ["mine"] and "Dự thảo chờ ký nháy" in page
    assert current.findall(login(people["clerk"]).get("/drafts/?tab=nonsense").text) == ["mine"]


def test_compare_page_and_version_download(agency, officer, leader):
    draft = make_draft(officer, agency, upload=docx_file(["Điều 1. Giao chỉ tiêu", "Điều 2. Hiệu lực"]))
    c = login(officer)
    r = c.post(f"/drafts/{draft.pk}/edit/", {
        "doc_type": "cong_van", "subject": draft.subject, "urgency": "normal", "secrecy": "normal",
        "recipient_names": "Sở Nội vụ tỉnh Quảng Nam", "note": "Sửa Điều 2",
        "file": docx_file(["Điều 1. Giao chỉ tiêu", "Điều 2. Quyết định có hiệu lực từ ngày ký"], "v2.docx")})
    assert r.status_code == 302
    page = c.get(f"/drafts/{draft.pk}/compare/?old=1&new=2")
    assert page.status_code == 200
    assert '<div class="removed"><span class="no">−2</span>Điều 2. Hiệu lực</div>' in page.text
    assert '<div class="added"><span class="no">+2</span>Điều 2. Quyết định có hiệu lực từ ngày ký</div>' in page.text
    assert c.get(f"/drafts/{draft.pk}/compare/?old=1&new=9").status_code == 404
    download = c.get(f"/drafts/{draft.pk}/versions/2/file/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert login(leader).get(f"/drafts/{draft.pk}/versions/1/file/").status_code == 404


def test_edit_is_for_the_author_while_it_is_theirs(agency, people):
    draft = make_draft(people["officer"], agency)
    assert login(people["unit_head"]).get(f"/drafts/{draft.pk}/edit/").status_code == 403
    to_state(draft, "in_review", **people)
    assert login(people["officer"]).get(f"/drafts/{draft.pk}/edit/").status_code == 403


def test_policy_page(agency, agency_admin, chairman):
    assert login(chairman).get("/drafts/policy/").status_code == 403
    c = login(agency_admin)
    page = c.get("/drafts/policy/").text
    assert "Cho phép lãnh đạo ký duyệt dự thảo do chính mình soạn" in page
    assert ('<a class="btn btn-small btn-primary" href="/drafts/policy/" aria-current="page">'
            'Quy định soạn thảo</a>') in page
    assert '<a class="btn btn-small" href="/processing/policy/">Quy định xử lý văn bản</a>' in page
    c.post("/drafts/policy/", {"allow_self_approval": "on"})
    assert DraftingPolicy.objects.get(agency=agency).allow_self_approval is True
    c.post("/drafts/policy/", {})
    assert DraftingPolicy.objects.get(agency=agency).allow_self_approval is False


def test_another_agencys_draft_is_404(agency, officer, other_clerk):
    draft = make_draft(officer, agency)
    c = login(other_clerk)
    before = state_snapshot()
    for path in ("", "edit/", "compare/", "versions/1/file/"):
        assert c.get(f"/drafts/{draft.pk}/{path}").status_code == 404
    for action in ("submit", "review", "approve", "return", "format", "issue"):
        assert c.post(f"/drafts/{draft.pk}/{action}/", {"reason": "x", "comment": "x"}).status_code == 404
    assert state_snapshot() == before


def test_inline_pdf_preview_of_the_latest_version(agency, officer):
    draft = make_draft(officer, agency)
    r = login(officer).get(f"/drafts/{draft.pk}/versions/1/file/?inline=1")
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith("inline")
    assert b"".join(r.streaming_content) == minimal_pdf("Du thao cong van tra loi")


def test_menu_links_count_what_waits(agency, people, other_agency):
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.urls import resolve

    def nav(user, path="/"):
        request = RequestFactory().get(path)
        request.user, request.agency_id, request.resolver_match = user, agency.pk, resolve(path)
        return Template("{% load drafting_panels %}{% drafting_nav %}").render(Context({"request": request}))

    assert nav(people["officer"]) == '<a href="/drafts/">Dự thảo</a>'
    to_state(make_draft(people["officer"], agency), "in_review", **people)
    assert nav(people["unit_head"], "/drafts/") == (
        '<a href="/drafts/" aria-current="page">Dự thảo <span class="badge badge-urgent" title="Đang chờ bạn">1'
        '</span></a>')
    assert nav(people["clerk"]) == ('<a href="/drafts/">Dự thảo</a>\n'
                                    '<a href="/exchange/inbox/">Văn bản điện tử đến</a>')
