"""The roster (danh sách cán bộ, công chức): people, their postings over time, retirement dates.

Writes are keyword-only, atomic and journaled on the agency's chain (a move between agencies on both).
`actor=None` is the system (console, demo seed); any other actor must pass `can_manage_roster`.

Who may see an agency's roster: system admins; the agency's leaders and agency admin; the agency admin of a
UBND tỉnh whose province covers the agency (the agency's `province_code`, or the province of a unit the agency
governs through `UnitAgency`). Who may change it: system admins, the agency's admin, that province admin.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.core.folding import fold, nfc
from congvu.core.text import clean_text, has_control_characters
from congvu.org.models import Agency, Official, Role
from congvu.org.selectors import user_has_role
from congvu.staffing import services
from congvu.staffing.models import (
    LeaveReason,
    RetirementAgeRule,
    Sex,
    StaffCategory,
    StaffMember,
    StaffPosting,
    UnitAgency,
)

MIN_AGE = 18
MAX_COEFFICIENT = Decimal("15")
MAX_ALLOWANCE = Decimal("15")
MAX_MONTHLY_VND = 1_000_000_000
CHANGEABLE = ("category", "position", "rank", "salary_coefficient", "position_allowance", "other_allowance",
              "monthly_allowance_vnd")


# --- who may do what -------------------------------------------------------------------------------------

def province_codes_of_agency(agency: Agency) -> set[str]:
    """Province codes that cover `agency`: its own `province_code` and the province of every unit it governs
    (at any date: a province admin keeps seeing the history of its communes)."""
    codes = {agency.province_code} if agency.province_code else set()
    for link in UnitAgency.objects.filter(agency=agency).select_related("unit__parent__parent"):
        codes.add(services.province_of(link.unit).code)
    return codes


def _province_admin_of(user, agency: Agency) -> bool:
    provinces = services._admin_provinces(user)
    return bool(provinces) and bool(provinces & province_codes_of_agency(agency))


def can_view_roster(user, agency: Agency) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if user_has_role(user, agency.pk, Role.LEADER, Role.AGENCY_ADMIN):
        return True
    return _province_admin_of(user, agency)


def can_manage_roster(user, agency: Agency) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if user_has_role(user, agency.pk, Role.AGENCY_ADMIN):
        return True
    return _province_admin_of(user, agency)


def _require_manager(actor, agency: Agency) -> None:
    if actor is not None and not can_manage_roster(actor, agency):
        raise PermissionDenied(f"Chỉ quản trị hệ thống, quản trị {agency.name} hoặc quản trị UBND tỉnh quản lý "
                               "cơ quan này được thay đổi danh sách cán bộ, công chức.")


# --- reading ----------------------------------------------------------------------------------------------

def covering(day: dt.date) -> Q:
    """Postings in force on `day` (valid_to is the last day)."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def current_posting(member: StaffMember, on: dt.date | None = None) -> StaffPosting | None:
    """The posting in force on `on`; without a date, the open one (none once the person has left)."""
    postings = StaffPosting.objects.filter(member=member).select_related("agency")
    if on is None:
        return postings.filter(valid_to__isnull=True).first()
    return postings.filter(covering(on)).order_by("-valid_from").first()


def in_post(agency_ids, on: dt.date) -> QuerySet[StaffPosting]:
    """Postings in the given agencies covering `on` (one per person in post)."""
    return StaffPosting.objects.filter(covering(on), agency_id__in=list(agency_ids))


# --- retirement -------------------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """`day` + `months`; a day that does not exist in the target month becomes its last day (31/08 + 3 months
    = 30/11; 29/02 + 60 years = 28/02)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retirement_rules() -> list[RetirementAgeRule]:
    return list(RetirementAgeRule.objects.order_by("sex", "valid_from"))


def required_age_months(*, sex: str, year: int, rules: list[RetirementAgeRule] | None = None) -> int | None:
    """The retirement age (in months) required of a person of `sex` who reaches it in `year`."""
    jan1 = dt.date(year, 1, 1)
    for rule in rules if rules is not None else retirement_rules():
        if rule.sex == sex and rule.valid_from <= jan1 and (rule.valid_to is None or jan1 <= rule.valid_to):
            return min(rule.start_age_months + rule.step_months * max(0, year - rule.start_year),
                       rule.max_age_months)
    return None


def retirement_date(*, sex: str, birth_date: dt.date, rules: list[RetirementAgeRule] | None = None) -> dt.date | None:
    """The first day on which the person has reached the retirement age in normal conditions (Labour Code 2019
    Art. 169, NĐ 135/2020): the age required depends on the calendar year in which it is reached, so this is
    the earliest year Y whose required age, added to the birth date, falls in Y. None when no rule covers it.

    A man born 15/03/1962 reaches 60y3m (2021's age) on 15/06/2022 — not in 2021; in 2022 the age is 60y6m,
    reached on 15/09/2022, in 2022: that is his date."""
    rules = rules if rules is not None else retirement_rules()
    for year in range(birth_date.year + 40, birth_date.year + 70):
        months = required_age_months(sex=sex, year=year, rules=rules)
        if months is None:
            continue
        reached = add_months(birth_date, months)
        if reached.year == year:
            return reached
    return None


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- validation -------------------------------------------------------------------------------------------

def _decimal(value, field: str, label: str, fields: dict, *, low: Decimal, high: Decimal, strict_low=False):
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text:
            text = "0"
        try:
            value = Decimal(text)
        except InvalidOperation:
            fields[field] = f"{label} “{value}” không phải là số."
            return None
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        fields[field] = f"{label} không phải là số."
        return None
    if not value.is_finite() or (value <= low if strict_low else value < low) or value > high:
        fields[field] = (f"{label} phải lớn hơn {low} và không quá {high}." if strict_low
                         else f"{label} phải từ {low} đến {high}.").replace(".00", "")
        return None
    if value != value.quantize(Decimal("0.01")):
        fields[field] = f"{label} chỉ có tối đa hai chữ số thập phân."
        return None
    return value.quantize(Decimal("0.01"))


def _check_posting_values(values: dict, fields: dict) -> dict:
    """Validate the posting fields present in `values`; return them cleaned."""
    out = {}
    if "category" in values:
        if values["category"] not in StaffCategory.values:
            fields["category"] = ("Đối tượng không hợp lệ: chọn “Cán bộ, công chức” hoặc "
                                  "“Người hoạt động không chuyên trách”.")
        out["category"] = values["category"]
    if "position" in values:
        position = clean_text(values["position"])
        if has_control_characters(values["position"]):
            fields["position"] = "Chức vụ, chức danh có ký tự điều khiển không hợp lệ."
        elif not position:
            fields["position"] = "Nhập chức vụ, chức danh."
        elif len(position) > 150:
            fields["position"] = "Chức vụ, chức danh dài quá 150 ký tự."
        out["position"] = position
    if "rank" in values:
        rank = clean_text(values["rank"])
        if has_control_characters(values["rank"]):
            fields["rank"] = "Ngạch có ký tự điều khiển không hợp lệ."
        elif len(rank) > 100:
            fields["rank"] = "Ngạch dài quá 100 ký tự."
        out["rank"] = rank
    if "salary_coefficient" in values:
        out["salary_coefficient"] = _decimal(values["salary_coefficient"], "salary_coefficient", "Hệ số lương",
                                             fields, low=Decimal(0), high=MAX_COEFFICIENT, strict_low=True)
    for key, label in (("position_allowance", "Hệ số phụ cấp chức vụ"), ("other_allowance", "Hệ số phụ cấp khác")):
        if key in values:
            out[key] = _decimal(values[key], key, label, fields, low=Decimal(0), high=MAX_ALLOWANCE)
    if "monthly_allowance_vnd" in values:
        raw = values["monthly_allowance_vnd"]
        try:
            amount = int(str(raw).replace(".", "").replace(" ", "").replace(",", "") or 0) if isinstance(raw, str) \
                else int(raw)
            if isinstance(raw, float | Decimal) and raw != int(raw):
                raise ValueError
            if not 0 <= amount <= MAX_MONTHLY_VND:
                fields["monthly_allowance_vnd"] = "Phụ cấp khoán phải từ 0 đến 1.000.000.000 đồng/tháng."
            out["monthly_allowance_vnd"] = amount
        except (TypeError, ValueError):
            fields["monthly_allowance_vnd"] = f"Phụ cấp khoán “{raw}” không phải số nguyên đồng."
    return out


def _latest_start(today: dt.date) -> dt.date:
    """The latest accepted start date: one year after `today`."""
    return add_months(today, 12)


def _check_person(*, full_name, sex, birth_date, start_date, fields: dict, today: dt.date) -> str:
    name = clean_text(full_name)
    if has_control_characters(full_name):
        fields["full_name"] = "Họ và tên có ký tự điều khiển không hợp lệ."
    elif not name:
        fields["full_name"] = "Nhập họ và tên."
    elif len(name) > 100:
        fields["full_name"] = "Họ và tên dài quá 100 ký tự."
    if sex not in Sex.values:
        fields["sex"] = "Giới tính phải là Nam hoặc Nữ."
    if not isinstance(birth_date, dt.date):
        fields["birth_date"] = "Nhập ngày sinh (dd/mm/yyyy)."
    elif birth_date > today:
        fields["birth_date"] = f"Ngày sinh {format_vn_date(birth_date)} ở tương lai."
    elif birth_date.year < 1900:
        fields["birth_date"] = f"Ngày sinh {format_vn_date(birth_date)} không hợp lý."
    if not isinstance(start_date, dt.date):
        fields["start_date"] = "Nhập ngày bắt đầu công tác (dd/mm/yyyy)."
    elif start_date > _latest_start(today):
        fields["start_date"] = (f"Ngày bắt đầu công tác {format_vn_date(start_date)} quá xa trong tương lai "
                                "(chậm nhất một năm kể từ hôm nay).")
    elif start_date.year < 1900:
        fields["start_date"] = f"Ngày bắt đầu công tác {format_vn_date(start_date)} không hợp lý."
    elif isinstance(birth_date, dt.date) and "birth_date" not in fields:
        if start_date < birth_date:
            fields["start_date"] = (f"Ngày bắt đầu công tác {format_vn_date(start_date)} trước ngày sinh "
                                    f"{format_vn_date(birth_date)}.")
        elif age_on(birth_date, start_date) < MIN_AGE:
            fields["start_date"] = (f"Ngày bắt đầu công tác {format_vn_date(start_date)} khi chưa đủ {MIN_AGE} tuổi "
                                    f"(sinh ngày {format_vn_date(birth_date)}).")
    return name


def _posting_after(p: StaffPosting) -> dict:
    return {"member": p.member_id, "agency": p.agency_id, "category": p.category, "position": p.position,
            "rank": p.rank, "salary_coefficient": str(p.salary_coefficient),
            "position_allowance": str(p.position_allowance), "other_allowance": str(p.other_allowance),
            "monthly_allowance_vnd": p.monthly_allowance_vnd, "valid_from": p.valid_from, "valid_to": p.valid_to,
            "ended_reason": p.ended_reason, "basis": p.basis}


# --- writes -----------------------------------------------------------------------------------------------

@transaction.atomic
def staff_member_create(*, actor, agency: Agency, full_name: str, sex: str, birth_date: dt.date, category: str,
                        position: str, salary_coefficient, start_date: dt.date, rank: str = "",
                        position_allowance=0, other_allowance=0, monthly_allowance_vnd=0, basis: str = "",
                        official: Official | None = None) -> StaffMember:
    """Add a person to `agency`'s roster with their first posting from `start_date`."""
    _require_manager(actor, agency)
    fields: dict[str, str] = {}
    name = _check_person(full_name=full_name, sex=sex, birth_date=birth_date, start_date=start_date, fields=fields,
                         today=timezone.localdate())
    values = _check_posting_values({"category": category, "position": position, "rank": rank,
                                    "salary_coefficient": salary_coefficient,
                                    "position_allowance": position_allowance, "other_allowance": other_allowance,
                                    "monthly_allowance_vnd": monthly_allowance_vnd}, fields)
    basis = clean_text(basis)
    if len(basis) > 300:
        fields["basis"] = "Căn cứ dài quá 300 ký tự."
    if not fields and StaffPosting.objects.filter(agency=agency, valid_to__isnull=True, member__birth_date=birth_date,
                                                  member__name_folded=fold(name)[:100]).exists():
        fields["full_name"] = (f"{name} sinh ngày {format_vn_date(birth_date)} đã có trong danh sách của cơ quan "
                               f"{agency.name}.")
    if official is not None and StaffMember.objects.filter(official=official).exists():
        fields["official"] = f"Tài khoản {official} đã gắn với một hồ sơ khác."
    if fields:
        raise ValidationFailed("Thông tin cán bộ, công chức chưa hợp lệ: " + " ".join(fields.values()), fields=fields)
    member = StaffMember.objects.create(full_name=name, name_folded=fold(name)[:100], sex=sex, birth_date=birth_date,
                                        official=official)
    posting = StaffPosting.objects.create(member=member, agency=agency, valid_from=start_date, basis=basis, **values)
    journal_record(actor=actor, agency_id=agency.pk, action="staffing.member_create", obj=member,
                   after={"full_name": name, "sex": sex, "birth_date": birth_date, **_posting_after(posting)})
    return member


def _open_posting_for_update(member: StaffMember) -> StaffPosting:
    posting = (StaffPosting.objects.select_for_update().filter(member=member, valid_to__isnull=True)
               .select_related("agency").first())
    if posting is None:
        raise Conflict(f"{member.full_name} không còn đang công tác (không có quá trình công tác đang mở).",
                       code="not_in_post")
    return posting


def _check_on(on, posting: StaffPosting) -> dt.date:
    if not isinstance(on, dt.date):
        raise ValidationFailed("Nhập ngày (dd/mm/yyyy).", fields={"on": "Nhập ngày (dd/mm/yyyy)."})
    if on <= posting.valid_from:
        message = (f"Ngày {format_vn_date(on)} phải sau ngày bắt đầu của quá trình công tác hiện tại "
                   f"({format_vn_date(posting.valid_from)}).")
        raise ValidationFailed(message, fields={"on": message})
    return on


@transaction.atomic
def posting_change(*, actor, member: StaffMember, on: dt.date, reason: str = LeaveReason.CHANGE, basis: str = "",
                   agency: Agency | None = None, **changes) -> StaffPosting:
    """Close the current posting on `on` − 1 day and open a new one from `on`, with the same values except
    `changes` (category, position, rank, salary_coefficient, position_allowance, other_allowance,
    monthly_allowance_vnd) and, when given, another `agency`."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationFailed(f"Không thay đổi được: {', '.join(unknown)}.",
                               fields={k: "Không hỗ trợ." for k in unknown})
    if reason not in LeaveReason.values:
        raise ValidationFailed("Lý do không hợp lệ.", fields={"reason": "Lý do không hợp lệ."})
    current = _open_posting_for_update(member)
    _require_manager(actor, current.agency)
    target = agency or current.agency
    if target.pk != current.agency_id:
        _require_manager(actor, target)
    on = _check_on(on, current)
    fields: dict[str, str] = {}
    values = _check_posting_values(changes, fields)
    basis = clean_text(basis)
    if len(basis) > 300:
        fields["basis"] = "Căn cứ dài quá 300 ký tự."
    if fields:
        raise ValidationFailed("Thay đổi chưa hợp lệ: " + " ".join(fields.values()), fields=fields)
    if target.pk == current.agency_id and all(getattr(current, k) == v for k, v in values.items()):
        raise ValidationFailed("Không có gì thay đổi so với quá trình công tác hiện tại.",
                               fields={"changes": "Chọn ít nhất một thông tin thay đổi."})
    before = _posting_after(current)
    current.valid_to = on - dt.timedelta(days=1)
    current.ended_reason = reason
    current.save(update_fields=["valid_to", "ended_reason"])
    kept = {k: getattr(current, k) for k in CHANGEABLE}
    new = StaffPosting.objects.create(member=member, agency=target, valid_from=on, basis=basis, **(kept | values))
    after = {"closed": _posting_after(current), "opened": _posting_after(new), "reason": reason}
    journal_record(actor=actor, agency_id=current.agency_id, action="staffing.posting_change", obj=new,
                   before=before, after=after)
    if target.pk != current.agency_id:
        journal_record(actor=actor, agency_id=target.pk, action="staffing.posting_in", obj=new, after=after)
    return new


@transaction.atomic
def member_leave(*, actor, member: StaffMember, on: dt.date, reason: str, basis: str = "") -> StaffPosting:
    """The person leaves on `on` (retirement, streamlining, …): the current posting's last day is `on` − 1."""
    if reason not in LeaveReason.values or reason == LeaveReason.CHANGE:
        raise ValidationFailed("Chọn lý do thôi công tác.", fields={"reason": "Chọn lý do thôi công tác."})
    current = _open_posting_for_update(member)
    _require_manager(actor, current.agency)
    on = _check_on(on, current)
    basis = clean_text(basis)
    if len(basis) > 300:
        raise ValidationFailed("Căn cứ dài quá 300 ký tự.", fields={"basis": "Căn cứ dài quá 300 ký tự."})
    before = _posting_after(current)
    current.valid_to = on - dt.timedelta(days=1)
    current.ended_reason = reason
    if basis:
        current.basis = (f"{current.basis}; {basis}" if current.basis else basis)[:300]
    current.save(update_fields=["valid_to", "ended_reason", "basis"])
    journal_record(actor=actor, agency_id=current.agency_id, action="staffing.member_leave", obj=current,
                   before=before, after=_posting_after(current))
    return current


# --- import from CSV --------------------------------------------------------------------------------------

IMPORT_COLUMNS = ["full_name", "sex", "birth_date", "category", "position", "rank", "salary_coefficient",
                  "position_allowance", "other_allowance", "monthly_allowance_vnd", "start_date", "basis"]
IMPORT_REQUIRED = ["full_name", "sex", "birth_date", "category", "position", "salary_coefficient", "start_date"]
_SEX = {"nam": Sex.MALE, "male": Sex.MALE, "m": Sex.MALE, "nu": Sex.FEMALE, "female": Sex.FEMALE, "f": Sex.FEMALE}
_CATEGORY = {"cadre_civil": StaffCategory.CADRE_CIVIL, "can bo, cong chuc": StaffCategory.CADRE_CIVIL,
             "can bo cong chuc": StaffCategory.CADRE_CIVIL, "cbcc": StaffCategory.CADRE_CIVIL,
             "part_time": StaffCategory.PART_TIME, "khong chuyen trach": StaffCategory.PART_TIME,
             "nguoi hoat dong khong chuyen trach": StaffCategory.PART_TIME, "nhdkct": StaffCategory.PART_TIME}


@dataclass
class RosterImportResult:
    created: int
    member_ids: list[int]


def _line_date(raw: str, label: str, problems: list[str]) -> dt.date | None:
    try:
        return parse_vn_date(raw, field="date")
    except ValidationFailed:
        problems.append(f"{label} “{raw}” không hợp lệ (dd/mm/yyyy)")
        return None


@transaction.atomic
def roster_import(*, actor, agency: Agency, text: str) -> RosterImportResult:
    """Add the people of a CSV file (header row with the columns of `IMPORT_COLUMNS`) to `agency`'s roster.
    All or nothing: any bad line raises `ValidationFailed` whose `fields` name every bad line ("Dòng N: …")."""
    _require_manager(actor, agency)
    text = nfc(text or "").lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or []) if h is not None]
    missing = [c for c in IMPORT_REQUIRED if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if missing or unknown:
        raise ValidationFailed("Dòng tiêu đề của tệp không đúng mẫu.", fields={"header": (
            f"Thiếu cột: {', '.join(missing)}. " if missing else "") + (
            f"Cột không biết: {', '.join(unknown)}. " if unknown else "") + f"Các cột: {','.join(IMPORT_COLUMNS)}."})
    today = timezone.localdate()
    existing = {(fold(n), b) for n, b in StaffPosting.objects.filter(agency=agency, valid_to__isnull=True)
                .values_list("member__full_name", "member__birth_date")}
    errors: dict[str, str] = {}
    rows: list[dict] = []
    seen: set = set()
    for lineno, raw in enumerate(reader, start=2):
        if None in raw:
            errors[f"line {lineno}"] = f"Dòng {lineno}: nhiều cột hơn dòng tiêu đề."
            continue
        raw = {k.strip(): (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        if not any(raw.values()):
            continue
        problems: list[str] = []
        fields: dict[str, str] = {}
        sex = _SEX.get(fold(raw.get("sex", "")), raw.get("sex", ""))
        category = _CATEGORY.get(fold(raw.get("category", "")), raw.get("category", ""))
        birth = _line_date(raw.get("birth_date", ""), "ngày sinh", problems) if raw.get("birth_date") else None
        start = _line_date(raw.get("start_date", ""), "ngày bắt đầu công tác", problems) if raw.get("start_date") \
            else None
        if any(p.startswith("ngày sinh") for p in problems):
            birth = dt.date.min  # reported already; keep the person check quiet about it
        name = _check_person(full_name=raw.get("full_name"), sex=sex, birth_date=birth, start_date=start,
                             fields=fields, today=today)
        if birth == dt.date.min:
            fields.pop("birth_date", None)
            fields.pop("start_date", None)
        values = _check_posting_values({k: raw.get(k, "") for k in CHANGEABLE} | {"category": category}, fields)
        if category not in StaffCategory.values:
            fields["category"] = (f"đối tượng “{raw.get('category', '')}” không rõ (cán bộ, công chức / "
                                  "không chuyên trách)")
        if not raw.get("salary_coefficient"):
            fields["salary_coefficient"] = "thiếu hệ số lương"
        basis = clean_text(raw.get("basis", ""))
        if len(basis) > 300:
            fields["basis"] = "căn cứ dài quá 300 ký tự"
        problems += [m.rstrip(".") for m in fields.values()]
        key = (fold(name), birth)
        if name and birth and key in seen:
            problems.append(f"{name} sinh ngày {format_vn_date(birth)} lặp lại trong tệp")
        elif name and birth and key in existing:
            problems.append(f"{name} sinh ngày {format_vn_date(birth)} đã có trong danh sách của cơ quan")
        seen.add(key)
        if problems:
            errors[f"line {lineno}"] = f"Dòng {lineno}: " + "; ".join(p[0].lower() + p[1:] for p in problems) + "."
            continue
        rows.append({"name": name, "sex": sex, "birth": birth, "start": start, "basis": basis, "values": values})
    if errors:
        raise ValidationFailed(f"Tệp có {len(errors)} dòng không hợp lệ; chưa nhập ai.", fields=errors)
    if not rows:
        raise ValidationFailed("Tệp không có dòng dữ liệu nào.", fields={"file": "Tệp không có dòng dữ liệu nào."})
    members = StaffMember.objects.bulk_create([
        StaffMember(full_name=r["name"], name_folded=fold(r["name"])[:100], sex=r["sex"], birth_date=r["birth"])
        for r in rows], batch_size=500)
    if any(m.pk is None for m in members):  # a backend that does not return keys from bulk inserts
        raise RuntimeError("bulk_create did not return primary keys")
    StaffPosting.objects.bulk_create([
        StaffPosting(member=m, agency=agency, valid_from=r["start"], basis=r["basis"], **r["values"])
        for m, r in zip(members, rows, strict=True)], batch_size=500)
    ids = [m.pk for m in members]
    journal_record(actor=actor, agency_id=agency.pk, action="staffing.roster_import", object_type="org.agency",
                   object_id=str(agency.pk), after={"created": len(ids), "member_ids": ids})
    return RosterImportResult(created=len(ids), member_ids=ids)
