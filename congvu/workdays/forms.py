"""Calendar page forms. They collect and redisplay input; workdays.services validates and decides."""

from django import forms

from congvu.workdays.models import DayKind


class _ServiceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False

    def add_service_errors(self, fields: dict[str, str], message: str) -> None:
        for name, text in fields.items():
            self.add_error(name if name in self.fields else None, text)
        if not fields:
            self.add_error(None, message)


def _date_input():
    return forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "data-date": ""})


class CalendarDayForm(_ServiceForm):
    date = forms.CharField(label="Ngày", max_length=20, widget=_date_input())
    kind = forms.ChoiceField(label="Loại", choices=[("", "— Chọn —")] + DayKind.choices)
    name = forms.CharField(label="Tên, lý do", max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": "Ví dụ: Nghỉ Tết Nguyên đán"}))
    basis = forms.CharField(label="Căn cứ", max_length=300,
                            help_text="Văn bản quyết định, ví dụ “TB 9441/TB-BNV ngày 16/10/2025”.")
    estimated = forms.BooleanField(label="Dự kiến (chưa có quyết định chính thức)")


class OfficeHoursForm(_ServiceForm):
    valid_from = forms.CharField(label="Áp dụng từ ngày", max_length=20, widget=_date_input())
    periods = forms.CharField(label="Các buổi làm việc", max_length=100, initial="07:00-11:30, 13:30-17:00",
                              help_text="Giờ bắt đầu–kết thúc của từng buổi, cách nhau bằng dấu phẩy.")
    basis = forms.CharField(label="Căn cứ", max_length=300)
