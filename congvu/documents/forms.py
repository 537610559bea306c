"""Page forms of the registry. They only collect and redisplay what the clerk typed: the rules
(required fields, dates, duplicates, files) are checked by the services, whose per-field messages
are put back beside the fields."""

import uuid
from typing import ClassVar

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from congvu.core.folding import vi_sort_key
from congvu.documents.models import Channel, DocumentStatus, DocumentType, Register, Secrecy, Urgency
from congvu.documents.selectors import visible_registers
from congvu.org.models import Agency, Department, Official


def current_document_types() -> list[DocumentType]:
    """One version of each type in force today, in the Decree's order."""
    today = timezone.localdate()
    seen: dict[str, DocumentType] = {}
    for t in DocumentType.objects.filter(valid_from__lte=today).exclude(valid_to__lt=today).order_by(
            "sort_order", "-valid_from"):
        seen.setdefault(t.code, t)
    return list(seen.values())


def _type_choices(blank: str | None = None):
    choices = [(t.code, t.name) for t in current_document_types()]
    return ([("", blank)] if blank is not None else []) + choices


def _date_input(**attrs):
    return forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off",
                                  "data-date": "", "maxlength": "10", **attrs})


def _department_choices(agency_id: int, blank: str):
    depts = sorted(Department.objects.filter(agency_id=agency_id, active=True), key=lambda d: vi_sort_key(d.name))
    return [("", blank)] + [(str(d.pk), d.name) for d in depts]


def _official_choices(agency_id: int):
    people = Official.objects.filter(memberships__agency_id=agency_id, memberships__active=True).distinct()
    return [(str(o.pk), o.full_name) for o in sorted(people, key=lambda o: vi_sort_key(o.full_name))]


class _ServiceChoiceField(forms.ChoiceField):
    """A select whose value the service checks. Django would drop a value that is not among the
    choices from cleaned_data and the document would register without it; here it reaches the
    service, which refuses it with a Vietnamese message beside the field."""

    def valid_value(self, value) -> bool:
        return True


class _ServiceMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple select whose values the service checks (see `_ServiceChoiceField`)."""

    def valid_value(self, value) -> bool:
        return True


class _RegistrationForm(forms.Form):
    """Shared by the incoming and outgoing forms: every field is optional here, the service decides.

    Nothing the clerk sent is dropped: selects accept any value and text fields have no length
    validator (the service checks both), so cleaned_data always carries what was submitted."""

    request_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_id = agency_id
        self.attachment_errors: list[str] = []  # the file input is read from request.FILES, not a form field
        for f in self.fields.values():
            f.required = False
            # The maxlength attribute stays on the input; the limit itself is the service's.
            f.validators = [v for v in f.validators if not isinstance(v, MaxLengthValidator)]
        if not self.is_bound:
            self.initial.setdefault("request_token", uuid.uuid4().hex)

    def add_service_errors(self, fields: dict[str, str], aliases: dict[str, str]) -> None:
        """Put a service's per-field messages beside the matching form fields."""
        for name, message in fields.items():
            target = aliases.get(name, name)
            if target == "attachments":
                self.attachment_errors.append(message)
                continue
            self.add_error(target if target in self.fields else None, message)


class IncomingForm(_RegistrationForm):
    received_on = forms.CharField(label="Ngày đến", widget=_date_input())
    doc_type = _ServiceChoiceField(label="Loại văn bản")
    number_notation = forms.CharField(
        label="Số và ký hiệu", max_length=45,
        widget=forms.TextInput(attrs={"placeholder": "125/QĐ-UBND", "autocomplete": "off", "spellcheck": "false"}),
        help_text="Gõ liền số và ký hiệu, ví dụ 125/QĐ-UBND.")
    issued_date = forms.CharField(label="Ngày ban hành", widget=_date_input())
    issuer = forms.CharField(label="Cơ quan ban hành", max_length=200, widget=forms.TextInput(attrs={
        "list": "issuer-list", "autocomplete": "off"}))
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    signer = forms.CharField(label="Người ký", max_length=100)
    signer_title = forms.CharField(label="Chức vụ người ký", max_length=200,
                                   widget=forms.TextInput(attrs={"placeholder": "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"}))
    urgency = _ServiceChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = _ServiceChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NORMAL)
    channel = _ServiceChoiceField(label="Hình thức nhận", choices=Channel.choices, initial=Channel.PAPER)
    pages = forms.CharField(label="Số trang", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    due_date = forms.CharField(label="Hạn xử lý", widget=_date_input())
    receiving_department_id = _ServiceChoiceField(label="Đơn vị nhận")
    receiving_official_id = _ServiceChoiceField(label="Người nhận")
    access_official_ids = _ServiceMultipleChoiceField(
        label="Người được xem (văn bản mật)",
        help_text="Chỉ những người được chọn (và văn thư vào sổ) xem được văn bản mật.")
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}))

    SERVICE_ALIASES: ClassVar[dict[str, str]] = {
        "number": "number_notation", "notation": "number_notation", "received_at": "received_on",
    }

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, agency_id=agency_id, **kwargs)
        self.fields["doc_type"].choices = _type_choices()
        self.fields["receiving_department_id"].choices = _department_choices(agency_id, "— Chưa chọn —")
        officials = _official_choices(agency_id)
        self.fields["receiving_official_id"].choices = [("", "— Chưa chọn —")] + officials
        self.fields["access_official_ids"].choices = officials
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate().strftime("%d/%m/%Y"))
            self.initial.setdefault("doc_type", "cong_van")


class OutgoingForm(_RegistrationForm):
    doc_type = _ServiceChoiceField(label="Loại văn bản")
    issued_date = forms.CharField(label="Ngày ban hành", widget=_date_input())
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    signer = forms.CharField(label="Người ký", max_length=100)
    signer_title = forms.CharField(label="Chức vụ người ký", max_length=200,
                                   widget=forms.TextInput(attrs={"placeholder": "CHỦ TỊCH"}))
    drafting_department_id = _ServiceChoiceField(label="Đơn vị soạn thảo",
                                                 help_text="Bắt buộc với Công văn (ký hiệu UBND-VP).")
    urgency = _ServiceChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = _ServiceChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NORMAL)
    pages = forms.CharField(label="Số trang", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    copies = forms.CharField(label="Số lượng bản", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    due_date = forms.CharField(label="Hạn trả lời", widget=_date_input())
    dispatched_on = forms.CharField(label="Ngày chuyển", widget=_date_input(),
                                    help_text="Để trống nếu chưa phát hành.")
    recipient_agency_ids = _ServiceMultipleChoiceField(label="Nơi nhận trong hệ thống",
                                                       help_text="Giữ Ctrl để chọn nhiều cơ quan.")
    recipient_names = forms.CharField(label="Nơi nhận khác", widget=forms.Textarea(attrs={
        "rows": 3, "placeholder": "Mỗi nơi nhận một dòng, ví dụ: Sở Nội vụ tỉnh Quảng Nam"}))
    access_official_ids = _ServiceMultipleChoiceField(label="Người được xem (văn bản mật)")
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}))

    SERVICE_ALIASES: ClassVar[dict[str, str]] = {"recipients": "recipient_names"}

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, agency_id=agency_id, **kwargs)
        self.fields["doc_type"].choices = _type_choices()
        self.fields["drafting_department_id"].choices = _department_choices(agency_id, "— Chưa chọn —")
        today = timezone.localdate()  # agencies dissolved or merged away receive nothing new
        current = Agency.objects.exclude(pk=agency_id).exclude(active_to__lt=today)
        others = sorted(current, key=lambda a: vi_sort_key(a.name))
        self.fields["recipient_agency_ids"].choices = [(str(a.pk), a.name) for a in others]
        self.fields["access_official_ids"].choices = _official_choices(agency_id)
        if not self.is_bound:
            self.initial.setdefault("issued_date", timezone.localdate().strftime("%d/%m/%Y"))
            self.initial.setdefault("doc_type", "cong_van")


class DocumentFilterForm(forms.Form):
    """The filters above a list; all optional. Dates are dd/mm/yyyy."""

    q = forms.CharField(label="Tìm kiếm", required=False, widget=forms.TextInput(attrs={
        "type": "search", "placeholder": "Trích yếu, số ký hiệu, nội dung…", "autocomplete": "off"}))
    doc_type = forms.ChoiceField(label="Loại", required=False)
    issuer = forms.CharField(label="Cơ quan ban hành", required=False)
    date_from = forms.CharField(label="Từ ngày", required=False, widget=_date_input())
    date_to = forms.CharField(label="Đến ngày", required=False, widget=_date_input())
    urgency = forms.ChoiceField(label="Độ khẩn", required=False,
                                choices=[("", "Tất cả"), ("urgent_any", "Khẩn trở lên")] + Urgency.choices)
    register = forms.ChoiceField(label="Sổ", required=False)
    status = forms.ChoiceField(label="Trạng thái", required=False,
                               choices=[("", "Tất cả")] + DocumentStatus.choices)

    def __init__(self, *args, user, agency_id: int | None, direction: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].choices = _type_choices("Tất cả")
        # Only registers the user may see listed: a secret register's name is not for everyone.
        registers = visible_registers(user=user, agency_id=agency_id) if agency_id else Register.objects.none()
        if direction:
            registers = registers.filter(direction=direction)
        self.fields["register"].choices = [("", "Tất cả")] + [
            (str(r.pk), r.name) for r in registers.order_by("-year", "direction", "scope", "name")]
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):  # shown after the field's label on the results
                field.error_messages["invalid_choice"] = "“%(value)s” không có trong danh sách."


class DocumentEditForm(forms.Form):
    """Correcting a registered document (Decree 30: the clerk corrects metadata). Only fields the
    service lets change are here, and only those that mean something for the document's direction.
    Every field is a plain optional text field (selects included), so the form never drops a value:
    `services.document_update` alone decides what is valid and its messages go beside the fields."""

    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    signer = forms.CharField(label="Người ký", widget=forms.TextInput(attrs={"maxlength": "100"}))
    signer_title = forms.CharField(label="Chức vụ người ký", widget=forms.TextInput(attrs={"maxlength": "200"}))
    urgency = forms.CharField(label="Độ khẩn", widget=forms.Select(choices=Urgency.choices))
    pages = forms.CharField(label="Số trang", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    due_date = forms.CharField(label="Hạn xử lý", widget=_date_input())
    receiving_department_id = forms.CharField(label="Đơn vị nhận", widget=forms.Select)
    receiving_official_id = forms.CharField(label="Người nhận", widget=forms.Select)
    dispatched_on = forms.CharField(label="Ngày chuyển", widget=_date_input())
    copies = forms.CharField(label="Số lượng bản", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}))

    INCOMING_FIELDS: ClassVar[tuple[str, ...]] = (
        "subject", "signer", "signer_title", "urgency", "pages", "due_date", "receiving_department_id",
        "receiving_official_id", "dispatched_on", "notes")
    OUTGOING_FIELDS: ClassVar[tuple[str, ...]] = (
        "subject", "signer", "signer_title", "urgency", "pages", "due_date", "dispatched_on", "copies", "notes")

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.INCOMING_FIELDS if document.direction == "in" else self.OUTGOING_FIELDS
        for name in list(self.fields):
            if name in keep:
                self.fields[name].required = False
            else:
                del self.fields[name]
        if "receiving_department_id" in self.fields:
            self.fields["receiving_department_id"].widget.choices = _department_choices(
                document.agency_id, "— Chưa chọn —")
            self.fields["receiving_official_id"].widget.choices = [("", "— Chưa chọn —")] + _official_choices(
                document.agency_id)
        if document.direction == "out":
            self.fields["due_date"].label = "Hạn trả lời"
        else:
            self.fields["dispatched_on"].help_text = "Ngày chuyển văn bản cho đơn vị, người nhận."
        if not self.is_bound:
            self.initial.update(self._initial_for(document))

    def _initial_for(self, document) -> dict:
        def date(value):
            return value.strftime("%d/%m/%Y") if value else ""

        values = {
            "subject": document.subject, "signer": document.signer, "signer_title": document.signer_title,
            "urgency": document.urgency, "pages": "" if document.pages is None else str(document.pages),
            "due_date": date(document.due_date), "dispatched_on": date(document.dispatched_on),
            "receiving_department_id": str(document.receiving_department_id or ""),
            "receiving_official_id": str(document.receiving_official_id or ""),
            "copies": "" if document.copies is None else str(document.copies), "notes": document.notes,
        }
        return {k: v for k, v in values.items() if k in self.fields}

    def changes(self) -> dict:
        """What to hand to `document_update`: the fields the request carried. A field missing from the
        request is left alone rather than cleared."""
        self.is_valid()  # plain optional text fields: this only collects the stripped values
        return {name: self.cleaned_data.get(name, "") for name in self.fields if name in self.data}

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            self.add_error(name if name in self.fields else None, message)
