"""Records pages through Django's test client: each page, each form, each refusal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Role
from congvu.records.models import ArchiveTransfer, CaseFile, FilePlan, RetentionSchedule
from congvu.records.services import case_file_close, case_file_document_add, case_file_open
from congvu.records.tests.conftest import YEAR, entry, records_state
from congvu.workflow.services import direction_give

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def case_file(issued_plan, officer):
    return case_file_open(actor=officer, plan=issued_plan, entry_id=entry(issued_plan, "03.VP").pk)


@pytest.fixture
def officers_doc(agency, clerk, officer):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(receiving_official_id=officer.official.pk))


# --- file plan pages ------------------------------------------------------------------------------

def test_a_leader_builds_and_issues_the_plan_through_the_pages(client, leader, agency):
    as_user(client, leader)
    response = client.post(reverse("records:plans"), {"year": str(YEAR), "numbering": "per_heading"})
    assert response.status_code == 302 and response["Location"] == reverse("records:plan", args=[YEAR])
    plan = FilePlan.objects.get(agency=agency, year=YEAR)
    assert plan.numbering == "per_heading"
    client.post(reverse("records:heading_add", args=[YEAR]), {"h-code": "tccb", "h-title": "Tổ chức, cán bộ"})
    heading = plan.headings.get()
    assert (heading.code, heading.title) == ("TCCB", "Tổ chức, cán bộ")
    response = client.post(reverse("records:entry_new", args=[YEAR]), {
        "heading_id": str(heading.pk), "title": "Hồ sơ tuyển dụng", "retention_permanent": "on",
        "retention_years": "", "retention_item_id": "", "notes": "Phòng Nội vụ giữ"})
    assert response.status_code == 302
    assert list(plan.entries.values_list("code", "title", "retention_permanent", "notes")) == [
        ("01.TCCB", "Hồ sơ tuyển dụng", True, "Phòng Nội vụ giữ")]
    page = client.get(reverse("records:plan", args=[YEAR]))
    assert "01.TCCB" in text(page) and "Dự thảo" in text(page)
    response = client.post(reverse("records:plan_issue", args=[YEAR]), {}, follow=True)
    assert messages_of(response) == [f"Đã ban hành danh mục hồ sơ năm {YEAR}."]
    plan.refresh_from_db()
    assert plan.status == "issued"


def test_entry_form_shows_the_services_errors(client, leader, plan):
    as_user(client, leader)
    before = records_state()
    response = client.post(reverse("records:entry_new", args=[YEAR]), {
        "heading_id": "", "title": "", "retention_years": "abc"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"heading_id": ["Vui lòng chọn đề mục của danh mục."],
                           "title": ["Vui lòng nhập tiêu đề hồ sơ."],
                           "retention_years": ["Thời hạn bảo quản phải là số năm từ 1 đến 100."]}
    assert records_state() == before


def test_a_refused_heading_is_a_message_and_nothing_changes(client, leader, plan):
    as_user(client, leader)
    before = records_state()
    response = client.post(reverse("records:heading_add", args=[YEAR]), {"h-code": "TCCB", "h-title": "Trùng"},
                           follow=True)
    assert messages_of(response) == ["Thông tin đề mục chưa hợp lệ. Đề mục “TCCB” đã có trong danh mục."]
    assert records_state() == before


@pytest.mark.parametrize("role_fixture", ["clerk", "officer"])
def test_readers_get_403_on_plan_changes(client, request, plan, leader, role_fixture):
    from congvu.records.services import file_plan_issue

    file_plan_issue(actor=leader, plan=plan)
    as_user(client, request.getfixturevalue(role_fixture))
    heading = plan.headings.get(code="VP")
    before = records_state()
    for url, data in (
        (reverse("records:heading_add", args=[YEAR]), {"h-code": "KH", "h-title": "Kế hoạch"}),
        (reverse("records:entry_new", args=[YEAR]), {"heading_id": heading.pk, "title": "X", "retention_years": 5}),
        (reverse("records:heading_edit", args=[YEAR, heading.pk]), {"title": "Khác"}),
        (reverse("records:plan_settings", args=[YEAR]), {"decision_ref": "QĐ"}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("records:entry_new", args=[YEAR])).status_code == 403
    assert records_state() == before


def test_officers_do_not_see_a_draft_plan(client, officer, plan):
    as_user(client, officer)
    assert client.get(reverse("records:plan", args=[YEAR])).status_code == 404
    assert client.get(reverse("records:plan_print", args=[YEAR])).status_code == 404
    page = client.get(reverse("records:plans"))
    assert page.status_code == 200 and "Chưa có danh mục hồ sơ nào được ban hành." in text(page)


def test_the_printed_plan_has_the_annex_v_columns_and_totals(client, clerk, issued_plan):
    page = as_user(client, clerk).get(reverse("records:plan_print", args=[YEAR]))
    body = text(page)
    for column in ("Số và ký hiệu hồ sơ", "Tên đề mục và tiêu đề hồ sơ", "Thời hạn bảo quản",
                   "Đơn vị/người lập hồ sơ", "Ghi chú"):
        assert f"<th>{column}</th>" in body
    assert "(Ban hành kèm theo Quyết định số 05/QĐ-UBND)" in body
    assert ("Bản Danh mục hồ sơ này có 3 hồ sơ, bao gồm: 1 hồ sơ có thời hạn bảo quản vĩnh viễn; "
            "2 hồ sơ có thời hạn bảo quản có thời hạn.") in body
    assert '<tr class="heading"><td class="c">TCCB</td><td colspan="4">TỔ CHỨC, CÁN BỘ</td></tr>' in body


# --- case file pages ------------------------------------------------------------------------------

def test_an_officer_opens_fills_and_closes_a_case_file(client, officer, issued_plan, officers_doc, leader):
    as_user(client, officer)
    e = entry(issued_plan, "02.TCCB")
    form = client.get(reverse("records:case_file_new") + f"?entry={e.pk}")
    assert form.status_code == 200 and "02.TCCB — Hồ sơ nâng lương thường xuyên (20 năm)" in text(form)
    response = client.post(reverse("records:case_file_new"), {"entry_id": str(e.pk), "notes": "",
                                                                "year": str(YEAR)})
    cf = CaseFile.objects.get(plan_entry=e)
    assert response["Location"] == reverse("records:case_file", args=[cf.pk])

    found = client.get(reverse("records:case_file_search", args=[cf.pk]), {"q": "chỉ tiêu kế hoạch"})
    assert "125/QĐ-UBND" in text(found) and f'name="document_id" value="{officers_doc.pk}"' in text(found)
    client.post(reverse("records:case_file_document_add", args=[cf.pk]), {"document_id": str(officers_doc.pk)})
    assert list(cf.items.values_list("document_id", flat=True)) == [officers_doc.pk]
    detail = client.get(reverse("records:case_file", args=[cf.pk]))
    assert "125/QĐ-UBND" in text(detail) and "Kết thúc hồ sơ" in text(detail)

    # Open work on the document: closing is refused with the Vietnamese reason, nothing changes.
    direction_give(actor=leader, document=officers_doc, text="Giao phòng Nội vụ.", lead=officer.official)
    confirm = client.get(reverse("records:case_file_close", args=[cf.pk]))
    assert "Việc chưa hoàn thành trên các văn bản: <strong>1</strong>" in text(confirm)
    before = records_state()
    refused = client.post(reverse("records:case_file_close", args=[cf.pk]), follow=True)
    assert messages_of(refused) == ["Hồ sơ 02.TCCB còn 1 việc chưa hoàn thành trên các văn bản của hồ sơ; hoàn "
                                    "thành các việc đó trước khi kết thúc hồ sơ."]
    assert records_state() == before


def test_closing_through_the_page_and_the_index(client, officer, case_file, officers_doc):
    case_file_document_add(actor=officer, case_file=case_file, document_id=officers_doc.pk)
    as_user(client, officer)
    response = client.post(reverse("records:case_file_close", args=[case_file.pk]), follow=True)
    assert messages_of(response) == ["Đã kết thúc hồ sơ 03.VP."]
    case_file.refresh_from_db()
    assert case_file.status == "closed"
    index = text(client.get(reverse("records:case_file_index", args=[case_file.pk])))
    assert "Mục lục văn bản" in index and "Hồ sơ số 03.VP: Hồ sơ hội nghị cán bộ, công chức" in index
    assert '<td class="c">1</td><td>125/QĐ-UBND</td>' in index
    assert "Hồ sơ gồm 1 văn bản" in index


def test_removing_and_reopening_through_the_pages(client, officer, case_file, officers_doc):
    case_file_document_add(actor=officer, case_file=case_file, document_id=officers_doc.pk)
    as_user(client, officer)
    removed = client.post(reverse("records:case_file_document_remove", args=[case_file.pk, officers_doc.pk]),
                          follow=True)
    assert messages_of(removed) == ["Đã bớt văn bản khỏi hồ sơ."]
    assert case_file.items.count() == 0
    case_file_document_add(actor=officer, case_file=case_file, document_id=officers_doc.pk)
    case_file_close(actor=officer, case_file=case_file)
    refused = client.post(reverse("records:case_file_reopen", args=[case_file.pk]), {"reason": ""}, follow=True)
    assert messages_of(refused) == ["Vui lòng nêu lý do mở lại hồ sơ. Vui lòng nhập lý do mở lại."]
    client.post(reverse("records:case_file_reopen", args=[case_file.pk]), {"reason": "Thiếu văn bản"})
    case_file.refresh_from_db()
    assert case_file.status == "open"


def test_the_edit_page(client, officer, leader, case_file):
    as_user(client, officer)
    page = client.get(reverse("records:case_file_edit", args=[case_file.pk]))
    assert "responsible_official_id" not in page.context["form"].fields
    response = client.post(reverse("records:case_file_edit", args=[case_file.pk]), {
        "title": "Hồ sơ hội nghị", "notes": "", "sheets": "12", "capital_construction": "on", "settled_on": ""})
    assert response.status_code == 302
    case_file.refresh_from_db()
    assert (case_file.title, case_file.sheets, case_file.capital_construction) == ("Hồ sơ hội nghị", 12, True)
    bad = client.post(reverse("records:case_file_edit", args=[case_file.pk]), {
        "title": "", "sheets": "0", "settled_on": "31/02/2026", "capital_construction": "on"})
    assert bad.context["form"].errors == {
        "title": ["Vui lòng nhập tiêu đề hồ sơ."], "sheets": ["Số tờ phải là số nguyên dương."],
        "settled_on": ["Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026."]}


def test_case_file_pages_refuse_who_may_not(client, agency, case_file, clerk, other_clerk, officers_doc):
    second = make_official(agency, Role.OFFICER).user
    before = records_state()
    as_user(client, second)
    for url in (reverse("records:case_file", args=[case_file.pk]), reverse("records:case_file_index",
                                                                         args=[case_file.pk])):
        assert client.get(url).status_code == 404
    assert client.post(reverse("records:case_file_document_add", args=[case_file.pk]),
                       {"document_id": officers_doc.pk}).status_code == 404
    as_user(client, other_clerk)
    assert client.get(reverse("records:case_file", args=[case_file.pk])).status_code == 404
    as_user(client, clerk)  # sees it, may not change it
    assert client.get(reverse("records:case_file", args=[case_file.pk])).status_code == 200
    assert client.post(reverse("records:case_file_document_add", args=[case_file.pk]),
                       {"document_id": officers_doc.pk}).status_code == 403
    assert client.post(reverse("records:case_file_close", args=[case_file.pk])).status_code == 403
    assert records_state() == before


def test_adding_a_document_one_cannot_see_is_404(client, agency, clerk, officer, case_file):
    hidden = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="9"))
    before = records_state()
    response = as_user(client, officer).post(reverse("records:case_file_document_add", args=[case_file.pk]),
                                             {"document_id": str(hidden.pk)})
    assert response.status_code == 404
    assert records_state() == before


def test_lists_mine_and_the_agencys(client, officer, clerk, case_file):
    as_user(client, officer)
    assert client.get(reverse("records:case_files"))["Location"] == reverse("records:my_case_files")
    mine = client.get(reverse("records:my_case_files"))
    assert [f.pk for f in mine.context["files"]] == [case_file.pk]
    as_user(client, clerk)
    assert [f.pk for f in client.get(reverse("records:case_files")).context["files"]] == [case_file.pk]
    assert client.get(reverse("records:my_case_files")).context["files"] == []
    assert client.get(reverse("records:case_files"), {"status": "closed"}).context["files"] == []


def test_the_document_page_panel_lists_files_and_adds_to_one(client, officer, case_file, officers_doc):
    as_user(client, officer)
    page = text(client.get(reverse("documents:detail", args=[officers_doc.pk])))
    assert "Hồ sơ công việc" in page and "Văn bản chưa thuộc hồ sơ nào." in page
    assert f'<option value="{case_file.pk}">03.VP — Hồ sơ hội nghị cán bộ, công chức</option>' in page
    response = client.post(reverse("records:document_file", args=[officers_doc.pk]),
                           {"case_file": str(case_file.pk)})
    assert response["Location"] == reverse("documents:detail", args=[officers_doc.pk])
    page = text(client.get(reverse("documents:detail", args=[officers_doc.pk])))
    assert "<strong>03.VP</strong> Hồ sơ hội nghị cán bộ, công chức" in page
    assert 'id="records-add-form"' not in page  # nothing left to add it to


def test_the_panel_offers_nothing_to_who_may_not_add(client, clerk, case_file, officers_doc):
    page = text(as_user(client, clerk).get(reverse("documents:detail", args=[officers_doc.pk])))
    assert "Hồ sơ công việc" in page and 'id="records-add-form"' not in page


# --- transfer pages -------------------------------------------------------------------------------

def _closed(case_file, officer, doc, days_ago=400):
    case_file_document_add(actor=officer, case_file=case_file, document_id=doc.pk)
    case_file_close(actor=officer, case_file=case_file)
    closed_at = timezone.now() - dt.timedelta(days=days_ago)
    CaseFile.objects.filter(pk=case_file.pk).update(closed_at=closed_at)


def test_due_list_and_transfer_through_the_pages(client, clerk, officer, case_file, officers_doc, agency):
    _closed(case_file, officer, officers_doc)
    as_user(client, clerk)
    due = client.get(reverse("records:due"))
    assert [r.case_file.pk for r in due.context["rows"]] == [case_file.pk]
    assert "Quá hạn" in text(due)
    form = client.get(reverse("records:transfer_new"), {"file": str(case_file.pk)})
    assert f'value="{case_file.pk}" id="cf-{case_file.pk}" checked' in text(form)
    response = client.post(reverse("records:transfer_new"), {
        "transferred_on": TODAY.strftime("%d/%m/%Y"), "handed_over_by_id": str(officer.official.pk),
        "received_by_id": str(clerk.official.pk), "department_id": "", "notes": "",
        "case_file_ids": [str(case_file.pk)]})
    t = ArchiveTransfer.objects.get()
    assert response["Location"] == reverse("records:transfer", args=[t.pk])
    printed = text(client.get(reverse("records:transfer_print", args=[t.pk])))
    assert "Về việc giao nhận hồ sơ, tài liệu" in printed and "Mục lục hồ sơ, tài liệu nộp lưu" in printed
    assert "2. Số lượng: 1 hồ sơ" in printed
    month = f"0{TODAY.month}" if TODAY.month < 3 else str(TODAY.month)  # Decree 30: zero only for months 1, 2
    assert f", ngày {TODAY.day:02d} tháng {month} năm {TODAY.year}</p>" in printed
    assert '<td class="c">03.VP</td><td>Hồ sơ hội nghị cán bộ, công chức</td>' in printed
    detail = text(client.get(reverse("records:case_file", args=[case_file.pk])))
    assert "Đã nộp lưu" in detail and "Sửa thông tin" not in detail
    assert client.get(reverse("records:transfers")).context["transfers"] == [t]


def test_transfer_form_errors_and_refusals(client, clerk, officer, leader, case_file, officers_doc):
    _closed(case_file, officer, officers_doc)
    as_user(client, clerk)
    before = records_state()
    bad = client.post(reverse("records:transfer_new"), {"transferred_on": "", "case_file_ids": []})
    assert bad.context["form"].errors == {
        "transferred_on": ["Vui lòng nhập ngày (dd/mm/yyyy)."], "handed_over_by_id": ["Vui lòng chọn người giao."],
        "received_by_id": ["Vui lòng chọn người nhận (lưu trữ cơ quan)."],
        "__all__": ["Chọn ít nhất một hồ sơ để nộp lưu.", "Thông tin nộp lưu chưa hợp lệ."]}
    as_user(client, leader)
    assert client.get(reverse("records:transfer_new")).status_code == 403
    assert client.get(reverse("records:due")).status_code == 200
    as_user(client, officer)
    assert client.get(reverse("records:due")).status_code == 403
    assert client.get(reverse("records:transfers")).status_code == 403
    assert records_state() == before


# --- retention pages ------------------------------------------------------------------------------

def test_retention_page_and_its_administration(client, leader, django_user_model):
    page = as_user(client, leader).get(reverse("records:retention"))
    assert "TT 10/2022/TT-BNV" in text(page) and "Hồ sơ xây dựng quy chế làm việc của cơ quan" in text(page)
    assert client.post(reverse("records:schedule_new"), {"code": "X"}).status_code == 403
    schedule = RetentionSchedule.objects.get()
    assert client.get(reverse("records:schedule", args=[schedule.pk])).status_code == 403
    root = django_user_model.objects.create_superuser("root", password="matkhau-123")
    as_user(client, root)
    response = client.post(reverse("records:item_add", args=[schedule.pk]), {
        "i-code": "2", "i-title": "Hồ sơ hội nghị tổng kết", "i-years": "", "i-permanent": "on", "i-source": "Thử"})
    assert response.status_code == 302
    assert list(schedule.items.values_list("code", "permanent")) == [("1", False), ("2", True)]
    response = client.post(reverse("records:schedule_new"), {
        "code": "NEW", "name": "Bảng mới", "legal_basis": "TT 01/2030/TT-BNV", "valid_from": "01/01/2030"})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.valid_to == dt.date(2029, 12, 31)
