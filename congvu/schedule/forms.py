"""The entry form. It collects what was typed (day as dd/mm/yyyy, times as HH:MM) and turns it into the
service's `ScheduleEntryData`; the rules are the service's, its messages go back beside the fields."""

import datetime as dt
import re
from typing import ClassVar

from django import forms
from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import ValidationFailed
from congvu.core.folding import vi_sort_key
from congvu.documents.selectors import visible_documents
from congvu.org.models import Department, Official, Role
from congvu.schedule.models import ScheduleEntry
from congvu.schedule.services import ScheduleEntryData

_TIME_RE = re.compile(r"^(\d{1,2})\s*(?:[:hg.]\s*(\d{1,2})?)?\s*(?:phút|p)?$", re.IGNORECASE)
RECENT_DOCUMENTS = 100  # how many of the agency's latest documents the "linked documents" list offers


def parse_time(text: str) -> dt.time | None:
    """"8:30", "08:30", "8h30", "8g30", "14h", "14" → a time; None when it is not one."""
    match = _TIME_RE.match((text or "").strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class _AnyChoice(forms.MultipleChoiceField):
    """A multiple select whose values the service checks (a refused value is reported, not dropped)."""

    def valid_value(self, value) -> bool:
        return True


class _AnySingle(forms.ChoiceField):
    def valid_value(self, value) -> bool:
        return True


def _date_input():
    return forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
                                  "data-date": "", "maxlength": "10"})


def _time_input():
    return forms.TextInput(attrs={"placeholder": "08:00", "autocomplete": "off", "maxlength": "8"})


class ScheduleEntryForm(forms.Form):
    day = forms.CharField(label="Ngày", widget=_date_input())
    start_time = forms.CharField(label="Giờ bắt đầu", widget=_time_input())
    end_time = forms.CharField(label="Giờ kết thúc", widget=_time_input())
    end_day = forms.CharField(label="Đến ngày", widget=_date_input(),
                              help_text="Chỉ ghi khi kéo dài sang ngày khác.")
    title = forms.CharField(label="Nội dung công việc", widget=forms.Textarea(attrs={"rows": 3}))
    content = forms.CharField(label="Ghi chú thêm", widget=forms.Textarea(attrs={"rows": 2}))
    place = forms.CharField(label="Địa điểm", widget=forms.TextInput(attrs={"maxlength": "300"}))
    chair_id = _AnySingle(label="Lãnh đạo chủ trì")
    chair_text = forms.CharField(label="Hoặc chủ trì khác", widget=forms.TextInput(attrs={
        "placeholder": "Ví dụ: Lãnh đạo UBND tỉnh", "maxlength": "200"}))
    attendee_official_ids = _AnyChoice(label="Cán bộ dự")
    attendee_department_ids = _AnyChoice(label="Đơn vị dự")
    attendees_text = forms.CharField(label="Thành phần khác", widget=forms.Textarea(attrs={"rows": 2}))
    preparing_department_id = _AnySingle(label="Đơn vị chuẩn bị")
    preparing_text = forms.CharField(label="Chuẩn bị (ghi rõ)", widget=forms.TextInput(attrs={"maxlength": "200"}))
    document_ids = _AnyChoice(label="Văn bản liên quan")

    # Where the service's field names are shown on this form.
    SERVICE_ALIASES: ClassVar[dict[str, str]] = {"start": "start_time", "end": "end_time"}

    def __init__(self, *args, user, agency_id: int, entry: ScheduleEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        members = Official.objects.filter(memberships__agency_id=agency_id, memberships__active=True).distinct()
        leaders = members.filter(memberships__role=Role.LEADER)
        by_name = lambda o: vi_sort_key(o.full_name)  # noqa: E731
        self.fields["chair_id"].choices = [("", "— Chọn lãnh đạo —")] + [
            (str(o.pk), o.full_name) for o in sorted(leaders, key=by_name)]
        self.fields["attendee_official_ids"].choices = [(str(o.pk), o.full_name) for o in sorted(members, key=by_name)]
        depts = sorted(Department.objects.filter(agency_id=agency_id, active=True), key=lambda d: vi_sort_key(d.name))
        self.fields["attendee_department_ids"].choices = [(str(d.pk), d.name) for d in depts]
        self.fields["preparing_department_id"].choices = [("", "— Không —")] + [(str(d.pk), d.name) for d in depts]
        docs = list(visible_documents(user).filter(agency_id=agency_id).select_related("doc_type")
                    .order_by("-pk")[:RECENT_DOCUMENTS])
        # Linked documents the user may not see are neither offered nor named (they stay linked).
        linked = list(visible_documents(user).filter(pk__in=entry.documents.values("pk")).select_related("doc_type")
                      ) if entry is not None and entry.pk else []
        wanted = set(self.data.getlist("document_ids")) if self.is_bound else set(
            str(i) for i in self.initial.get("document_ids", []))
        seen = {d.pk for d in docs}
        extra = [d for d in linked if d.pk not in seen]
        extra += list(visible_documents(user).filter(pk__in=[int(i) for i in wanted if str(i).isdigit()])
                      .exclude(pk__in=seen | {d.pk for d in extra}).select_related("doc_type"))
        self.fields["document_ids"].choices = [(str(d.pk), _document_label(d)) for d in extra + docs]

    @classmethod
    def initial_from(cls, entry: ScheduleEntry) -> dict:
        start = timezone.localtime(entry.start)
        end = timezone.localtime(entry.end) if entry.end else None
        return {
            "day": start.strftime("%d/%m/%Y"), "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M") if end else "",
            "end_day": end.strftime("%d/%m/%Y") if end and end.date() != start.date() else "",
            "title": entry.title, "content": entry.content, "place": entry.place,
            "chair_id": str(entry.chair_id or ""), "chair_text": entry.chair_text,
            "attendee_official_ids": [str(pk) for pk in entry.attendee_officials.values_list("pk", flat=True)],
            "attendee_department_ids": [str(pk) for pk in entry.attendee_departments.values_list("pk", flat=True)],
            "attendees_text": entry.attendees_text,
            "preparing_department_id": str(entry.preparing_department_id or ""),
            "preparing_text": entry.preparing_text,
            "document_ids": [str(pk) for pk in entry.documents.values_list("pk", flat=True)],
        }

    def to_data(self) -> ScheduleEntryData:
        """The typed values as the service takes them; day and times are checked here (their format is
        the form's), the rest by the service. Raises ValidationFailed with this form's field names."""
        data = self.cleaned_data
        errors: dict[str, str] = {}
        day = end_day = None
        try:
            day = parse_vn_date(data.get("day"), field="day", required=True)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        try:
            end_day = parse_vn_date(data.get("end_day"), field="end_day")
        except ValidationFailed as exc:
            errors.update(exc.fields)
        start_time = parse_time(data.get("start_time", ""))
        if start_time is None:
            errors["start_time"] = ("Vui lòng nhập giờ bắt đầu." if not (data.get("start_time") or "").strip()
                                    else "Giờ không hợp lệ; ví dụ 08:00 hoặc 14h30.")
        end_time = None
        if (data.get("end_time") or "").strip():
            end_time = parse_time(data["end_time"])
            if end_time is None:
                errors["end_time"] = "Giờ không hợp lệ; ví dụ 11:00 hoặc 16h30."
        elif end_day:
            errors["end_time"] = "Ghi giờ kết thúc khi lịch kéo dài sang ngày khác."
        if errors:
            raise ValidationFailed("Thông tin lịch công tác chưa hợp lệ.", fields=errors)
        start = dt.datetime.combine(day, start_time)
        end = dt.datetime.combine(end_day or day, end_time) if end_time else None
        return ScheduleEntryData(
            start=start, end=end, title=data.get("title", ""), content=data.get("content", ""),
            place=data.get("place", ""), chair_id=data.get("chair_id") or None, chair_text=data.get("chair_text", ""),
            attendee_official_ids=data.get("attendee_official_ids") or [],
            attendee_department_ids=data.get("attendee_department_ids") or [],
            attendees_text=data.get("attendees_text", ""),
            preparing_department_id=data.get("preparing_department_id") or None,
            preparing_text=data.get("preparing_text", ""), document_ids=data.get("document_ids") or [],
        )

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            target = self.SERVICE_ALIASES.get(name, name)
            self.add_error(target if target in self.fields else None, message)


def _document_label(doc) -> str:
    ref = doc.number_notation or f"số đến {doc.register_number}"
    subject = doc.subject if len(doc.subject) <= 90 else doc.subject[:89] + "…"
    return f"{doc.doc_type.name} {ref} — {subject}"
