import pytest

from conftest import make_official
from congvu.api.tests.conftest import ApiClient
from congvu.audit.models import JournalEntry
from congvu.org.models import Role
from congvu.schedule.models import ScheduleEntry
from congvu.schedule.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_week_endpoint_returns_days_split_by_part(agency, make_entry, officer, leader):
    make_entry(title="Chào cờ", publish=True, start=at(2026, 11, 23, 7, 0), chair_id=leader.official.pk)
    make_entry(title="Họp dự kiến")
    make_entry(title="Tiếp dân", publish=True, start=at(2026, 11, 27, 14, 0), place="Trụ sở tiếp công dân")
    response = ApiClient(officer).get("/schedule/weeks/2026-W48")
    assert response.status_code == 200
    body = response.json()
    assert (body["week"], body["monday"], body["sunday"], body["previous"], body["next"], body["drafts"]) == (
        "2026-W48", "2026-11-23", "2026-11-29", "2026-W47", "2026-W49", 0)
    assert body["agency"] == {"id": agency.pk, "name": agency.name}
    days = {d["date"]: d for d in body["days"]}
    assert len(days) == 7
    monday = days["2026-11-23"]
    assert monday["name"] == "Thứ Hai" and monday["afternoon"] == []
    first = monday["morning"][0]
    assert (first["title"], first["part"], first["start"], first["status"]) == (
        "Chào cờ", "morning", "2026-11-23T07:00:00+07:00", "published")
    assert first["chair"] == {"id": leader.official.pk, "name": leader.official.full_name}
    assert [e["title"] for e in days["2026-11-27"]["afternoon"]] == ["Tiếp dân"]


def test_bad_week_is_a_400_with_the_field(officer):
    response = ApiClient(officer).get("/schedule/weeks/2026-W60")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_failed",
                               "message": "Tuần “2026-W60” không hợp lệ; ghi theo dạng 2026-W48.",
                               "fields": {"week": "Tuần không hợp lệ; ví dụ 2026-W48."}}


def test_clerk_creates_lists_and_cancels(agency, clerk):
    api = ApiClient(clerk)
    response = api.post("/schedule/entries", {"start": "2026-11-24T14:00", "end": "2026-11-24T16:30",
                                              "title": "Họp Ban Chỉ đạo chuyển đổi số", "place": "Phòng họp 2",
                                              "publish": True})
    assert response.status_code == 201
    created = response.json()
    assert (created["title"], created["status"], created["part"], created["end"]) == (
        "Họp Ban Chỉ đạo chuyển đổi số", "published", "afternoon", "2026-11-24T16:30:00+07:00")
    listed = api.get("/schedule/entries", {"week": "2026-W48"}).json()
    assert [e["id"] for e in listed] == [created["id"]]
    response = api.patch(f"/schedule/entries/{created['id']}", {"place": "Hội trường"})
    assert response.status_code == 200 and response.json()["place"] == "Hội trường"
    assert response.json()["title"] == "Họp Ban Chỉ đạo chuyển đổi số"
    response = api.post(f"/schedule/entries/{created['id']}/cancel", {"reason": "Hoãn"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Hoãn")
    response = api.post(f"/schedule/entries/{created['id']}/cancel", {"reason": "Hoãn"})
    assert response.status_code == 409 and response.json()["message"] == "Lịch này đã được hủy trước đó."


def test_entry_from_invitation_through_the_api(invitation, clerk):
    response = ApiClient(clerk).post("/schedule/entries", {"document": invitation.pk, "start": "2026-11-25T08:00",
                                                           "place": "Hội trường Sở Nội vụ"})
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Mời dự Hội nghị triển khai công tác cải cách hành chính năm 2027"
    assert body["source_document_id"] == invitation.pk
    assert body["documents"] == [{"id": invitation.pk, "number_notation": "45/GM-SNV",
                                  "subject": "Mời dự Hội nghị triển khai công tác cải cách hành chính năm 2027"}]


def test_officer_cannot_create_and_nothing_changes(officer):
    api = ApiClient(officer)
    journal = JournalEntry.objects.count()
    response = api.post("/schedule/entries", {"start": "2026-11-24T14:00", "title": "Họp"})
    assert response.status_code == 403
    assert response.json()["message"] == "Chỉ lãnh đạo, văn thư và quản trị cơ quan được lập lịch công tác."
    assert ScheduleEntry.objects.count() == 0 and JournalEntry.objects.count() == journal


def test_validation_errors_name_the_fields(clerk):
    response = ApiClient(clerk).post("/schedule/entries", {"start": "2026-11-24T14:00", "end": "2026-11-24T13:00",
                                                           "title": ""})
    assert response.status_code == 400
    assert response.json()["fields"] == {"end": "Thời gian kết thúc không được trước thời gian bắt đầu.",
                                         "title": "Vui lòng nhập nội dung công việc."}
    assert ScheduleEntry.objects.count() == 0


def test_other_agency_gets_404_and_drafts_stay_hidden(make_entry, officer, other_agency):
    draft = make_entry()
    published = make_entry(publish=True)
    outsider = ApiClient(make_official(other_agency, Role.LEADER).user)
    assert outsider.get(f"/schedule/entries/{published.pk}").status_code == 404
    assert outsider.post(f"/schedule/entries/{published.pk}/cancel", {"reason": "x"}).status_code == 404
    assert ApiClient(officer).get(f"/schedule/entries/{draft.pk}").status_code == 404
    assert ScheduleEntry.objects.get(pk=published.pk).status == "published"


def test_publish_week_through_the_api(make_entry, clerk, agency):
    make_entry(title="A")
    make_entry(title="B", start=at(2026, 11, 30, 8))
    response = ApiClient(clerk).post("/schedule/weeks/2026-W48/publish", {})
    assert response.status_code == 200 and response.json() == {"week": "2026-W48", "published": 1}
    assert dict(ScheduleEntry.objects.values_list("title", "status")) == {"A": "published", "B": "draft"}
