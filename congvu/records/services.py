"""Every write of the records app: retention schedule versions, the yearly file plan (danh mục hồ sơ),
case files (hồ sơ công việc) and transfers to the agency archive (nộp lưu).

Each service is keyword-only and one transaction: it checks who acts, validates (Vietnamese messages,
per field where a form has the field), locks the rows it changes, writes, and journals through
`journal_record` in the same transaction. On any error nothing is written.
"""

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.documents.selectors import visible_documents
from congvu.org.models import Agency, Department, Membership, Official
from congvu.org.selectors import official_for_user
from congvu.records import rules, selectors
from congvu.records.models import (
    ArchiveTransfer,
    CaseFile,
    CaseFileDocument,
    FilePlan,
    FilePlanEntry,
    FilePlanHeading,
    Numbering,
    RetentionItem,
    RetentionSchedule,
)
from congvu.workflow.selectors import open_work_count

MAX_RETENTION_YEARS = 100

# --- small validators ----------------------------------------------------------------------------


def _clean(value) -> str:
    """NFC, invisible format and control characters removed, whitespace runs collapsed."""
    text = "".join(ch for ch in nfc(str(value if value is not None else ""))
                   if unicodedata.category(ch) not in ("Cf", "Cc"))
    return " ".join(text.split())


def _text(value, *, field: str, label: str, errors: dict, required=False, max_length: int) -> str:
    text = _clean(value)
    if required and not text:
        errors[field] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[field] = f"{label[:1].upper()}{label[1:]} dài quá {max_length} ký tự."
    return text


def _to_id(value) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "on", "yes", "có"}


def _date(value, *, field: str, errors: dict, required=False) -> dt.date | None:
    try:
        return parse_vn_date(value, field=field, required=required)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        return None


def _member_official(agency_id: int, value, *, field: str, label: str, errors: dict) -> Official | None:
    """An official who holds an active position in the agency, from an id typed or sent."""
    if value in (None, ""):
        return None
    pk = _to_id(value)
    official = (Official.objects.filter(pk=pk, memberships__agency_id=agency_id, memberships__active=True)
                .distinct().first() if pk else None)
    if official is None:
        errors[field] = f"{label[:1].upper()}{label[1:]} không thuộc cơ quan."
    return official


def _agency_department(agency_id: int, value, *, field: str, label: str, errors: dict) -> Department | None:
    if value in (None, ""):
        return None
    pk = _to_id(value)
    dept = Department.objects.filter(pk=pk, agency_id=agency_id, active=True).first() if pk else None
    if dept is None:
        errors[field] = f"{label[:1].upper()}{label[1:]} không thuộc cơ quan."
    return dept


def _department_of(official: Official | None, agency_id: int) -> Department | None:
    if official is None:
        return None
    m = (Membership.objects.filter(official=official, agency_id=agency_id, active=True, department__isnull=False)
         .select_related("department").order_by("pk").first())
    return m.department if m else None


@dataclass
class Retention:
    years: int | None
    permanent: bool
    item: RetentionItem | None


def _retention(*, item_id, years, permanent, schedule: RetentionSchedule | None, errors: dict) -> Retention | None:
    """Retention from a schedule item, or typed (N years or permanent); exactly one way."""
    permanent = _flag(permanent)
    typed_years = years not in (None, "")
    if item_id not in (None, ""):
        if typed_years or permanent:
            errors["retention_item_id"] = ("Chọn một mục trong bảng thời hạn bảo quản hoặc nhập thời hạn, "
                                           "không chọn cả hai.")
            return None
        pk = _to_id(item_id)
        item = RetentionItem.objects.filter(pk=pk, schedule=schedule).first() if pk and schedule else None
        if item is None:
            errors["retention_item_id"] = "Mục thời hạn bảo quản không có trong bảng đang áp dụng."
            return None
        return Retention(item.years, item.permanent, item)
    if permanent:
        if typed_years:
            errors["retention_years"] = "Hồ sơ bảo quản vĩnh viễn thì không ghi số năm."
            return None
        return Retention(None, True, None)
    if not typed_years:
        errors["retention_years"] = "Vui lòng chọn thời hạn bảo quản: một mục của bảng, số năm, hoặc vĩnh viễn."
        return None
    try:
        n = int(str(years).strip())
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_RETENTION_YEARS:
        errors["retention_years"] = f"Thời hạn bảo quản phải là số năm từ 1 đến {MAX_RETENTION_YEARS}."
        return None
    return Retention(n, False, None)


# --- retention schedule (system-wide data, the system administrator's) --------------------------

def _require_superuser(actor) -> None:
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa bảng thời hạn bảo quản.")


def _schedule_snapshot(s: RetentionSchedule) -> dict:
    return {"code": s.code, "name": s.name, "legal_basis": s.legal_basis, "valid_from": s.valid_from,
            "valid_to": s.valid_to, "notes": s.notes}


def _check_no_overlap(*, valid_from: dt.date, valid_to: dt.date | None, exclude_pk: int | None,
                      errors: dict) -> None:
    qs = RetentionSchedule.objects.exclude(pk=exclude_pk)
    for other in qs:
        other_end = other.valid_to or dt.date.max
        if valid_from <= other_end and (valid_to or dt.date.max) >= other.valid_from:
            errors["valid_from"] = (f"Thời gian áp dụng trùng với {other.legal_basis} "
                                    f"({format_vn_date(other.valid_from)}–{format_vn_date(other.valid_to) or 'nay'}).")
            return


def retention_schedule_create(*, actor, code: str, name: str, legal_basis: str, valid_from, valid_to=None,
                              notes: str = "") -> RetentionSchedule:
    """A new version of the retention schedule. The version in force without an end date that began
    earlier is ended the day before; any other overlap is refused, so one version is in force on a day."""
    _require_superuser(actor)
    errors: dict[str, str] = {}
    code = _text(code, field="code", label="mã", errors=errors, required=True, max_length=40)
    name = _text(name, field="name", label="tên bảng", errors=errors, required=True, max_length=300)
    legal_basis = _text(legal_basis, field="legal_basis", label="căn cứ", errors=errors, required=True,
                        max_length=120)
    notes = _text(notes, field="notes", label="ghi chú", errors=errors, max_length=2000)
    start = _date(valid_from, field="valid_from", errors=errors, required=True)
    end = _date(valid_to, field="valid_to", errors=errors)
    if start and end and end < start:
        errors["valid_to"] = "“Áp dụng đến” không được trước “Áp dụng từ”."
    if code and RetentionSchedule.objects.filter(code=code).exists():
        errors["code"] = f"Mã “{code}” đã có."
    if errors:
        raise ValidationFailed("Thông tin bảng thời hạn bảo quản chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        previous = (RetentionSchedule.objects.select_for_update()
                    .filter(valid_to__isnull=True, valid_from__lt=start).order_by("-valid_from").first())
        if previous is not None:
            before = _schedule_snapshot(previous)
            previous.valid_to = start - dt.timedelta(days=1)
            previous.save(update_fields=["valid_to"])
        _check_no_overlap(valid_from=start, valid_to=end, exclude_pk=None, errors=errors)
        if errors:
            raise ValidationFailed("Thông tin bảng thời hạn bảo quản chưa hợp lệ.", fields=errors)
        if previous is not None:
            journal_record(actor=actor, agency_id=None, action="retention_schedule.end", obj=previous,
                           before={"valid_to": before["valid_to"]}, after={"valid_to": previous.valid_to})
        schedule = RetentionSchedule.objects.create(code=code, name=name, legal_basis=legal_basis, valid_from=start,
                                                    valid_to=end, notes=notes)
        journal_record(actor=actor, agency_id=None, action="retention_schedule.create", obj=schedule,
                       after=_schedule_snapshot(schedule))
    return schedule


def retention_schedule_update(*, actor, schedule: RetentionSchedule, changes: dict) -> RetentionSchedule:
    """Correct a version's name, basis, notes or end date (its start and code stay)."""
    _require_superuser(actor)
    allowed = {"name", "legal_basis", "notes", "valid_to"}
    if unknown := set(changes) - allowed:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    errors: dict[str, str] = {}
    clean: dict = {}
    labels = {"name": ("tên bảng", 300, True), "legal_basis": ("căn cứ", 120, True), "notes": ("ghi chú", 2000, False)}
    for key, value in changes.items():
        if key == "valid_to":
            clean[key] = _date(value, field=key, errors=errors)
        else:
            label, limit, required = labels[key]
            clean[key] = _text(value, field=key, label=label, errors=errors, required=required, max_length=limit)
    with transaction.atomic():
        locked = RetentionSchedule.objects.select_for_update().get(pk=schedule.pk)
        if "valid_to" in clean:
            if clean["valid_to"] and clean["valid_to"] < locked.valid_from:
                errors["valid_to"] = "“Áp dụng đến” không được trước “Áp dụng từ”."
            elif "valid_to" not in errors:
                _check_no_overlap(valid_from=locked.valid_from, valid_to=clean["valid_to"], exclude_pk=locked.pk,
                                  errors=errors)
                if "valid_from" in errors:
                    errors["valid_to"] = errors.pop("valid_from")
        if errors:
            raise ValidationFailed("Thông tin bảng thời hạn bảo quản chưa hợp lệ.", fields=errors)
        before = _schedule_snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        after = _schedule_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        journal_record(actor=actor, agency_id=None, action="retention_schedule.update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


def _item_snapshot(item: RetentionItem) -> dict:
    return {"schedule_id": item.schedule_id, "code": item.code, "title": item.title, "years": item.years,
            "permanent": item.permanent, "source": item.source}


def _item_values(*, code, title, years, permanent, source, errors: dict) -> dict:
    values = {
        "code": _text(code, field="code", label="số thứ tự", errors=errors, required=True, max_length=20),
        "title": _text(title, field="title", label="tên nhóm hồ sơ, tài liệu", errors=errors, required=True,
                       max_length=500),
        "source": _text(source, field="source", label="nguồn", errors=errors, max_length=300),
    }
    r = _retention(item_id=None, years=years, permanent=permanent, schedule=None, errors=errors)
    if r is not None:
        values.update(years=r.years, permanent=r.permanent)
    return values


def retention_item_create(*, actor, schedule: RetentionSchedule, code: str, title: str, years=None,
                          permanent=False, source: str = "") -> RetentionItem:
    """Add a line to a schedule version. Entries and files already made keep the retention they copied."""
    _require_superuser(actor)
    errors: dict[str, str] = {}
    values = _item_values(code=code, title=title, years=years, permanent=permanent, source=source, errors=errors)
    if not errors and schedule.items.filter(code=values["code"]).exists():
        errors["code"] = f"Mục số “{values['code']}” đã có trong bảng."
    if errors:
        raise ValidationFailed("Mục thời hạn bảo quản chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        position = (schedule.items.aggregate(m=Max("position"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                item = RetentionItem.objects.create(schedule=schedule, position=position, **values)
        except IntegrityError:
            raise ValidationFailed("Mục thời hạn bảo quản chưa hợp lệ.",
                                   fields={"code": f"Mục số “{values['code']}” đã có trong bảng."}) from None
        journal_record(actor=actor, agency_id=None, action="retention_item.create", obj=item,
                       after=_item_snapshot(item))
    return item


def retention_item_update(*, actor, item: RetentionItem, code: str, title: str, years=None, permanent=False,
                          source: str = "") -> RetentionItem:
    """Correct a line of a schedule. Plan entries and case files keep the retention they copied from it."""
    _require_superuser(actor)
    errors: dict[str, str] = {}
    values = _item_values(code=code, title=title, years=years, permanent=permanent, source=source, errors=errors)
    if not errors and item.schedule.items.filter(code=values["code"]).exclude(pk=item.pk).exists():
        errors["code"] = f"Mục số “{values['code']}” đã có trong bảng."
    if errors:
        raise ValidationFailed("Mục thời hạn bảo quản chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        locked = RetentionItem.objects.select_for_update().get(pk=item.pk)
        before = _item_snapshot(locked)
        for key, value in values.items():
            setattr(locked, key, value)
        after = _item_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        journal_record(actor=actor, agency_id=None, action="retention_item.update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


# --- the file plan -------------------------------------------------------------------------------

def _require_plan_editor(actor, agency_id: int) -> None:
    if not selectors.can_edit_plan(actor, agency_id):
        raise PermissionDenied("Chỉ lãnh đạo và quản trị cơ quan được lập và sửa danh mục hồ sơ.")


def _plan_for_editor(actor, plan: FilePlan) -> FilePlan:
    """The plan locked for a change by `actor`: NotFound outside his agencies, PermissionDenied for readers."""
    if plan.agency_id not in selectors.user_access(actor):
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    _require_plan_editor(actor, plan.agency_id)
    return FilePlan.objects.select_for_update().get(pk=plan.pk)


def _plan_snapshot(plan: FilePlan) -> dict:
    return {"agency_id": plan.agency_id, "year": plan.year, "numbering": plan.numbering, "status": plan.status,
            "schedule_id": plan.schedule_id, "decision_ref": plan.decision_ref, "issued_at": plan.issued_at}


def _entry_snapshot(e: FilePlanEntry) -> dict:
    return {"plan_id": e.plan_id, "heading_id": e.heading_id, "ordinal": e.ordinal, "code": e.code,
            "title": e.title, "responsible_department_id": e.responsible_department_id,
            "responsible_official_id": e.responsible_official_id, "retention_item_id": e.retention_item_id,
            "retention_years": e.retention_years, "retention_permanent": e.retention_permanent,
            "retention_schedule_id": e.retention_schedule_id, "notes": e.notes, "supplementary": e.supplementary}


def _heading_snapshot(h: FilePlanHeading) -> dict:
    return {"plan_id": h.plan_id, "code": h.code, "title": h.title, "position": h.position}


def _temp_code() -> str:
    return "~" + uuid.uuid4().hex[:20]


def _renumber(plan: FilePlan) -> None:
    """Give a draft plan's entries their numbers by its rule: headings in order, entries in order within
    each heading; one sequence for the whole plan, or one per heading. Two passes, so that no code is
    ever held by two rows at once (the unique constraint is checked row by row)."""
    entries = list(plan.entries.select_related("heading").order_by("heading__position", "heading_id", "ordinal", "pk"))
    for e in entries:
        e.code = f"~{e.pk}"
    FilePlanEntry.objects.bulk_update(entries, ["code"])
    counters: dict[int, int] = {}
    n = 0
    for e in entries:
        if plan.numbering == Numbering.CONTINUOUS:
            n += 1
            e.ordinal = n
        else:
            counters[e.heading_id] = counters.get(e.heading_id, 0) + 1
            e.ordinal = counters[e.heading_id]
        e.code = rules.file_code(e.ordinal, e.heading.code)
    FilePlanEntry.objects.bulk_update(entries, ["ordinal", "code"])


def _next_ordinal(plan: FilePlan, heading: FilePlanHeading) -> int:
    """The number an entry added to an issued plan takes: after every number in the plan (continuous) or
    in its heading (per heading); numbers already given never change."""
    qs = plan.entries.all() if plan.numbering == Numbering.CONTINUOUS else plan.entries.filter(heading=heading)
    return (qs.aggregate(m=Max("ordinal"))["m"] or 0) + 1


def _valid_year(value, errors: dict) -> int | None:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = 0
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year + 1:
        errors["year"] = f"Năm phải từ 2000 đến {this_year + 1}."
        return None
    return year


def file_plan_create(*, actor, agency: Agency, year, numbering: str = Numbering.CONTINUOUS,
                     copy_from_previous: bool = False) -> FilePlan:
    """Start the agency's file plan of a year as a draft (Decree 30 Art. 28: issued at the start of the year).

    The plan keeps the retention schedule in force on 1 January of its year. `copy_from_previous` copies
    the headings and entries of the year before (numbered afresh, retention items kept only if they
    belong to this schedule, typed otherwise)."""
    _require_plan_editor(actor, agency.pk)
    errors: dict[str, str] = {}
    year = _valid_year(year, errors)
    if numbering not in Numbering.values:
        errors["numbering"] = "Cách đánh số hồ sơ không hợp lệ."
    if errors:
        raise ValidationFailed("Thông tin danh mục hồ sơ chưa hợp lệ.", fields=errors)
    previous = None
    if copy_from_previous:
        previous = FilePlan.objects.filter(agency=agency, year=year - 1).first()
        if previous is None:
            raise ValidationFailed(f"Chưa có danh mục hồ sơ năm {year - 1} để sao chép.",
                                   fields={"copy_from_previous": f"Chưa có danh mục hồ sơ năm {year - 1}."})
    schedule = selectors.retention_schedule_at(dt.date(year, 1, 1))
    with transaction.atomic():
        try:
            with transaction.atomic():
                plan = FilePlan.objects.create(agency=agency, year=year, numbering=numbering, schedule=schedule,
                                               created_by=actor)
        except IntegrityError:
            raise Conflict(f"Danh mục hồ sơ năm {year} của cơ quan đã có.", code="plan_exists") from None
        copied = 0
        if previous is not None:
            copied = _copy_plan(previous, plan)
        journal_record(actor=actor, agency_id=agency.pk, action="file_plan.create", obj=plan,
                       after=_plan_snapshot(plan) | ({"copied_from": previous.pk, "entries": copied}
                                                     if previous else {}))
    return plan


def _copy_plan(source: FilePlan, plan: FilePlan) -> int:
    headings = {}
    for h in source.headings.order_by("position", "pk"):
        headings[h.pk] = FilePlanHeading.objects.create(plan=plan, code=h.code, title=h.title, position=h.position)
    entries = []
    for e in source.entries.select_related("retention_item", "responsible_department").order_by("ordinal", "pk"):
        keep_item = e.retention_item if e.retention_item and e.retention_item.schedule_id == plan.schedule_id else None
        dept = e.responsible_department if e.responsible_department and e.responsible_department.active else None
        official = e.responsible_official_id if e.responsible_official_id and Membership.objects.filter(
            official_id=e.responsible_official_id, agency_id=plan.agency_id, active=True).exists() else None
        entries.append(FilePlanEntry(
            plan=plan, heading=headings[e.heading_id], ordinal=e.ordinal, code=_temp_code(), title=e.title,
            responsible_department=dept, responsible_official_id=official, retention_item=keep_item,
            retention_years=e.retention_years, retention_permanent=e.retention_permanent,
            retention_schedule=keep_item.schedule if keep_item else plan.schedule, notes=e.notes))
    FilePlanEntry.objects.bulk_create(entries)
    _renumber(plan)
    return len(entries)


def file_plan_update(*, actor, plan: FilePlan, changes: dict) -> FilePlan:
    """Change the numbering rule (while a draft: every number is given again) or the issuing decision."""
    if unknown := set(changes) - {"numbering", "decision_ref"}:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    with transaction.atomic():
        locked = _plan_for_editor(actor, plan)
        errors: dict[str, str] = {}
        clean: dict = {}
        if "numbering" in changes:
            if changes["numbering"] not in Numbering.values:
                errors["numbering"] = "Cách đánh số hồ sơ không hợp lệ."
            elif changes["numbering"] != locked.numbering and locked.is_issued:
                errors["numbering"] = "Danh mục đã ban hành: số hồ sơ đã cố định, không đổi cách đánh số."
            else:
                clean["numbering"] = changes["numbering"]
        if "decision_ref" in changes:
            clean["decision_ref"] = _text(changes["decision_ref"], field="decision_ref", label="quyết định ban hành",
                                          errors=errors, max_length=120)
        if errors:
            raise ValidationFailed("Thông tin danh mục hồ sơ chưa hợp lệ.", fields=errors)
        before = _plan_snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        after = _plan_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        if after["numbering"] != before["numbering"]:
            _renumber(locked)
        journal_record(actor=actor, agency_id=locked.agency_id, action="file_plan.update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


def file_plan_issue(*, actor, plan: FilePlan, decision_ref: str = "") -> FilePlan:
    """Issue the plan: its file numbers are fixed from now on, and officers open case files from it."""
    with transaction.atomic():
        locked = _plan_for_editor(actor, plan)
        errors: dict[str, str] = {}
        ref = _text(decision_ref, field="decision_ref", label="quyết định ban hành", errors=errors, max_length=120)
        if errors:
            raise ValidationFailed("Thông tin ban hành chưa hợp lệ.", fields=errors)
        if locked.is_issued:
            raise Conflict(f"Danh mục hồ sơ năm {locked.year} đã được ban hành.", code="plan_issued")
        if not locked.entries.exists():
            raise ValidationFailed("Danh mục chưa có hồ sơ nào; thêm hồ sơ trước khi ban hành.", code="plan_empty")
        before = _plan_snapshot(locked)
        locked.status = FilePlan.Status.ISSUED
        locked.issued_at = timezone.now()
        locked.issued_by = actor
        if ref:
            locked.decision_ref = ref
        locked.save()
        journal_record(actor=actor, agency_id=locked.agency_id, action="file_plan.issue", obj=locked,
                       before={"status": before["status"]},
                       after={"status": locked.status, "issued_at": locked.issued_at,
                              "decision_ref": locked.decision_ref, "entries": locked.entries.count()})
    return locked


def _heading_code(value, errors: dict) -> str:
    code = _clean(value).upper().replace(" ", "")
    if not code:
        errors["code"] = "Vui lòng nhập chữ viết tắt của đề mục (ví dụ TCCB)."
    elif not rules.HEADING_CODE_RE.match(code):
        errors["code"] = "Chữ viết tắt của đề mục chỉ gồm chữ in hoa và chữ số, tối đa 20 ký tự (ví dụ TCCB)."
    return code


def file_plan_heading_add(*, actor, plan: FilePlan, code: str, title: str) -> FilePlanHeading:
    """Add a heading at the end of the plan (also to an issued plan, for files added later)."""
    errors: dict[str, str] = {}
    code = _heading_code(code, errors)
    title = _text(title, field="title", label="tên đề mục", errors=errors, required=True, max_length=300)
    with transaction.atomic():
        locked = _plan_for_editor(actor, plan)
        if code and "code" not in errors and locked.headings.filter(code=code).exists():
            errors["code"] = f"Đề mục “{code}” đã có trong danh mục."
        if errors:
            raise ValidationFailed("Thông tin đề mục chưa hợp lệ.", fields=errors)
        position = (locked.headings.aggregate(m=Max("position"))["m"] or 0) + 1
        heading = FilePlanHeading.objects.create(plan=locked, code=code, title=title, position=position)
        journal_record(actor=actor, agency_id=locked.agency_id, action="file_plan.heading_add", obj=heading,
                       after=_heading_snapshot(heading))
    return heading


def file_plan_heading_update(*, actor, heading: FilePlanHeading, changes: dict) -> FilePlanHeading:
    """Rename a heading; while the plan is a draft also change its code or its place (numbers follow)."""
    if unknown := set(changes) - {"code", "title", "position"}:
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    errors: dict[str, str] = {}
    clean: dict = {}
    if "code" in changes:
        clean["code"] = _heading_code(changes["code"], errors)
    if "title" in changes:
        clean["title"] = _text(changes["title"], field="title", label="tên đề mục", errors=errors, required=True,
                               max_length=300)
    if "position" in changes:
        try:
            clean["position"] = int(str(changes["position"]).strip())
            if not 0 <= clean["position"] <= 10000:
                raise ValueError
        except ValueError:
            errors["position"] = "Thứ tự phải là số nguyên từ 0 đến 10000."
    with transaction.atomic():
        plan = _plan_for_editor(actor, heading.plan)
        locked = FilePlanHeading.objects.select_for_update().get(pk=heading.pk)
        if plan.is_issued:
            if "code" in clean and clean["code"] != locked.code:
                errors["code"] = "Danh mục đã ban hành: số hồ sơ đã cố định, không đổi chữ viết tắt."
            if "position" in clean and clean["position"] != locked.position:
                errors["position"] = "Danh mục đã ban hành: không đổi thứ tự đề mục."
        if "code" in clean and "code" not in errors and \
                plan.headings.filter(code=clean["code"]).exclude(pk=locked.pk).exists():
            errors["code"] = f"Đề mục “{clean['code']}” đã có trong danh mục."
        if errors:
            raise ValidationFailed("Thông tin đề mục chưa hợp lệ.", fields=errors)
        before = _heading_snapshot(locked)
        for key, value in clean.items():
            setattr(locked, key, value)
        after = _heading_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        if after["code"] != before["code"] or after["position"] != before["position"]:
            _renumber(plan)
        journal_record(actor=actor, agency_id=plan.agency_id, action="file_plan.heading_update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


def file_plan_heading_remove(*, actor, heading: FilePlanHeading) -> None:
    """Remove an empty heading of a draft plan."""
    with transaction.atomic():
        plan = _plan_for_editor(actor, heading.plan)
        if plan.is_issued:
            raise Conflict("Danh mục đã ban hành: không xóa đề mục.", code="plan_issued")
        if heading.entries.exists():
            raise Conflict(f"Đề mục “{heading.code}” còn hồ sơ; chuyển hoặc xóa các hồ sơ đó trước.",
                           code="heading_not_empty")
        snapshot = _heading_snapshot(heading)
        journal_record(actor=actor, agency_id=plan.agency_id, action="file_plan.heading_remove", obj=heading,
                       before=snapshot)
        heading.delete()


@dataclass
class EntryData:
    """What an editor types for one file of the plan (or an officer for a file outside it)."""

    title: str = ""
    responsible_department_id: int | str | None = None
    responsible_official_id: int | str | None = None
    retention_item_id: int | str | None = None
    retention_years: int | str | None = None
    retention_permanent: bool | str = False
    notes: str = ""


def _entry_values(plan: FilePlan, data: EntryData, errors: dict) -> dict:
    schedule = selectors.entry_schedule(plan)
    values = {
        "title": _text(data.title, field="title", label="tiêu đề hồ sơ", errors=errors, required=True,
                       max_length=500),
        "notes": _text(data.notes, field="notes", label="ghi chú", errors=errors, max_length=500),
        "responsible_department": _agency_department(plan.agency_id, data.responsible_department_id,
                                                     field="responsible_department_id", label="đơn vị lập hồ sơ",
                                                     errors=errors),
        "responsible_official": _member_official(plan.agency_id, data.responsible_official_id,
                                                 field="responsible_official_id", label="người lập hồ sơ",
                                                 errors=errors),
    }
    r = _retention(item_id=data.retention_item_id, years=data.retention_years, permanent=data.retention_permanent,
                   schedule=schedule, errors=errors)
    if r is not None:
        values.update(retention_item=r.item, retention_years=r.years, retention_permanent=r.permanent,
                      retention_schedule=r.item.schedule if r.item else schedule)
    return values


def _heading_of(plan: FilePlan, heading_id, errors: dict) -> FilePlanHeading | None:
    pk = _to_id(heading_id)
    heading = plan.headings.filter(pk=pk).first() if pk else None
    if heading is None:
        errors["heading_id"] = "Vui lòng chọn đề mục của danh mục." if heading_id in (None, "") else \
            "Đề mục không thuộc danh mục này."
    return heading


def _create_entry(plan: FilePlan, heading: FilePlanHeading, values: dict, *, supplementary: bool) -> FilePlanEntry:
    """Insert an entry into a locked plan: a draft is renumbered, an issued plan gives the next number."""
    if plan.is_issued:
        ordinal = _next_ordinal(plan, heading)
        entry = FilePlanEntry.objects.create(plan=plan, heading=heading, ordinal=ordinal,
                                             code=rules.file_code(ordinal, heading.code),
                                             supplementary=supplementary, **values)
    else:
        entry = FilePlanEntry.objects.create(plan=plan, heading=heading, ordinal=10**9, code=_temp_code(), **values)
        _renumber(plan)
        entry.refresh_from_db()
    return entry


def file_plan_entry_add(*, actor, plan: FilePlan, heading_id, data: EntryData) -> FilePlanEntry:
    """Add a file at the end of a heading. In a draft every number is given again by the plan's rule; in an
    issued plan the file is a supplement (bổ sung) and takes the next number, the others keep theirs."""
    with transaction.atomic():
        locked = _plan_for_editor(actor, plan)
        errors: dict[str, str] = {}
        heading = _heading_of(locked, heading_id, errors)
        values = _entry_values(locked, data, errors)
        if errors:
            raise ValidationFailed("Thông tin hồ sơ trong danh mục chưa hợp lệ.", fields=errors)
        entry = _create_entry(locked, heading, values, supplementary=locked.is_issued)
        journal_record(actor=actor, agency_id=locked.agency_id, action="file_plan.entry_add", obj=entry,
                       after=_entry_snapshot(entry))
    return entry


def file_plan_entry_update(*, actor, entry: FilePlanEntry, heading_id=None, data: EntryData) -> FilePlanEntry:
    """Correct an entry: title, creator, retention, notes; while a draft also move it to another heading
    (it goes to that heading's end and the numbers follow). A case file already opened keeps what it copied."""
    with transaction.atomic():
        plan = _plan_for_editor(actor, entry.plan)
        locked = FilePlanEntry.objects.select_for_update().get(pk=entry.pk)
        errors: dict[str, str] = {}
        values = _entry_values(plan, data, errors)
        heading = locked.heading
        if heading_id not in (None, "") and _to_id(heading_id) != locked.heading_id:
            if plan.is_issued:
                errors["heading_id"] = "Danh mục đã ban hành: số hồ sơ đã cố định, không chuyển đề mục."
            else:
                heading = _heading_of(plan, heading_id, errors)
        if errors:
            raise ValidationFailed("Thông tin hồ sơ trong danh mục chưa hợp lệ.", fields=errors)
        before = _entry_snapshot(locked)
        for key, value in values.items():
            setattr(locked, key, value)
        moved = heading.pk != locked.heading_id
        if moved:
            locked.heading = heading
            locked.ordinal = 10**9
        after = _entry_snapshot(locked)
        if after == before:
            return locked
        locked.save()
        if moved:
            _renumber(plan)
            locked.refresh_from_db()
            after = _entry_snapshot(locked)
        journal_record(actor=actor, agency_id=plan.agency_id, action="file_plan.entry_update", obj=locked,
                       before={k: v for k, v in before.items() if after[k] != v},
                       after={k: v for k, v in after.items() if before[k] != v})
    return locked


def file_plan_entry_remove(*, actor, entry: FilePlanEntry) -> None:
    """Remove a file from a draft plan (the others are numbered again). An issued plan only grows."""
    with transaction.atomic():
        plan = _plan_for_editor(actor, entry.plan)
        if plan.is_issued:
            raise Conflict("Danh mục đã ban hành: không xóa hồ sơ khỏi danh mục.", code="plan_issued")
        snapshot = _entry_snapshot(entry)
        journal_record(actor=actor, agency_id=plan.agency_id, action="file_plan.entry_remove", obj=entry,
                       before=snapshot)
        entry.delete()
        _renumber(plan)


# --- case files ----------------------------------------------------------------------------------

def _case_file_snapshot(cf: CaseFile) -> dict:
    return {"agency_id": cf.agency_id, "plan_entry_id": cf.plan_entry_id, "year": cf.year, "code": cf.code,
            "title": cf.title, "retention_years": cf.retention_years, "retention_permanent": cf.retention_permanent,
            "retention_schedule_id": cf.retention_schedule_id, "responsible_id": cf.responsible_id,
            "department_id": cf.department_id, "status": cf.status,
            "capital_construction": cf.capital_construction, "settled_on": cf.settled_on,
            "transfer_extended_to": cf.transfer_extended_to, "sheets": cf.sheets, "notes": cf.notes,
            "closed_at": cf.closed_at, "start_date": cf.start_date, "end_date": cf.end_date,
            "doc_total": cf.doc_total, "page_total": cf.page_total, "transfer_id": cf.transfer_id}


def _diff(before: dict, after: dict) -> tuple[dict, dict]:
    return ({k: v for k, v in before.items() if after[k] != v}, {k: v for k, v in after.items() if before[k] != v})


def case_file_open(*, actor, plan: FilePlan, entry_id=None, heading_id=None, data: EntryData | None = None,
                   responsible_official_id=None, capital_construction: bool = False, notes: str = "") -> CaseFile:
    """Open a case file (Decree 30 Art. 29) from an entry of the agency's issued plan, or with a typed title
    inside one of its headings (the file is then added to the plan as a supplement and numbered by its rule).

    The file copies its number, title and retention from the entry, with the schedule version that
    retention was decided under. Its responsible official is the one who opens it; leaders and admins may
    name another official of the agency. An entry opens one case file only.
    """
    if plan.agency_id not in selectors.user_access(actor) or \
            not selectors.visible_file_plans(actor, plan.agency_id).filter(pk=plan.pk).exists():
        raise NotFound("Không tìm thấy danh mục hồ sơ.")
    if not selectors.can_open_case_file(actor, plan.agency_id):
        raise PermissionDenied("Bạn không có quyền mở hồ sơ công việc của cơ quan này.")
    manager = selectors.can_manage_case_files(actor, plan.agency_id)
    errors: dict[str, str] = {}
    me = official_for_user(actor)
    if responsible_official_id not in (None, "") and _to_id(responsible_official_id) != me.pk:
        if not manager:
            raise PermissionDenied("Chỉ lãnh đạo và quản trị cơ quan được giao người khác lập hồ sơ.")
        responsible = _member_official(plan.agency_id, responsible_official_id, field="responsible_official_id",
                                       label="người lập hồ sơ", errors=errors)
    else:
        responsible = me
    notes = _text(notes, field="notes", label="ghi chú", errors=errors, max_length=500)
    if (entry_id in (None, "")) == (data is None):
        raise ValidationFailed("Chọn một hồ sơ trong danh mục, hoặc nhập tiêu đề hồ sơ mới trong một đề mục.",
                               fields={"entry_id": "Chọn hồ sơ trong danh mục hoặc nhập hồ sơ mới."})
    with transaction.atomic():
        locked_plan = FilePlan.objects.select_for_update().get(pk=plan.pk)
        if not locked_plan.is_issued:
            raise ValidationFailed(f"Danh mục hồ sơ năm {locked_plan.year} chưa được ban hành; chưa mở được hồ sơ "
                                   "theo danh mục.", code="plan_not_issued")
        if entry_id not in (None, ""):
            pk = _to_id(entry_id)
            entry = locked_plan.entries.select_related("heading").filter(pk=pk).first() if pk else None
            if entry is None:
                errors["entry_id"] = "Hồ sơ không có trong danh mục này."
            elif hasattr(entry, "case_file"):
                raise Conflict(f"Hồ sơ {entry.code} đã được mở (người lập: {entry.case_file.responsible}).",
                               code="case_file_exists")
            elif entry.responsible_official_id and not manager and entry.responsible_official_id != me.pk:
                raise PermissionDenied(f"Hồ sơ {entry.code} được giao cho {entry.responsible_official} lập.")
            if errors:
                raise ValidationFailed("Chưa mở được hồ sơ.", fields=errors)
        else:
            heading = _heading_of(locked_plan, heading_id, errors)
            values = _entry_values(locked_plan, data, errors)
            if errors:
                raise ValidationFailed("Thông tin hồ sơ mới chưa hợp lệ.", fields=errors)
            values["responsible_official"] = responsible  # the file's creator, as the plan prints it
            entry = _create_entry(locked_plan, heading, values, supplementary=True)
            journal_record(actor=actor, agency_id=locked_plan.agency_id, action="file_plan.entry_add", obj=entry,
                           after=_entry_snapshot(entry))
        try:
            with transaction.atomic():
                cf = CaseFile.objects.create(
                    agency_id=locked_plan.agency_id, plan_entry=entry, year=locked_plan.year, code=entry.code,
                    title=entry.title, retention_years=entry.retention_years,
                    retention_permanent=entry.retention_permanent, retention_schedule=entry.retention_schedule,
                    responsible=responsible,
                    department=entry.responsible_department or _department_of(responsible, locked_plan.agency_id),
                    capital_construction=_flag(capital_construction), notes=notes, opened_at=timezone.now(),
                    opened_by=actor,
                )
        except IntegrityError:
            raise Conflict(f"Hồ sơ {entry.code} đã được mở.", code="case_file_exists") from None
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.open", obj=cf,
                       after=_case_file_snapshot(cf))
    return cf


def _case_file_for_editor(actor, case_file: CaseFile) -> CaseFile:
    """The case file locked for a change by `actor`: NotFound if he may not see it, PermissionDenied if he
    may see but not change it, Conflict once it is in the archive."""
    if not selectors.visible_case_files(actor).filter(pk=case_file.pk).exists():
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    locked = CaseFile.objects.select_for_update().get(pk=case_file.pk)
    if not selectors.can_edit_case_file(actor, locked):
        raise PermissionDenied("Chỉ người lập hồ sơ, lãnh đạo và quản trị cơ quan được thay đổi hồ sơ.")
    if locked.status == CaseFile.Status.TRANSFERRED:
        raise Conflict(f"Hồ sơ {locked.code} đã nộp lưu; không thay đổi được.", code="case_file_transferred")
    return locked


def _require_open(cf: CaseFile, doing: str) -> None:
    if cf.status != CaseFile.Status.OPEN:
        raise Conflict(f"Hồ sơ {cf.code} đã kết thúc; không {doing} được.", code="case_file_closed")


def case_file_document_add(*, actor, case_file: CaseFile, document_id) -> CaseFileDocument:
    """Put a document the actor may see (incoming or outgoing, of the file's agency) into an open case file.
    A document the actor may not see is NotFound, as if it did not exist."""
    with transaction.atomic():
        cf = _case_file_for_editor(actor, case_file)
        _require_open(cf, "thêm văn bản")
        pk = _to_id(document_id)
        doc = visible_documents(actor).filter(pk=pk).first() if pk else None
        if doc is None:
            raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
        if doc.agency_id != cf.agency_id:
            raise ValidationFailed("Văn bản không thuộc cơ quan của hồ sơ.",
                                   fields={"document_id": "Văn bản của cơ quan khác."})
        if cf.items.filter(document=doc).exists():
            raise Conflict(f"Văn bản {doc.number_notation} đã có trong hồ sơ {cf.code}.", code="already_in_file")
        try:
            with transaction.atomic():
                item = CaseFileDocument.objects.create(case_file=cf, document=doc, added_at=timezone.now(),
                                                       added_by=actor)
        except IntegrityError:
            raise Conflict(f"Văn bản {doc.number_notation} đã có trong hồ sơ {cf.code}.",
                           code="already_in_file") from None
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.document_add", obj=cf,
                       after={"document_id": doc.pk, "number_notation": doc.number_notation})
    return item


def case_file_document_remove(*, actor, case_file: CaseFile, document_id) -> None:
    """Take a document out of an open case file (the document itself stays in the registry)."""
    with transaction.atomic():
        cf = _case_file_for_editor(actor, case_file)
        _require_open(cf, "bớt văn bản")
        pk = _to_id(document_id)
        doc = visible_documents(actor).filter(pk=pk).first() if pk else None
        item = cf.items.filter(document=doc).first() if doc else None
        if item is None:
            raise NotFound("Văn bản không có trong hồ sơ hoặc bạn không có quyền xem.")
        item.delete()
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.document_remove", obj=cf,
                       before={"document_id": doc.pk, "number_notation": doc.number_notation})


def case_file_close(*, actor, case_file: CaseFile) -> CaseFile:
    """Close a case file when its matter has ended (Decree 30 Art. 29): refused while it holds no document
    or while tasks or assignments on its documents are open. Closing fixes the time span (earliest and
    latest document date), the totals, and the document index: documents in date order, numbered from 1,
    with the sheet each starts on when every page count is known."""
    with transaction.atomic():
        cf = _case_file_for_editor(actor, case_file)
        _require_open(cf, "kết thúc lại")
        items = list(cf.items.select_related("document"))
        if not items:
            raise ValidationFailed(f"Hồ sơ {cf.code} chưa có văn bản nào; không kết thúc hồ sơ rỗng.",
                                   code="case_file_empty")
        # Open tasks and assignments on its documents: the workflow app decides what is open.
        open_work = open_work_count(document_ids=[i.document_id for i in items])
        if open_work:
            raise Conflict(f"Hồ sơ {cf.code} còn {open_work} việc chưa hoàn thành trên các văn bản của hồ sơ; "
                           "hoàn thành các việc đó trước khi kết thúc hồ sơ.", code="open_work")
        before = _case_file_snapshot(cf)
        items.sort(key=lambda i: (selectors.document_date(i.document), i.document.registered_at, i.document_id))
        sheet: int | None = 1
        for n, item in enumerate(items, start=1):
            item.ordinal = n
            item.first_sheet = sheet
            pages = item.document.pages
            sheet = sheet + pages if sheet is not None and pages else None
        CaseFileDocument.objects.bulk_update(items, ["ordinal", "first_sheet"])
        dates = [selectors.document_date(i.document) for i in items]
        pages = [i.document.pages for i in items]
        cf.status = CaseFile.Status.CLOSED
        cf.closed_at = timezone.now()
        cf.closed_by = actor
        cf.start_date, cf.end_date = min(dates), max(dates)
        cf.doc_total = len(items)
        cf.page_total = sum(pages) if all(pages) else None
        if cf.sheets is None:
            cf.sheets = cf.page_total
        cf.save()
        after = _case_file_snapshot(cf)
        b, a = _diff(before, after)
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.close", obj=cf, before=b, after=a)
    return cf


def case_file_reopen(*, actor, case_file: CaseFile, reason: str) -> CaseFile:
    """Open a closed case file again (not one already in the archive); the reason is journaled. The index is
    built again when it is closed."""
    errors: dict[str, str] = {}
    reason = _text(reason, field="reason", label="lý do mở lại", errors=errors, required=True, max_length=500)
    with transaction.atomic():
        cf = _case_file_for_editor(actor, case_file)
        if errors:
            raise ValidationFailed("Vui lòng nêu lý do mở lại hồ sơ.", fields=errors)
        if cf.status != CaseFile.Status.CLOSED:
            raise Conflict(f"Hồ sơ {cf.code} đang lập, chưa kết thúc.", code="case_file_open")
        before = _case_file_snapshot(cf)
        cf.status = CaseFile.Status.OPEN
        cf.closed_at = cf.closed_by = cf.start_date = cf.end_date = None
        cf.transfer_extended_to = None
        cf.doc_total = 0
        cf.page_total = None
        cf.save()
        cf.items.update(ordinal=None, first_sheet=None)
        b, a = _diff(before, _case_file_snapshot(cf))
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.reopen", obj=cf, before=b,
                       after=a | {"reason": reason})
    return cf


CASE_FILE_EDITABLE = ("title", "notes", "sheets", "capital_construction", "settled_on", "transfer_extended_to",
                      "responsible_official_id")


def case_file_update(*, actor, case_file: CaseFile, changes: dict) -> CaseFile:
    """Correct a case file not yet in the archive: title, notes, sheets, the capital-construction flag and
    settlement date; leaders and admins also hand it to another official and grant a longer stay before
    deposit (at most 2 years past the due date, Decree 30 Art. 30)."""
    if unknown := set(changes) - set(CASE_FILE_EDITABLE):
        raise ValidationFailed("Không được sửa các trường này.", fields={f: "Không được sửa." for f in unknown})
    with transaction.atomic():
        cf = _case_file_for_editor(actor, case_file)
        manager = selectors.can_manage_case_files(actor, cf.agency_id)
        if not manager and {"transfer_extended_to", "responsible_official_id"} & set(changes):
            raise PermissionDenied("Chỉ lãnh đạo và quản trị cơ quan được giao lại người lập hồ sơ hoặc gia hạn "
                                   "nộp lưu.")
        errors: dict[str, str] = {}
        clean: dict = {}
        for key, value in changes.items():
            if key == "title":
                clean[key] = _text(value, field=key, label="tiêu đề hồ sơ", errors=errors, required=True,
                                   max_length=500)
            elif key == "notes":
                clean[key] = _text(value, field=key, label="ghi chú", errors=errors, max_length=500)
            elif key == "sheets":
                if value in (None, ""):
                    clean[key] = None
                else:
                    n = _to_id(value)
                    if n is None or n > 100000:
                        errors[key] = "Số tờ phải là số nguyên dương."
                    clean[key] = n
            elif key == "capital_construction":
                clean[key] = _flag(value)
            elif key in ("settled_on", "transfer_extended_to"):
                clean[key] = _date(value, field=key, errors=errors)
            elif key == "responsible_official_id":
                official = _member_official(cf.agency_id, value, field=key, label="người lập hồ sơ", errors=errors)
                if value in (None, ""):
                    errors[key] = "Vui lòng chọn người lập hồ sơ."
                clean["responsible"] = official
        capital = clean.get("capital_construction", cf.capital_construction)
        settled = clean.get("settled_on", cf.settled_on)
        if settled and not capital:
            errors["settled_on"] = "Chỉ hồ sơ xây dựng cơ bản mới ghi ngày quyết toán."
        elif settled and settled > timezone.localdate():
            errors["settled_on"] = "Ngày quyết toán không được ở tương lai."
        extended = clean.get("transfer_extended_to", cf.transfer_extended_to)
        if "transfer_extended_to" in clean and extended and "transfer_extended_to" not in errors:
            if cf.closed_at is None:
                errors["transfer_extended_to"] = "Chỉ gia hạn nộp lưu cho hồ sơ đã kết thúc."
            else:
                base = rules.base_transfer_due(closed_on=timezone.localtime(cf.closed_at).date(),
                                               capital_construction=capital, settled_on=settled)
                if base is None:
                    errors["transfer_extended_to"] = "Hồ sơ xây dựng cơ bản chưa quyết toán thì chưa có hạn nộp lưu."
                elif extended <= base:
                    errors["transfer_extended_to"] = f"Ngày gia hạn phải sau hạn nộp lưu ({format_vn_date(base)})."
                elif extended > rules.add_months(base, rules.MAX_EXTENSION_MONTHS):
                    errors["transfer_extended_to"] = ("Chỉ được gia hạn nộp lưu tối đa 2 năm, đến "
                                                      f"{format_vn_date(rules.add_months(base, 24))}.")
        if errors:
            raise ValidationFailed("Thông tin hồ sơ chưa hợp lệ.", fields=errors)
        before = _case_file_snapshot(cf)
        for key, value in clean.items():
            setattr(cf, key, value)
        if not cf.capital_construction:
            cf.settled_on = None
        after = _case_file_snapshot(cf)
        if after == before:
            return cf
        cf.save()
        b, a = _diff(before, after)
        journal_record(actor=actor, agency_id=cf.agency_id, action="case_file.update", obj=cf, before=b, after=a)
    return cf


# --- transfer to the agency archive --------------------------------------------------------------

def archive_transfer_create(*, actor, agency: Agency, transferred_on, handed_over_by_id, received_by_id,
                            case_file_ids: list, department_id=None, notes: str = "") -> ArchiveTransfer:
    """Record that closed case files were handed to the agency archive (Decree 30 Art. 30–31): the files
    become read-only and carry the transfer. Only closed files kept 5 years or more, of this agency, not
    transferred before; the date is not in the future nor before any file was closed."""
    if agency.pk not in selectors.user_access(actor):
        raise NotFound("Không tìm thấy cơ quan.")
    if not selectors.can_record_transfer(actor, agency.pk):
        raise PermissionDenied("Chỉ văn thư, lưu trữ và quản trị cơ quan được lập biên bản nộp lưu.")
    errors: dict[str, str] = {}
    day = _date(transferred_on, field="transferred_on", errors=errors, required=True)
    if day and day > timezone.localdate():
        errors["transferred_on"] = "Ngày giao nhận không được ở tương lai."
    giver = _member_official(agency.pk, handed_over_by_id, field="handed_over_by_id", label="người giao",
                             errors=errors)
    receiver = _member_official(agency.pk, received_by_id, field="received_by_id", label="người nhận",
                                errors=errors)
    if handed_over_by_id in (None, ""):
        errors["handed_over_by_id"] = "Vui lòng chọn người giao."
    if received_by_id in (None, ""):
        errors["received_by_id"] = "Vui lòng chọn người nhận (lưu trữ cơ quan)."
    if giver and receiver and giver.pk == receiver.pk:
        errors["received_by_id"] = "Người giao và người nhận phải là hai người khác nhau."
    dept = _agency_department(agency.pk, department_id, field="department_id", label="đơn vị giao", errors=errors)
    notes = _text(notes, field="notes", label="ghi chú", errors=errors, max_length=500)
    ids = {_to_id(i) for i in case_file_ids or [] if str(i).strip()}
    if None in ids:
        errors["case_file_ids"] = "Mã hồ sơ không hợp lệ."
    elif not ids:
        errors["case_file_ids"] = "Chọn ít nhất một hồ sơ để nộp lưu."
    if errors:
        raise ValidationFailed("Thông tin nộp lưu chưa hợp lệ.", fields=errors)
    with transaction.atomic():
        files = list(CaseFile.objects.select_for_update().filter(pk__in=ids, agency=agency).order_by("pk"))
        if len(files) != len(ids):
            raise NotFound("Có hồ sơ không tìm thấy trong cơ quan.")
        problems = []
        for cf in files:
            if cf.status == CaseFile.Status.OPEN:
                problems.append(f"{cf.code} chưa kết thúc")
            elif cf.status == CaseFile.Status.TRANSFERRED:
                problems.append(f"{cf.code} đã nộp lưu")
            elif not cf.deposit_required:
                problems.append(f"{cf.code} có thời hạn bảo quản dưới {rules.DEPOSIT_MIN_YEARS} năm, không nộp lưu")
            elif timezone.localtime(cf.closed_at).date() > day:
                problems.append(f"{cf.code} kết thúc sau ngày giao nhận")
        if problems:
            raise ValidationFailed("Không nộp lưu được: " + "; ".join(problems) + ".",
                                   fields={"case_file_ids": "; ".join(problems)})
        transfer = ArchiveTransfer.objects.create(agency=agency, transferred_on=day, department=dept,
                                                  handed_over_by=giver, received_by=receiver, notes=notes,
                                                  created_by=actor)
        CaseFile.objects.filter(pk__in=[cf.pk for cf in files]).update(status=CaseFile.Status.TRANSFERRED,
                                                                     transfer=transfer)
        journal_record(actor=actor, agency_id=agency.pk, action="archive_transfer.create", obj=transfer,
                       after={"transferred_on": day, "handed_over_by_id": giver.pk, "received_by_id": receiver.pk,
                              "department_id": dept.pk if dept else None, "notes": notes,
                              "case_files": sorted(cf.code for cf in files)})
        for cf in files:
            journal_record(actor=actor, agency_id=agency.pk, action="case_file.transfer", obj=cf,
                           before={"status": CaseFile.Status.CLOSED},
                           after={"status": CaseFile.Status.TRANSFERRED, "transfer_id": transfer.pk})
    return transfer
