"""Processing services: hand-over chains with step timeliness, liên thông, pauses, apology rules, withdrawal,
result and return, permissions (a refused action changes nothing)."""

import pytest

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.notifications.models import Notification
from congvu.onestop import processing, selectors
from congvu.onestop.models import (
    Apology,
    DossierStatus,
    DossierStep,
    Pause,
    PauseKind,
    ReturnMethod,
    Timeliness,
)
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o2 import (
    INTERLINKED_STEPS,
    accepted_dossier,
    local,
    province_department,
    province_officer,
    state,
)
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

RECEIVED = local(2026, 3, 9, 8, 0)  # Monday, no holiday near


@pytest.fixture
def dossier(agency, procedure_version, onestop):
    return accepted_dossier(agency=agency, version=procedure_version, by=onestop, received_at=RECEIVED)


def test_accepted_dossier_is_due_after_five_working_days(dossier):
    assert dossier.due_at == local(2026, 3, 16, 8, 0)
    assert selectors.current_step(dossier).due_at == local(2026, 3, 12, 8, 0)  # 3 days = 24 working hours


def test_a_hand_over_chain_records_each_steps_timeliness_and_the_control_slip(dossier, officer, leader, onestop):
    # the office hands over a day early (step due Thu 08:00)
    step = processing.dossier_hand_over(actor=officer, dossier=dossier, to_official=leader.official,
                                        note="Đủ điều kiện", at=local(2026, 3, 11, 10, 0))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert step.name == "Lãnh đạo ký duyệt" and step.handler == leader.official
    assert step.given_by == officer.official
    assert step.due_at == local(2026, 3, 12, 10, 0)  # 1 day = 8 working hours
    office = DossierStep.objects.get(dossier=dossier, position=1)
    assert office.finished_at == local(2026, 3, 11, 10, 0) and office.timeliness == Timeliness.EARLY

    # the leader signs an hour late; the dossier is still early against its appointment (Mon 16/03 08:00)
    processing.dossier_record_result(actor=leader, dossier=dossier, note="Cấp giấy khai sinh số 12/2026",
                                     at=local(2026, 3, 12, 11, 0))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSED
    assert dossier.processed_at == local(2026, 3, 12, 11, 0)
    assert dossier.timeliness == Timeliness.EARLY
    assert DossierStep.objects.get(dossier=dossier, position=2).timeliness == Timeliness.LATE
    ret = selectors.current_step(dossier)
    assert (ret.position, ret.name, ret.due_at) == (3, "Trả kết quả", local(2026, 3, 12, 17, 0))
    assert list(selectors.return_queue(onestop)) == [dossier]

    processing.dossier_return_result(actor=onestop, dossier=dossier, method=ReturnMethod.IN_PERSON,
                                     returned_to="Nguyễn Văn An", at=local(2026, 3, 12, 14, 0))
    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_method, dossier.returned_to) == (
        DossierStatus.RETURNED, "in_person", "Nguyễn Văn An")
    assert dossier.finished_at == local(2026, 3, 12, 14, 0)
    assert list(selectors.return_queue(onestop)) == []

    slip = selectors.control_slip(dossier)
    assert [(r.step_name, r.timeliness) for r in slip] == [
        ("Tiếp nhận hồ sơ", "on_time"), ("Thẩm định hồ sơ", "early"), ("Lãnh đạo ký duyệt", "late"),
        ("Trả kết quả", "on_time")]
    assert slip[0].giver_unit == "Tổ chức, cá nhân nộp hồ sơ" and slip[0].giver_person == "Nguyễn Văn An"
    assert slip[1].receiver_unit == "Phòng Nội vụ — UBND huyện Nông Sơn"
    assert slip[2].giver_unit == "Phòng Nội vụ — UBND huyện Nông Sơn"
    assert slip[2].giver_person == officer.official.full_name
    assert slip[2].receiver_person == leader.official.full_name
    assert slip[2].handed_at == local(2026, 3, 11, 10, 0)
    assert slip[3].receiver_unit == "Bộ phận tiếp nhận và trả kết quả — UBND huyện Nông Sơn"
    kinds = list(dossier.events.values_list("kind", "status"))
    assert kinds == [("accepted", 2), ("handed_over", 4), ("processed", 9), ("returned", 10)]
    actions = set(JournalEntry.objects.filter(object_id=str(dossier.pk)).values_list("action", flat=True))
    assert actions == {"onestop.dossier_receive", "onestop.dossier_hand_over", "onestop.dossier_record_result",
                       "onestop.dossier_return_result"}
    # the leader was told about the hand-over, the counter about the result
    assert Notification.objects.filter(official=leader.official, kind="onestop.handed_over").count() == 1
    assert Notification.objects.filter(official=onestop.official, kind="onestop.processed").count() == 1


def test_the_last_step_is_reached_only_by_recording_the_result(dossier, officer, leader):
    processing.dossier_hand_over(actor=officer, dossier=dossier, at=local(2026, 3, 10, 9, 0))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_hand_over(actor=leader, dossier=dossier, at=local(2026, 3, 10, 10, 0))
    assert "ghi nhận kết quả" in exc.value.message
    assert state() == before


def test_interlinked_step_crosses_to_a_province_department(agency, onestop, officer, leader, other_agency):
    version = make_procedure(local_code="1.000001.000.00.00.H40", name="Cấp phiếu lý lịch tư pháp",
                             steps=INTERLINKED_STEPS)
    dossier = accepted_dossier(agency=agency, version=version, by=onestop, received_at=RECEIVED)
    province = province_department()
    so_officer = province_officer(province)
    commune_officer = make_official(other_agency, Role.OFFICER, username="cv_xa").user
    assert not selectors.visible_dossiers(so_officer).filter(pk=dossier.pk).exists()

    before = state()
    with pytest.raises(ValidationFailed) as exc:  # a liên thông step needs its agency
        processing.dossier_hand_over(actor=officer, dossier=dossier, at=local(2026, 3, 9, 10, 0))
    assert "liên thông" in exc.value.fields["to_agency"]
    with pytest.raises(ValidationFailed) as exc:  # a department of another agency
        processing.dossier_hand_over(actor=officer, dossier=dossier, to_agency=province,
                                     to_department=agency.departments.get(code="VP"), at=local(2026, 3, 9, 10, 0))
    assert exc.value.fields["to_department"] == "Phòng, ban không thuộc cơ quan nhận hồ sơ."
    assert state() == before

    step = processing.dossier_hand_over(actor=officer, dossier=dossier, to_agency=province.pk,
                                        to_department=province.departments.get(code="HCTP").pk,
                                        at=local(2026, 3, 9, 10, 0))
    assert (step.agency, step.department.code, step.due_at) == (province, "HCTP", local(2026, 3, 11, 10, 0))
    assert step.crossing is True
    # the province department's officer now sees and holds it; a commune officer still does not see it
    assert selectors.dossier_for(so_officer, dossier.pk) == dossier
    assert [s.dossier_id for s in selectors.office_queue(so_officer)] == [dossier.pk]
    with pytest.raises(NotFound):
        selectors.dossier_for(commune_officer, dossier.pk)
    # the receiving agency's officer no longer holds it
    with pytest.raises(PermissionDenied):
        processing.dossier_hand_over(actor=officer, dossier=dossier, at=local(2026, 3, 10, 10, 0))

    # the province department's counter (full view there) sees it through the crossing step
    so_counter = make_official(province, Role.ONESTOP, username="motcua_so").user
    assert list(selectors.visible_dossiers(so_counter)) == [dossier]
    back = processing.dossier_hand_over(actor=so_officer, dossier=dossier, at=local(2026, 3, 12, 9, 0))
    assert (back.agency, back.name, back.department, back.crossing) == (agency, "Lãnh đạo ký duyệt", None, False)
    assert list(selectors.visible_dossiers(so_counter)) == [dossier]  # the step stays in its history
    crossed = DossierStep.objects.get(pk=step.pk)
    assert crossed.timeliness == Timeliness.LATE  # due Wed 11/03 10:00, handed back Thu 09:00
    slip = selectors.control_slip(dossier)
    assert slip[2].receiver_unit == "Phòng Hành chính tư pháp — Sở Tư pháp tỉnh Quảng Nam"
    assert slip[3].giver_unit == "Phòng Hành chính tư pháp — Sở Tư pháp tỉnh Quảng Nam"
    assert slip[3].giver_person == "Phạm Chuyên Viên Sở"
    assert processing.dossier_record_result(actor=leader, dossier=dossier, note="Đã cấp phiếu",
                                            at=local(2026, 3, 12, 10, 0)).status == DossierStatus.PROCESSED


def test_pause_for_financial_obligations_moves_the_deadlines_by_the_working_time_paused(dossier, officer, onestop):
    pause = processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.FINANCIAL,
                                     reason="Chờ nộp lệ phí trước bạ", at=local(2026, 3, 10, 8, 0))
    dossier.refresh_from_db()
    assert (dossier.status, dossier.paused_at) == (DossierStatus.FINANCIAL, local(2026, 3, 10, 8, 0))
    before = state()
    with pytest.raises(ValidationFailed):  # already paused
        processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.STOPPED, reason="x",
                                 at=local(2026, 3, 10, 9, 0))
    with pytest.raises(ValidationFailed):  # a step cannot move while paused
        processing.dossier_hand_over(actor=officer, dossier=dossier, at=local(2026, 3, 10, 9, 0))
    assert state() == before

    processing.dossier_resume(actor=onestop, dossier=dossier, at=local(2026, 3, 11, 8, 0))  # one working day
    dossier.refresh_from_db()
    pause.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING and dossier.paused_at is None
    assert pause.ended_at == local(2026, 3, 11, 8, 0)
    assert dossier.due_at == local(2026, 3, 17, 8, 0)  # Mon 16/03 08:00 + 8 working hours
    assert dossier.original_due_at == local(2026, 3, 16, 8, 0)
    assert dossier.paused_seconds == 24 * 3600
    assert selectors.current_step(dossier).due_at == local(2026, 3, 13, 8, 0)
    assert list(dossier.events.values_list("kind", flat=True)) == ["accepted", "paused", "resumed"]
    with pytest.raises(ValidationFailed):  # not paused any more
        processing.dossier_resume(actor=onestop, dossier=dossier, at=local(2026, 3, 11, 9, 0))


def test_stop_processing_pauses_with_status_8_and_needs_a_reason(dossier, officer):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.STOPPED, reason="  ")
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do."}
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.SUPPLEMENT, reason="x")
    assert "kind" in exc.value.fields
    assert state() == before
    processing.dossier_pause(actor=officer, dossier=dossier, kind=PauseKind.STOPPED,
                             reason="Công dân đề nghị dừng", at=local(2026, 3, 9, 9, 0))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.STOPPED
    # resumed the same working day after 2 hours: the appointment moves by 2 working hours
    processing.dossier_resume(actor=officer, dossier=dossier, at=local(2026, 3, 9, 11, 0))
    dossier.refresh_from_db()
    assert dossier.due_at == local(2026, 3, 16, 10, 0)


def test_apology_at_least_one_working_day_before_the_deadline_once_only(dossier, officer, onestop, leader):
    # due Mon 16/03 08:00: the apology is possible until Fri 13/03 08:00
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_apology(actor=officer, dossier=dossier, reason="Chờ xác minh",
                                   new_due_at="20/03/2026", at=local(2026, 3, 13, 8, 1))
    assert exc.value.code == "apology_too_late"
    assert "trước 08:00 13/03/2026" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:  # not after the current appointment
        processing.dossier_apology(actor=officer, dossier=dossier, reason="Chờ xác minh",
                                   new_due_at="16/03/2026 08:00", at=local(2026, 3, 12, 10, 0))
    assert exc.value.fields["new_due_at"] == "Ngày hẹn trả mới phải sau hạn trả hiện tại (08:00 16/03/2026)."
    with pytest.raises(ValidationFailed) as exc:  # a Saturday
        processing.dossier_apology(actor=officer, dossier=dossier, reason="Chờ xác minh",
                                   new_due_at="21/03/2026", at=local(2026, 3, 12, 10, 0))
    assert exc.value.fields["new_due_at"] == "Chọn một ngày làm việc."
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_apology(actor=officer, dossier=dossier, reason="", new_due_at="20/03/2026",
                                   at=local(2026, 3, 12, 10, 0))
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do chậm trả kết quả."}
    assert state() == before

    apology = processing.dossier_apology(actor=officer, dossier=dossier, reason="Chờ xác minh nơi cư trú",
                                         new_due_at="20/03/2026", at=local(2026, 3, 13, 8, 0))
    assert apology.previous_due_at == local(2026, 3, 16, 8, 0)
    assert apology.new_due_at == local(2026, 3, 20, 17, 0)  # the close of the new day
    dossier.refresh_from_db()
    assert dossier.due_at == local(2026, 3, 16, 8, 0)  # the appointment stays (ADR 0021)
    assert Notification.objects.filter(official=onestop.official, kind="onestop.apology").count() == 1

    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_apology(actor=onestop, dossier=dossier, reason="Lần nữa", new_due_at="27/03/2026",
                                   at=local(2026, 3, 13, 8, 0))
    assert exc.value.code == "apology_once"
    assert "chỉ được hẹn lại một lần" in exc.value.message
    assert state() == before

    # done on the new date: still late against the appointment (DVCQG NgayHenTra)
    processing.dossier_record_result(actor=officer, dossier=dossier, note="Đã cấp", at=local(2026, 3, 19, 9, 0))
    dossier.refresh_from_db()
    assert dossier.timeliness == Timeliness.LATE
    assert Apology.objects.count() == 1


def test_withdrawal_by_the_counter_with_a_reason(dossier, officer, onestop):
    before = state()
    with pytest.raises(PermissionDenied):
        processing.dossier_withdraw(actor=officer, dossier=dossier, reason="Không cần nữa")
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_withdraw(actor=onestop, dossier=dossier, reason="")
    assert exc.value.fields == {"reason": "Vui lòng nhập lý do rút hồ sơ."}
    assert state() == before
    processing.dossier_pause(actor=onestop, dossier=dossier, kind=PauseKind.FINANCIAL, reason="Chờ nộp phí",
                             at=local(2026, 3, 10, 8, 0))
    processing.dossier_withdraw(actor=onestop, dossier=dossier, reason="Công dân không còn nhu cầu",
                                at=local(2026, 3, 10, 9, 0))
    dossier.refresh_from_db()
    assert (dossier.status, dossier.withdrawal_reason, dossier.finished_at) == (
        DossierStatus.WITHDRAWN, "Công dân không còn nhu cầu", local(2026, 3, 10, 9, 0))
    assert not DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True).exists()
    assert Pause.objects.get().ended_at == local(2026, 3, 10, 9, 0)
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_withdraw(actor=onestop, dossier=dossier, reason="Lần nữa")
    assert exc.value.code == "wrong_status"
    assert state() == before


def test_return_needs_a_result_a_method_and_who_received_it(dossier, officer, onestop):
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_return_result(actor=onestop, dossier=dossier, method="in_person", returned_to="An")
    assert exc.value.code == "wrong_status"
    processing.dossier_record_result(actor=officer, dossier=dossier, note="Đã cấp", at=local(2026, 3, 10, 9, 0))
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_return_result(actor=onestop, dossier=dossier, method="fax", returned_to="")
    assert set(exc.value.fields) == {"method", "returned_to"}
    with pytest.raises(PermissionDenied):
        processing.dossier_return_result(actor=officer, dossier=dossier, method="postal", returned_to="An")
    assert state() == before
    processing.dossier_return_result(actor=onestop, dossier=dossier, method=ReturnMethod.ELECTRONIC,
                                     returned_to="an@example.vn", at=local(2026, 3, 10, 10, 0))
    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_method) == (DossierStatus.RETURNED, "electronic")


def test_other_agencies_and_other_units_see_nothing_and_change_nothing(dossier, other_agency, agency, onestop):
    outsider = make_official(other_agency, Role.ONESTOP, username="motcua_xa").user
    vp_officer = make_official(agency, Role.OFFICER, username="cv_vp", department=agency.departments.get(code="VP")).user
    before = state()
    for user in (outsider, vp_officer):
        assert not selectors.visible_dossiers(user).filter(pk=dossier.pk).exists()
        for call in (
            lambda u: processing.dossier_hand_over(actor=u, dossier=dossier),
            lambda u: processing.dossier_pause(actor=u, dossier=dossier, kind="financial", reason="x"),
            lambda u: processing.dossier_resume(actor=u, dossier=dossier),
            lambda u: processing.dossier_withdraw(actor=u, dossier=dossier, reason="x"),
            lambda u: processing.dossier_apology(actor=u, dossier=dossier, reason="x", new_due_at="20/03/2026"),
            lambda u: processing.dossier_record_result(actor=u, dossier=dossier, note="x"),
            lambda u: processing.dossier_return_result(actor=u, dossier=dossier, method="postal", returned_to="x"),
        ):
            with pytest.raises(NotFound):
                call(user)
    # the counter sees the dossier but does not hold the office's step
    with pytest.raises(PermissionDenied):
        processing.dossier_hand_over(actor=onestop, dossier=dossier, at=local(2026, 3, 10, 9, 0))
    with pytest.raises(PermissionDenied):
        processing.dossier_record_result(actor=onestop, dossier=dossier, note="x", at=local(2026, 3, 10, 9, 0))
    assert state() == before


def test_handing_over_to_a_person_outside_the_receiving_unit_is_refused(dossier, officer, other_agency):
    outsider = make_official(other_agency, Role.LEADER, username="ld_xa")
    before = state()
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_hand_over(actor=officer, dossier=dossier, to_official=outsider.pk,
                                     at=local(2026, 3, 10, 9, 0))
    assert exc.value.fields == {"to_official": "Cán bộ nhận hồ sơ không thuộc đơn vị nhận."}
    with pytest.raises(ValidationFailed) as exc:
        processing.dossier_hand_over(actor=officer, dossier=dossier, to_official=999999,
                                     at=local(2026, 3, 10, 9, 0))
    assert exc.value.fields == {"to_official": "Không tìm thấy cán bộ nhận hồ sơ."}
    assert state() == before


def test_a_procedure_without_steps_is_finished_by_the_counter(agency, onestop, officer):
    version = make_procedure(local_code="2.000815.000.00.00.H40", name="Chứng thực bản sao", steps=())
    dossier = accepted_dossier(agency=agency, version=version, by=onestop, received_at=RECEIVED)
    assert selectors.current_step(dossier) is None
    assert selectors.allowed_actions(onestop, dossier).result is True
    with pytest.raises(NotFound):  # no step: the officer does not even see it
        processing.dossier_record_result(actor=officer, dossier=dossier, note="x")
    processing.dossier_record_result(actor=onestop, dossier=dossier, note="Đã chứng thực",
                                     at=local(2026, 3, 9, 9, 0))
    processing.dossier_return_result(actor=onestop, dossier=dossier, method="in_person", returned_to="An",
                                     at=local(2026, 3, 9, 9, 5))
    dossier.refresh_from_db()
    assert (dossier.status, dossier.timeliness) == (DossierStatus.RETURNED, Timeliness.EARLY)
    assert not dossier.steps.exists()
