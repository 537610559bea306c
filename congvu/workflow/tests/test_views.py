"""Pages of processing: the panel and its forms, queues, "my work" ordering, the overdue list, the slip."""

import datetime as dt

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from congvu.documents.models import Document
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.workflow import services
from congvu.workflow.models import (
    Assignment,
    AssignmentStatus,
    Direction,
    Presentation,
    ProcessingPolicy,
    ProgressReport,
)
from congvu.workflow.selectors import TO_PRESENT_WINDOW_DAYS, my_work, to_present, to_present_count
from congvu.workflow.tests.helpers import state

pytestmark = pytest.mark.django_db


def _future(days=10) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def _direct(leader, doc, lead, **kw):
    return services.direction_give(actor=leader, document=doc, text="Đề nghị xử lý", lead=lead,
                                   due_at=kw.pop("due", _future()), **kw)


def test_clerk_sees_the_present_form_and_presents(client, doc, clerk, leader):
    client.force_login(clerk)
    assert doc.subject in client.get("/processing/to-present/").content.decode()
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert 'id="workflow-panel"' in page and "Trình văn bản" in page and leader.official.full_name in page
    r = client.post(f"/processing/documents/{doc.pk}/present/", {"to_official": leader.official.pk, "note": "Kính trình"})
    assert r.status_code == 302 and r["Location"] == f"/documents/{doc.pk}/"
    assert Presentation.objects.get().to_official_id == leader.official.pk
    assert doc.subject not in client.get("/processing/to-present/").content.decode()


def test_to_present_queue_lists_only_documents_not_yet_presented(client, agency, clerk, leader):
    urgent = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", urgency="very_urgent",
                                                                              subject="Khẩn: phòng chống bão"))
    normal = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2", subject="Thường: báo cáo"))
    done = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="3", subject="Đã trình rồi"))
    services.document_present(actor=clerk, document=done, to_official=leader.official)
    client.force_login(clerk)
    page = client.get("/processing/to-present/").content.decode()
    assert page.index(urgent.subject) < page.index(normal.subject)
    assert done.subject not in page
    client.force_login(leader)
    assert client.get("/processing/to-present/").status_code == 403


def test_my_work_counts_the_documents_waiting_to_be_presented_for_clerks_only(
        client, agency, clerk, agency_admin, leader, officer):
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(n), subject=f"Văn bản {n}"))
            for n in (1, 2, 3)]
    client.force_login(clerk)
    page = client.get("/my-work/").content.decode()
    assert ('<a class="badge badge-warn" id="count-to-present" href="/processing/to-present/" '
            'title="Văn bản đến chưa trình lãnh đạo">Chờ trình: 3</a>') in page
    assert ('Không có việc nào đang chờ bạn.<br>3 văn bản đến chưa trình lãnh đạo: xem '
            '<a href="/processing/to-present/">Văn bản chờ trình</a>.') in page
    assert my_work(clerk, agency.pk).counts == {"assignment": 0, "presentation": 0, "result": 0, "extension": 0,
                                                "overdue": 0, "to_present": 3}
    assert my_work(agency_admin, agency.pk).counts["to_present"] == 3
    services.document_present(actor=clerk, document=docs[0], to_official=leader.official)
    _direct(leader, docs[1], officer.official)  # directed without being presented: no longer waiting either
    work = my_work(clerk, agency.pk)
    assert (work.counts["to_present"], work.to_present_more) == (1, False)
    services.document_present(actor=clerk, document=docs[2], to_official=leader.official)
    page = client.get("/my-work/").content.decode()
    assert 'id="count-to-present" href="/processing/to-present/" title="Văn bản đến chưa trình lãnh đạo">Chờ trình: 0<' \
        in page and '<a class="badge badge-muted" id="count-to-present"' in page
    assert "văn bản đến chưa trình lãnh đạo" not in page
    for user in (leader, officer):  # not their queue: no count, no badge
        assert "to_present" not in my_work(user, agency.pk).counts
        assert to_present_count(user, agency.pk) is None
        client.force_login(user)
        assert 'id="count-to-present"' not in client.get("/my-work/").content.decode()


def test_the_to_present_count_is_one_query_that_stops_after_the_cap(agency, clerk):
    for n in (1, 2, 3, 4):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(n), subject=f"Văn bản {n}"))
    with CaptureQueriesContext(connection) as ctx:
        assert to_present_count(clerk, agency.pk, cap=2) == 3
    counted = [q["sql"] for q in ctx.captured_queries if "documents_document" in q["sql"]]
    assert len(counted) == 1 and "LIMIT 3" in counted[0]
    assert to_present_count(clerk, agency.pk, cap=10) == 4
    work = my_work(clerk, agency.pk, limit=2)
    assert (work.counts["to_present"], work.to_present_more) == (2, True)
    assert [d.subject for d in to_present(clerk, agency.pk)] == ["Văn bản 1", "Văn bản 2", "Văn bản 3", "Văn bản 4"]
    # Older than the queue's window: neither listed nor counted.
    Document.objects.filter(subject="Văn bản 1").update(
        registered_at=timezone.now() - dt.timedelta(days=TO_PRESENT_WINDOW_DAYS + 1))
    assert to_present_count(clerk, agency.pk) == 3 and len(to_present(clerk, agency.pk)) == 3


def test_htmx_direction_with_errors_rerenders_the_panel_and_changes_nothing(client, doc, clerk, leader, stranger):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    client.force_login(leader)
    before = state()
    r = client.post(f"/processing/documents/{doc.pk}/direct/",
                    {"text": "Giao xử lý", "lead": f"o:{stranger.official.pk}", "due": "01/01/2020"},
                    headers={"HX-Request": "true"})
    body = r.content.decode()
    assert r.status_code == 200 and body.lstrip().startswith('<section class="card wf-panel" id="workflow-panel"')
    assert "Người được giao không thuộc cơ quan." in body
    assert "Hạn xử lý không được trước ngày hôm nay." in body
    assert "Giao xử lý" in body  # what was typed stays
    assert state() == before


def test_the_whole_flow_through_the_pages(client, doc, clerk, leader, officer, officer2):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    client.force_login(leader)
    r = client.post(f"/processing/documents/{doc.pk}/direct/",
                    {"text": "Giao Phòng Nội vụ", "lead": f"o:{officer.official.pk}",
                     "coordinators": [f"o:{officer2.official.pk}"], "due": "5 ngày làm việc"},
                    headers={"HX-Request": "true"})
    assert r.status_code == 200 and r["HX-Trigger"] == "workflow-changed"
    lead = Assignment.objects.get(role="lead")
    client.force_login(officer)
    page = client.get(f"/documents/{doc.pk}/").content.decode()
    assert "Cập nhật tiến độ" in page and "Báo cáo hoàn thành" in page
    client.post(f"/processing/assignments/{lead.pk}/progress/", {"percent": "50", "note": "Đang làm"})
    r = client.post(f"/processing/assignments/{lead.pk}/submit/", {"note": "Đã xong"})
    assert r.status_code == 302
    # Someone else's assignment: 403 (visible document), nothing changed.
    client.force_login(officer2)
    before = state()
    assert client.post(f"/processing/assignments/{lead.pk}/accept/").status_code == 403
    assert state() == before
    client.force_login(leader)
    assert "Duyệt kết quả" in client.get(f"/documents/{doc.pk}/").content.decode()
    client.post(f"/processing/assignments/{lead.pk}/accept/")
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.ACCEPTED


def test_actions_on_an_invisible_document_are_404(client, doc, leader, officer, other_clerk):
    _direct(leader, doc, officer.official)
    lead = Assignment.objects.get()
    client.force_login(other_clerk)
    before = state()
    assert client.post(f"/processing/assignments/{lead.pk}/submit/").status_code == 404
    assert client.post(f"/processing/documents/{doc.pk}/present/", {}).status_code == 404
    assert client.get(f"/processing/documents/{doc.pk}/slip/").status_code == 404
    assert state() == before


def test_my_work_puts_overdue_first_then_urgent_then_by_deadline(agency, clerk, leader, officer):
    docs = {}
    for key, urgency, days in (("later", "normal", 20), ("sooner", "normal", 5), ("urgent", "flash", 15),
                               ("late", "normal", 3)):
        docs[key] = incoming_register(actor=clerk, agency=agency, data=incoming_data(
            number=key, urgency=urgency, subject=f"Văn bản {key}"))
        _direct(leader, docs[key], officer.official, due=_future(days))
    Assignment.objects.filter(document=docs["late"]).update(due_at=timezone.now() - dt.timedelta(hours=1))
    work = my_work(officer, agency.pk)
    assert [i.document_id for i in work.items] == [docs[k].pk for k in ("late", "urgent", "sooner", "later")]
    assert [i.overdue for i in work.items] == [True, False, False, False]
    assert work.counts["overdue"] == 1


def test_my_work_page_for_a_leader_shows_presentations_and_results(client, doc, clerk, leader, officer):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    client.force_login(leader)
    page = client.get("/my-work/").content.decode()
    assert "Chờ cho ý kiến" in page and doc.subject in page
    assert doc.subject in client.get("/processing/awaiting-direction/").content.decode()
    _direct(leader, doc, officer.official)
    services.assignment_submit(actor=officer, assignment=Assignment.objects.get(), note="Xong")
    page = client.get("/my-work/").content.decode()
    assert "Chờ duyệt kết quả" in page


def test_overdue_page_and_list_flags(client, doc, leader, officer):
    _direct(leader, doc, officer.official)
    Assignment.objects.update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(leader)
    page = client.get("/processing/overdue/").content.decode()
    assert 'id="overdue-total">1<' in page and doc.subject in page
    html = Template("{% load workflow_panels %}{% overdue_flags docs as ids %}{% for d in docs %}"
                    "{% overdue_badge d ids %}{% endfor %}").render(Context({"docs": [doc]}))
    assert html == '<span class="badge badge-overdue" title="Có phân công xử lý đã quá hạn">Quá hạn</span>'


def _decree30_date_line(day: dt.date) -> str:
    """The date line as Decree 30/2020, Annex I writes it: two-digit days, two-digit months only for 1 and 2."""
    month = f"0{day.month}" if day.month in (1, 2) else f"{day.month}"
    return f"Ngày {day.day:02d} tháng {month} năm {day.year}"


def test_the_processing_slip_has_the_three_dated_opinions(client, doc, clerk, leader, head, officer, nv):
    _direct(leader, doc, nv)
    lead = Assignment.objects.get()
    child = services.assignment_reassign(actor=head, assignment=lead, to_official=officer.official,
                                         note="Đồng chí Chuyên viên tham mưu")
    services.progress_record(actor=officer, assignment=child, percent=60, note="Đề xuất trả lời bằng công văn")
    # Each opinion on a day of its own, both ways of writing the month: 05/02 (leading zero), 07/09 and 12/10 (none).
    vn = timezone.get_current_timezone()
    Direction.objects.update(created_at=dt.datetime(2026, 2, 5, 9, 0, tzinfo=vn))
    Assignment.objects.filter(pk=child.pk).update(created_at=dt.datetime(2026, 9, 7, 0, 30, tzinfo=vn))
    ProgressReport.objects.update(created_at=dt.datetime(2026, 10, 12, 16, 0, tzinfo=vn))
    client.force_login(leader)
    page = client.get(f"/processing/documents/{doc.pk}/slip/").content.decode()
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in page
    agency_part = page[page.index('id="slip-agency"'):page.index('id="slip-unit"')]
    unit_part = page[page.index('id="slip-unit"'):page.index('id="slip-handler"')]
    handler_part = page[page.index('id="slip-handler"'):]
    assert "Đề nghị xử lý" in agency_part and leader.official.full_name in agency_part
    assert "Đồng chí Chuyên viên tham mưu" in unit_part and head.official.full_name in unit_part
    assert "Đề xuất trả lời bằng công văn (60%)" in handler_part
    assert _decree30_date_line(dt.date(2026, 2, 5)) == "Ngày 05 tháng 02 năm 2026"
    assert _decree30_date_line(dt.date(2026, 2, 5)) in agency_part
    assert _decree30_date_line(dt.date(2026, 9, 7)) == "Ngày 07 tháng 9 năm 2026"
    assert _decree30_date_line(dt.date(2026, 9, 7)) in unit_part
    assert _decree30_date_line(dt.date(2026, 10, 12)) in handler_part
    assert "tháng 09" not in page and "tháng 10 năm 2026" in handler_part
    assert "@page { size: A4 portrait" in page


def test_policy_page_for_the_agency_admin(client, agency, agency_admin, leader, nv):
    client.force_login(agency_admin)
    page = client.get("/processing/policy/").content.decode()
    assert page.count('aria-current="page"') == 2  # the main menu's "Việc của tôi" and this page in "Quản trị"
    assert ('<a class="btn btn-small btn-primary" href="/processing/policy/" aria-current="page">'
            'Quy định xử lý văn bản</a>') in page
    assert '<a class="btn btn-small" href="/drafts/policy/">Quy định soạn thảo</a>' in page
    r = client.post("/processing/policy/", {"present_to": "department", "default_department": nv.pk,
                                            "reminder_offsets_days": "3, 1, 0", "overdue_repeat_days": "2",
                                            "default_due_working_days": "10"})
    assert r.status_code == 302
    p = ProcessingPolicy.objects.get(agency=agency)
    assert (p.present_to, p.default_department_id, p.reminder_offsets_days, p.overdue_repeat_days,
            p.default_due_working_days, p.allow_leader_self_assign) == ("department", nv.pk, [3, 1, 0], 2, 10, False)
    r = client.post("/processing/policy/", {"present_to": "leader", "reminder_offsets_days": "a, b"})
    assert "Nhập các số ngày làm việc từ 0 đến 30" in r.content.decode()
    client.force_login(leader)
    assert client.get("/processing/policy/").status_code == 403


def test_outgoing_documents_show_no_processing_panel(client, agency, clerk):
    from congvu.documents.services import outgoing_register
    from congvu.documents.tests.factories import outgoing_data

    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    client.force_login(clerk)
    page = client.get(f"/documents/{out.pk}/").content.decode()
    assert 'id="workflow-panel"' not in page
