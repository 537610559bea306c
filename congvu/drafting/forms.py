"""Page forms of drafting. Like the registry's forms they only collect and redisplay what was typed: the
services check every rule and their per-field messages are put back beside the fields."""

from typing import ClassVar

from django import forms
from django.utils import timezone

from congvu.documents.forms import (
    _date_input,
    _department_choices,
    _RegistrationForm,
    _ServiceChoiceField,
    _ServiceMultipleChoiceField,
    _type_choices,
)
from congvu.documents.models import Secrecy, Urgency
from congvu.drafting.services import DraftData
from congvu.org.models import Agency


def _agency_choices(agency_id: int):
    from congvu.core.folding import vi_sort_key

    today = timezone.localdate()  # agencies dissolved or merged away receive nothing new
    current = Agency.objects.exclude(pk=agency_id).exclude(active_to__lt=today)
    return [(str(a.pk), a.name) for a in sorted(current, key=lambda a: vi_sort_key(a.name))]


class DraftForm(_RegistrationForm):
    """Creating a draft (with its first file) or recording a new version of it."""

    doc_type = _ServiceChoiceField(label="Loại văn bản")
    drafting_department_id = _ServiceChoiceField(label="Đơn vị soạn thảo")
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    urgency = _ServiceChoiceField(label="Độ khẩn", choices=Urgency.choices, initial=Urgency.NORMAL)
    secrecy = _ServiceChoiceField(label="Độ mật", choices=Secrecy.choices, initial=Secrecy.NORMAL)
    signer = forms.CharField(label="Người ký", max_length=100, help_text="Để trống: lãnh đạo ký duyệt là người ký.")
    signer_title = forms.CharField(label="Chức vụ người ký", max_length=200,
                                   widget=forms.TextInput(attrs={"placeholder": "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"}))
    due_date = forms.CharField(label="Hạn trả lời", widget=_date_input())
    recipient_agency_ids = _ServiceMultipleChoiceField(label="Nơi nhận trong hệ thống",
                                                       help_text="Giữ Ctrl để chọn nhiều cơ quan.")
    recipient_names = forms.CharField(label="Nơi nhận khác", widget=forms.Textarea(attrs={
        "rows": 3, "placeholder": "Mỗi nơi nhận một dòng, ví dụ: Sở Nội vụ tỉnh Quảng Nam"}))
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label="Ghi chú phiên bản", max_length=2000,
                           widget=forms.TextInput(attrs={"placeholder": "Ví dụ: sửa theo ý kiến trưởng phòng"}))
    reply_to = forms.CharField(widget=forms.HiddenInput)

    SERVICE_ALIASES: ClassVar[dict[str, str]] = {"recipients": "recipient_names", "file": "attachments"}

    def __init__(self, *args, agency_id: int, **kwargs):
        super().__init__(*args, agency_id=agency_id, **kwargs)
        self.fields["doc_type"].choices = _type_choices()
        self.fields["drafting_department_id"].choices = _department_choices(agency_id, "— Đơn vị của tôi —")
        self.fields["recipient_agency_ids"].choices = _agency_choices(agency_id)
        if not self.is_bound:
            self.initial.setdefault("doc_type", "cong_van")

    def draft_data(self) -> DraftData:
        d = self.cleaned_data
        return DraftData(
            doc_type=d.get("doc_type", ""), subject=d.get("subject", ""), urgency=d.get("urgency", ""),
            secrecy=d.get("secrecy", ""), signer=d.get("signer", ""), signer_title=d.get("signer_title", ""),
            drafting_department_id=d.get("drafting_department_id") or None,
            recipient_agency_ids=d.get("recipient_agency_ids") or [],
            recipient_names=[line.strip() for line in (d.get("recipient_names") or "").splitlines() if line.strip()],
            due_date=d.get("due_date", ""), notes=d.get("notes", ""),
        )

    @staticmethod
    def initial_of(draft) -> dict:
        return {
            "doc_type": draft.doc_type.code, "drafting_department_id": str(draft.drafting_department_id),
            "subject": draft.subject, "urgency": draft.urgency, "secrecy": draft.secrecy, "signer": draft.signer,
            "signer_title": draft.signer_title,
            "due_date": draft.due_date.strftime("%d/%m/%Y") if draft.due_date else "",
            "recipient_agency_ids": [str(i) for i in draft.recipient_agency_ids],
            "recipient_names": "\n".join(draft.recipient_names), "notes": draft.notes,
        }


class PolicyForm(forms.Form):
    allow_self_approval = forms.BooleanField(
        label="Cho phép lãnh đạo ký duyệt dự thảo do chính mình soạn", required=False)
