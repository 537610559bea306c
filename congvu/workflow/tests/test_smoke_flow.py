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
