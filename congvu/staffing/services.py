"""Writes of the staffing app and the quota computation; every write is atomic and journaled (system chain).

Who may write: system admins (superusers) everything; the agency admin of a provincial People's Committee
(UBND tỉnh, `org.AgencyKind.PROVINCE_PC`) the classification and quota decisions of units in its own
province (the agency's `province_code` = the province unit's code). Reading is open to every logged-in
user: unit lists, classes and norms are public information. See docs/decisions/0023.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Q

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold, nfc
from congvu.core.text import clean_text
from congvu.org.models import Agency, AgencyKind, Membership, Role
from congvu.org.selectors import official_for_user
from congvu.staffing import classification
from congvu.staffing.models import (
    PROVINCE_LEVEL,
    AdministrativeUnit,
    ClassificationDecision,
    ClassificationRuleSet,
    NormUnitType,
    QuotaDecision,
    StaffCategory,
    StaffingNorm,
    UnitAgency,
    UnitClass,
    UnitSource,
    UnitSuccession,
    UnitType,
)

DATA_DIR = Path(__file__).parent / "data"
TWO_TIER_FROM = dt.date(2025, 7, 1)
PACKAGE_BASIS = ("NQ 202/2025/QH15 (tỉnh); NQ 1654…1687/NQ-UBTVQH15 ngày 16/06/2025 (xã, phường, đặc khu); "
                 "mã theo CV 915/CTK-CSCL và 1027/CTK-CSCL; dữ liệu gói vietnam-provinces")
CLASS_ORDER = {UnitClass.SPECIAL: 0, UnitClass.I: 1, UnitClass.II: 2, UnitClass.III: 3}


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"  # 71.00 → "71", 4.50 → "4.5"


def _cls(unit_class: str) -> str:
    label = UnitClass(unit_class).label
    return label[0].lower() + label[1:]  # "loại II", keeping the numeral upper-case


def _vn(day: dt.date | None) -> str:
    return format_vn_date(day) if day else "nay"


# --- who may do what ---------------------------------------------------------------------------------

def can_view_staffing(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _admin_provinces(user) -> set[str]:
    official = official_for_user(user)
    if official is None:
        return set()
    return set(Membership.objects.filter(
        official=official, active=True, role=Role.AGENCY_ADMIN, agency__kind=AgencyKind.PROVINCE_PC,
    ).exclude(agency__province_code="").values_list("agency__province_code", flat=True))


def can_manage_staffing(user) -> bool:
    """Sees the management forms: a system admin or the agency admin of a UBND tỉnh."""
    return bool(getattr(user, "is_superuser", False)) or bool(_admin_provinces(user))


def province_of(unit: AdministrativeUnit) -> AdministrativeUnit:
    seen = 0
    while unit.parent_id is not None and seen < 10:
        unit = unit.parent
        seen += 1
    return unit


def can_manage_unit(user, unit: AdministrativeUnit) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return province_of(unit).code in _admin_provinces(user)


def _require_superuser(actor) -> None:
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Chỉ quản trị hệ thống được thay đổi dữ liệu dùng chung toàn quốc.")


def _require_unit_manager(actor, unit: AdministrativeUnit) -> None:
    if actor is not None and not can_manage_unit(actor, unit):
        raise PermissionDenied("Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh quản lý đơn vị này được thực hiện.")


# --- loading today's units from the vietnam-provinces package ------------------------------------------

@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


_PACKAGE_TYPES = {"tỉnh": UnitType.PROVINCE, "thành phố trung ương": UnitType.CITY, "xã": UnitType.COMMUNE,
                  "phường": UnitType.WARD, "đặc khu": UnitType.SPECIAL_ZONE}


def package_units() -> tuple[list[dict], list[dict]]:
    """Provinces and communes of the installed vietnam-provinces package, as plain rows."""
    from vietnam_provinces import Province, Ward

    provinces = [{"code": f"{int(p.code):02d}", "name": nfc(p.name), "unit_type": _PACKAGE_TYPES[p.division_type.value]}
                 for p in Province.iter_all()]
    communes = [{"code": f"{int(w.code):05d}", "name": nfc(w.name), "unit_type": _PACKAGE_TYPES[w.division_type.value],
                 "parent": f"{int(w.province_code):02d}"} for w in Ward.iter_all()]
    return provinces, communes


def units_load(*, actor=None) -> LoadResult:
    """Create or refresh today's 34 provinces and 3,321 communes, wards and special zones (valid from
    01/07/2025). Idempotent: a second run changes nothing. Class, area and population entered by people are
    never overwritten; only name, type and parent follow the package."""
    _require_superuser(actor)
    provinces, communes = package_units()
    result = LoadResult()
    with transaction.atomic():
        existing = {u.code: u for u in AdministrativeUnit.objects.filter(
            valid_from=TWO_TIER_FROM, source=UnitSource.PACKAGE)}

        def sync(rows: list[dict], parents: dict[str, AdministrativeUnit] | None) -> dict[str, AdministrativeUnit]:
            new, changed = [], []
            for row in rows:
                parent = parents[row["parent"]] if parents is not None else None
                unit = existing.get(row["code"])
                if unit is None:
                    new.append(AdministrativeUnit(
                        code=row["code"], name=row["name"], name_folded=fold(row["name"])[:200],
                        unit_type=row["unit_type"], parent=parent, valid_from=TWO_TIER_FROM, basis=PACKAGE_BASIS,
                        source=UnitSource.PACKAGE))
                elif (unit.name, unit.unit_type, unit.parent_id) != (row["name"], row["unit_type"],
                                                                     parent.pk if parent else None):
                    unit.name, unit.name_folded, unit.unit_type = row["name"], fold(row["name"])[:200], row["unit_type"]
                    unit.parent = parent
                    changed.append(unit)
                else:
                    result.unchanged += 1
            AdministrativeUnit.objects.bulk_create(new, batch_size=1000)
            AdministrativeUnit.objects.bulk_update(changed, ["name", "name_folded", "unit_type", "parent"],
                                                   batch_size=1000)
            result.created += len(new)
            result.updated += len(changed)
            return {u.code: u for u in AdministrativeUnit.objects.filter(
                valid_from=TWO_TIER_FROM, source=UnitSource.PACKAGE, code__in=[r["code"] for r in rows])}

        by_code = sync(provinces, None)
        sync(communes, by_code)
        if result.created or result.updated:
            journal_record(actor=actor, agency_id=None, action="staffing.units_load",
                           object_type="staffing.administrativeunit", object_id="vietnam-provinces",
                           after=asdict(result))
    return result


# --- importing historical units from CSV ----------------------------------------------------------------

CSV_COLUMNS = ["code", "name", "type", "parent_code", "class", "area_km2", "population", "valid_from", "valid_to",
               "basis", "successor_codes", "succession_date", "resolution"]
_TYPE_BY_LABEL = {fold(label): value for value, label in UnitType.choices} | {v: v for v in UnitType.values} | {
    "tinh": UnitType.PROVINCE, "thanh pho": UnitType.CITY, "huyen": UnitType.DISTRICT, "quan": UnitType.DISTRICT,
    "thi xa": UnitType.DISTRICT, "xa": UnitType.COMMUNE, "phuong": UnitType.WARD, "thi tran": UnitType.TOWNSHIP,
    "dac khu": UnitType.SPECIAL_ZONE}
_CLASS_BY_LABEL = {"": "", "dac biet": UnitClass.SPECIAL, "special": UnitClass.SPECIAL, "i": UnitClass.I,
                   "1": UnitClass.I, "ii": UnitClass.II, "2": UnitClass.II, "iii": UnitClass.III, "3": UnitClass.III}


def _covers(valid_from, valid_to, day) -> bool:
    if day is None:
        return True
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


@dataclass
class ImportResult:
    created: int
    successions: int


def units_import(*, actor=None, text: str) -> ImportResult:
    """Import units (historical districts, communes, …) from CSV text with the columns of `CSV_COLUMNS`
    (header row required; extra columns refused). All or nothing: any bad line raises `ValidationFailed`
    whose `fields` name every bad line, and nothing is saved."""
    _require_superuser(actor)
    text = nfc(text).lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "name", "type") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        raise ValidationFailed("Dòng tiêu đề của tệp không đúng mẫu.", fields={"header": (
            f"Thiếu cột: {', '.join(missing)}. " if missing else "") + (
            f"Cột không biết: {', '.join(unknown)}. " if unknown else "") + f"Các cột: {','.join(CSV_COLUMNS)}."})
    errors: dict[str, str] = {}
    rows: list[dict] = []
    # Every unit already stored under a code the file mentions, read once (a file may hold thousands of rows).
    mentioned: set[str] = set()
    for raw in csv.DictReader(io.StringIO(text)):
        raw = {k.strip(): v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        for key in ("code", "parent_code"):
            mentioned.add((raw.get(key) or "").strip())
        mentioned.update(c.strip() for c in (raw.get("successor_codes") or "").split(";"))
    mentioned.discard("")
    stored: dict[str, list[AdministrativeUnit]] = {}
    codes = sorted(mentioned)
    for start in range(0, len(codes), 500):
        for u in AdministrativeUnit.objects.filter(code__in=codes[start:start + 500]):
            stored.setdefault(u.code, []).append(u)
    pending: dict[str, list[dict]] = {}
    seen: set[tuple[str, dt.date | None]] = set()
    for lineno, raw in enumerate(reader, start=2):
        raw = {k.strip(): clean_text(v) for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}
        problems: list[str] = []
        code, name = raw.get("code", ""), raw.get("name", "")
        if not code or len(code) > 10:
            problems.append("mã đơn vị trống hoặc dài quá 10 ký tự")
        if not name:
            problems.append("tên đơn vị trống")
        unit_type = _TYPE_BY_LABEL.get(fold(raw.get("type", "")))
        if unit_type is None:
            problems.append(f"loại đơn vị “{raw.get('type', '')}” không rõ "
                            "(tỉnh, huyện, xã, phường, thị trấn, đặc khu)")
        unit_class = _CLASS_BY_LABEL.get(fold(raw.get("class", "")).removeprefix("loai ").strip())
        if unit_class is None:
            problems.append(f"phân loại “{raw.get('class')}” không rõ (I, II, III, đặc biệt)")
        area = population = None
        try:
            area = Decimal(raw["area_km2"].replace(",", ".")) if raw.get("area_km2") else None
            if area is not None and (area < 0 or area >= Decimal("1e8")):
                problems.append("diện tích phải từ 0 đến dưới 100 triệu km²")
        except InvalidOperation:
            problems.append(f"diện tích “{raw['area_km2']}” không phải số")
        try:
            population = int(raw["population"].replace(".", "").replace(" ", "")) if raw.get("population") else None
            if population is not None and not 0 <= population < 2**31:
                problems.append("dân số phải là số không âm")
        except ValueError:
            problems.append(f"dân số “{raw['population']}” không phải số nguyên")
        dates = {}
        for key, label in (("valid_from", "ngày hiệu lực"), ("valid_to", "ngày hết hiệu lực"),
                           ("succession_date", "ngày kế thừa")):
            try:
                dates[key] = parse_vn_date(raw.get(key, ""), field=key)
            except ValidationFailed:
                problems.append(f"{label} “{raw.get(key)}” không hợp lệ (dd/mm/yyyy)")
                dates[key] = None
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            problems.append("ngày hết hiệu lực trước ngày hiệu lực")
        successors = [c.strip() for c in raw.get("successor_codes", "").split(";") if c.strip()]
        if successors and not raw.get("resolution"):
            problems.append("có đơn vị kế thừa thì phải ghi nghị quyết (cột resolution)")
        if successors and not (dates["succession_date"] or dates["valid_to"]):
            problems.append("có đơn vị kế thừa thì phải có ngày kế thừa hoặc ngày hết hiệu lực")
        key = (code, dates["valid_from"])
        if key in seen:
            problems.append(f"mã {code} từ ngày {_vn(dates['valid_from'])} lặp lại trong tệp")
        seen.add(key)
        if code and any(u.valid_from == dates["valid_from"] for u in stored.get(code, [])):
            problems.append(f"đã có đơn vị mã {code} hiệu lực từ {_vn(dates['valid_from'])}")
        if problems:
            errors[f"line {lineno}"] = f"Dòng {lineno}: " + "; ".join(problems) + "."
            continue
        row = {"line": lineno, "code": code, "name": name, "unit_type": unit_type, "unit_class": unit_class,
               "area_km2": area, "population": population, **dates, "basis": raw.get("basis", "")[:300],
               "parent_code": raw.get("parent_code", ""), "successors": successors,
               "resolution": raw.get("resolution", "")[:300]}
        rows.append(row)
        pending.setdefault(code, []).append(row)

    def candidates(code: str, day: dt.date | None) -> list:
        found: list = [u for u in stored.get(code, []) if _covers(u.valid_from, u.valid_to, day)]
        found += [r for r in pending.get(code, []) if _covers(r["valid_from"], r["valid_to"], day)]
        return found

    for row in rows:
        if row["parent_code"]:
            found = candidates(row["parent_code"], row["valid_from"] or row["valid_to"])
            if len(found) != 1:
                errors[f"line {row['line']}"] = (
                    f"Dòng {row['line']}: không xác định được đơn vị cấp trên mã {row['parent_code']} "
                    f"{'có hiệu lực' if not found else 'duy nhất'} vào ngày {_vn(row['valid_from'])}.")
            else:
                row["parent_ref"] = found[0]
        day = row["succession_date"] or (row["valid_to"] + dt.timedelta(days=1) if row["valid_to"] else None)
        row["succession_day"] = day
        row["successor_refs"] = []
        for code in row["successors"]:
            found = candidates(code, day)
            if len(found) != 1:
                errors[f"line {row['line']}"] = (
                    f"Dòng {row['line']}: không tìm thấy đơn vị kế thừa mã {code} có hiệu lực ngày {_vn(day)}.")
            else:
                row["successor_refs"].append(found[0])
    if errors:
        raise ValidationFailed(f"Tệp có {len(errors)} dòng sai; chưa nhập dòng nào.",
                               fields=dict(sorted(errors.items(), key=lambda kv: int(kv[0].split()[1]))))

    # Parents first: a row's parent is in the database or on an earlier line; rows are created level by level.
    depth: dict[int, int] = {}
    for row in rows:
        parent = row.get("parent_ref")
        if isinstance(parent, dict):
            if parent["line"] not in depth:
                errors[f"line {row['line']}"] = (f"Dòng {row['line']}: đơn vị cấp trên mã {parent['code']} phải ở "
                                                 f"dòng trước (đang ở dòng {parent['line']}).")
                continue
            depth[row["line"]] = depth[parent["line"]] + 1
        else:
            depth[row["line"]] = 0
    if errors:
        raise ValidationFailed(f"Tệp có {len(errors)} dòng sai; chưa nhập dòng nào.", fields=errors)

    with transaction.atomic():
        made: dict[int, AdministrativeUnit] = {}
        for level in sorted(set(depth.values())):
            batch = [row for row in rows if depth[row["line"]] == level]
            units = []
            for row in batch:
                parent = row.get("parent_ref")
                units.append(AdministrativeUnit(
                    code=row["code"], name=row["name"], name_folded=fold(row["name"])[:200],
                    unit_type=row["unit_type"], parent=made[parent["line"]] if isinstance(parent, dict) else parent,
                    unit_class=row["unit_class"], area_km2=row["area_km2"], population=row["population"],
                    valid_from=row["valid_from"], valid_to=row["valid_to"], basis=row["basis"],
                    source=UnitSource.IMPORT))
            # bulk_create sets the primary keys on PostgreSQL and on SQLite ≥ 3.35 (RETURNING)
            for row, unit in zip(batch, AdministrativeUnit.objects.bulk_create(units, batch_size=1000), strict=True):
                made[row["line"]] = unit
        links = [UnitSuccession(predecessor=made[row["line"]],
                                successor=made[ref["line"]] if isinstance(ref, dict) else ref,
                                effective_date=row["succession_day"], resolution=row["resolution"])
                 for row in rows for ref in row["successor_refs"]]
        UnitSuccession.objects.bulk_create(links, batch_size=1000)
        links = len(links)
        journal_record(actor=actor, agency_id=None, action="staffing.units_import",
                       object_type="staffing.administrativeunit", object_id="csv",
                       after={"created": len(made), "codes": sorted(u.code for u in made.values())[:200],
                              "successions": links})
    return ImportResult(created=len(made), successions=links)


@transaction.atomic
def unit_agency_link(*, actor, unit: AdministrativeUnit, agency: Agency, valid_from: dt.date | None = None,
                     valid_to: dt.date | None = None) -> UnitAgency:
    """Record that `agency` governs `unit` (idempotent for the same pair)."""
    _require_unit_manager(actor, unit)
    link, created = UnitAgency.objects.get_or_create(unit=unit, agency=agency,
                                                     defaults={"valid_from": valid_from, "valid_to": valid_to})
    if created:
        journal_record(actor=actor, agency_id=None, action="staffing.unit_agency_link", obj=link,
                       after={"unit": unit.code, "agency": agency.pk, "valid_from": valid_from, "valid_to": valid_to})
    return link


# --- classification -----------------------------------------------------------------------------------

def classification_rules_load() -> int:
    """Create the shipped classification rule sets that are missing (by name). Returns how many were made."""
    made = 0
    with transaction.atomic():
        for row in json.loads((DATA_DIR / "classification.json").read_text(encoding="utf-8")):
            _, created = ClassificationRuleSet.objects.get_or_create(name=row["name"], defaults={
                "valid_from": dt.date.fromisoformat(row["valid_from"]),
                "valid_to": dt.date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                "basis": row["basis"], "parameters": row["parameters"]})
            made += created
        if made:
            journal_record(actor=None, agency_id=None, action="staffing.classification_rules_load",
                           object_type="staffing.classificationruleset", object_id="data", after={"created": made})
    return made


def rule_set_on(day: dt.date) -> ClassificationRuleSet:
    rule = (ClassificationRuleSet.objects.filter(valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").first())
    if rule is None:
        raise NotFound(f"Không có bộ tiêu chí phân loại nào có hiệu lực ngày {_vn(day)}.")
    return rule


def _criteria_kind(unit: AdministrativeUnit) -> str:
    if unit.unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        return "commune"
    if unit.unit_type == UnitType.WARD:
        return "ward"
    if unit.unit_type == UnitType.SPECIAL_ZONE:
        return "special_zone"
    raise ValidationFailed("Chỉ phân loại theo thang điểm cho xã, phường, đặc khu.",
                           fields={"unit": f"{unit.name} là {unit.get_unit_type_display().lower()}."})


def classification_decide(*, actor, unit: AdministrativeUnit, decision_number: str, decision_date: dt.date,
                          effective_from: dt.date | None = None, figures: dict | None = None,
                          unit_class: str = "", basis: str = "",
                          rule_set: ClassificationRuleSet | None = None) -> ClassificationDecision:
    """Store a classification decision for `unit`. Under a scoring rule set the class is COMPUTED from
    `figures` (the fields of `classification.Criteria`, population and area defaulting to the unit's); under
    a class-only rule set `unit_class` is required. `AdministrativeUnit.unit_class` (the class recorded when
    the unit was entered) is left as it was: `unit_class_on` reads the decisions by date."""
    _require_unit_manager(actor, unit)
    effective_from = effective_from or decision_date
    decision_number = clean_text(decision_number)
    if not decision_number:
        raise ValidationFailed("Thiếu số quyết định.", fields={"decision_number": "Nhập số, ký hiệu quyết định."})
    if decision_date > dt.date.today() + dt.timedelta(days=366):
        raise ValidationFailed("Ngày quyết định không hợp lý.", fields={"decision_date": "Ngày ở quá xa tương lai."})
    if not _covers(unit.valid_from, unit.valid_to, effective_from):
        raise ValidationFailed(
            f"{unit.name} không còn hoặc chưa tồn tại vào ngày {_vn(effective_from)}.",
            fields={"effective_from": f"Đơn vị có hiệu lực từ {_vn(unit.valid_from)} đến {_vn(unit.valid_to)}."})
    rule_set = rule_set or rule_set_on(decision_date)
    score = None
    breakdown: dict = {}
    criteria: dict = {}
    if rule_set.scores:
        kind = _criteria_kind(unit)
        criteria = {"population": unit.population or 0, "area_km2": unit.area_km2 or Decimal(0)}
        criteria.update({k: v for k, v in (figures or {}).items() if v not in (None, "")})
        criteria["kind"] = kind
        missing = {k: msg for k, msg in (("population", "Nhập dân số (hoặc ghi dân số cho đơn vị)."),
                                         ("area_km2", "Nhập diện tích (hoặc ghi diện tích cho đơn vị)."))
                   if not criteria.get(k)}
        if missing:
            raise ValidationFailed("Chấm điểm phân loại cần dân số và diện tích của đơn vị.", fields=missing)
        allowed = set(classification.Criteria.__dataclass_fields__)
        unknown = sorted(set(criteria) - allowed)
        if unknown:
            raise ValidationFailed("Có tiêu chí không biết.", fields={"figures": ", ".join(unknown)})
        try:
            typed = {k: (Decimal(str(v)) if isinstance(classification.Criteria.__dataclass_fields__[k].default,
                                                        Decimal) else v) for k, v in criteria.items()}
            result = classification.classify(classification.Criteria(**typed), rule_set.parameters)
        except (InvalidOperation, TypeError, classification.ClassificationError) as exc:
            raise ValidationFailed(f"Số liệu tiêu chí không hợp lệ: {exc}", fields={"figures": str(exc)}) from exc
        if unit_class and unit_class != result.unit_class:
            points = _num(result.total).replace(".", ",")
            raise ValidationFailed(
                f"Theo thang điểm, {unit.name} đạt {points} điểm, là {UnitClass(result.unit_class).label}, "
                f"không phải {UnitClass(unit_class).label}.", fields={"unit_class": "Để trống để lấy kết quả tính."})
        unit_class, score = result.unit_class, result.total
        breakdown = {k: _num(v) for k, v in result.breakdown.items()} | {
            "criteria_total": _num(result.criteria_points), "priority": _num(result.priority_points),
            "priority_reason": result.priority_reason}
        criteria = {k: (_num(v) if isinstance(v, Decimal) else v) for k, v in criteria.items()}
    elif unit_class not in UnitClass.values:
        raise ValidationFailed(f"Bộ tiêu chí “{rule_set.name}” không có thang điểm: hãy chọn loại theo quyết định.",
                               fields={"unit_class": "Chọn loại I, II, III hoặc đặc biệt."})
    if unit_class == UnitClass.SPECIAL and unit.unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        raise ValidationFailed("Xã không có loại đặc biệt.", fields={"unit_class": "Chọn loại I, II hoặc III."})
    with transaction.atomic():
        locked = AdministrativeUnit.objects.select_for_update().get(pk=unit.pk)
        if ClassificationDecision.objects.filter(unit=locked, effective_from=effective_from).exists():
            raise Conflict(f"{unit.name} đã có quyết định phân loại áp dụng từ {_vn(effective_from)}.")
        decision = ClassificationDecision.objects.create(
            unit=locked, rule_set=rule_set, unit_class=unit_class, score=score, criteria=criteria, breakdown=breakdown,
            decision_number=decision_number, decision_date=decision_date, effective_from=effective_from,
            basis=clean_text(basis)[:300])
        journal_record(actor=actor, agency_id=None, action="staffing.classification_decide", obj=decision,
                       after={"unit": locked.code, "class": unit_class,
                              "score": _num(score) if score is not None else None,
                              "rule_set": rule_set.name, "decision": decision_number, "date": decision_date,
                              "effective_from": effective_from})
    return decision


def unit_class_on(unit: AdministrativeUnit, day: dt.date, _depth: int = 0) -> str:
    """The class of `unit` on `day`: its latest decision in force; else the class recorded on the unit;
    else (a merged unit not yet classified, NĐ 307 transition) the highest class of its predecessors."""
    decision = (ClassificationDecision.objects.filter(unit=unit, effective_from__lte=day)
                .order_by("-effective_from").values_list("unit_class", flat=True).first())
    if decision:
        return decision
    if unit.unit_class:
        return unit.unit_class
    if _depth > 5:
        return ""
    classes = []
    for link in UnitSuccession.objects.filter(successor=unit).select_related("predecessor"):
        before = link.effective_date - dt.timedelta(days=1)
        cls = unit_class_on(link.predecessor, before, _depth + 1)
        if cls:
            classes.append(cls)
    return min(classes, key=lambda c: CLASS_ORDER[c]) if classes else ""


# --- staffing norms -------------------------------------------------------------------------------------

def _overlapping_types(unit_type: str) -> list[str]:
    if unit_type == NormUnitType.ANY_COMMUNE:
        return list(NormUnitType.values)
    return [unit_type, NormUnitType.ANY_COMMUNE]


def _check_norm_overlap(*, unit_type, unit_class, category, valid_from, valid_to, exclude_pk=None) -> None:
    clash = StaffingNorm.objects.filter(unit_type__in=_overlapping_types(unit_type), unit_class=unit_class,
                                        category=category)
    clash = clash.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        clash = clash.filter(valid_from__lte=valid_to)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    other = clash.first()
    if other is not None:
        raise Conflict(
            f"Định mức {StaffCategory(category).label.lower()} của {NormUnitType(unit_type).label.lower()} "
            f"{_cls(unit_class)} từ {_vn(valid_from)} đến {_vn(valid_to)} trùng thời gian hiệu lực "
            f"với định mức theo {other.rule_set} (từ {_vn(other.valid_from)} đến {_vn(other.valid_to)}). "
            f"Hãy kết thúc định mức cũ trước ngày bắt đầu của định mức mới.", code="norm_overlap")


@transaction.atomic
def norm_create(*, actor, rule_set: str, valid_from: dt.date, valid_to: dt.date | None, basis: str, unit_type: str,
                unit_class: str, category: str, quota: int) -> StaffingNorm:
    """Add one norm row; a row whose validity overlaps another of the same type, class and category is refused."""
    _require_superuser(actor)
    fields = {}
    if unit_type not in NormUnitType.values:
        fields["unit_type"] = "Loại đơn vị không hợp lệ."
    if unit_class not in UnitClass.values:
        fields["unit_class"] = "Phân loại không hợp lệ."
    if category not in StaffCategory.values:
        fields["category"] = "Đối tượng không hợp lệ."
    if not isinstance(quota, int) or not 0 <= quota <= 100000:
        fields["quota"] = "Số lượng phải là số nguyên từ 0."
    if valid_to is not None and valid_to < valid_from:
        fields["valid_to"] = "Ngày hết hiệu lực trước ngày hiệu lực."
    if not clean_text(rule_set):
        fields["rule_set"] = "Nhập văn bản quy định, ví dụ NĐ 33/2023/NĐ-CP."
    if fields:
        raise ValidationFailed("Định mức chưa hợp lệ.", fields=fields)
    # Lock the existing rows of this scope so two writers cannot both pass the overlap check.
    list(StaffingNorm.objects.select_for_update().filter(unit_type__in=_overlapping_types(unit_type),
                                                         unit_class=unit_class, category=category))
    _check_norm_overlap(unit_type=unit_type, unit_class=unit_class, category=category, valid_from=valid_from,
                        valid_to=valid_to)
    norm = StaffingNorm.objects.create(rule_set=clean_text(rule_set), valid_from=valid_from, valid_to=valid_to,
                                       basis=clean_text(basis)[:300], unit_type=unit_type, unit_class=unit_class,
                                       category=category, quota=quota)
    journal_record(actor=actor, agency_id=None, action="staffing.norm_create", obj=norm,
                   after={"rule_set": norm.rule_set, "valid_from": valid_from, "valid_to": valid_to,
                          "unit_type": unit_type, "unit_class": unit_class, "category": category, "quota": quota})
    return norm


def norms_load(*, actor=None, path: Path | None = None) -> int:
    """Load the norm tables (default: the shipped NĐ 34/2019 and NĐ 33/2023 tables). Rows already present
    (same type, class, category and start) are left alone; a clash with other rows refuses the whole file.
    Returns how many rows were created."""
    data = json.loads((path or DATA_DIR / "norms.json").read_text(encoding="utf-8"))
    made = 0
    with transaction.atomic():
        for table in data:
            valid_from = dt.date.fromisoformat(table["valid_from"])
            valid_to = dt.date.fromisoformat(table["valid_to"]) if table.get("valid_to") else None
            for unit_type, unit_class, category, quota in table["rows"]:
                if StaffingNorm.objects.filter(unit_type=unit_type, unit_class=unit_class, category=category,
                                               valid_from=valid_from).exists():
                    continue
                norm_create(actor=actor, rule_set=table["rule_set"], valid_from=valid_from, valid_to=valid_to,
                            basis=table["basis"], unit_type=unit_type, unit_class=unit_class, category=category,
                            quota=quota)
                made += 1
    return made


@transaction.atomic
def quota_decision_create(*, actor, category: str, quota: int, valid_from: dt.date, decision_number: str,
                          decision_date: dt.date, unit: AdministrativeUnit | None = None,
                          agency: Agency | None = None, valid_to: dt.date | None = None,
                          basis: str = "") -> QuotaDecision:
    """A quota set by decision for one unit or one agency (e.g. the province's allocation after 07/2025).
    Overlapping decisions for the same target and category are refused."""
    if (unit is None) == (agency is None):
        raise ValidationFailed("Chọn một đơn vị hành chính hoặc một cơ quan.", fields={"unit": "Chọn một trong hai."})
    if unit is not None:
        _require_unit_manager(actor, unit)
    elif actor is not None and not getattr(actor, "is_superuser", False):
        linked = [link.unit for link in UnitAgency.objects.filter(agency=agency).select_related("unit")]
        if not any(can_manage_unit(actor, u) for u in linked):
            raise PermissionDenied(
                "Chỉ quản trị hệ thống hoặc quản trị UBND tỉnh quản lý cơ quan này được giao biên chế.")
    fields = {}
    if category not in StaffCategory.values:
        fields["category"] = "Đối tượng không hợp lệ."
    if not isinstance(quota, int) or not 0 <= quota <= 1000000:
        fields["quota"] = "Số lượng phải là số nguyên từ 0."
    if valid_to is not None and valid_to < valid_from:
        fields["valid_to"] = "Ngày hết hiệu lực trước ngày áp dụng."
    if not clean_text(decision_number):
        fields["decision_number"] = "Nhập số, ký hiệu quyết định."
    if fields:
        raise ValidationFailed("Quyết định giao biên chế chưa hợp lệ.", fields=fields)
    target = {"unit": unit} if unit is not None else {"agency": agency}
    clash = QuotaDecision.objects.select_for_update().filter(category=category, **target).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        clash = clash.filter(valid_from__lte=valid_to)
    other = clash.first()
    if other is not None:
        raise Conflict(f"Đã có quyết định {other.decision_number} giao biên chế cho đối tượng này từ "
                       f"{_vn(other.valid_from)} đến {_vn(other.valid_to)}; thời gian áp dụng không được chồng lấn.",
                       code="quota_overlap")
    decision = QuotaDecision.objects.create(category=category, quota=quota, valid_from=valid_from, valid_to=valid_to,
                                            decision_number=clean_text(decision_number), decision_date=decision_date,
                                            basis=clean_text(basis)[:300], **target)
    journal_record(actor=actor, agency_id=agency.pk if agency else None, action="staffing.quota_decision_create",
                   obj=decision, after={"unit": unit.code if unit else None, "agency": agency.pk if agency else None,
                                        "category": category, "quota": quota, "valid_from": valid_from,
                                        "valid_to": valid_to, "decision": decision.decision_number})
    return decision


# --- the quota at a date --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quota:
    quota: int | None
    source: str  # "decision", "norm" or "none"
    explanation: str
    unit: AdministrativeUnit | None = None
    unit_class: str = ""
    norm: StaffingNorm | None = None
    decision: QuotaDecision | None = None


def _decision_on(day: dt.date, category: str, **target) -> QuotaDecision | None:
    return (QuotaDecision.objects.filter(category=category, valid_from__lte=day, **target)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).order_by("-valid_from").first())


def unit_of_agency(agency: Agency, day: dt.date) -> AdministrativeUnit | None:
    for link in UnitAgency.objects.filter(agency=agency).select_related("unit").order_by("pk"):
        if _covers(link.valid_from, link.valid_to, day) and link.unit.in_force_on(day):
            return link.unit
    return None


def quota_for(target: AdministrativeUnit | Agency, *, on: dt.date,
              category: str = StaffCategory.CADRE_CIVIL) -> Quota:
    """The posts `target` may have on `on`: a decision in force for the agency, else for its unit, wins;
    otherwise the norm in force on that date for the unit's type and class on that date."""
    if category not in StaffCategory.values:
        raise ValidationFailed("Đối tượng không hợp lệ.", fields={"category": "cadre_civil hoặc part_time."})
    unit = target if isinstance(target, AdministrativeUnit) else None
    if isinstance(target, Agency):
        decision = _decision_on(on, category, agency=target)
        if decision is not None:
            return Quota(decision.quota, "decision", f"Theo quyết định {decision.decision_number} ngày "
                         f"{_vn(decision.decision_date)}.", decision=decision)
        unit = unit_of_agency(target, on)
        if unit is None:
            return Quota(None, "none", f"{target.name} chưa gắn với đơn vị hành chính nào vào ngày {_vn(on)} "
                         "và chưa có quyết định giao biên chế.")
    assert unit is not None
    decision = _decision_on(on, category, unit=unit)
    if decision is not None:
        return Quota(decision.quota, "decision", f"Theo quyết định {decision.decision_number} ngày "
                     f"{_vn(decision.decision_date)}.", unit=unit, decision=decision)
    unit_class = unit_class_on(unit, on)
    if unit.unit_type in (UnitType.COMMUNE, UnitType.TOWNSHIP):
        types = [NormUnitType.COMMUNE, NormUnitType.ANY_COMMUNE]
    elif unit.unit_type == UnitType.WARD:
        types = [NormUnitType.WARD, NormUnitType.ANY_COMMUNE]
    else:
        types = []
    if not unit_class or not types:
        why = "chưa được phân loại" if not unit_class else "không có định mức theo loại đơn vị"
        return Quota(None, "none", f"{unit.name} {why} vào ngày {_vn(on)}; cần quyết định giao biên chế.",
                     unit=unit, unit_class=unit_class)
    norm = (StaffingNorm.objects.filter(unit_type__in=types, unit_class=unit_class, category=category,
                                        valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            .order_by("-valid_from").first())
    if norm is None:
        return Quota(None, "none", f"Không có định mức nào có hiệu lực ngày {_vn(on)} cho {unit.name} "
                     f"({_cls(unit_class)}); cần quyết định giao biên chế.", unit=unit,
                     unit_class=unit_class)
    return Quota(norm.quota, "norm", f"Theo {norm.rule_set} ({_cls(unit_class)}).", unit=unit,
                 unit_class=unit_class, norm=norm)


def province_codes() -> list[str]:
    return list(AdministrativeUnit.objects.filter(unit_type__in=PROVINCE_LEVEL).values_list("code", flat=True))
