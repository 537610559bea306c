"""Forms of the records pages. They collect and redisplay input: every value is passed on to the
services, which validate it and answer in Vietnamese (a select never silently drops a value)."""

from django import forms

from congvu.core.folding import vi_sort_key
from congvu.org.models import Department, Official
from congvu.records.models import Numbering


class _ServiceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False

    def add_service_errors(self, fields: dict[str, str], message: str) -> None:
        for name, text in fields.items():
            self.add_error(name if name in self.fields else None, text)
        if (not fields or any(name not in self.fields for name in fields)) and message not in self.non_field_errors():
            self.add_error(None, message)


def _date_input():
    return forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "data-date": ""})


def _select(label: str, choices=(), help_text: str = "") -> forms.CharField:
    """A select whose value goes to the service as typed (the service says what is wrong with it)."""
    return forms.CharField(label=label, widget=forms.Select(choices=list(choices)), help_text=help_text)


def agency_officials(agency_id: int) -> list[tuple[str, str]]:
    people = Official.objects.filter(memberships__agency_id=agency_id, memberships__active=True).distinct()
    return [(str(o.pk), o.full_name) for o in sorted(people, key=lambda o: vi_sort_key(o.full_name))]


def agency_departments(agency_id: int) -> list[tuple[str, str]]:
    depts = Department.objects.filter(agency_id=agency_id, active=True)
    return [(str(d.pk), d.name) for d in sorted(depts, key=lambda d: vi_sort_key(d.name))]


class PlanCreateForm(_ServiceForm):
    year = forms.CharField(label="Năm", widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 4}))
    numbering = _select("Cách đánh số hồ sơ", Numbering.choices,
                        help_text="Số hồ sơ gồm số thứ tự và chữ viết tắt của đề mục, ví dụ 01.TCCB.")
    copy_from_previous = forms.BooleanField(label="Sao chép đề mục và hồ sơ của danh mục năm trước")


class PlanSettingsForm(_ServiceForm):
    numbering = _select("Cách đánh số hồ sơ", Numbering.choices)
    decision_ref = forms.CharField(label="Quyết định ban hành", max_length=200,
                                   widget=forms.TextInput(attrs={"placeholder": "Quyết định số …/QĐ-UBND ngày …"}))


class HeadingForm(_ServiceForm):
    code = forms.CharField(label="Chữ viết tắt", max_length=40, help_text="Chữ in hoa, ví dụ TCCB.")
    title = forms.CharField(label="Tên đề mục", max_length=400)
    position = forms.CharField(label="Thứ tự", max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class RetentionFields(_ServiceForm):
    retention_item_id = _select("Theo bảng thời hạn bảo quản")
    retention_years = forms.CharField(label="Hoặc số năm", max_length=10,
                                      widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    retention_permanent = forms.BooleanField(label="Vĩnh viễn")

    def set_items(self, items) -> None:
        self.fields["retention_item_id"].widget.choices = [("", "— Nhập thời hạn —")] + [
            (str(i.pk), f"{i.code}. {i.title} — {i.retention}") for i in items]


class EntryForm(RetentionFields):
    heading_id = _select("Đề mục")
    title = forms.CharField(label="Tiêu đề hồ sơ", max_length=600, widget=forms.Textarea(attrs={"rows": 2}))
    responsible_department_id = _select("Đơn vị lập hồ sơ")
    responsible_official_id = _select("Người lập hồ sơ")
    notes = forms.CharField(label="Ghi chú", max_length=600)

    def __init__(self, *args, plan, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["heading_id"].widget.choices = [("", "— Chọn đề mục —")] + [
            (str(h.pk), f"{h.code} — {h.title}") for h in plan.headings.all()]
        self.fields["responsible_department_id"].widget.choices = [("", "—")] + agency_departments(plan.agency_id)
        self.fields["responsible_official_id"].widget.choices = [("", "—")] + agency_officials(plan.agency_id)
        self.set_items(items)


class CaseFileOpenForm(RetentionFields):
    entry_id = _select("Hồ sơ trong danh mục")
    heading_id = _select("Đề mục")
    title = forms.CharField(label="Tiêu đề hồ sơ", max_length=600, widget=forms.Textarea(attrs={"rows": 2}))
    responsible_official_id = _select("Người lập hồ sơ")
    capital_construction = forms.BooleanField(label="Hồ sơ xây dựng cơ bản (nộp lưu trong 3 tháng sau quyết toán)")
    notes = forms.CharField(label="Ghi chú", max_length=600)

    def __init__(self, *args, plan, entries, items, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry_id"].widget.choices = [("", "— Hồ sơ ngoài danh mục (nhập bên dưới) —")] + [
            (str(e.pk), f"{e.code} — {e.title} ({e.retention})") for e in entries]
        self.fields["heading_id"].widget.choices = [("", "— Chọn đề mục —")] + [
            (str(h.pk), f"{h.code} — {h.title}") for h in (plan.headings.all() if plan else [])]
        if manager and plan is not None:
            self.fields["responsible_official_id"].widget.choices = [("", "— Tôi —")] + agency_officials(
                plan.agency_id)
        else:
            del self.fields["responsible_official_id"]
        self.set_items(items)


class CaseFileEditForm(_ServiceForm):
    title = forms.CharField(label="Tiêu đề hồ sơ", max_length=600, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label="Ghi chú", max_length=600)
    sheets = forms.CharField(label="Số tờ", max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    capital_construction = forms.BooleanField(label="Hồ sơ xây dựng cơ bản")
    settled_on = forms.CharField(label="Ngày quyết toán công trình", widget=_date_input())
    responsible_official_id = _select("Người lập hồ sơ")
    transfer_extended_to = forms.CharField(label="Gia hạn nộp lưu đến", widget=_date_input(),
                                           help_text="Tối đa 2 năm sau hạn nộp lưu (Nghị định 30, Điều 30).")

    def __init__(self, *args, case_file, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if manager:
            self.fields["responsible_official_id"].widget.choices = agency_officials(case_file.agency_id)
        else:
            del self.fields["responsible_official_id"]
            del self.fields["transfer_extended_to"]

    def changes(self) -> dict:
        """The submitted values of the fields shown, as the service takes them."""
        data = self.data
        out = {}
        for name in self.fields:
            if name == "capital_construction":
                out[name] = data.get(name) in ("on", "1", "true")
            else:
                out[name] = data.get(name, "")
        return out


class TransferForm(_ServiceForm):
    transferred_on = forms.CharField(label="Ngày giao nhận", widget=_date_input())
    department_id = _select("Đơn vị giao")
    handed_over_by_id = _select("Người giao")
    received_by_id = _select("Người nhận (lưu trữ cơ quan)")
    notes = forms.CharField(label="Ghi chú", max_length=600)

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        people = agency_officials(agency_id)
        self.fields["department_id"].widget.choices = [("", "—")] + agency_departments(agency_id)
        self.fields["handed_over_by_id"].widget.choices = [("", "— Chọn —")] + people
        self.fields["received_by_id"].widget.choices = [("", "— Chọn —")] + people


class ScheduleForm(_ServiceForm):
    code = forms.CharField(label="Mã", max_length=60)
    name = forms.CharField(label="Tên bảng", max_length=400)
    legal_basis = forms.CharField(label="Căn cứ", max_length=200, help_text="Ví dụ TT 10/2022/TT-BNV.")
    valid_from = forms.CharField(label="Áp dụng từ", widget=_date_input())
    valid_to = forms.CharField(label="Áp dụng đến", widget=_date_input())
    notes = forms.CharField(label="Ghi chú", max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class ItemForm(_ServiceForm):
    code = forms.CharField(label="Số thứ tự", max_length=40)
    title = forms.CharField(label="Tên nhóm hồ sơ, tài liệu", max_length=600)
    years = forms.CharField(label="Số năm", max_length=10, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    permanent = forms.BooleanField(label="Vĩnh viễn")
    source = forms.CharField(label="Nguồn", max_length=400)
