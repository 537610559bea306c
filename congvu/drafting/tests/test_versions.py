"""Every version of a draft is kept, and any two can be compared: metadata and the text of their files."""

import pytest

from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.drafting import services
from congvu.drafting.models import DraftVersion
from congvu.drafting.selectors import compare_versions
from congvu.drafting.tests.conftest import docx_file, make_draft, pdf_file, state_snapshot, to_state

pytestmark = pytest.mark.django_db

V1 = ["CÔNG VĂN", "Về việc báo cáo cải cách hành chính quý I", "Kính gửi: Sở Nội vụ tỉnh Quảng Nam",
      "Thực hiện Kế hoạch số 12/KH-UBND, UBND huyện báo cáo như sau:", "1. Kết quả đạt được",
      "2. Tồn tại, hạn chế", "Nơi nhận: như trên; Lưu: VT, NV."]


def _v2():
    lines = list(V1)
    lines[4] = "1. Kết quả đạt được trong quý I năm 2026"
    lines.insert(6, "3. Đề xuất, kiến nghị")
    del lines[2]
    return lines


def test_revisions_are_kept_and_compared(agency, officer):
    draft = make_draft(officer, agency, upload=docx_file(V1, "bao-cao-v1.docx"))
    data = services.draft_data_of(draft)
    data.subject = "V/v báo cáo kết quả cải cách hành chính quý I năm 2026"
    data.urgency = "urgent"
    data.recipient_names = ["Sở Nội vụ tỉnh Quảng Nam", "Văn phòng UBND tỉnh"]
    v2 = services.draft_revise(actor=officer, draft=draft, data=data, upload=docx_file(_v2(), "bao-cao-v2.docx"),
                               note="Bổ sung kiến nghị")
    assert (v2.number, v2.original_name, v2.note) == (2, "bao-cao-v2.docx", "Bổ sung kiến nghị")
    assert list(DraftVersion.objects.filter(draft=draft).values_list("number", "original_name")) == [
        (1, "bao-cao-v1.docx"), (2, "bao-cao-v2.docx")]
    assert draft.versions.get(number=1).metadata["subject"] == "V/v báo cáo tình hình thực hiện cải cách hành chính quý I"

    cmp = compare_versions(user=officer, draft=draft, old=1, new=2)
    assert cmp.metadata == [
        ("Trích yếu", "V/v báo cáo tình hình thực hiện cải cách hành chính quý I",
         "V/v báo cáo kết quả cải cách hành chính quý I năm 2026"),
        ("Độ khẩn", "Thường", "Khẩn"),
        ("Nơi nhận khác", "Sở Nội vụ tỉnh Quảng Nam", "Sở Nội vụ tỉnh Quảng Nam; Văn phòng UBND tỉnh"),
    ]
    assert (cmp.added, cmp.removed, cmp.same_file) == (2, 2, False)
    changed = [(line.kind, line.text) for line in cmp.lines if line.kind != "same"]
    assert changed == [
        ("removed", "Kính gửi: Sở Nội vụ tỉnh Quảng Nam"),
        ("removed", "1. Kết quả đạt được"),
        ("added", "1. Kết quả đạt được trong quý I năm 2026"),
        ("added", "3. Đề xuất, kiến nghị"),
    ]
    # The other way round reads the other way round.
    back = compare_versions(user=officer, draft=draft, old=2, new=1)
    assert [(line.kind, line.text) for line in back.lines if line.kind == "added"] == [
        ("added", "Kính gửi: Sở Nội vụ tỉnh Quảng Nam"), ("added", "1. Kết quả đạt được")]


def test_a_metadata_only_revision_keeps_the_file(agency, officer):
    draft = make_draft(officer, agency)
    data = services.draft_data_of(draft)
    data.due_date = "31/12/2099"
    v2 = services.draft_revise(actor=officer, draft=draft, data=data)
    assert v2.file_id == draft.versions.get(number=1).file_id
    cmp = compare_versions(user=officer, draft=draft, old=1, new=2)
    assert (cmp.metadata, cmp.same_file, cmp.lines) == ([("Hạn trả lời", "(trống)", "31/12/2099")], True, [])


def test_a_revision_that_changes_nothing_is_refused(agency, officer):
    draft = make_draft(officer, agency)
    before = state_snapshot()
    with pytest.raises(ValidationFailed) as exc:
        services.draft_revise(actor=officer, draft=draft, data=services.draft_data_of(draft),
                              upload=pdf_file())
    assert exc.value.message == "Không có gì thay đổi so với phiên bản trước."
    assert state_snapshot() == before


def test_only_the_author_revises_and_only_while_it_is_theirs(agency, officer, unit_head, chairman, clerk):
    draft = make_draft(officer, agency)
    services.draft_submit_for_review(actor=officer, draft=draft)
    data = services.draft_data_of(draft)
    data.subject = "Khác"
    before = state_snapshot()
    with pytest.raises(Conflict) as exc:
        services.draft_revise(actor=officer, draft=draft, data=data)
    assert exc.value.message == ("Chỉ cập nhật được dự thảo đang soạn hoặc bị trả lại "
                                 "(dự thảo đang ở trạng thái “Chờ ký nháy”).")
    with pytest.raises(PermissionDenied):
        services.draft_revise(actor=unit_head, draft=draft, data=data)
    assert state_snapshot() == before


def test_comparing_needs_sight_of_the_draft_and_existing_versions(agency, officer, leader, other_clerk):
    draft = make_draft(officer, agency)
    for user in (leader, other_clerk):  # an agency leader outside the unit, another agency's clerk
        with pytest.raises(NotFound):
            compare_versions(user=user, draft=draft, old=1, new=1)
        with pytest.raises(NotFound):
            services.version_file(actor=user, draft=draft, number=1)
    with pytest.raises(NotFound) as exc:
        compare_versions(user=officer, draft=draft, old=1, new=7)
    assert exc.value.message == "Không tìm thấy phiên bản 7 của dự thảo."


def test_who_sees_a_draft(agency, officer, unit_head, chairman, clerk, leader, other_clerk):
    from congvu.drafting.selectors import visible_drafts

    draft = make_draft(officer, agency)

    def seen():
        return {u.username for u in (officer, unit_head, chairman, clerk, leader, other_clerk)
                if visible_drafts(u).filter(pk=draft.pk).exists()}

    # The author, and the head of the drafting unit (a leader of that unit).
    assert seen() == {"chuyenvien", "truongphong"}
    to_state(draft, "reviewed", officer=officer, unit_head=unit_head, chairman=chairman, clerk=clerk)
    assert seen() == {"chuyenvien", "truongphong", "chutich"}
    services.draft_approve(actor=chairman, draft=draft)
    assert seen() == {"chuyenvien", "truongphong", "chutich", "vanthu"}
