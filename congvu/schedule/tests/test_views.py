import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.org.models import Role
from congvu.schedule.models import ScheduleEntry
from congvu.schedule.services import schedule_entry_cancel
from congvu.schedule.tests.conftest import at

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides):
    values = {"day": "23/11/2026", "start_time": "8h30", "end_time": "11:00", "title": "Họp giao ban tuần",
              "place": "Phòng họp số 1"}
    values.update(overrides)
    return values


def test_week_page_shows_days_parts_and_only_published_entries_to_officers(agency, make_entry, officer, leader):
    make_entry(title="Họp dự kiến chưa công bố")
    make_entry(title="Giao ban đầu tuần", publish=True, place="Phòng họp số 1", chair_id=leader.official.pk)
    make_entry(title="Làm việc với Đoàn kiểm tra", publish=True, start=at(2026, 11, 26, 14, 0))
    page = client_for(officer).get(reverse("schedule:week"), {"week": "2026-W48"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Lịch công tác tuần 48" in html and "Từ ngày 23/11/2026 đến ngày 29/11/2026" in html
    assert "Giao ban đầu tuần" in html and "Làm việc với Đoàn kiểm tra" in html
    assert "Họp dự kiến chưa công bố" not in html and "+ Thêm lịch" not in html
    assert '<td rowspan="1" class="part" data-label="Buổi">Chiều</td>' in html
    assert "?week=2026-W47" in html and "?week=2026-W49" in html


def test_keeper_sees_drafts_and_the_publish_week_button(make_entry, clerk):
    make_entry(title="Họp dự kiến chưa công bố")
    html = client_for(clerk).get(reverse("schedule:week"), {"week": "2026-W48"}).content.decode()
    assert "Họp dự kiến chưa công bố" in html and "Công bố lịch tuần" in html
    assert "Tuần này còn <strong>1</strong> lịch dự kiến" in html


def test_week_of_a_typed_date_and_a_bad_week(clerk):
    page = client_for(clerk).get(reverse("schedule:week"), {"date": "26/11/2026"})
    assert "Lịch công tác tuần 48" in page.content.decode()
    page = client_for(clerk).get(reverse("schedule:week"), {"week": "2026-W99"})
    monday = timezone.localdate() - timezone.timedelta(days=timezone.localdate().weekday())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Tuần “2026-W99” không hợp lệ; ghi theo dạng 2026-W48." in html
    assert f"Từ ngày {monday:%d/%m/%Y}" in html


def test_print_page_is_one_a4_sheet_without_drafts(make_entry, agency, officer):
    make_entry(title="Họp dự kiến chưa công bố")
    make_entry(title="Giao ban đầu tuần", publish=True)
    page = client_for(officer).get(reverse("schedule:print"), {"week": "2026-W48"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "LỊCH CÔNG TÁC TUẦN 48" in html and "(Từ ngày 23/11/2026 đến ngày 29/11/2026)" in html
    assert agency.name in html and "Giao ban đầu tuần" in html and "Họp dự kiến" not in html
    assert html.count("Không có lịch") == 6
    assert "schedule/week_print.css" in html and '<section class="sheet ">' in html


def test_print_page_sets_a_busy_week_smaller(make_entry, clerk):
    for hour in range(7, 19):
        make_entry(title=f"Việc {hour}", start=at(2026, 11, 24, hour), publish=True)
    html = client_for(clerk).get(reverse("schedule:print"), {"week": "2026-W48"}).content.decode()
    assert '<section class="sheet dense-1">' in html


def test_clerk_adds_an_entry_through_the_form(agency, clerk, leader):
    page = client_for(clerk).post(reverse("schedule:new"), _form(chair_id=str(leader.official.pk), publish="1"))
    entry = ScheduleEntry.objects.get()
    assert page.status_code == 302 and page["Location"] == reverse("schedule:week") + "?week=2026-W48"
    assert (entry.title, entry.place, entry.status, entry.chair, entry.agency) == (
        "Họp giao ban tuần", "Phòng họp số 1", "published", leader.official, agency)
    assert timezone.localtime(entry.start).strftime("%d/%m/%Y %H:%M") == "23/11/2026 08:30"
    assert timezone.localtime(entry.end).strftime("%H:%M") == "11:00"


def test_form_errors_are_shown_beside_the_fields_and_nothing_is_saved(clerk):
    page = client_for(clerk).post(reverse("schedule:new"), _form(day="31/02/2026", start_time="25:00", title=""))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Chưa lưu được." in html
    assert "Ngày “31/02/2026” không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/03/2026." in html
    assert "Giờ không hợp lệ; ví dụ 08:00 hoặc 14h30." in html
    assert ScheduleEntry.objects.count() == 0
    page = client_for(clerk).post(reverse("schedule:new"), _form(end_time="07:00", title=""))
    html = page.content.decode()
    assert "Thời gian kết thúc không được trước thời gian bắt đầu." in html
    assert "Vui lòng nhập nội dung công việc." in html
    assert ScheduleEntry.objects.count() == 0


def test_officer_cannot_open_or_post_the_form(officer):
    client = client_for(officer)
    assert client.get(reverse("schedule:new")).status_code == 403
    assert client.post(reverse("schedule:new"), _form()).status_code == 403
    assert ScheduleEntry.objects.count() == 0


def test_invitation_prefills_the_form_and_is_linked(invitation, clerk):
    client = client_for(clerk)
    page = client.get(reverse("schedule:new"), {"document": invitation.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Thêm lịch từ giấy mời" in html
    assert "\nMời dự Hội nghị triển khai công tác cải cách hành chính năm 2027</textarea>" in html
    assert f'<input type="hidden" name="document" value="{invitation.pk}">' in html
    page = client.post(reverse("schedule:new") + f"?document={invitation.pk}",
                       _form(title="Dự Hội nghị cải cách hành chính", document=str(invitation.pk)))
    assert page.status_code == 302
    entry = ScheduleEntry.objects.get()
    assert entry.source_document == invitation and list(entry.documents.all()) == [invitation]
    assert entry.title == "Dự Hội nghị cải cách hành chính" and entry.status == "draft"


def test_a_document_that_is_not_an_invitation_goes_back_with_a_message(agency, clerk):
    from congvu.documents.services import incoming_register
    from congvu.documents.tests.factories import incoming_data

    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    page = client_for(clerk).get(reverse("schedule:new"), {"document": doc.pk}, follow=True)
    assert page.redirect_chain == [(reverse("documents:detail", args=[doc.pk]), 302)]
    assert "Chỉ giấy mời đã vào sổ văn bản đến mới tạo được lịch công tác." in page.content.decode()


def test_invitation_of_another_agency_is_404(invitation, other_agency):
    outsider = make_official(other_agency, Role.CLERK).user
    assert client_for(outsider).get(reverse("schedule:new"), {"document": invitation.pk}).status_code == 404
    assert client_for(outsider).get(reverse("schedule:new"), {"document": "abc"}).status_code == 404


def test_detail_edit_publish_and_cancel(make_entry, clerk, officer):
    entry = make_entry(place="Hội trường")
    client = client_for(clerk)
    assert client.get(reverse("schedule:detail", args=[entry.pk])).status_code == 200
    assert client_for(officer).get(reverse("schedule:detail", args=[entry.pk])).status_code == 404
    page = client.post(reverse("schedule:edit", args=[entry.pk]), _form(day="24/11/2026", place="Phòng họp 2"))
    assert page.status_code == 302
    entry.refresh_from_db()
    assert (entry.place, timezone.localtime(entry.start).day) == ("Phòng họp 2", 24)
    client.post(reverse("schedule:publish", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == "published"
    assert client_for(officer).get(reverse("schedule:detail", args=[entry.pk])).status_code == 200
    page = client.post(reverse("schedule:cancel", args=[entry.pk]), {"reason": ""})
    assert "Vui lòng nhập lý do hủy." in page.content.decode()
    client.post(reverse("schedule:cancel", args=[entry.pk]), {"reason": "Hoãn họp"})
    entry.refresh_from_db()
    assert (entry.status, entry.cancel_reason) == ("cancelled", "Hoãn họp")
    html = client_for(officer).get(reverse("schedule:week"), {"week": "2026-W48"}).content.decode()
    assert "Lý do: Hoãn họp" in html


def test_officer_cannot_edit_publish_or_cancel(make_entry, officer):
    entry = make_entry(publish=True)
    client = client_for(officer)
    journal = JournalEntry.objects.count()
    assert client.post(reverse("schedule:edit", args=[entry.pk]), _form(place="Khác")).status_code == 403
    assert client.post(reverse("schedule:cancel", args=[entry.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("schedule:publish_week"), {"week": "2026-W48"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.status, entry.place) == ("published", "")
    assert JournalEntry.objects.count() == journal


def test_other_agency_cannot_see_an_entry(make_entry, other_agency):
    entry = make_entry(publish=True)
    outsider = make_official(other_agency, Role.LEADER).user
    client = client_for(outsider)
    assert client.get(reverse("schedule:detail", args=[entry.pk])).status_code == 404
    assert client.post(reverse("schedule:cancel", args=[entry.pk]), {"reason": "x"}).status_code == 404
    html = client.get(reverse("schedule:week"), {"week": "2026-W48"}).content.decode()
    assert "Giao ban lãnh đạo UBND" not in html


def test_publish_week_button(make_entry, clerk):
    make_entry(title="A")
    make_entry(title="B", start=at(2026, 11, 25, 14))
    page = client_for(clerk).post(reverse("schedule:publish_week"), {"week": "2026-W48"}, follow=True)
    assert "Đã công bố 2 lịch của tuần 23/11 – 29/11/2026." in page.content.decode()
    assert set(ScheduleEntry.objects.values_list("status", flat=True)) == {"published"}


def test_cancelled_entry_cannot_be_edited_from_its_page(make_entry, leader):
    entry = make_entry(publish=True)
    schedule_entry_cancel(actor=leader, entry=entry, reason="Hoãn")
    page = client_for(leader).get(reverse("schedule:edit", args=[entry.pk]), follow=True)
    assert "Lịch đã hủy, không sửa được." in page.content.decode()


def test_leader_gives_a_task_from_the_meeting_page(make_entry, leader, officer):
    entry = make_entry(publish=True)
    html = client_for(leader).get(reverse("schedule:detail", args=[entry.pk])).content.decode()
    assert f'href="/tasks/new/?meeting={entry.pk}">Giao việc từ cuộc họp</a>' in html
    html = client_for(officer).get(reverse("schedule:detail", args=[entry.pk])).content.decode()
    assert "Giao việc từ cuộc họp" not in html


def test_invitation_button_tag(invitation, clerk, officer, agency):
    from django.template import Context, Template
    from django.test import RequestFactory

    from congvu.documents.services import incoming_register
    from congvu.documents.tests.factories import incoming_data
    from congvu.schedule.services import schedule_entry_from_document

    template = Template("{% load schedule_ui %}{% schedule_invitation_button doc %}")

    def render(user, doc):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "doc": doc})).strip()

    assert render(clerk, invitation) == (f'<a class="btn" href="/schedule/new/?document={invitation.pk}">'
                                         "Đưa vào lịch công tác</a>")
    entry = schedule_entry_from_document(actor=clerk, document=invitation, start=at(2026, 11, 25, 8), publish=True)
    assert render(clerk, invitation).endswith(
        f'<a class="btn btn-small" href="/schedule/{entry.pk}/" title="{entry.title}">Lịch 25/11/2026 08:00</a>')
    assert render(officer, invitation) == (f'<a class="btn btn-small" href="/schedule/{entry.pk}/" '
                                           f'title="{entry.title}">Lịch 25/11/2026 08:00</a>')
    decision = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="9"))
    assert render(clerk, decision) == ""
