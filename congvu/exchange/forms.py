"""The registration form of a document received electronically: the sender's metadata is shown, the
clerk sets what the receiving agency decides (unit, person, due date, notes)."""

from typing import ClassVar

from django import forms

from congvu.documents.forms import (
    _date_input,
    _department_choices,
    _official_choices,
    _ServiceChoiceField,
    _type_choices,
)
from congvu.documents.models import Urgency


class InboxRegisterForm(forms.Form):
    doc_type = _ServiceChoiceField(label="Loại văn bản")
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    urgency = _ServiceChoiceField(label="Độ khẩn", choices=Urgency.choices)
    due_date = forms.CharField(label="Hạn xử lý", widget=_date_input())
    receiving_department_id = _ServiceChoiceField(label="Đơn vị nhận")
    receiving_official_id = _ServiceChoiceField(label="Người nhận")
    notes = forms.CharField(label="Ghi chú", widget=forms.Textarea(attrs={"rows": 2}))

    FIELDS: ClassVar[tuple[str, ...]] = ("doc_type", "subject", "urgency", "due_date", "receiving_department_id",
                                         "receiving_official_id", "notes")

    def __init__(self, *args, agency_id: int, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        self.fields["doc_type"].choices = _type_choices()
        self.fields["receiving_department_id"].choices = _department_choices(agency_id, "— Chưa chọn —")
        self.fields["receiving_official_id"].choices = [("", "— Chưa chọn —")] + _official_choices(agency_id)
        if item is not None and not self.is_bound:
            self.initial.update({
                "doc_type": item.doc_type_code, "subject": item.subject, "urgency": item.urgency,
                "due_date": item.due_date.strftime("%d/%m/%Y") if item.due_date else "",
            })

    def changes(self) -> dict:
        self.is_valid()
        d = self.cleaned_data
        return {
            "doc_type": d.get("doc_type", ""), "subject": d.get("subject", ""), "urgency": d.get("urgency", ""),
            "due_date": d.get("due_date", ""), "notes": d.get("notes", ""),
            "receiving_department_id": d.get("receiving_department_id") or None,
            "receiving_official_id": d.get("receiving_official_id") or None,
        }

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            self.add_error(name if name in self.fields else None, message)


class UpdateSendForm(forms.Form):
    """The sender's update of an issued document sent electronically (QCVN 102 business 2): the corrected
    metadata (prefilled with the current values) and, if chosen, new files replacing the document's files."""

    reason = forms.CharField(label="Lý do cập nhật", widget=forms.Textarea(attrs={"rows": 2}))
    subject = forms.CharField(label="Trích yếu", widget=forms.Textarea(attrs={"rows": 3}))
    signer = forms.CharField(label="Người ký")
    signer_title = forms.CharField(label="Chức vụ người ký")
    pages = forms.CharField(label="Số trang")
    due_date = forms.CharField(label="Hạn trả lời", widget=_date_input())

    FIELDS: ClassVar[tuple[str, ...]] = ("subject", "signer", "signer_title", "pages", "due_date")

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        self.document = document
        if document is not None and not self.is_bound:
            self.initial.update({
                "subject": document.subject, "signer": document.signer, "signer_title": document.signer_title,
                "pages": document.pages or "",
                "due_date": document.due_date.strftime("%d/%m/%Y") if document.due_date else "",
            })

    def changes(self) -> dict:
        """The fields whose submitted value differs from the document's (the service validates them)."""
        self.is_valid()
        d = self.cleaned_data
        current = {"subject": self.document.subject, "signer": self.document.signer,
                   "signer_title": self.document.signer_title, "pages": str(self.document.pages or ""),
                   "due_date": self.document.due_date.strftime("%d/%m/%Y") if self.document.due_date else ""}
        return {k: d.get(k, "") for k in self.FIELDS if str(d.get(k, "")).strip() != current[k]}

    def add_service_errors(self, fields: dict[str, str]) -> None:
        for name, message in fields.items():
            self.add_error(name if name in self.fields else None, message)
