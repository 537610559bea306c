"""Visibility of dossiers, the lists and queues, and the apology reminder job (late soon → notify, once)."""

import pytest

from conftest import make_official
from congvu.core.errors import NotFound, ValidationFailed
from congvu.jobs.registry import get as get_job
from congvu.notifications.models import Notification
from congvu.onestop import processing, selectors
from congvu.onestop.models import Apology, DossierStatus, PauseKind
from congvu.onestop.tasks import KIND, remind_apologies
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o2 import accepted_dossier, local
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

RECEIVED = local(2026, 3, 9, 8, 0)


@pytest.fixture
def dossier(agency, procedure_version, onestop):
    return accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=RECEIVED)


def test_who_sees_a_dossier(dossier, agency, other_agency, onestop, leader, agency_admin, officer, clerk):
    vp_officer = make_official(agency, Role.OFFICER, username="cv_vp", department=agency.departments.get(code="VP"))
    outsider = make_official(other_agency, Role.LEADER, username="ld_xa")
    for user in (onestop, leader, agency_admin, officer):  # officer: the NV department holds step 1
        assert list(selectors.visible_dossiers(user)) == [dossier], user
    for user in (vp_officer.user, outsider.user, clerk):  # a clerk of the registry has no one-stop role
        assert not selectors.visible_dossiers(user).exists(), user
        with pytest.raises(NotFound):
            selectors.dossier_for(user, dossier.pk)
    with pytest.raises(NotFound):
        selectors.dossier_for(onestop, "abc")
    # a person named on a step sees it, whatever their unit
    processing.dossier_hand_over(actor=officer, dossier=dossier, to_official=vp_officer,
                                 at=local(2026, 3, 10, 9, 0))
    assert selectors.dossier_for(vp_officer.user, dossier.pk) == dossier


def test_dossier_list_filters(agency, procedure_version, onestop, officer):
    other_version = make_procedure(local_code="2.000815.000.00.00.H40", name="Chứng thực bản sao")
    a = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 2, 9, 0),
                         applicant_name="Trần Thị Bình")
    b = accepted_dossier(agency=agency, version=other_version, by=onestop, received_at=local(2026, 3, 9, 9, 0))
    c = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 10, 9, 0))
    processing.dossier_record_result(actor=officer, dossier=c, note="Xong", at=local(2026, 3, 10, 10, 0))
    now = local(2026, 3, 10, 11, 0)  # a is overdue (due 09/03 09:00), b is not
    ids = lambda **kw: [d.pk for d in selectors.dossier_list(onestop, now=now, **kw)]  # noqa: E731
    assert ids() == [c.pk, b.pk, a.pk]
    assert ids(status="9") == [c.pk]
    assert ids(status=["2", "9"]) == [c.pk, b.pk, a.pk]
    assert ids(procedure=other_version.procedure_id) == [b.pk]
    assert ids(date_from="03/03/2026", date_to="09/03/2026") == [b.pk]
    assert ids(date_from="2026-03-10") == [c.pk]
    assert ids(overdue=True) == [a.pk]
    assert ids(q="bình") == [a.pk] or ids(q="Bình") == [a.pk]
    with pytest.raises(ValidationFailed) as exc:
        selectors.dossier_list(onestop, date_from="31/02/2026", status="11")
    assert set(exc.value.fields) == {"date_from", "status"}
    with pytest.raises(ValidationFailed) as exc:
        selectors.dossier_list(onestop, date_from="0001-01-01", date_to="9999-12-31")
    assert exc.value.fields == {"date_from": "Năm phải từ 1900 đến 2999.", "date_to": "Năm phải từ 1900 đến 2999."}
    assert ids(q="\x00") == [c.pk, b.pk, a.pk]  # a NUL byte is dropped, not sent to the database
    with pytest.raises(ValidationFailed) as exc:
        selectors.dossier_list(onestop, date_from="10/03/2026", date_to="09/03/2026")
    assert exc.value.fields == {"date_to": "Ngày kết thúc trước ngày bắt đầu."}


def test_office_queue_puts_overdue_steps_first(agency, procedure_version, onestop, officer, leader):
    late = accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=local(2026, 3, 2, 9, 0))
    fresh = accepted_dossier(agency=agency, version=procedure_version, by=onestop,
                             received_at=local(2026, 3, 9, 9, 0))
    earlier = accepted_dossier(agency=agency, version=procedure_version, by=onestop,
                               received_at=local(2026, 3, 9, 8, 0))
    now = local(2026, 3, 9, 10, 0)
    assert [s.dossier_id for s in selectors.office_queue(officer, now=now)] == [late.pk, earlier.pk, fresh.pk]
    assert [s.is_overdue for s in selectors.office_queue(officer, now=now)] == [True, False, False]
    # the counter's queue holds counter steps only: none open yet
    assert selectors.office_queue(onestop, now=now) == []
    processing.dossier_record_result(actor=officer, dossier=fresh, note="Xong", at=local(2026, 3, 9, 10, 0))
    assert [s.dossier_id for s in selectors.office_queue(onestop, now=now)] == [fresh.pk]
    assert [s.name for s in selectors.office_queue(leader, now=now)] == [
        "Thẩm định hồ sơ", "Trả kết quả", "Thẩm định hồ sơ"]  # overdue, then by step deadline


def test_late_soon_queue_and_the_reminder_job(dossier, agency, onestop, officer, procedure_version):
    # due Mon 16/03 08:00: two working days before is Thu 12/03 08:00
    assert selectors.late_soon(onestop, now=local(2026, 3, 12, 7, 59)) == []
    late = selectors.late_soon(onestop, now=local(2026, 3, 12, 9, 0))
    assert [d.pk for d in late] == [dossier.pk]
    assert late[0].apology_deadline == local(2026, 3, 13, 8, 0) and late[0].apology_possible
    assert selectors.late_soon(officer, now=local(2026, 3, 12, 9, 0))[0].pk == dossier.pk

    assert get_job("onestop.apology_reminders").every is not None
    assert remind_apologies(now=local(2026, 3, 12, 7, 59)) == 0
    assert remind_apologies(now=local(2026, 3, 12, 9, 0)) == 2  # the NV officer holding step 1 and the counter
    assert remind_apologies(now=local(2026, 3, 12, 10, 0)) == 0  # idempotent
    assert set(Notification.objects.filter(kind=KIND).values_list("official_id", flat=True)) == {
        onestop.official.pk, officer.official.pk}
    # past the apology deadline nobody is asked any more (it can no longer be given)
    assert selectors.late_soon(onestop, now=local(2026, 3, 13, 9, 0))[0].apology_possible is False
    assert selectors.late_soon(onestop, now=local(2026, 3, 16, 9, 0)) == []  # overdue: the office queue's job

    # a pause moves the appointment: a new reminder for the new deadline
    processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.FINANCIAL, reason="Chờ nộp phí",
                             at=local(2026, 3, 12, 9, 30))
    assert remind_apologies(now=local(2026, 3, 12, 10, 0)) == 0  # paused: the clock does not run
    processing.dossier_resume(actor=officer, dossier=dossier, at=local(2026, 3, 12, 11, 30))
    dossier.refresh_from_db()
    assert dossier.due_at == local(2026, 3, 16, 10, 0)
    assert remind_apologies(now=local(2026, 3, 12, 13, 30)) == 2
    # after the apology the dossier leaves the queue
    processing.dossier_apology(actor=officer, dossier=dossier, reason="Chờ xác minh", new_due_at="18/03/2026",
                               at=local(2026, 3, 12, 14, 0))
    assert Apology.objects.count() == 1
    assert selectors.late_soon(onestop, now=local(2026, 3, 12, 15, 0)) == []
    assert remind_apologies(now=local(2026, 3, 12, 15, 0)) == 0
    assert dossier.status == DossierStatus.PROCESSING
