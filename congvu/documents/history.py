"""A document's history as its detail page shows it: the journal rows about it, in Vietnamese, with the
before → after values of each correction."""

import datetime as dt
from dataclasses import dataclass, field

from congvu.audit.models import JournalEntry
from congvu.core.errors import NotFound
from congvu.documents.models import Direction, Document, DocumentStatus, Urgency
from congvu.documents.selectors import visible_documents
from congvu.documents.services import EDITABLE_FIELDS
from congvu.org.models import Department, Official

ACTION_LABELS = {
    "document.register_incoming": "Vào sổ văn bản đến",
    "document.register_outgoing": "Cấp số văn bản đi",
    "document.update": "Sửa thông tin văn bản",
    "document.updated_by_sender": "Nơi gửi cập nhật văn bản (phiên bản trước được lưu)",
    "document.replaced_by_sender": "Nơi gửi thay thế văn bản",
    "document.update_sent": "Gửi cập nhật văn bản đến nơi nhận",
    "document.replace_sent": "Gửi văn bản thay thế đến nơi nhận",
    "document.recalled": "Đã đồng ý cho nơi gửi thu hồi",
    "document.recall_accepted": "Nơi nhận đồng ý thu hồi",
    "document.recall_refused": "Nơi nhận từ chối thu hồi",
    "document.view": "Mở xem văn bản mật",
    "document.download": "Tải tệp đính kèm",
    "document.print": "In sổ văn bản mật có văn bản này",
    "document.dispatch": "Phát hành văn bản",
    "document.returned_by_recipient": "Nơi nhận trả lại văn bản",
    "document.copy_received": "Nhận thêm một bản (kênh khác), gắn vào văn bản",
    "document.access_grant": "Cho phép xem văn bản",
}

# How the journal's before/after keys read on the page (the labels of the registration forms).
FIELD_LABELS = {
    "subject": "Trích yếu", "signer": "Người ký", "signer_title": "Chức vụ người ký", "urgency": "Độ khẩn",
    "pages": "Số trang", "due_date": "Hạn xử lý", "receiving_department_id": "Đơn vị nhận",
    "receiving_official_id": "Người nhận", "dispatched_on": "Ngày chuyển", "copies": "Số lượng bản",
    "notes": "Ghi chú", "status": "Trạng thái",
}

# Fields whose journal values are ids, shown by the name of what they point to.
_NAMED_IDS = {"receiving_department_id": (Department, "name"), "receiving_official_id": (Official, "full_name")}


@dataclass
class HistoryEntry:
    label: str
    created_at: dt.datetime
    actor_name: str  # the official's full name; the login of a user who is no official; "hệ thống"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, before, after)


def document_history(*, user, document: Document) -> list[HistoryEntry]:
    """The journal of `document`, oldest first, for its detail page.

    Raises NotFound when `user` may not see the document. Corrections carry their changed fields as
    (label, before, after), values written as the page shows them: dd/mm/yyyy dates, Vietnamese
    urgency and status names, names instead of ids, "(trống)" for an empty value. The actor is named by
    the official's full name, read now (the journal keeps the login it wrote, untouched)."""
    if not visible_documents(user).filter(pk=document.pk).exists():
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    journal = list(JournalEntry.objects.filter(object_type="documents.document", object_id=str(document.pk))
                   .order_by("created_at", "pk"))
    shown = _value_formatter(journal)
    full_names = _full_names(journal)
    order = list(EDITABLE_FIELDS) + ["status"]
    labels = FIELD_LABELS | ({"due_date": "Hạn trả lời"} if document.direction == Direction.OUTGOING else {})
    history = []
    for e in journal:
        entry = HistoryEntry(label=ACTION_LABELS.get(e.action, e.action), created_at=e.created_at,
                             actor_name=full_names.get(e.actor_id) or e.actor_name)
        if e.action == "document.update" and (e.before or e.after):
            before, after = e.before or {}, e.after or {}
            keys = sorted(set(before) | set(after), key=lambda k: order.index(k) if k in order else len(order))
            entry.changes = [(labels.get(k, k), shown(k, before.get(k)), shown(k, after.get(k))) for k in keys]
        history.append(entry)
    return history


def _full_names(journal: list[JournalEntry]) -> dict[int, str]:
    """User id → full name of the official, for the actors of these journal rows (one query)."""
    ids = {e.actor_id for e in journal if e.actor_id}
    if not ids:
        return {}
    return dict(Official.objects.filter(user_id__in=ids).exclude(full_name="").values_list("user_id", "full_name"))


def _value_formatter(journal: list[JournalEntry]):
    """shown(key, value) → the text of a journaled value; names of ids are read in one query per kind."""
    ids: dict[str, set] = {key: set() for key in _NAMED_IDS}
    for e in journal:
        if e.action != "document.update":
            continue
        for values in (e.before or {}, e.after or {}):
            for key, found in ids.items():
                if values.get(key):
                    found.add(values[key])
    names = {key: dict(model.objects.filter(pk__in=ids[key]).values_list("pk", attr)) if ids[key] else {}
             for key, (model, attr) in _NAMED_IDS.items()}

    def shown(key, value) -> str:
        if value in (None, ""):
            return "(trống)"
        if key in ("due_date", "dispatched_on"):
            try:
                return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            except (TypeError, ValueError):
                return str(value)
        if key == "urgency":
            return Urgency(value).label if value in Urgency.values else str(value)
        if key == "status":
            return DocumentStatus(value).label if value in DocumentStatus.values else str(value)
        if key in names:
            return names[key].get(value, f"#{value}")
        return str(value)

    return shown
