import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data
from congvu.org.models import Department, Role
from congvu.schedule import selectors
from congvu.schedule.models import EntryStatus, ScheduleEntry
from congvu.schedule.services import (
    ScheduleEntryData,
    schedule_entry_cancel,
    schedule_entry_create,
    schedule_entry_from_document,
    schedule_entry_publish,
    schedule_entry_update,
    schedule_week_publish,
)
from congvu.schedule.tests.conftest import at

pytestmark = pytest.mark.django_db


def _snapshot():
    return {
        "entries": list(ScheduleEntry.objects.order_by("pk").values_list("pk", "title", "status", "start", "place")),
        "journal": JournalEntry.objects.count(),
    }


# --- creating ----------------------------------------------------------------------------------

def test_leader_creates_a_draft_with_chair_attendees_and_documents(agency, leader, clerk, officer):
    nv = agency.departments.get(code="NV")
    vp = agency.departments.get(code="VP")
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    data = ScheduleEntryData(
        start=at(2026, 11, 23, 8, 0), end=at(2026, 11, 23, 11, 0), title="  Họp  giao ban\u200b tuần ",
        place="Phòng họp số 1", chair_id=leader.official.pk, attendee_official_ids=[officer.official.pk],
        attendee_department_ids=[nv.pk], attendees_text="Đại diện Công an huyện", preparing_department_id=vp.pk,
        document_ids=[doc.pk])
    entry = schedule_entry_create(actor=leader, agency=agency, data=data)
    entry.refresh_from_db()
    assert (entry.title, entry.place, entry.status, entry.published_at) == (
        "Họp giao ban tuần", "Phòng họp số 1", "draft", None)
    assert timezone.localtime(entry.start).strftime("%d/%m/%Y %H:%M") == "23/11/2026 08:00"
    assert entry.chair == leader.official and entry.chair_name == leader.official.full_name
    assert list(entry.attendee_officials.all()) == [officer.official]
    assert list(entry.attendee_departments.all()) == [nv]
    assert entry.preparing_name == "Văn phòng HĐND và UBND"
    assert list(entry.documents.all()) == [doc]
    row = JournalEntry.objects.get(action="schedule.create")
    assert (row.object_type, row.object_id, row.agency_id_ref, row.actor_id) == (
        "schedule.scheduleentry", str(entry.pk), agency.pk, leader.pk)
    assert row.after["title"] == "Họp giao ban tuần" and row.after["document_ids"] == [doc.pk]


def test_clerk_may_publish_at_once(agency, clerk):
    entry = schedule_entry_create(actor=clerk, agency=agency, publish=True,
                                  data=ScheduleEntryData(start=at(2026, 11, 24, 14), title="Tiếp công dân định kỳ"))
    assert entry.status == EntryStatus.PUBLISHED and entry.published_at is not None


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ONESTOP])
def test_officers_and_onestop_staff_cannot_create(agency, role):
    user = make_official(agency, role).user
    before = _snapshot()
    with pytest.raises(PermissionDenied) as err:
        schedule_entry_create(actor=user, agency=agency, data=ScheduleEntryData(start=at(2026, 11, 23), title="X"))
    assert err.value.message == "Chỉ lãnh đạo, văn thư và quản trị cơ quan được lập lịch công tác."
    assert _snapshot() == before


def test_leader_of_another_agency_cannot_create_here(agency, other_agency):
    outsider = make_official(other_agency, Role.LEADER).user
    with pytest.raises(PermissionDenied):
        schedule_entry_create(actor=outsider, agency=agency, data=ScheduleEntryData(start=at(2026, 11, 23), title="X"))
    assert ScheduleEntry.objects.count() == 0


def test_every_wrong_field_is_reported_and_nothing_is_written(agency, other_agency, leader, officer, other_clerk):
    foreign_official = make_official(other_agency, Role.OFFICER)
    foreign_dept = Department.objects.create(agency=other_agency, name="Phòng Văn hóa xã", code="VH")
    foreign_doc = incoming_register(actor=other_clerk, agency=other_agency, data=incoming_data())
    before = _snapshot()
    data = ScheduleEntryData(start=at(2026, 11, 23, 10), end=at(2026, 11, 23, 9), title="",
                             chair_id=officer.official.pk, attendee_official_ids=[foreign_official.pk],
                             attendee_department_ids=[foreign_dept.pk], preparing_department_id=foreign_dept.pk,
                             document_ids=[foreign_doc.pk], place="x" * 301)
    with pytest.raises(ValidationFailed) as err:
        schedule_entry_create(actor=leader, agency=agency, data=data)
    assert err.value.message == "Thông tin lịch công tác chưa hợp lệ."
    assert err.value.fields == {
        "end": "Thời gian kết thúc không được trước thời gian bắt đầu.",
        "title": "Vui lòng nhập nội dung công việc.",
        "place": "Địa điểm dài quá 300 ký tự.",
        "chair_id": "Người chủ trì phải là lãnh đạo đang công tác tại cơ quan.",
        "attendee_official_ids": "Có người dự không thuộc cơ quan.",
        "attendee_department_ids": "Có đơn vị dự không thuộc cơ quan.",
        "preparing_department_id": "Đơn vị chuẩn bị không thuộc cơ quan.",
        "document_ids": "Có văn bản không tồn tại hoặc bạn không có quyền xem.",
    }
    assert _snapshot() == before


def test_missing_or_garbled_start_is_refused(agency, leader):
    with pytest.raises(ValidationFailed) as err:
        schedule_entry_create(actor=leader, agency=agency, data=ScheduleEntryData(title="Họp"))
    assert err.value.fields == {"start": "Vui lòng nhập thời gian."}
    with pytest.raises(ValidationFailed) as err:
        schedule_entry_create(actor=leader, agency=agency, data=ScheduleEntryData(start="thứ hai", title="Họp"))
    assert err.value.fields == {"start": "Thời gian “thứ hai” không hợp lệ; dùng dạng 2026-11-23T08:00."}
    assert ScheduleEntry.objects.count() == 0


def test_naive_and_iso_moments_are_vietnamese_local_time(agency, leader):
    entry = schedule_entry_create(actor=leader, agency=agency,
                                  data=ScheduleEntryData(start="2026-11-23T07:30", title="Chào cờ đầu tuần"))
    assert entry.start == dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)


# --- visibility --------------------------------------------------------------------------------

def test_drafts_are_seen_by_keepers_only_and_other_agencies_see_nothing(agency, make_entry, clerk, leader, officer,
                                                                        agency_admin, onestop, other_clerk):
    draft = make_entry(title="Dự kiến")
    published = make_entry(title="Công bố", publish=True)
    called_off = make_entry(title="Công bố rồi hủy", publish=True)
    schedule_entry_cancel(actor=leader, entry=called_off, reason="Lãnh đạo đi công tác tỉnh")
    never_announced = make_entry(title="Dự kiến rồi hủy")
    schedule_entry_cancel(actor=leader, entry=never_announced, reason="Trùng lịch")

    def seen(user):
        return set(selectors.visible_entries(user).values_list("title", flat=True))

    everything = {"Dự kiến", "Công bố", "Công bố rồi hủy", "Dự kiến rồi hủy"}
    assert seen(clerk) == seen(leader) == seen(agency_admin) == everything
    assert seen(officer) == seen(onestop) == {"Công bố", "Công bố rồi hủy"}
    assert seen(other_clerk) == set()
    with pytest.raises(NotFound):
        selectors.entry_get(user=officer, pk=draft.pk)
    with pytest.raises(NotFound):
        selectors.entry_get(user=other_clerk, pk=published.pk)
    assert selectors.entry_get(user=officer, pk=published.pk) == published


def test_linked_documents_are_listed_only_when_the_viewer_may_open_them(agency, make_entry, clerk, officer):
    nv = agency.departments.get(code="NV")
    theirs = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1", receiving_department_id=nv.pk))
    not_theirs = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"))
    entry = make_entry(publish=True, document_ids=[theirs.pk, not_theirs.pk])
    assert selectors.entry_documents(user=clerk, entry=entry) == [theirs, not_theirs]
    assert selectors.entry_documents(user=officer, entry=entry) == [theirs]


# --- weeks -------------------------------------------------------------------------------------

def test_week_runs_monday_to_sunday_split_at_noon(agency, make_entry, leader):
    make_entry(title="Trước tuần", start=at(2026, 11, 22, 23, 59))  # Sunday of week 47
    make_entry(title="Chào cờ", start=at(2026, 11, 23, 7, 0))
    make_entry(title="Giao ban", start=at(2026, 11, 23, 8, 30))
    make_entry(title="Buổi trưa", start=at(2026, 11, 23, 12, 0))
    make_entry(title="Tối thứ Hai", start=at(2026, 11, 23, 19, 30))
    make_entry(title="Cuối tuần", start=at(2026, 11, 29, 23, 59))
    make_entry(title="Tuần sau", start=at(2026, 11, 30, 0, 0))
    week = selectors.schedule_week(user=leader, agency_id=agency.pk, week="2026-W48")
    assert (week.week, week.monday, week.sunday, week.previous, week.next, week.number) == (
        "2026-W48", dt.date(2026, 11, 23), dt.date(2026, 11, 29), "2026-W47", "2026-W49", 48)
    assert [d.name for d in week.days] == ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy",
                                           "Chủ nhật"]
    monday = week.days[0]
    assert [e.title for e in monday.morning] == ["Chào cờ", "Giao ban"]
    assert [e.title for e in monday.afternoon] == ["Buổi trưa", "Tối thứ Hai"]
    assert [(p, [e.title for e in rows]) for p, rows in week.days[6].parts] == [("Chiều", ["Cuối tuần"])]
    assert [d.count for d in week.days] == [4, 0, 0, 0, 0, 0, 1]
    assert week.drafts == 5


def test_printed_week_leaves_drafts_out(agency, make_entry, leader):
    make_entry(title="Dự kiến")
    make_entry(title="Công bố", publish=True)
    week = selectors.schedule_week(user=leader, agency_id=agency.pk, week="2026-W48", include_drafts=False)
    assert [e.title for e in week.entries] == ["Công bố"] and week.drafts == 0


@pytest.mark.parametrize("text, monday", [
    ("2026-W01", dt.date(2025, 12, 29)), ("2026W53", dt.date(2026, 12, 28)), ("2026-w8", dt.date(2026, 2, 16)),
])
def test_iso_weeks_across_years(text, monday):
    assert selectors.week_monday(text) == monday


def test_first_week_of_a_year_links_to_the_last_of_the_previous(agency, leader):
    week = selectors.schedule_week(user=leader, agency_id=agency.pk, week="2026-W01")
    assert (week.previous, week.next) == ("2025-W52", "2026-W02")


@pytest.mark.parametrize("text", ["2025-W53", "2026-W00", "2026-48", "tuần 48", "2026-W99"])
def test_impossible_weeks_are_refused(text):
    with pytest.raises(ValidationFailed) as err:
        selectors.week_monday(text)
    assert err.value.fields == {"week": "Tuần không hợp lệ; ví dụ 2026-W48."}


# --- correcting, publishing, cancelling ---------------------------------------------------------

def test_update_journals_only_what_changed(agency, make_entry, clerk):
    entry = make_entry(place="Hội trường")
    data = ScheduleEntryData(start=at(2026, 11, 23, 9, 0), title="Giao ban lãnh đạo UBND", place="Phòng họp 2")
    schedule_entry_update(actor=clerk, entry=entry, data=data)
    entry.refresh_from_db()
    assert entry.place == "Phòng họp 2"
    row = JournalEntry.objects.get(action="schedule.update")
    assert row.before == {"start": "2026-11-23T08:00:00+07:00", "place": "Hội trường"}
    assert row.after == {"start": "2026-11-23T09:00:00+07:00", "place": "Phòng họp 2"}


def test_publish_then_publish_again_is_a_conflict(make_entry, clerk):
    entry = make_entry()
    schedule_entry_publish(actor=clerk, entry=entry)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    journal = JournalEntry.objects.count()
    with pytest.raises(Conflict) as err:
        schedule_entry_publish(actor=clerk, entry=entry)
    assert err.value.message == "Lịch đang ở trạng thái “Đã công bố”, không công bố được."
    assert JournalEntry.objects.count() == journal


def test_cancel_needs_a_reason_and_a_cancelled_entry_is_frozen(make_entry, leader, officer):
    entry = make_entry(publish=True)
    with pytest.raises(ValidationFailed) as err:
        schedule_entry_cancel(actor=leader, entry=entry, reason="   ")
    assert err.value.fields == {"reason": "Vui lòng nhập lý do hủy."}
    with pytest.raises(PermissionDenied):
        schedule_entry_cancel(actor=officer, entry=entry, reason="Không dự được")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    schedule_entry_cancel(actor=leader, entry=entry, reason="Hoãn sang tuần sau")
    entry.refresh_from_db()
    assert (entry.status, entry.cancel_reason) == ("cancelled", "Hoãn sang tuần sau")
    before = _snapshot()
    with pytest.raises(Conflict):
        schedule_entry_update(actor=leader, entry=entry, data=ScheduleEntryData(start=at(2026, 11, 24), title="Mới"))
    with pytest.raises(Conflict):
        schedule_entry_cancel(actor=leader, entry=entry, reason="Lần nữa")
    assert _snapshot() == before


def test_publishing_a_week_publishes_its_drafts_only(agency, other_agency, make_entry, clerk):
    first = make_entry(title="A", start=at(2026, 11, 23, 8))
    second = make_entry(title="B", start=at(2026, 11, 29, 15))
    make_entry(title="C", start=at(2026, 11, 24, 8), publish=True)
    make_entry(title="D", start=at(2026, 11, 30, 8))
    make_entry(title="E", actor=make_official(other_agency, Role.LEADER).user, target=other_agency)
    assert schedule_week_publish(actor=clerk, agency=agency, week="2026-W48") == 2
    status = dict(ScheduleEntry.objects.values_list("title", "status"))
    assert status == {"A": "published", "B": "published", "C": "published", "D": "draft", "E": "draft"}
    row = JournalEntry.objects.get(action="schedule.publish_week")
    assert (row.object_id, row.after) == ("2026-W48", {"entry_ids": [first.pk, second.pk]})
    assert schedule_week_publish(actor=clerk, agency=agency, week="2026-W48") == 0
    assert JournalEntry.objects.filter(action="schedule.publish_week").count() == 1


# --- from an invitation ------------------------------------------------------------------------

def test_invitation_becomes_an_entry_with_its_subject_and_link(agency, invitation, clerk):
    entry = schedule_entry_from_document(actor=clerk, document=invitation, start=at(2026, 11, 25, 8),
                                         place="Hội trường Sở Nội vụ")
    entry.refresh_from_db()
    assert entry.title == "Mời dự Hội nghị triển khai công tác cải cách hành chính năm 2027"
    assert entry.place == "Hội trường Sở Nội vụ" and entry.agency == agency
    assert entry.source_document == invitation and list(entry.documents.all()) == [invitation]
    issued = invitation.issued_date.strftime("%d/%m/%Y")
    assert entry.content == f"Giấy mời số 45/GM-SNV của Sở Nội vụ tỉnh Quảng Nam ngày {issued}."
    assert entry.status == EntryStatus.DRAFT


def test_only_an_incoming_invitation_makes_an_entry(agency, clerk):
    decision = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    with pytest.raises(ValidationFailed) as err:
        schedule_entry_from_document(actor=clerk, document=decision, start=at(2026, 11, 25, 8))
    assert err.value.message == "Chỉ giấy mời đã vào sổ văn bản đến mới tạo được lịch công tác."
    assert ScheduleEntry.objects.count() == 0


def test_invitation_of_another_agency_is_not_found(invitation, other_agency):
    outsider = make_official(other_agency, Role.CLERK).user
    with pytest.raises(NotFound):
        schedule_entry_from_document(actor=outsider, document=invitation, start=at(2026, 11, 25, 8))
    assert ScheduleEntry.objects.count() == 0


def test_officer_who_sees_an_invitation_still_cannot_schedule_it(agency, clerk, officer):
    nv = agency.departments.get(code="NV")
    addressed = incoming_register(actor=clerk, agency=agency, data=incoming_data(
        doc_type="giay_moi", receiving_department_id=nv.pk))
    with pytest.raises(PermissionDenied):
        schedule_entry_from_document(actor=officer, document=addressed, start=at(2026, 11, 25, 8))
    assert ScheduleEntry.objects.count() == 0
