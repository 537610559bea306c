"""Merging administrative units (sắp xếp đơn vị hành chính): several units and their agencies become one.

`merge_preview` checks a `MergePlan` and lists everything that would move, with counts and samples, and the
surplus the successor would have at once; it writes nothing. `merge_execute` checks the same things and does
it all in ONE transaction, journaled on the successor's chain and on each predecessor's chain: any failure
changes nothing.

What moves, from the predecessors' agencies ("old agencies": every predecessor agency but the successor) to
the successor agency, on the effective date D:
- the units: each predecessor ends on D − 1 (`valid_to`), a new unit starts on D with the summed area and
  population, `UnitSuccession` rows (merge, resolution) link them; the governing links (`UnitAgency`) of the
  predecessors end on D − 1 and the successor agency governs the new unit from D;
- officials: postings current on D (or starting later) move to the successor with reason "Sắp xếp đơn vị
  hành chính", the earlier posting kept as history; logins (org.Membership) get the same role in the
  successor (department matched by its code; departments missing in the successor are created);
- open work: incoming documents not finished (an open assignment, a pending presentation, an open task, or
  still in the clerk's queue), electronic deliveries waiting to be registered, open assignments, tasks and
  presentations, drafts not issued, one-stop dossiers not finished and their open steps: their agency becomes
  the successor. Closed rows stay where they are; numbers, notations, issuer names are never rewritten;
- registers: the old agencies' open registers are closed; the successor opens its own from 01 when it needs
  them (RESTART) or keeps numbering in its registers (CONTINUE, when the successor is an existing agency);
- identifiers: the old agencies end on D − 1 (`active_to`) and their identifiers become aliases of the
  successor's directory entry from D, so documents addressed to the old codes still arrive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold
from congvu.core.text import clean_text
from congvu.org.models import IDENTIFIER_RE, Agency, AgencyKind, Department, Membership
from congvu.org.selectors import official_for_user
from congvu.staffing import services
from congvu.staffing.models import (
    COMMUNE_LEVEL,
    AdministrativeUnit,
    LeaveReason,
    Numbering,
    Reorganisation,
    ReorganisationPart,
    StaffCategory,
    StaffingNorm,
    StaffPosting,
    UnitAgency,
    UnitClass,
    UnitSource,
    UnitSuccession,
    UnitType,
)

SAMPLES = 5
DISTRICT_LEVEL = frozenset({UnitType.DISTRICT})
AGENCY_KIND_OF = {UnitType.COMMUNE: AgencyKind.COMMUNE_PC, UnitType.TOWNSHIP: AgencyKind.COMMUNE_PC,
                  UnitType.WARD: AgencyKind.WARD_PC, UnitType.SPECIAL_ZONE: AgencyKind.SPECIAL_ZONE_PC,
                  UnitType.DISTRICT: AgencyKind.DISTRICT_PC}
UNIT_PREFIXES = ("xã ", "phường ", "thị trấn ", "đặc khu ", "huyện ", "quận ", "thị xã ", "thành phố ")


@dataclass
class MergePlan:
    unit_ids: list[int]
    name: str
    code: str
    unit_type: str
    unit_class: str
    effective_date: dt.date
    resolution: str
    successor_agency_id: int | None = None
    new_agency_name: str = ""
    new_agency_notation: str = ""
    new_agency_identifier: str = ""
    numbering: str = Numbering.RESTART
    # Units of different provinces may be merged only when this is set by a system admin, or when the
    # deployment allows it (settings.CONGVU_MERGE_ACROSS_PROVINCES).
    allow_other_provinces: bool = False


@dataclass
class MovedGroup:
    key: str
    label: str
    count: int
    samples: list[str] = field(default_factory=list)


@dataclass
class MergePreview:
    plan: MergePlan
    units: list[AdministrativeUnit]
    parent: AdministrativeUnit | None
    area_km2: Decimal | None
    population: int | None
    unit_class: str
    successor_agency: Agency | None  # None: a new agency will be created
    new_agency_name: str
    old_agencies: list[Agency]
    parts: list[tuple[AdministrativeUnit, Agency | None]]
    groups: list[MovedGroup]
    registers_closed: list[str]
    aliases: list[tuple[str, str]]  # (old identifier, successor identifier)
    departments_created: list[str]
    quota: int | None
    quota_explanation: str
    in_post: int
    surplus: int | None

    @property
    def successor_name(self) -> str:
        return self.successor_agency.name if self.successor_agency else self.new_agency_name

    def group(self, key: str) -> MovedGroup:
        return next(g for g in self.groups if g.key == key)

    def summary(self) -> dict:
        return {
            "units": [u.code for u in self.units], "area_km2": str(self.area_km2) if self.area_km2 is not None
            else None, "population": self.population, "unit_class": self.unit_class,
            "moved": {g.key: g.count for g in self.groups}, "registers_closed": self.registers_closed,
            "aliases": [list(a) for a in self.aliases], "departments_created": self.departments_created,
            "quota": self.quota, "quota_explanation": self.quota_explanation, "in_post": self.in_post,
            "surplus": self.surplus, "old_agencies": [a.pk for a in self.old_agencies],
        }


MIN_YEAR, MAX_YEAR = 1900, 2100  # effective dates outside are typing errors (and 01/01/0001 − 1 day overflows)


def _text(value, limit: int) -> str:
    """NFC text without control characters (a NUL byte never reaches the database), trimmed to `limit`."""
    return clean_text(value)[:limit]


def _vn(day: dt.date | None) -> str:
    return format_vn_date(day) if day else "nay"


def _covers(valid_from, valid_to, day) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


# --- what is open at an agency -------------------------------------------------------------------------

def open_documents(agency_ids: list[int], now: dt.datetime | None = None) -> QuerySet:
    """Documents of these agencies whose processing is not finished: an open assignment, a pending
    presentation or an open task on them, or incoming ones still in the clerk's queue (never presented,
    never assigned, registered in the last 180 days — workflow.selectors.TO_PRESENT_WINDOW_DAYS)."""
    from congvu.documents.models import Direction, Document
    from congvu.workflow.models import OPEN_STATUSES, Assignment, Presentation, PresentationStatus, Task, TaskStatus
    from congvu.workflow.selectors import TO_PRESENT_WINDOW_DAYS

    since = (now or timezone.now()) - dt.timedelta(days=TO_PRESENT_WINDOW_DAYS)
    # Each part is read through the agency's own index (open rows are few; the queue is the recent rows), not
    # by probing every document of the agency.
    open_asg = Assignment.objects.filter(agency_id__in=agency_ids, status__in=list(OPEN_STATUSES),
                                         document__isnull=False).values("document_id")
    pending = Presentation.objects.filter(agency_id__in=agency_ids, status=PresentationStatus.PENDING) \
        .values("document_id")
    open_tasks = Task.objects.filter(agency_id__in=agency_ids, status=TaskStatus.OPEN,
                                     document__isnull=False).values("document_id")
    queue = (Document.objects.filter(agency_id__in=agency_ids, direction=Direction.INCOMING,
                                     registered_at__gte=since)
             .filter(~Exists(Assignment.objects.filter(document_id=OuterRef("pk"))))
             .filter(~Exists(Presentation.objects.filter(document_id=OuterRef("pk")))).values("pk"))
    return Document.objects.filter(agency_id__in=agency_ids).filter(
        Q(pk__in=open_asg) | Q(pk__in=pending) | Q(pk__in=open_tasks) | Q(pk__in=queue))


def _open_querysets(old_ids: list[int], day: dt.date, now: dt.datetime) -> list[tuple[str, str, QuerySet, object]]:
    """(key, label, queryset, sample label) of every kind of open row at the old agencies."""
    from congvu.documents.models import Register
    from congvu.drafting.models import Draft, DraftStatus
    from congvu.exchange.models import InboxItem, InboxStatus
    from congvu.onestop.models import Dossier, DossierStep
    from congvu.workflow.models import OPEN_STATUSES, Assignment, Presentation, PresentationStatus, Task, TaskStatus

    return [
        ("postings", "Cán bộ, công chức (quá trình công tác chuyển sang cơ quan kế thừa)",
         StaffPosting.objects.filter(agency_id__in=old_ids).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
         .select_related("member", "agency").order_by("member__name_folded", "pk"),
         lambda p: f"{p.member.full_name} — {p.position} ({p.agency.name})"),
        ("memberships", "Tài khoản đăng nhập (vị trí công tác, cùng vai trò)",
         Membership.objects.filter(agency_id__in=old_ids, active=True).select_related("official", "agency")
         .order_by("official__full_name", "pk"),
         lambda m: f"{m.official.full_name} — {m.get_role_display()} ({m.agency.name})"),
        ("documents", "Văn bản chưa xử lý xong", open_documents(old_ids, now).order_by("-pk"),
         lambda d: f"{d.number_notation or '(chưa có số)'} — {d.subject[:120]}"),
        ("inbox", "Văn bản điện tử đến chờ vào sổ",
         InboxItem.objects.filter(agency_id__in=old_ids, status=InboxStatus.WAITING).order_by("-pk"),
         lambda i: f"{i.number_notation} của {i.sender_name} — {i.subject[:100]}"),
        ("assignments", "Phân công xử lý chưa hoàn thành",
         Assignment.objects.filter(agency_id__in=old_ids, status__in=list(OPEN_STATUSES))
         .select_related("assignee_official", "assignee_department").order_by("-pk"),
         lambda a: f"{a.get_role_display()} — {a.assignee_label} ({a.get_status_display()})"),
        ("presentations", "Văn bản đang trình chờ ý kiến",
         Presentation.objects.filter(agency_id__in=old_ids, status=PresentationStatus.PENDING)
         .select_related("document").order_by("-pk"),
         lambda p: f"{p.document.number_notation} — {p.document.subject[:100]}"),
        ("tasks", "Công việc đang thực hiện",
         Task.objects.filter(agency_id__in=old_ids, status=TaskStatus.OPEN).order_by("-pk"),
         lambda t: t.title[:150]),
        ("drafts", "Dự thảo chưa ban hành",
         Draft.objects.filter(agency_id__in=old_ids).exclude(status=DraftStatus.ISSUED).order_by("-pk"),
         lambda d: d.subject[:150]),
        ("dossiers", "Hồ sơ thủ tục hành chính chưa kết thúc",
         Dossier.objects.filter(agency_id__in=old_ids, finished_at__isnull=True).order_by("-pk"),
         lambda d: f"{d.code or f'Hồ sơ #{d.pk}'} — {d.applicant_name} ({d.get_status_display()})"),
        ("dossier_steps", "Bước xử lý hồ sơ đang thực hiện tại cơ quan cũ",
         DossierStep.objects.filter(agency_id__in=old_ids, finished_at__isnull=True).order_by("-pk"),
         lambda s: s.name[:150]),
        ("registers", "Sổ văn bản đang mở (sẽ khóa)",
         Register.objects.filter(agency_id__in=old_ids, closed=False).select_related("agency")
         .order_by("agency_id", "year", "pk"),
         lambda r: f"{r.name} — {r.agency.name} (số tiếp theo {r.next_number:02d})"),
    ]


# --- checks --------------------------------------------------------------------------------------------

@dataclass
class _Checked:
    units: list[AdministrativeUnit]
    parent: AdministrativeUnit | None
    parts: list[tuple[AdministrativeUnit, Agency | None]]
    successor: Agency | None
    old_agencies: list[Agency]
    unit_class: str
    name: str
    code: str
    resolution: str
    new_name: str
    new_notation: str
    new_identifier: str


def _may_merge_across(actor, plan: MergePlan) -> bool:
    if getattr(settings, "CONGVU_MERGE_ACROSS_PROVINCES", False):
        return True
    return bool(plan.allow_other_provinces and getattr(actor, "is_superuser", False))


def _level(unit_type: str) -> str:
    if unit_type in COMMUNE_LEVEL:
        return "commune"
    if unit_type in DISTRICT_LEVEL:
        return "district"
    return ""


def _agency_of_unit(unit: AdministrativeUnit, day: dt.date) -> Agency | None:
    """The agency governing `unit` on `day` (the first link, as staffing.services.unit_of_agency reads it)."""
    for link in UnitAgency.objects.filter(unit=unit).select_related("agency").order_by("pk"):
        if _covers(link.valid_from, link.valid_to, day):
            return link.agency
    return None


def _check(actor, plan: MergePlan) -> _Checked:
    """Every rule of a merge, read-only; raises with a Vietnamese message naming the fields."""
    if not getattr(actor, "is_authenticated", False) and actor is not None:
        raise PermissionDenied("Vui lòng đăng nhập.")
    if actor is not None and not services.can_manage_staffing(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh được sắp xếp đơn vị hành chính.")
    fields: dict[str, str] = {}
    day = plan.effective_date
    if not isinstance(day, dt.date):
        raise ValidationFailed("Nhập ngày có hiệu lực.", fields={"effective_date": "Bắt buộc, dạng dd/mm/yyyy."})
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        message = (f"Ngày có hiệu lực {_vn(day)} không hợp lý: phải trong khoảng năm {MIN_YEAR}–{MAX_YEAR}.")
        raise ValidationFailed(message, fields={"effective_date": message})
    ids = []
    for raw in plan.unit_ids or []:
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            fields["unit_ids"] = "Mã đơn vị không hợp lệ."
    ids = list(dict.fromkeys(ids))
    if "unit_ids" not in fields and len(ids) < 2:
        fields["unit_ids"] = "Chọn ít nhất hai đơn vị để hợp nhất."
    if fields:
        raise ValidationFailed("Chọn ít nhất hai đơn vị hành chính để sắp xếp.", fields=fields)
    found = AdministrativeUnit.objects.select_related("parent").in_bulk(ids)
    if len(found) != len(ids):
        raise NotFound("Có đơn vị được chọn không tồn tại.")
    units = [found[i] for i in ids]
    if actor is not None:
        refused = [u.name for u in units if not services.can_manage_unit(actor, u)]
        if refused:
            raise PermissionDenied(f"Bạn không quản lý {refused[0]}: chỉ quản trị hệ thống hoặc quản trị UBND tỉnh "
                                   "của tỉnh có đơn vị được sắp xếp đơn vị đó.")
    errors: list[str] = []
    for u in units:
        if not u.in_force_on(day):
            errors.append(f"{u.name} không còn hiệu lực vào ngày {_vn(day)} (hiệu lực {_vn(u.valid_from)} – "
                          f"{_vn(u.valid_to)}).")
        elif u.valid_from is not None and day <= u.valid_from:
            errors.append(f"Ngày có hiệu lực {_vn(day)} phải sau ngày {u.name} bắt đầu có hiệu lực "
                          f"({_vn(u.valid_from)}).")
    if errors:
        raise ValidationFailed(" ".join(errors), fields={"effective_date": errors[0]})
    levels = {_level(u.unit_type) for u in units}
    if "" in levels or len(levels) != 1:
        raise ValidationFailed("Chỉ hợp nhất các đơn vị cùng cấp: cấp xã (xã, phường, thị trấn, đặc khu) hoặc "
                               "cấp huyện.", fields={"unit_ids": "Các đơn vị không cùng cấp."})
    level = levels.pop()
    if plan.unit_type not in UnitType.values or _level(plan.unit_type) != level:
        fields["unit_type"] = ("Chọn loại đơn vị cùng cấp với các đơn vị được hợp nhất (xã, phường, đặc khu)."
                               if level == "commune" else "Đơn vị mới phải là đơn vị cấp huyện.")
    provinces = {services.province_of(u).pk: services.province_of(u) for u in units}
    if len(provinces) > 1 and not _may_merge_across(actor, plan):
        names = ", ".join(sorted(p.name for p in provinces.values()))
        raise ValidationFailed(f"Không được hợp nhất đơn vị thuộc các tỉnh khác nhau ({names}).",
                               fields={"unit_ids": "Các đơn vị phải cùng một tỉnh, thành phố."},
                               code="different_provinces")
    parents = {u.parent_id for u in units}
    if len(parents) == 1:
        parent = units[0].parent
    else:
        parent = next(iter(provinces.values())) if len(provinces) == 1 else units[0].parent
    name = _text(plan.name, 200)
    code = _text(plan.code, 20)
    if not name:
        fields["name"] = "Nhập tên đơn vị mới, ví dụ Xã Ninh Phước."
    if not code or len(code) > 10 or not code.isalnum():
        fields["code"] = "Mã đơn vị gồm chữ số, tối đa 10 ký tự."
    elif AdministrativeUnit.objects.filter(code=code, valid_from=day).exists():
        fields["code"] = f"Đã có đơn vị mã {code} hiệu lực từ {_vn(day)}."
    else:
        other = (AdministrativeUnit.objects.filter(code=code).exclude(pk__in=ids)
                 .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
                 .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).first())
        if other is not None:
            fields["code"] = f"Mã {code} đang là mã của {other.name} vào ngày {_vn(day)}."
    unit_class = plan.unit_class or ""
    if unit_class and unit_class not in UnitClass.values:
        fields["unit_class"] = "Phân loại không hợp lệ."
    elif unit_class == UnitClass.SPECIAL and plan.unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        fields["unit_class"] = "Xã không có loại đặc biệt."
    resolution = _text(plan.resolution, 300)
    if not resolution:
        fields["resolution"] = "Nhập nghị quyết sắp xếp, ví dụ NQ 1683/NQ-UBTVQH15."
    if plan.numbering not in Numbering.values:
        fields["numbering"] = "Cách đánh số không hợp lệ."

    before = day - dt.timedelta(days=1)
    parts = [(u, _agency_of_unit(u, before) or _agency_of_unit(u, day)) for u in units]
    agencies = list({a.pk: a for _u, a in parts if a is not None}.values())
    for a in agencies:
        if a.active_to is not None and a.active_to < day:
            fields.setdefault("unit_ids", f"{a.name} đã ngừng hoạt động từ {_vn(a.active_to + dt.timedelta(days=1))}.")
        elif a.active_from is not None and a.active_from >= day:
            fields.setdefault("effective_date", f"{a.name} hoạt động từ {_vn(a.active_from)}: ngày có hiệu lực phải "
                                                f"sau ngày đó.")
    successor = None
    new_name = new_notation = new_identifier = ""
    if plan.successor_agency_id:
        successor = next((a for a in agencies if a.pk == plan.successor_agency_id), None)
        if successor is None:
            fields["successor_agency_id"] = ("Cơ quan kế thừa phải là một trong các cơ quan của đơn vị được hợp "
                                             "nhất; hoặc để trống để tạo cơ quan mới.")
    else:
        new_name = _text(plan.new_agency_name, 200)
        new_notation = _text(plan.new_agency_notation, 20)
        new_identifier = _text(plan.new_agency_identifier, 20).upper()
        if not new_name:
            fields["new_agency_name"] = "Nhập tên cơ quan mới, ví dụ UBND xã Ninh Phước."
        if not new_notation:
            fields["new_agency_notation"] = "Nhập chữ viết tắt trong ký hiệu văn bản, ví dụ UBND."
        if not IDENTIFIER_RE.match(new_identifier):
            fields["new_agency_identifier"] = ("Mã định danh theo QCVN 102:2016, dạng 000.00.00.H40 "
                                               "(ví dụ 000.01.31.H49).")
        else:
            from congvu.exchange.models import DirectoryAlias, DirectoryEntry

            if Agency.objects.filter(identifier=new_identifier).exists():
                fields["new_agency_identifier"] = f"Mã định danh {new_identifier} đã là mã của một cơ quan khác."
            elif DirectoryAlias.objects.filter(old_identifier=new_identifier).exists():
                fields["new_agency_identifier"] = f"Mã {new_identifier} là mã cũ đã ánh xạ sang cơ quan khác."
            elif DirectoryEntry.objects.filter(identifier=new_identifier, agency__isnull=False).exists():
                fields["new_agency_identifier"] = f"Mã {new_identifier} đã có trong danh bạ, gắn với cơ quan khác."
        if plan.numbering == Numbering.CONTINUE:
            fields["numbering"] = "Cơ quan mới mở sổ mới, đánh số từ 01; chỉ cơ quan đang có mới tiếp tục số."
    old_agencies = [a for a in agencies if successor is None or a.pk != successor.pk]
    if successor is not None and plan.numbering == Numbering.RESTART:
        from congvu.documents.models import Register

        started = Register.objects.filter(agency=successor, year__gte=day.year, next_number__gt=1).first()
        if started is not None:
            fields["numbering"] = (f"{successor.name} đã dùng {started.name} (đến số {started.next_number - 1:02d}): "
                                   "không đánh số lại từ 01 trong năm được; chọn tiếp tục số.")
    if fields:
        first = next(iter(fields.values()))
        raise ValidationFailed(f"Phương án sắp xếp chưa hợp lệ: {first}", fields=fields)
    _check_identifiers(successor, new_identifier, old_agencies, day)
    return _Checked(units=units, parent=parent, parts=parts, successor=successor, old_agencies=old_agencies,
                    unit_class=unit_class, name=name, code=code, resolution=resolution, new_name=new_name,
                    new_notation=new_notation, new_identifier=new_identifier)


def _check_identifiers(successor, new_identifier, old_agencies, day) -> None:
    from congvu.exchange.models import DirectoryAlias, DirectoryEntry

    target = successor.identifier if successor is not None else new_identifier
    olds = [a for a in old_agencies if a.identifier]
    if olds and not target:
        raise ValidationFailed(f"{successor.name} chưa có mã định danh: không chuyển được mã của cơ quan cũ "
                               f"({olds[0].identifier}) thành mã cũ của cơ quan kế thừa.",
                               fields={"successor_agency_id": "Cơ quan kế thừa cần có mã định danh."})
    for a in olds:
        alias = DirectoryAlias.objects.select_related("entry").filter(old_identifier=a.identifier).first()
        if alias is not None:
            raise Conflict(f"Mã định danh {a.identifier} của {a.name} đã được ánh xạ sang "
                           f"{alias.entry.identifier}.", code="alias_exists")
        entry = DirectoryEntry.objects.filter(identifier=a.identifier).first()
        if entry is not None and entry.valid_from is not None and entry.valid_from >= day:
            raise Conflict(f"Mã định danh {a.identifier} trong danh bạ có hiệu lực từ {_vn(entry.valid_from)}, "
                           f"không kết thúc trước ngày {_vn(day)} được.", code="directory_interval")


# --- quota and headcount of the successor ---------------------------------------------------------------

def _class_of_new(checked: _Checked, day: dt.date) -> str:
    if checked.unit_class:
        return checked.unit_class
    before = day - dt.timedelta(days=1)
    classes = [c for c in (services.unit_class_on(u, before) for u in checked.units) if c]
    return min(classes, key=lambda c: services.CLASS_ORDER[c]) if classes else ""


def _new_quota(unit_type: str, unit_class: str, day: dt.date, successor: Agency | None) -> tuple[int | None, str]:
    """The quota of the successor on `day` as services.quota_for will read it once the unit exists: a decision
    for the agency wins, else the norm for the new unit's type and class."""
    category = StaffCategory.CADRE_CIVIL
    if successor is not None:
        decision = services._decision_on(day, category, agency=successor)
        if decision is not None:
            return decision.quota, f"Theo quyết định {decision.decision_number} ngày {_vn(decision.decision_date)}."
    if not unit_class:
        return None, f"Đơn vị mới chưa được phân loại vào ngày {_vn(day)}; cần quyết định giao biên chế."
    from congvu.staffing.models import NormUnitType

    if unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        types = [NormUnitType.COMMUNE, NormUnitType.ANY_COMMUNE]
    elif unit_type == UnitType.WARD:
        types = [NormUnitType.WARD, NormUnitType.ANY_COMMUNE]
    else:
        return None, "Không có định mức theo loại đơn vị; cần quyết định giao biên chế."
    norm = (StaffingNorm.objects.filter(unit_type__in=types, unit_class=unit_class, category=category,
                                        valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .order_by("-valid_from").first())
    if norm is None:
        return None, f"Không có định mức nào có hiệu lực ngày {_vn(day)}; cần quyết định giao biên chế."
    return norm.quota, f"Theo {norm.rule_set} ({services._cls(unit_class)})."


def _in_post(agency_ids: list[int], day: dt.date) -> int:
    return (StaffPosting.objects.filter(agency_id__in=agency_ids, category=StaffCategory.CADRE_CIVIL,
                                        valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .values("member_id").distinct().count())


def _departments_missing(checked: _Checked) -> list[Department]:
    have = set(Department.objects.filter(agency=checked.successor).values_list("code", flat=True)) \
        if checked.successor else set()
    out: dict[str, Department] = {}
    for d in Department.objects.filter(agency__in=checked.old_agencies, active=True).order_by("agency_id", "pk"):
        if d.code not in have and d.code not in out:
            out[d.code] = d
    return list(out.values())


# --- preview -------------------------------------------------------------------------------------------

def _sum_area(units) -> Decimal | None:
    values = [u.area_km2 for u in units]
    return sum(values, Decimal("0")) if values and all(v is not None for v in values) else None


def _sum_population(units) -> int | None:
    values = [u.population for u in units]
    return sum(values) if values and all(v is not None for v in values) else None


def _preview(checked: _Checked, plan: MergePlan, now: dt.datetime) -> MergePreview:
    day = plan.effective_date
    old_ids = [a.pk for a in checked.old_agencies]
    groups = []
    registers: list[str] = []
    for key, label, qs, sample in _open_querysets(old_ids, day, now):
        count = qs.count() if old_ids else 0
        rows = list(qs[:SAMPLES]) if count else []
        groups.append(MovedGroup(key=key, label=label, count=count, samples=[sample(r) for r in rows]))
        if key == "registers" and count:
            registers = [sample(r) for r in qs]
    target = checked.successor.identifier if checked.successor else checked.new_identifier
    aliases = [(a.identifier, target) for a in checked.old_agencies if a.identifier]
    unit_class = _class_of_new(checked, day)
    quota, explanation = _new_quota(plan.unit_type, unit_class, day, checked.successor)
    all_ids = old_ids + ([checked.successor.pk] if checked.successor else [])
    in_post = _in_post(all_ids, day) if all_ids else 0
    return MergePreview(
        plan=plan, units=checked.units, parent=checked.parent, area_km2=_sum_area(checked.units),
        population=_sum_population(checked.units), unit_class=unit_class, successor_agency=checked.successor,
        new_agency_name=checked.new_name, old_agencies=checked.old_agencies, parts=checked.parts, groups=groups,
        registers_closed=registers, aliases=aliases,
        departments_created=[f"{d.name} ({d.code})" for d in _departments_missing(checked)],
        quota=quota, quota_explanation=explanation, in_post=in_post,
        surplus=None if quota is None else in_post - quota)


def merge_preview(*, actor, plan: MergePlan) -> MergePreview:
    """Check `plan` and list what would move; writes nothing."""
    checked = _check(actor, plan)
    return _preview(checked, plan, timezone.now())


# --- execute -------------------------------------------------------------------------------------------

def _posting_change(*, actor, posting: StaffPosting, on: dt.date, agency: Agency, basis: str) -> None:
    """Move one posting to `agency` from `on`, keeping the earlier period as history."""
    if posting.valid_from >= on:  # starts on or after the merge: it belongs to the successor from its start
        StaffPosting.objects.filter(pk=posting.pk).update(agency=agency)
        return
    if posting.valid_to is None:
        try:
            from congvu.staffing.roster import posting_change
        except ImportError:
            posting_change = None
        if posting_change is not None:
            posting_change(actor=actor, member=posting.member, on=on, reason=LeaveReason.REORGANISATION,
                           basis=basis, agency=agency)
            return
    end = posting.valid_to
    StaffPosting.objects.filter(pk=posting.pk).update(valid_to=on - dt.timedelta(days=1),
                                                      ended_reason=LeaveReason.REORGANISATION)
    StaffPosting.objects.create(
        member_id=posting.member_id, agency=agency, category=posting.category, position=posting.position,
        rank=posting.rank, salary_coefficient=posting.salary_coefficient,
        position_allowance=posting.position_allowance, other_allowance=posting.other_allowance,
        monthly_allowance_vnd=posting.monthly_allowance_vnd, valid_from=on, valid_to=end, basis=basis[:300])


def _place(name: str) -> str:
    folded = name
    for prefix in UNIT_PREFIXES:
        if name.lower().startswith(prefix):
            folded = name[len(prefix):]
            break
    return folded[:100]


def _move(checked: _Checked, successor: Agency, day: dt.date, now: dt.datetime, actor, basis: str) -> dict:
    """Move the open rows of the old agencies to `successor`; returns the counts."""
    from congvu.documents.models import Document, Register
    from congvu.drafting.models import Draft
    from congvu.exchange.models import InboxItem
    from congvu.onestop.models import Dossier, DossierStep
    from congvu.workflow.models import Assignment, Presentation, Task

    old_ids = [a.pk for a in checked.old_agencies]
    counts: dict[str, int] = {}
    if not old_ids:
        return counts
    # Departments: the successor gets the old agencies' departments it lacks (matched by code).
    for d in _departments_missing(checked):
        Department.objects.create(agency=successor, name=d.name, code=d.code)
    by_code = dict(Department.objects.filter(agency=successor).values_list("code", "pk"))
    dept_map = {pk: by_code[code] for pk, code in
                Department.objects.filter(agency_id__in=old_ids).values_list("pk", "code") if code in by_code}
    sets = {key: qs for key, _label, qs, _s in _open_querysets(old_ids, day, now)}

    # Officials: postings (history kept), logins.
    postings = list(sets["postings"])
    for p in postings:
        _posting_change(actor=actor, posting=p, on=day, agency=successor, basis=basis)
    counts["postings"] = len(postings)
    have = set(Membership.objects.filter(agency=successor).values_list("official_id", "role"))
    new_members = []
    for m in sets["memberships"]:
        if (m.official_id, m.role) in have:
            continue
        have.add((m.official_id, m.role))
        new_members.append(Membership(official_id=m.official_id, agency=successor, role=m.role,
                                      department_id=dept_map.get(m.department_id), position_id=m.position_id))
    Membership.objects.bulk_create(new_members)
    counts["memberships"] = len(new_members)

    # Open work: ids first (the sets are defined by the old agency, which the updates change).
    doc_ids = list(sets["documents"].values_list("pk", flat=True))
    ids = {key: list(sets[key].values_list("pk", flat=True))
           for key in ("inbox", "assignments", "presentations", "tasks", "drafts", "dossiers", "dossier_steps")}
    for chunk in _chunks(doc_ids):
        Document.objects.filter(pk__in=chunk).update(agency=successor)
        for old, new in dept_map.items():
            Document.objects.filter(pk__in=chunk, receiving_department_id=old).update(receiving_department_id=new)
    counts["documents"] = len(doc_ids)
    models = {"inbox": InboxItem, "assignments": Assignment, "presentations": Presentation, "tasks": Task,
              "drafts": Draft, "dossiers": Dossier, "dossier_steps": DossierStep}
    dept_fields = {"assignments": "assignee_department_id", "presentations": "to_department_id",
                   "drafts": "drafting_department_id", "dossier_steps": "department_id"}
    for key, model in models.items():
        for chunk in _chunks(ids[key]):
            model.objects.filter(pk__in=chunk).update(agency=successor)
            if key in dept_fields:
                for old, new in dept_map.items():
                    model.objects.filter(pk__in=chunk, **{dept_fields[key]: old}).update(**{dept_fields[key]: new})
        counts[key] = len(ids[key])
    counts["registers"] = Register.objects.filter(agency_id__in=old_ids, closed=False).update(closed=True)
    return counts


def _chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _alias_identifiers(checked: _Checked, successor: Agency, day: dt.date, basis: str) -> list[tuple[str, str]]:
    """The old agencies' identifiers become aliases of the successor's directory entry from `day`."""
    from congvu.exchange.models import DirectoryAlias, DirectoryEntry

    olds = [a for a in checked.old_agencies if a.identifier]
    if not olds:
        return []
    entry = DirectoryEntry.objects.filter(identifier=successor.identifier).first()
    if entry is None:
        entry = DirectoryEntry.objects.create(identifier=successor.identifier, name=successor.name,
                                              name_folded=" ".join(fold(successor.name).split())[:300],
                                              valid_from=successor.active_from, basis=basis, agency=successor)
    elif entry.agency_id is None:
        DirectoryEntry.objects.filter(pk=entry.pk).update(agency=successor)
    before = day - dt.timedelta(days=1)
    made = []
    for a in olds:
        DirectoryEntry.objects.filter(identifier=a.identifier).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=before)).update(valid_to=before)
        DirectoryAlias.objects.create(old_identifier=a.identifier, entry=entry, valid_from=day, basis=basis)
        made.append((a.identifier, successor.identifier))
    return made


def merge_execute(*, actor, plan: MergePlan) -> Reorganisation:
    """Carry out `plan` in one transaction (see the module docstring); any failure changes nothing."""
    official = official_for_user(actor) if actor is not None else None
    if official is None and not Reorganisation._meta.get_field("created_by").null:
        # Reorganisation.created_by is required: the console (actor None) or an admin login without an
        # org.Official cannot be recorded as the person who carried out the merge.
        raise PermissionDenied("Tài khoản chưa có hồ sơ cán bộ: không ghi được người thực hiện sắp xếp. "
                               "Hãy thực hiện bằng tài khoản có hồ sơ cán bộ.")
    with transaction.atomic():
        checked = _check(actor, plan)
        # Lock the predecessors so two merges of the same unit cannot both pass the checks.
        locked = list(AdministrativeUnit.objects.select_for_update().filter(pk__in=[u.pk for u in checked.units]))
        day = plan.effective_date
        if any(not u.in_force_on(day) for u in locked):
            raise Conflict("Đơn vị vừa được người khác sắp xếp; hãy tải lại trang.")
        now = timezone.now()
        preview = _preview(checked, plan, now)
        before = day - dt.timedelta(days=1)
        new_unit = AdministrativeUnit.objects.create(
            code=checked.code, name=checked.name, name_folded=fold(checked.name)[:200], unit_type=plan.unit_type,
            parent=checked.parent, unit_class=checked.unit_class, area_km2=preview.area_km2,
            population=preview.population, valid_from=day, basis=checked.resolution, source=UnitSource.MANUAL)
        AdministrativeUnit.objects.filter(pk__in=[u.pk for u in checked.units]).update(valid_to=before)
        UnitSuccession.objects.bulk_create([
            UnitSuccession(predecessor=u, successor=new_unit, kind=UnitSuccession.Kind.MERGE, effective_date=day,
                           resolution=checked.resolution) for u in checked.units])
        successor = checked.successor
        if successor is None:
            first = next((a for _u, a in checked.parts if a is not None), None)
            province = services.province_of(checked.units[0])
            successor = Agency.objects.create(
                name=checked.new_name, short_name=checked.new_name[:60], notation_code=checked.new_notation,
                kind=AGENCY_KIND_OF.get(plan.unit_type, AgencyKind.OTHER), identifier=checked.new_identifier,
                parent=first.parent if first else None, place=_place(checked.name),
                province_code=(first.province_code if first and first.province_code else province.code),
                separate_numbering_types=list(first.separate_numbering_types) if first else [], active_from=day)
            journal_record(actor=actor, agency_id=successor.pk, action="org.agency_create", obj=successor,
                           after={"name": successor.name, "identifier": successor.identifier,
                                  "active_from": day, "basis": checked.resolution})
        UnitAgency.objects.filter(unit__in=checked.units).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=before)).update(valid_to=before)
        UnitAgency.objects.create(unit=new_unit, agency=successor, valid_from=day)
        basis = f"Sắp xếp đơn vị hành chính theo {checked.resolution}"[:300]
        counts = _move(checked, successor, day, now, actor, basis)
        Agency.objects.filter(pk__in=[a.pk for a in checked.old_agencies]).update(active_to=before)
        aliases = _alias_identifiers(checked, successor, day, checked.resolution)
        summary = preview.summary() | {"moved": {g.key: counts.get(g.key, 0) for g in preview.groups},
                                       "aliases": [list(a) for a in aliases], "successor_created":
                                       checked.successor is None}
        summary["in_post"] = _in_post([successor.pk], day)
        surplus = _surplus(successor, day)
        if surplus is not None:
            summary["surplus"] = surplus
            if summary["quota"] is not None:
                summary["in_post"] = summary["quota"] + surplus
        reorg = Reorganisation.objects.create(
            successor_unit=new_unit, successor_agency=successor, effective_date=day, resolution=checked.resolution,
            numbering=plan.numbering, summary=_jsonable(summary), created_by=official)
        ReorganisationPart.objects.bulk_create([
            ReorganisationPart(reorganisation=reorg, predecessor_unit=u, predecessor_agency=a)
            for u, a in checked.parts])
        journal_record(actor=actor, agency_id=successor.pk, action="staffing.merge", obj=reorg, after={
            "successor_unit": new_unit.code, "name": new_unit.name, "effective_date": day,
            "resolution": checked.resolution, "predecessors": [u.code for u in checked.units],
            "numbering": plan.numbering, "summary": summary})
        for a in checked.old_agencies:
            journal_record(actor=actor, agency_id=a.pk, action="staffing.merge_predecessor", obj=reorg, after={
                "successor_agency": successor.pk, "successor_name": successor.name, "effective_date": day,
                "active_to": before, "resolution": checked.resolution,
                "identifier_alias": a.identifier or None})
    return reorg


def _surplus(agency: Agency, day: dt.date) -> int | None:
    try:
        from congvu.staffing.report import surplus_of
    except ImportError:
        surplus_of = None
    if surplus_of is not None:
        return surplus_of(agency, on=day)
    quota = services.quota_for(agency, on=day).quota
    return None if quota is None else _in_post([agency.pk], day) - quota


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


# --- reads ---------------------------------------------------------------------------------------------

def reorganisations(user) -> QuerySet[Reorganisation]:
    """The merges `user` may see: every one for a system admin; those of their provinces for a province admin."""
    qs = Reorganisation.objects.select_related("successor_unit", "successor_agency", "created_by").prefetch_related(
        "parts__predecessor_unit", "parts__predecessor_agency").order_by("-effective_date", "-pk")
    if getattr(user, "is_superuser", False):
        return qs
    if not services.can_manage_staffing(user):
        return qs.none()
    keep = [r.pk for r in qs if services.can_manage_unit(user, r.successor_unit)]
    return qs.filter(pk__in=keep)


def reorganisation_get(*, user, pk: int) -> Reorganisation:
    r = reorganisations(user).filter(pk=pk).first()
    if r is None:
        raise NotFound("Không tìm thấy đợt sắp xếp hoặc bạn không có quyền xem.")
    return r


def merge_candidates(*, user, q: str, day: dt.date, limit: int = 50) -> list[AdministrativeUnit]:
    """Units in force on `day` that `user` may merge (commune and district level), by folded name or code."""
    from congvu.staffing.selectors import units_in_force

    qs = units_in_force(day).filter(unit_type__in=list(COMMUNE_LEVEL | DISTRICT_LEVEL)).select_related("parent")
    words = fold(_text(q, 100)).split()
    if not words:
        return []
    for word in words:
        qs = qs.filter(Q(name_folded__contains=word) | Q(code=word))
    rows = [u for u in qs.order_by("code", "valid_from")[:limit * 4] if services.can_manage_unit(user, u)]
    return rows[:limit]
