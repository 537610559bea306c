"""Every transition of a draft, allowed and refused: who may act, in which state, and that a refusal
changes nothing."""

import pytest

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.drafting import services
from congvu.drafting.models import Draft, DraftEvent, DraftingPolicy, DraftStatus
from congvu.drafting.tests.conftest import draft_data, make_draft, pdf_file, state_snapshot, to_state
from congvu.notifications.models import Notification
from congvu.org.models import Position, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(officer, unit_head, chairman, clerk):
    return {"officer": officer, "unit_head": unit_head, "chairman": chairman, "clerk": clerk}


def _events(draft):
    return list(DraftEvent.objects.filter(draft=draft).values_list("action", "actor__user__username",
                                                                    "target__user__username", "comment"))


# --- create ------------------------------------------------------------------------------------

def test_officer_creates_a_draft_with_its_first_version(agency, officer, nv):
    draft = make_draft(officer, agency, urgency="urgent", recipient_agency_ids=[], due_date="")
    assert (draft.status, draft.author.user, draft.drafting_department, draft.version_count) == (
        DraftStatus.DRAFTING, officer, nv, 1)
    assert (draft.doc_type.code, draft.urgency, draft.recipient_names) == (
        "cong_van", "urgent", ["Sở Nội vụ tỉnh Quảng Nam"])
    v1 = draft.versions.get()
    assert (v1.number, v1.original_name, v1.author.user, v1.file.content_type) == (
        1, "du-thao.pdf", officer, "application/pdf")
    assert "Du thao cong van tra loi" in v1.file.text
    assert v1.metadata["subject"] == draft.subject and v1.metadata["drafting_department"] == "Phòng Nội vụ"
    assert _events(draft) == [("create", "chuyenvien", None, "")]
    assert JournalEntry.objects.filter(action="draft.create", object_id=str(draft.pk)).count() == 1


def test_create_needs_file_subject_type_unit_and_recipients(agency, officer):
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_create(actor=officer, agency=agency, data=services.DraftData(doc_type="khong_co"),
                              upload=None)
    assert exc.value.fields == {
        "doc_type": "Loại văn bản “khong_co” không có trong danh mục.", "subject": "Vui lòng nhập trích yếu.",
        "recipients": "Vui lòng nhập nơi nhận.", "file": "Vui lòng chọn tệp dự thảo.",
    }
    assert state_snapshot() == before


def test_create_refuses_a_file_that_is_not_a_document(agency, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        make_draft(officer, agency, upload=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"))
    assert exc.value.fields == {"file": "Nội dung tệp “virus.pdf” không phải PDF, DOCX, DOC, XLSX, JPEG, PNG, TIFF."}
    assert state_snapshot() == before


def test_an_author_without_a_unit_must_choose_one(agency, chairman):
    with pytest.raises(ValidationFailed) as exc:
        make_draft(chairman, agency)
    assert exc.value.fields == {"drafting_department_id": "Vui lòng chọn đơn vị soạn thảo."}
    vp = agency.departments.get(code="VP")
    assert make_draft(chairman, agency, drafting_department_id=vp.pk).drafting_department == vp


def test_unit_and_recipients_of_other_agencies_are_refused(agency, other_agency, officer):
    from congvu.org.models import Department

    foreign = Department.objects.create(agency=other_agency, name="Văn phòng", code="VP")
    with pytest.raises(ValidationFailed) as exc:
        make_draft(officer, agency, drafting_department_id=foreign.pk, recipient_agency_ids=[agency.pk])
    assert exc.value.fields == {"drafting_department_id": "Đơn vị soạn thảo không thuộc cơ quan.",
                                "recipient_agency_ids": "Không gửi văn bản cho chính cơ quan ban hành."}
    assert not Draft.objects.exists()


def test_onestop_staff_and_outsiders_cannot_draft(agency, onestop, other_clerk):
    before = state_snapshot()
    for user in (onestop, other_clerk):
        with pytest.raises(PermissionDenied) as exc:
            make_draft(user, agency)
        assert exc.value.message == "Bạn không có quyền soạn thảo văn bản của cơ quan này."
    assert state_snapshot() == before


def test_a_double_submitted_create_makes_one_draft(agency, officer):
    first = services.draft_create(actor=officer, agency=agency, data=draft_data(), upload=pdf_file(),
                                  request_token="tok-1")
    again = services.draft_create(actor=officer, agency=agency, data=draft_data(), upload=pdf_file(),
                                  request_token="tok-1")
    assert again.pk == first.pk and Draft.objects.count() == 1


def test_a_reply_goes_back_to_the_sender_by_default(agency, other_agency, clerk, officer, nv):
    incoming = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer=other_agency.name, receiving_department_id=nv.pk))
    reply = services.draft_create(actor=officer, agency=agency, upload=pdf_file(), reply_to_id=incoming.pk,
                                  data=draft_data(recipient_names=[]))
    assert (reply.reply_to, reply.recipient_agency_ids, reply.recipient_names) == (incoming, [other_agency.pk], [])

    paper = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        issuer="Công ty TNHH Phú Ninh", number="7", receiving_department_id=nv.pk))
    reply2 = services.draft_create(actor=officer, agency=agency, upload=pdf_file(), reply_to_id=paper.pk,
                                   data=draft_data(recipient_names=[]))
    assert (reply2.recipient_agency_ids, reply2.recipient_names) == ([], ["Công ty TNHH Phú Ninh"])


def test_a_reply_to_a_document_the_author_cannot_see_is_not_found(agency, other_agency, clerk, other_clerk,
                                                                   officer):
    not_addressed = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    foreign = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data(number="2"))
    before = state_snapshot()
    for doc in (not_addressed, foreign):
        with pytest.raises(NotFound) as exc:
            services.draft_create(actor=officer, agency=agency, data=draft_data(), upload=pdf_file(),
                                  reply_to_id=doc.pk)
        assert exc.value.message == "Không tìm thấy văn bản đến cần trả lời hoặc bạn không có quyền xem."
    assert state_snapshot() == before


# --- submit ------------------------------------------------------------------------------------

def test_submit_goes_to_the_unit_head_and_notifies_them(agency, officer, unit_head, chairman):
    draft = make_draft(officer, agency)
    draft = services.draft_submit_for_review(actor=officer, draft=draft, comment="Kính trình anh chị xem.")
    assert (draft.status, draft.reviewer.user) == (DraftStatus.IN_REVIEW, unit_head)
    assert _events(draft)[-1] == ("submit", "chuyenvien", "truongphong", "Kính trình anh chị xem.")
    note = Notification.objects.get(official=unit_head.official)
    assert (note.kind, note.title, note.url) == (
        "drafting.review", f"Dự thảo chờ ký nháy: {draft.subject}", f"/drafts/{draft.pk}/")


def test_submit_to_a_chosen_leader(agency, officer, unit_head, chairman):
    draft = services.draft_submit_for_review(actor=officer, draft=make_draft(officer, agency),
                                             reviewer_id=chairman.official.pk)
    assert draft.reviewer.user == chairman


def test_a_unit_head_by_position_initials_the_units_drafts(agency, nv, officer):
    # Trưởng phòng holds the officer role but a leader's position in the unit: org's unit-head rule.
    head = make_official(agency, Role.OFFICER, username="tp_vitri", department=nv, full_name="Đỗ Văn Hùng")
    head.memberships.update(position=Position.objects.get_or_create(name="Trưởng phòng",
                                                                    defaults={"is_leader": True})[0])
    draft = services.draft_submit_for_review(actor=officer, draft=make_draft(officer, agency))
    assert draft.reviewer == head


def test_submit_refusals(agency, officer, unit_head, chairman, clerk, other_agency):
    draft = make_draft(officer, agency)
    outsider_leader = make_official(other_agency, Role.LEADER, username="ld_xa")
    before = state_snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.draft_submit_for_review(actor=unit_head, draft=draft)
    assert exc.value.message == "Chỉ người soạn được trình dự thảo."
    with pytest.raises(ValidationFailed) as exc:
        services.draft_submit_for_review(actor=officer, draft=draft, reviewer_id=clerk.official.pk)
    assert exc.value.fields == {"reviewer_id": "Người ký nháy phải là lãnh đạo cơ quan hoặc lãnh đạo đơn vị soạn thảo."}
    with pytest.raises(ValidationFailed):
        services.draft_submit_for_review(actor=officer, draft=draft, reviewer_id=outsider_leader.pk)
    with pytest.raises(NotFound):
        services.draft_submit_for_review(actor=outsider_leader.user, draft=draft)
    assert state_snapshot() == before
    services.draft_submit_for_review(actor=officer, draft=draft)
    before = state_snapshot()
    with pytest.raises(Conflict) as exc:
        services.draft_submit_for_review(actor=officer, draft=draft)
    assert exc.value.message == "Dự thảo đã được trình (dự thảo đang ở trạng thái “Chờ ký nháy”)."
    assert state_snapshot() == before


def test_submit_without_a_unit_head_asks_to_choose(agency, officer, chairman):
    draft = make_draft(officer, agency)
    with pytest.raises(ValidationFailed) as exc:
        services.draft_submit_for_review(actor=officer, draft=draft)
    assert exc.value.fields == {"reviewer_id": "Phòng Nội vụ chưa có lãnh đạo; vui lòng chọn người ký nháy."}
    assert Draft.objects.get(pk=draft.pk).status == DraftStatus.DRAFTING


def test_no_one_initials_their_own_draft(agency, unit_head, chairman, nv):
    draft = make_draft(unit_head, agency)
    with pytest.raises(ValidationFailed) as exc:
        services.draft_submit_for_review(actor=unit_head, draft=draft, reviewer_id=unit_head.official.pk)
    assert exc.value.fields == {"reviewer_id": "Chọn lãnh đạo khác người soạn."}


# --- review (ký nháy) --------------------------------------------------------------------------

def test_reviewer_forwards_to_a_leader_for_approval(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "in_review", **people)
    draft = services.draft_review(actor=people["unit_head"], draft=draft, forward=True,
                                  approver_id=people["chairman"].official.pk, comment="Đã xem, trình ký.")
    assert (draft.status, draft.approver.user) == (DraftStatus.REVIEWED, people["chairman"])
    assert _events(draft)[-1] == ("forward", "truongphong", "chutich", "Đã xem, trình ký.")
    assert Notification.objects.get(official=people["chairman"].official).kind == "drafting.approve"


def test_reviewer_returns_with_a_required_comment(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "in_review", **people)
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_review(actor=people["unit_head"], draft=draft, forward=False, comment="  ")
    assert exc.value.fields == {"comment": "Vui lòng ghi ý kiến khi trả lại dự thảo."}
    assert state_snapshot() == before
    draft = services.draft_review(actor=people["unit_head"], draft=draft, forward=False,
                                  comment="Bổ sung số liệu quý I.")
    assert draft.status == DraftStatus.RETURNED
    assert _events(draft)[-1] == ("review_return", "truongphong", "chuyenvien", "Bổ sung số liệu quý I.")
    note = Notification.objects.get(official=people["officer"].official)
    assert (note.kind, note.body) == ("drafting.returned", "Trần Thị Bích: Bổ sung số liệu quý I.")


def test_review_refusals(agency, people, leader):
    draft = to_state(make_draft(people["officer"], agency), "in_review", **people)
    before = state_snapshot()
    for user in (people["chairman"], people["officer"], people["clerk"]):
        with pytest.raises((PermissionDenied, NotFound)):
            services.draft_review(actor=user, draft=draft, forward=True, approver_id=people["chairman"].official.pk)
    with pytest.raises(ValidationFailed) as exc:
        services.draft_review(actor=people["unit_head"], draft=draft, forward=True)
    assert exc.value.fields == {"approver_id": "Vui lòng chọn lãnh đạo ký duyệt."}
    with pytest.raises(ValidationFailed):
        services.draft_review(actor=people["unit_head"], draft=draft, forward=True,
                              approver_id=people["officer"].official.pk)
    assert state_snapshot() == before


# --- approve (ký duyệt) and return -------------------------------------------------------------

def test_leader_approves_and_author_and_clerks_are_told(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "reviewed", **people)
    draft = services.draft_approve(actor=people["chairman"], draft=draft)
    assert draft.status == DraftStatus.APPROVED and draft.approved_at is not None
    # The draft named no signer: the approving leader signs.
    assert (draft.signer, draft.signer_title) == ("Nguyễn Văn An", "CHUYÊN VIÊN")
    assert set(Notification.objects.filter(kind__in=["drafting.approved", "drafting.to_issue"])
               .values_list("official__user__username", "kind")) == {
        ("chuyenvien", "drafting.approved"), ("vanthu", "drafting.to_issue")}


def test_only_the_chosen_leader_approves_or_returns(agency, people, leader):
    draft = to_state(make_draft(people["officer"], agency), "reviewed", **people)
    before = state_snapshot()
    for user in (leader, people["unit_head"], people["officer"]):
        with pytest.raises((PermissionDenied, NotFound)):
            services.draft_approve(actor=user, draft=draft)
        with pytest.raises((PermissionDenied, NotFound)):
            services.draft_return(actor=user, draft=draft, reason="Không đồng ý")
    assert state_snapshot() == before


def test_approval_return_needs_a_reason(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "reviewed", **people)
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_return(actor=people["chairman"], draft=draft, reason="")
    assert exc.value.fields == {"reason": "Vui lòng ghi lý do trả lại dự thảo."}
    assert state_snapshot() == before
    draft = services.draft_return(actor=people["chairman"], draft=draft, reason="Chưa đúng thẩm quyền ký.")
    assert draft.status == DraftStatus.RETURNED
    assert _events(draft)[-1] == ("approve_return", "chutich", "chuyenvien", "Chưa đúng thẩm quyền ký.")


def test_approving_ones_own_draft_is_refused_by_default(agency, chairman, unit_head):
    vp = agency.departments.get(code="VP")
    draft = make_draft(chairman, agency, drafting_department_id=vp.pk)
    draft = services.draft_submit_for_review(actor=chairman, draft=draft, reviewer_id=unit_head.official.pk)
    draft = services.draft_review(actor=unit_head, draft=draft, forward=True, approver_id=chairman.official.pk)
    before = state_snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.draft_approve(actor=chairman, draft=draft)
    assert (exc.value.code, exc.value.message) == (
        "self_approval_forbidden", "Cơ quan không cho phép tự ký duyệt dự thảo do mình soạn.")
    assert state_snapshot() == before
    assert not DraftingPolicy.objects.exists()


def test_an_agency_may_allow_self_approval(agency, chairman, unit_head, agency_admin):
    services.drafting_policy_set(actor=agency_admin, agency=agency, allow_self_approval=True)
    vp = agency.departments.get(code="VP")
    draft = make_draft(chairman, agency, drafting_department_id=vp.pk)
    draft = services.draft_submit_for_review(actor=chairman, draft=draft, reviewer_id=unit_head.official.pk)
    draft = services.draft_review(actor=unit_head, draft=draft, forward=True, approver_id=chairman.official.pk)
    assert services.draft_approve(actor=chairman, draft=draft).status == DraftStatus.APPROVED


def test_only_the_agency_admin_sets_the_policy(agency, chairman, agency_admin):
    with pytest.raises(PermissionDenied):
        services.drafting_policy_set(actor=chairman, agency=agency, allow_self_approval=True)
    assert not DraftingPolicy.objects.exists()
    services.drafting_policy_set(actor=agency_admin, agency=agency, allow_self_approval=True)
    services.drafting_policy_set(actor=agency_admin, agency=agency, allow_self_approval=True)
    assert JournalEntry.objects.filter(action="drafting.policy").count() == 1


# --- format check ------------------------------------------------------------------------------

def test_clerk_checks_the_format(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "approved", **people)
    draft = services.draft_check_format(actor=people["clerk"], draft=draft, ok=True)
    assert draft.format_checked_by.user == people["clerk"] and draft.format_checked_at is not None
    checked_at = draft.format_checked_at
    again = services.draft_check_format(actor=people["clerk"], draft=draft, ok=True)
    assert again.format_checked_at == checked_at
    assert DraftEvent.objects.filter(draft=draft, action="format_ok").count() == 1


def test_clerk_returns_a_format_error_to_the_author(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "approved", **people)
    with pytest.raises(ValidationFailed) as exc:
        services.draft_check_format(actor=people["clerk"], draft=draft, ok=False)
    assert exc.value.fields == {"comment": "Vui lòng ghi lỗi thể thức cần sửa."}
    draft = services.draft_check_format(actor=people["clerk"], draft=draft, ok=False,
                                        comment="Sai phông chữ phần nơi nhận.")
    assert (draft.status, draft.approved_at) == (DraftStatus.RETURNED, None)
    # Back with the author: a new version goes through review and approval again.
    services.draft_revise(actor=people["officer"], draft=draft, data=services.draft_data_of(draft),
                          upload=pdf_file("Ban sua the thuc"), note="Sửa phông chữ")
    draft = to_state(Draft.objects.get(pk=draft.pk), "approved", **people)
    assert draft.status == DraftStatus.APPROVED and draft.version_count == 2


def test_only_clerks_check_format_and_only_approved_drafts(agency, people, leader):
    draft = to_state(make_draft(people["officer"], agency), "reviewed", **people)
    before = state_snapshot()
    with pytest.raises(NotFound):  # not approved yet: the clerk does not see it
        services.draft_check_format(actor=people["clerk"], draft=draft, ok=True)
    draft = services.draft_approve(actor=people["chairman"], draft=draft)
    before = state_snapshot()
    for user in (leader, people["chairman"], people["officer"]):
        with pytest.raises((PermissionDenied, NotFound)):
            services.draft_check_format(actor=user, draft=draft, ok=True)
    assert state_snapshot() == before


# --- whole path, and acting on another agency's draft ------------------------------------------

def test_the_whole_way_is_on_the_timeline(agency, people):
    draft = to_state(make_draft(people["officer"], agency), "issued", **people)
    assert [e[0] for e in _events(draft)] == ["create", "submit", "forward", "approve", "format_ok", "issue"]
    assert list(JournalEntry.objects.filter(object_type="drafting.draft", object_id=str(draft.pk))
                .order_by("seq").values_list("action", flat=True)) == [
        "draft.create", "draft.submit", "draft.review_forward", "draft.approve", "draft.format_ok", "draft.issue"]


def test_another_agencys_people_find_nothing(agency, other_agency, people, other_clerk):
    other_leader = make_official(other_agency, Role.LEADER, username="ld_khac").user
    draft = to_state(make_draft(people["officer"], agency), "approved", **people)
    before = state_snapshot()
    calls = [
        lambda u: services.draft_check_format(actor=u, draft=draft, ok=True),
        lambda u: services.draft_issue(actor=u, draft=draft),
        lambda u: services.draft_approve(actor=u, draft=draft),
        lambda u: services.draft_return(actor=u, draft=draft, reason="x"),
        lambda u: services.draft_review(actor=u, draft=draft, forward=False, comment="x"),
        lambda u: services.draft_submit_for_review(actor=u, draft=draft),
        lambda u: services.draft_revise(actor=u, draft=draft, data=draft_data(), upload=pdf_file("khac")),
    ]
    for user in (other_clerk, other_leader):
        for call in calls:
            with pytest.raises(NotFound):
                call(user)
    assert state_snapshot() == before
