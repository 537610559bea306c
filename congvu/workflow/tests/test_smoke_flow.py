import pytest

from congvu.workflow import services
from congvu.workflow.models import Assignment, AssignmentStatus

pytestmark = pytest.mark.django_db


def test_smoke(doc, clerk, leader, officer, officer2, head, nv):
    p = services.document_present(actor=clerk, document=doc, to_official=leader.official)
    d = services.direction_give(actor=leader, document=doc, text="Giao Phòng Nội vụ chủ trì", lead=nv,
                                coordinators=[officer2.official], due_in_working_days=5)
    assert p.pk and d.pk
    lead = Assignment.objects.get(role="lead")
    child = services.assignment_reassign(actor=head, assignment=lead, to_official=officer.official)
    services.progress_record(actor=officer, assignment=child, percent=50, note="Đang làm")
    services.assignment_submit(actor=officer, assignment=child, note="Xong")
    services.assignment_accept(actor=head, assignment=child)
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.SUBMITTED
    services.assignment_accept(actor=leader, assignment=lead)
    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.ACCEPTED


def test_pages_render(client, doc, clerk, leader, officer, nv):
    services.document_present(actor=clerk, document=doc, to_official=leader.official)
    client.force_login(leader)
    r = client.get(f"/documents/{doc.pk}/")
    assert r.status_code == 200
    assert "Cho ý kiến chỉ đạo" in r.content.decode()
    r = client.post(f"/processing/documents/{doc.pk}/direct/", {"text": "Giao", "lead": f"o:{officer.official.pk}",
                                                                "due": "3 ngày làm việc"})
    assert r.status_code == 302, r.content.decode()[:3000]
    for url in ("/my-work/", "/processing/overdue/", "/processing/awaiting-direction/",
                f"/processing/documents/{doc.pk}/slip/"):
        assert client.get(url).status_code == 200, url
    client.force_login(officer)
    r = client.get("/my-work/")
    assert doc.subject in r.content.decode()
    r = client.get(f"/documents/{doc.pk}/")
    assert "Báo cáo hoàn thành" in r.content.decode()
    client.force_login(clerk)
    assert client.get("/processing/to-present/").status_code == 200
