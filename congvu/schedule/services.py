"""Every write to the weekly schedule: create, correct, publish, cancel an entry, publish a whole week,
and make an entry from a registered invitation (Giấy mời).

Each service is one transaction that checks who is acting, validates everything before writing, writes
the entry with its links and journals the change. A refused call changes nothing.
"""

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.documents.models import Direction, Document, Secrecy
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency, Department, Official, Role
from congvu.schedule.models import EntryStatus, ScheduleEntry
from congvu.schedule.selectors import can_keep_schedule, week_bounds

# Decree 30/2020 Annex III: the document type of an invitation.
INVITATION_TYPE_CODE = "giay_moi"

TITLE_MAX = 500
PLACE_MAX = 300


@dataclass
class ScheduleEntryData:
    """What someone keeping the schedule types (or the API sends) for one entry.

    `start`/`end` are moments: aware datetimes, naive ones (read as local time) or ISO 8601 text."""

    start: dt.datetime | str | None = None
    end: dt.datetime | str | None = None
    title: str = ""
    content: str = ""
    place: str = ""
    chair_id: int | str | None = None
    chair_text: str = ""
    attendee_official_ids: list = field(default_factory=list)
    attendee_department_ids: list = field(default_factory=list)
    attendees_text: str = ""
    preparing_department_id: int | str | None = None
    preparing_text: str = ""
    document_ids: list = field(default_factory=list)


@dataclass
class _Clean:
    start: dt.datetime
    end: dt.datetime | None
    title: str
    content: str
    place: str
    chair: Official | None
    chair_text: str
    officials: list[Official]
    departments: list[Department]
    attendees_text: str
    preparing_department: Department | None
    preparing_text: str
    documents: list[Document]


# --- validation --------------------------------------------------------------------------------

def _line(value) -> str:
    """One line of text: NFC, control and invisible characters dropped, whitespace collapsed."""
    text = "".join(ch for ch in nfc(str(value or "")) if unicodedata.category(ch) not in ("Cf", "Cc"))
    return " ".join(text.split())


def _block(value) -> str:
    """Several lines of text: each line cleaned like `_line`, empty lines at the ends dropped."""
    lines = [_line(part) for part in nfc(str(value or "")).replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _to_id(value) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


def parse_moment(value, *, field_name: str, errors: dict, required: bool = False) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; naive values are local (Asia/Ho_Chi_Minh)."""
    if value in (None, ""):
        if required:
            errors[field_name] = "Vui lòng nhập thời gian."
        return None
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            errors[field_name] = f"Thời gian “{value}” không hợp lệ; dùng dạng 2026-11-23T08:00."
            return None
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        moment = dt.datetime.combine(value, dt.time(7, 30))
    if not isinstance(moment, dt.datetime):
        errors[field_name] = "Thời gian không hợp lệ."
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.replace(microsecond=0)


def _ids(values, *, field_name: str, errors: dict) -> set[int]:
    raw = [v for v in (values or []) if str(v).strip()]
    ids = {_to_id(v) for v in raw}
    if None in ids:
        errors[field_name] = "Mã không hợp lệ."
        return set()
    return ids


def _members(agency: Agency, ids: set[int], *, role: str | None = None):
    qs = Official.objects.filter(pk__in=ids, memberships__agency=agency, memberships__active=True)
    if role:
        qs = qs.filter(memberships__role=role)
    return list(qs.distinct())


def _clean(*, actor, agency: Agency, data: ScheduleEntryData, hidden_ids: frozenset[int] = frozenset()) -> _Clean:
    """`hidden_ids`: documents already linked to the entry that `actor` may not see. They stay linked (he does
    not know of them, so leaving them out of his list is no request to unlink them)."""
    errors: dict[str, str] = {}
    start = parse_moment(data.start, field_name="start", errors=errors, required=True)
    end = parse_moment(data.end, field_name="end", errors=errors)
    if start and end and end < start:
        errors["end"] = "Thời gian kết thúc không được trước thời gian bắt đầu."
    title = _block(data.title)
    if not title:
        errors["title"] = "Vui lòng nhập nội dung công việc."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Nội dung dài quá {TITLE_MAX} ký tự."
    place = _line(data.place)
    if len(place) > PLACE_MAX:
        errors["place"] = f"Địa điểm dài quá {PLACE_MAX} ký tự."
    chair_text = _line(data.chair_text)[:200]
    preparing_text = _line(data.preparing_text)[:200]

    chair = None
    if data.chair_id not in (None, ""):
        chair_id = _to_id(data.chair_id)
        found = _members(agency, {chair_id}, role=Role.LEADER) if chair_id else []
        if not found:
            errors["chair_id"] = "Người chủ trì phải là lãnh đạo đang công tác tại cơ quan."
        else:
            chair = found[0]

    official_ids = _ids(data.attendee_official_ids, field_name="attendee_official_ids", errors=errors)
    officials = _members(agency, official_ids) if official_ids else []
    if len(officials) != len(official_ids):
        errors["attendee_official_ids"] = "Có người dự không thuộc cơ quan."

    dept_ids = _ids(data.attendee_department_ids, field_name="attendee_department_ids", errors=errors)
    departments = list(Department.objects.filter(pk__in=dept_ids, agency=agency, active=True)) if dept_ids else []
    if len(departments) != len(dept_ids):
        errors["attendee_department_ids"] = "Có đơn vị dự không thuộc cơ quan."

    preparing = None
    if data.preparing_department_id not in (None, ""):
        pk = _to_id(data.preparing_department_id)
        preparing = Department.objects.filter(pk=pk, agency=agency, active=True).first() if pk else None
        if preparing is None:
            errors["preparing_department_id"] = "Đơn vị chuẩn bị không thuộc cơ quan."

    doc_ids = _ids(data.document_ids, field_name="document_ids", errors=errors) - hidden_ids
    documents = list(visible_documents(actor).filter(pk__in=doc_ids, agency=agency)) if doc_ids else []
    if len(documents) != len(doc_ids):
        # A document the actor may not see is reported like one that does not exist.
        errors["document_ids"] = "Có văn bản không tồn tại hoặc bạn không có quyền xem."
    documents += list(Document.objects.filter(pk__in=hidden_ids))

    if errors:
        raise ValidationFailed("Thông tin lịch công tác chưa hợp lệ.", fields=errors)
    return _Clean(start=start, end=end, title=title, content=_block(data.content), place=place, chair=chair,
                  chair_text="" if chair else chair_text, officials=officials, departments=departments,
                  attendees_text=_block(data.attendees_text), preparing_department=preparing,
                  preparing_text=preparing_text, documents=documents)


def _require_keeper(actor, agency_id: int) -> None:
    if not can_keep_schedule(actor, agency_id):
        raise PermissionDenied("Chỉ lãnh đạo, văn thư và quản trị cơ quan được lập lịch công tác.")


def entry_snapshot(entry: ScheduleEntry) -> dict:
    """What the journal keeps of an entry: its fields and the ids it links to."""
    return {
        # Local time, whichever form the moment arrived in, so before/after compare equal when unchanged.
        "start": timezone.localtime(entry.start).isoformat(),
        "end": timezone.localtime(entry.end).isoformat() if entry.end else None,
        "title": entry.title, "content": entry.content,
        "place": entry.place, "chair_id": entry.chair_id, "chair_text": entry.chair_text,
        "attendee_official_ids": sorted(entry.attendee_officials.values_list("pk", flat=True)),
        "attendee_department_ids": sorted(entry.attendee_departments.values_list("pk", flat=True)),
        "attendees_text": entry.attendees_text, "preparing_department_id": entry.preparing_department_id,
        "preparing_text": entry.preparing_text,
        "document_ids": sorted(entry.documents.values_list("pk", flat=True)),
        "status": entry.status, "cancel_reason": entry.cancel_reason,
    }


def _apply(entry: ScheduleEntry, clean: _Clean) -> None:
    for name in ("start", "end", "title", "content", "place", "chair", "chair_text", "attendees_text",
                 "preparing_department", "preparing_text"):
        setattr(entry, name, getattr(clean, name))


def _link(entry: ScheduleEntry, clean: _Clean) -> None:
    entry.attendee_officials.set(clean.officials)
    entry.attendee_departments.set(clean.departments)
    entry.documents.set(clean.documents)


def _locked(entry: ScheduleEntry) -> ScheduleEntry:
    return ScheduleEntry.objects.select_for_update().get(pk=entry.pk)


# --- services ----------------------------------------------------------------------------------

def schedule_entry_create(*, actor, agency: Agency, data: ScheduleEntryData, publish: bool = False,
                          source_document: Document | None = None) -> ScheduleEntry:
    """Add an entry to the agency's schedule, as a draft or published at once.

    Only leaders, clerks and agency admins of `agency` keep its schedule. The chair must be a leader of
    the agency, attendees its officials or units, linked documents ones `actor` may see."""
    _require_keeper(actor, agency.pk)
    clean = _clean(actor=actor, agency=agency, data=data)
    with transaction.atomic():
        entry = ScheduleEntry(agency=agency, created_by=actor, source_document=source_document)
        _apply(entry, clean)
        if publish:
            entry.status = EntryStatus.PUBLISHED
            entry.published_at = timezone.now()
        entry.save()
        _link(entry, clean)
        journal_record(actor=actor, agency_id=agency.pk, action="schedule.create", obj=entry,
                       after=entry_snapshot(entry))
    return entry


def schedule_entry_update(*, actor, entry: ScheduleEntry, data: ScheduleEntryData) -> ScheduleEntry:
    """Correct an entry (draft or published). A cancelled entry is not edited any more."""
    _require_keeper(actor, entry.agency_id)
    hidden = frozenset(entry.documents.exclude(pk__in=visible_documents(actor).values("pk"))
                       .values_list("pk", flat=True))
    clean = _clean(actor=actor, agency=entry.agency, data=data, hidden_ids=hidden)
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status == EntryStatus.CANCELLED:
            raise Conflict("Lịch đã hủy, không sửa được.")
        before = entry_snapshot(entry)
        _apply(entry, clean)
        entry.save()
        _link(entry, clean)
        after = entry_snapshot(entry)
        if after != before:
            changed = [k for k in after if after[k] != before[k]]
            journal_record(actor=actor, agency_id=entry.agency_id, action="schedule.update", obj=entry,
                           before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return entry


def schedule_entry_publish(*, actor, entry: ScheduleEntry) -> ScheduleEntry:
    """Publish a draft: everyone in the agency sees it from now on."""
    _require_keeper(actor, entry.agency_id)
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status != EntryStatus.DRAFT:
            raise Conflict(f"Lịch đang ở trạng thái “{entry.get_status_display()}”, không công bố được.")
        entry.status = EntryStatus.PUBLISHED
        entry.published_at = timezone.now()
        entry.save(update_fields=["status", "published_at", "updated_at"])
        journal_record(actor=actor, agency_id=entry.agency_id, action="schedule.publish", obj=entry,
                       before={"status": EntryStatus.DRAFT}, after={"status": EntryStatus.PUBLISHED})
    return entry


def schedule_entry_cancel(*, actor, entry: ScheduleEntry, reason: str) -> ScheduleEntry:
    """Call an entry off, with the reason shown in the week. The entry stays in the week, struck out."""
    _require_keeper(actor, entry.agency_id)
    reason = _line(reason)
    if not reason:
        raise ValidationFailed("Vui lòng nhập lý do hủy lịch.", fields={"reason": "Vui lòng nhập lý do hủy."})
    if len(reason) > 500:
        raise ValidationFailed("Lý do hủy dài quá 500 ký tự.", fields={"reason": "Dài quá 500 ký tự."})
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status == EntryStatus.CANCELLED:
            raise Conflict("Lịch này đã được hủy trước đó.")
        before = entry.status
        entry.status = EntryStatus.CANCELLED
        entry.cancel_reason = reason
        entry.save(update_fields=["status", "cancel_reason", "updated_at"])
        journal_record(actor=actor, agency_id=entry.agency_id, action="schedule.cancel", obj=entry,
                       before={"status": before}, after={"status": EntryStatus.CANCELLED, "cancel_reason": reason})
    return entry


def schedule_week_publish(*, actor, agency: Agency, week: str) -> int:
    """Publish every draft of one ISO week ("2026-W48") at once; returns how many were published."""
    _require_keeper(actor, agency.pk)
    start, end = week_bounds(week)
    with transaction.atomic():
        drafts = list(ScheduleEntry.objects.select_for_update()
                      .filter(agency=agency, status=EntryStatus.DRAFT, start__gte=start, start__lt=end)
                      .order_by("start", "pk"))
        now = timezone.now()
        for entry in drafts:
            entry.status = EntryStatus.PUBLISHED
            entry.published_at = now
            entry.save(update_fields=["status", "published_at", "updated_at"])
        if drafts:
            journal_record(actor=actor, agency_id=agency.pk, action="schedule.publish_week",
                           object_type="schedule.week", object_id=week,
                           after={"entry_ids": [e.pk for e in drafts]})
    return len(drafts)


def invitation_check(*, actor, document: Document) -> None:
    """Raise unless `document` is an incoming invitation `actor` may see and turn into an entry."""
    if not visible_documents(actor).filter(pk=document.pk).exists():
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    if document.direction != Direction.INCOMING or document.doc_type.code != INVITATION_TYPE_CODE:
        raise ValidationFailed("Chỉ giấy mời đã vào sổ văn bản đến mới tạo được lịch công tác.",
                               fields={"document": "Văn bản này không phải giấy mời đến."})
    _require_keeper(actor, document.agency_id)


def invitation_prefill(document: Document) -> ScheduleEntryData:
    """The entry an invitation suggests: its subject as the title, the invitation linked, who invites.
    A secret invitation suggests no title: the whole agency reads the schedule, few may read the subject."""
    ref = document.number_notation
    origin = f"Giấy mời {'số ' + ref + ' ' if ref else ''}của {document.issuer}"
    if document.issued_date:
        origin += f" ngày {document.issued_date:%d/%m/%Y}"
    title = document.subject if document.secrecy == Secrecy.NORMAL else ""
    return ScheduleEntryData(title=title, content=origin + ".", document_ids=[document.pk])


def schedule_entry_from_document(*, actor, document: Document, start, place: str = "", end=None,
                                 data: ScheduleEntryData | None = None, publish: bool = False) -> ScheduleEntry:
    """Make an entry of the document's agency from a registered incoming invitation (Giấy mời).

    The invitation's subject becomes the title and the invitation is linked; `data` (the form, when the
    person completed it) overrides that prefill, and the invitation stays linked in any case. `start`
    and `place` are the meeting's; the invitation's agency is the schedule's."""
    invitation_check(actor=actor, document=document)
    values = data or invitation_prefill(document)
    values.start = start
    if place:
        values.place = place
    if end is not None:
        values.end = end
    if not _line(values.title) and document.secrecy == Secrecy.NORMAL:
        values.title = document.subject
    ids = [i for i in (values.document_ids or []) if str(i).strip()]
    if str(document.pk) not in {str(i).strip() for i in ids}:
        ids.append(document.pk)
    values.document_ids = ids
    return schedule_entry_create(actor=actor, agency=document.agency, data=values, publish=publish,
                                 source_document=document)
