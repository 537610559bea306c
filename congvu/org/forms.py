"""Admin page forms. They collect and redisplay input; org.services validates and decides."""

from django import forms

from congvu.core.folding import vi_sort_key
from congvu.org.models import Agency, AgencyKind, Department, Position, Role


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


class AgencyForm(_ServiceForm):
    name = forms.CharField(label="Tên cơ quan", max_length=200)
    short_name = forms.CharField(label="Tên viết tắt", max_length=60)
    kind = forms.ChoiceField(label="Loại cơ quan", choices=AgencyKind.choices)
    parent_id = forms.ChoiceField(label="Cơ quan cấp trên")
    identifier = forms.CharField(label="Mã định danh", max_length=13, help_text="Theo QCVN 102, ví dụ 000.00.00.H40.",
                                 widget=forms.TextInput(attrs={"placeholder": "000.00.00.H40"}))
    notation_code = forms.CharField(label="Chữ viết tắt trong ký hiệu", max_length=20,
                                    help_text="Ví dụ UBND trong 12/QĐ-UBND.")
    place = forms.CharField(label="Địa danh", max_length=100, help_text="Dùng ở dòng “…, ngày … tháng … năm …”.")
    province_code = forms.CharField(label="Mã tỉnh", max_length=10, required=False,
                                    help_text="Ví dụ 49: dùng lịch nghỉ, ngày làm bù riêng của tỉnh.")
    active_from = forms.CharField(label="Hoạt động từ", widget=_date_input())
    active_to = forms.CharField(label="Hoạt động đến", widget=_date_input())

    def __init__(self, *args, exclude_pk: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.exclude(pk=exclude_pk) if exclude_pk else Agency.objects.all()
        self.fields["parent_id"].choices = [("", "— Không có —")] + [
            (str(a.pk), a.name) for a in sorted(agencies, key=lambda a: vi_sort_key(a.name))]


class DepartmentForm(_ServiceForm):
    name = forms.CharField(label="Tên phòng, ban", max_length=200)
    code = forms.CharField(label="Chữ viết tắt", max_length=20, help_text="Ví dụ VP trong UBND-VP.")
    active = forms.BooleanField(label="Đang hoạt động", initial=True)


def _membership_fields(form, agency_id: int) -> None:
    depts = sorted(Department.objects.filter(agency_id=agency_id, active=True), key=lambda d: vi_sort_key(d.name))
    form.fields["department_id"].choices = [("", "— Không —")] + [(str(d.pk), d.name) for d in depts]
    form.position_names = sorted(Position.objects.values_list("name", flat=True), key=vi_sort_key)


class OfficialForm(_ServiceForm):
    full_name = forms.CharField(label="Họ và tên", max_length=100)
    username = forms.CharField(label="Tên đăng nhập", max_length=150,
                               widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "off"}))
    password = forms.CharField(label="Mật khẩu ban đầu",
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="Ít nhất 8 ký tự.")
    role = forms.ChoiceField(label="Vai trò", choices=[("", "— Chọn —")] + Role.choices)
    department_id = forms.ChoiceField(label="Phòng, ban")
    position_name = forms.CharField(label="Chức vụ", max_length=100,
                                    widget=forms.TextInput(attrs={"list": "position-list"}))
    email = forms.CharField(label="Thư điện tử", max_length=254)
    phone = forms.CharField(label="Điện thoại", max_length=20)

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _membership_fields(self, agency_id)


class MembershipForm(_ServiceForm):
    username = forms.CharField(label="Tên đăng nhập của cán bộ", max_length=150,
                               help_text="Cán bộ đã có tài khoản (kiêm nhiệm hoặc thêm vai trò).")
    role = forms.ChoiceField(label="Vai trò", choices=[("", "— Chọn —")] + Role.choices)
    department_id = forms.ChoiceField(label="Phòng, ban")
    position_name = forms.CharField(label="Chức vụ", max_length=100,
                                    widget=forms.TextInput(attrs={"list": "position-list"}))

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        _membership_fields(self, agency_id)


class OfficialEditForm(_ServiceForm):
    full_name = forms.CharField(label="Họ và tên", max_length=100)
    email = forms.CharField(label="Thư điện tử", max_length=254)
    phone = forms.CharField(label="Điện thoại", max_length=20)
    new_password = forms.CharField(label="Mật khẩu mới",
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text="Để trống nếu không đổi. Ít nhất 8 ký tự.")
