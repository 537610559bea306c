"""The procedure catalogue (TTHC) as dated versions: which version is in force on a date, creating and
changing a procedure (a change is a new version from a date; dossiers keep the version they were received
under), and the XLSX import and export (all or nothing, errors per row in Vietnamese)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from congvu.audit.services import journal_record
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.onestop.models import (
    OnlineLevel,
    Procedure,
    ProcedureComponent,
    ProcedureLevel,
    ProcedureStep,
    ProcedureVersion,
    StepHandler,
    SupplementRule,
    TimeUnit,
)
from congvu.org.models import Agency, Role
from congvu.org.selectors import user_access

# --- reads ------------------------------------------------------------------------------------------------


def in_force_q(on: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}valid_from__lte": on}) & (Q(**{f"{prefix}valid_to__isnull": True})
                                                    | Q(**{f"{prefix}valid_to__gt": on}))


def versions_in_force(*, on: dt.date, agency: Agency | int | None = None) -> QuerySet[ProcedureVersion]:
    """The versions in force on `on` of active procedures (offered by `agency` when given: a procedure with
    no agencies listed is offered by every agency)."""
    qs = ProcedureVersion.objects.filter(in_force_q(on), procedure__active=True).select_related("procedure")
    if agency is not None:
        agency_id = agency if isinstance(agency, int) else agency.pk
        qs = qs.filter(Q(procedure__agencies__isnull=True) | Q(procedure__agencies=agency_id)).distinct()
    return qs.order_by("procedure__field", "procedure__name")


def version_in_force(*, procedure: Procedure | int, on: dt.date) -> ProcedureVersion | None:
    procedure_id = procedure if isinstance(procedure, int) else procedure.pk
    return (ProcedureVersion.objects.filter(in_force_q(on), procedure_id=procedure_id)
            .select_related("procedure").order_by("-valid_from").first())


def version_with_parts(pk: int) -> ProcedureVersion:
    return ProcedureVersion.objects.select_related("procedure").prefetch_related("components", "steps").get(pk=pk)


def can_view_catalogue(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or user_access(user))


def can_edit_catalogue(user) -> bool:
    """System admins, and agency admins (the catalogue is shared by the deployment's agencies)."""
    if getattr(user, "is_superuser", False):
        return True
    return any(Role.AGENCY_ADMIN in a.roles for a in user_access(user).values())


def _require_editor(actor) -> None:
    """`actor` None is the system: the command line, run by whoever operates the server."""
    if actor is not None and not can_edit_catalogue(actor):
        raise PermissionDenied("Chỉ quản trị cơ quan hoặc quản trị hệ thống được sửa danh mục thủ tục.")


# --- values -----------------------------------------------------------------------------------------------

_LEVELS = {c.value: c.value for c in ProcedureLevel} | {c.label.lower(): c.value for c in ProcedureLevel}
_UNITS = {c.value: c.value for c in TimeUnit} | {c.label.lower(): c.value for c in TimeUnit}
_ONLINE = {c.value: c.value for c in OnlineLevel} | {c.label.lower(): c.value for c in OnlineLevel}
_RULES = ({c.value: c.value for c in SupplementRule} | {c.label.lower(): c.value for c in SupplementRule}
          | {"tính lại": SupplementRule.RESTART, "tính tiếp": SupplementRule.RESUME})
_HANDLERS = {c.value: c.value for c in StepHandler} | {c.label.lower(): c.value for c in StepHandler}
_YES = {"có", "x", "1", "true", "bắt buộc", "yes"}
_NO = {"không", "", "0", "false", "no", "tùy chọn"}

PROCEDURE_FIELDS = ("national_code", "local_code", "name", "field", "level")
VERSION_FIELDS = ("valid_from", "valid_to", "basis", "time_limit", "time_unit", "fee", "fee_note",
                  "result_documents", "online_level", "supplement_rule")


@dataclass
class VersionData:
    """A procedure version as plain values (what the form, the API and one XLSX row set give)."""

    national_code: str
    local_code: str
    name: str
    field: str
    level: str
    valid_from: dt.date
    time_limit: Decimal
    time_unit: str = TimeUnit.WORKING_DAYS
    valid_to: dt.date | None = None
    basis: str = ""
    fee: int = 0
    fee_note: str = ""
    result_documents: str = ""
    online_level: str = OnlineLevel.NONE
    supplement_rule: str = SupplementRule.RESTART
    agencies: list[str] = field(default_factory=list)  # identifiers; empty = every agency
    components: list[dict] = field(default_factory=list)  # name, required, copies, kind
    steps: list[dict] = field(default_factory=list)  # name, handler, agency_level, department_code, budget


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value, label: str, errors: list[str], *, required: bool = True) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        if required:
            errors.append(f"thiếu {label}")
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    errors.append(f"{label} “{text}” không đúng dạng dd/mm/yyyy")
    return None


def _decimal(value, label: str, errors: list[str], *, places: int = 2) -> Decimal | None:
    text = _text(value).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        errors.append(f"{label} “{_text(value)}” không phải là số" if text else f"thiếu {label}")
        return None
    try:
        bad = not number.is_finite() or number < 0 or number >= 10 ** 4 or number != round(number, places)
    except InvalidOperation:
        bad = True
    if bad:
        errors.append(f"{label} “{_text(value)}” không hợp lệ")
        return None
    return number


def _int(value, label: str, errors: list[str], *, default: int = 0, maximum: int = 2_000_000_000) -> int:
    text = _text(value).replace(".", "").replace(" ", "")
    if not text:
        return default
    if not text.isascii() or not text.isdigit():
        errors.append(f"{label} “{_text(value)}” phải là số nguyên không âm")
        return default
    if len(text) > 12 or int(text) > maximum:
        errors.append(f"{label} “{_text(value)}” lớn quá mức cho phép")
        return default
    return int(text)


def _choice(value, table: dict, label: str, errors: list[str], default: str | None = None) -> str:
    text = _text(value).lower()
    if not text and default is not None:
        return default
    if text in table:
        return table[text]
    errors.append(f"{label} “{_text(value)}” không có trong danh mục")
    return default or ""


def _bool(value, label: str, errors: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    errors.append(f"{label} “{_text(value)}” phải là Có hoặc Không")
    return False


def version_data(values: dict, errors: list[str]) -> VersionData | None:
    """Check and convert one procedure version given as a dict (form, API, XLSX row). Appends readable
    Vietnamese problems to `errors`; returns None when there are any."""
    start = len(errors)
    text = {k: _text(values.get(k)) for k in ("national_code", "local_code", "name", "field", "basis",
                                              "fee_note", "result_documents")}
    for key, label in (("national_code", "mã TTHC quốc gia"), ("local_code", "mã TTHC địa phương"),
                       ("name", "tên thủ tục"), ("field", "lĩnh vực")):
        if not text[key]:
            errors.append(f"thiếu {label}")
    for key, limit in (("national_code", 30), ("local_code", 60), ("name", 500), ("field", 200), ("basis", 500),
                       ("fee_note", 500)):
        if len(text[key]) > limit:
            errors.append(f"{key} dài quá {limit} ký tự")
    level = _choice(values.get("level"), _LEVELS, "cấp thực hiện", errors)
    valid_from = parse_date(values.get("valid_from"), "ngày hiệu lực", errors)
    valid_to = parse_date(values.get("valid_to"), "ngày hết hiệu lực", errors, required=False)
    if valid_from and valid_to and valid_to <= valid_from:
        errors.append("ngày hết hiệu lực phải sau ngày hiệu lực")
    time_limit = _decimal(values.get("time_limit"), "thời hạn giải quyết", errors, places=1)
    time_unit = _choice(values.get("time_unit"), _UNITS, "đơn vị thời hạn", errors, TimeUnit.WORKING_DAYS)
    fee = _int(values.get("fee"), "phí, lệ phí", errors)
    online = _choice(values.get("online_level"), _ONLINE, "dịch vụ công trực tuyến", errors, OnlineLevel.NONE)
    rule = _choice(values.get("supplement_rule"), _RULES, "thời hạn sau bổ sung", errors, SupplementRule.RESTART)
    agencies = values.get("agencies") or []
    if isinstance(agencies, str):
        agencies = [a.strip() for a in agencies.replace(";", ",").split(",") if a.strip()]
    components = []
    for i, c in enumerate(values.get("components") or [], start=1):
        cname = _text(c.get("name"))
        if not cname:
            errors.append(f"thành phần {i}: thiếu tên giấy tờ")
        components.append({"name": cname, "required": _bool(c.get("required", True), f"thành phần {i}: bắt buộc",
                                                             errors),
                           "copies": _int(c.get("copies"), f"thành phần {i}: số bản", errors, default=1,
                                          maximum=999) or 1,
                           "kind": _text(c.get("kind"))[:60]})
    steps = []
    for i, s in enumerate(values.get("steps") or [], start=1):
        sname = _text(s.get("name"))
        if not sname:
            errors.append(f"bước {i}: thiếu tên bước")
        handler = _choice(s.get("handler"), _HANDLERS, f"bước {i}: đơn vị thực hiện", errors)
        agency_level = _choice(s.get("agency_level"), _LEVELS, f"bước {i}: cấp cơ quan", errors, "")
        if handler == StepHandler.OTHER_AGENCY and not agency_level:
            errors.append(f"bước {i}: liên thông cần cấp cơ quan nhận")
        budget = _decimal(s.get("budget"), f"bước {i}: thời gian", errors)
        steps.append({"name": sname, "handler": handler, "agency_level": agency_level,
                      "department_code": _text(s.get("department_code"))[:20], "budget": budget})
    if not steps:
        errors.append("cần ít nhất một bước xử lý")
    elif steps[0]["handler"] != StepHandler.COUNTER:
        errors.append("bước đầu tiên phải là Bộ phận một cửa tiếp nhận")
    if len(errors) > start:
        return None
    return VersionData(**text, level=level, valid_from=valid_from, valid_to=valid_to, time_limit=time_limit,
                       time_unit=time_unit, fee=fee, online_level=online, supplement_rule=rule,
                       agencies=list(agencies), components=components, steps=steps)


def _num(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _version_snapshot(version: ProcedureVersion) -> dict:
    """What a version says, comparable with a VersionData (for 'unchanged' on re-import, and the journal)."""
    return {
        "valid_from": version.valid_from.isoformat(),
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "basis": version.basis, "time_limit": _num(version.time_limit),
        "time_unit": version.time_unit, "fee": version.fee, "fee_note": version.fee_note,
        "result_documents": version.result_documents, "online_level": version.online_level,
        "supplement_rule": version.supplement_rule,
        "components": [[c.name, c.required, c.copies, c.kind] for c in version.components.all()],
        "steps": [[s.name, s.handler, s.agency_level, s.department_code, _num(s.budget)]
                  for s in version.steps.all()],
    }


def _data_snapshot(data: VersionData, valid_to: dt.date | None) -> dict:
    return {
        "valid_from": data.valid_from.isoformat(), "valid_to": valid_to.isoformat() if valid_to else None,
        "basis": data.basis, "time_limit": _num(data.time_limit), "time_unit": data.time_unit,
        "fee": data.fee, "fee_note": data.fee_note, "result_documents": data.result_documents,
        "online_level": data.online_level, "supplement_rule": data.supplement_rule,
        "components": [[c["name"], c["required"], c["copies"], c["kind"]] for c in data.components],
        "steps": [[s["name"], s["handler"], s["agency_level"], s["department_code"], _num(s["budget"])]
                  for s in data.steps],
    }


# --- writes -------------------------------------------------------------------------------------------


def _write_parts(version: ProcedureVersion, data: VersionData) -> None:
    version.components.all().delete()
    version.steps.all().delete()
    ProcedureComponent.objects.bulk_create(
        ProcedureComponent(version=version, position=i, name=c["name"], required=c["required"], copies=c["copies"],
                           kind=c["kind"]) for i, c in enumerate(data.components))
    ProcedureStep.objects.bulk_create(
        ProcedureStep(version=version, position=i, name=s["name"], handler=s["handler"],
                      agency_level=s["agency_level"], department_code=s["department_code"], budget=s["budget"])
        for i, s in enumerate(data.steps))


def _rechain(procedure: Procedure) -> None:
    """Each version ends where the next begins (the last keeps its own end, if any)."""
    versions = list(procedure.versions.order_by("valid_from"))
    for current, nxt in zip(versions, versions[1:], strict=False):
        if current.valid_to != nxt.valid_from:
            current.valid_to = nxt.valid_from
            current.save(update_fields=["valid_to"])


def _agency_ids(identifiers: list[str]) -> tuple[list[int], list[str]]:
    if not identifiers:
        return [], []
    found = dict(Agency.objects.filter(identifier__in=identifiers).values_list("identifier", "pk"))
    return [found[i] for i in identifiers if i in found], [i for i in identifiers if i not in found]


@dataclass
class SaveResult:
    procedure: Procedure
    version: ProcedureVersion
    outcome: str  # created (new procedure), added (new version), updated, unchanged


def _save(data: VersionData, errors: list[str]) -> SaveResult | None:
    """Create or change one procedure version (inside the caller's transaction). A version already used by
    dossiers is never rewritten: change it by adding a version from a later date."""
    agency_ids, unknown = _agency_ids(data.agencies)
    if unknown:
        errors.append(f"không có cơ quan mã định danh {', '.join(unknown)}")
        return None
    procedure = Procedure.objects.select_for_update().filter(local_code=data.local_code).first()
    values = {k: getattr(data, k) for k in PROCEDURE_FIELDS}
    outcome = "added"
    if procedure is None:
        procedure = Procedure.objects.create(**values)
        outcome = "created"
    changed = []
    if outcome != "created":
        changed = [k for k, v in values.items() if getattr(procedure, k) != v]
        if changed:
            for k in changed:
                setattr(procedure, k, values[k])
            procedure.save(update_fields=changed)
    if sorted(procedure.agencies.values_list("pk", flat=True)) != sorted(agency_ids):
        procedure.agencies.set(agency_ids)
        changed.append("agencies")
    version_values = {k: getattr(data, k) for k in VERSION_FIELDS}
    version = procedure.versions.filter(valid_from=data.valid_from).first()
    if version is not None:
        later = procedure.versions.filter(valid_from__gt=data.valid_from).order_by("valid_from").first()
        valid_to = later.valid_from if later else data.valid_to
        if _version_snapshot(version) == _data_snapshot(data, valid_to):
            return SaveResult(procedure, version, "updated" if changed else "unchanged")
        if version.dossiers.exists():
            errors.append(f"phiên bản từ {data.valid_from:%d/%m/%Y} đã có hồ sơ tiếp nhận, không sửa được; "
                          "hãy thêm phiên bản mới từ một ngày sau")
            return None
        for k, v in version_values.items():
            setattr(version, k, v)
        version.save()
        outcome = "updated"
    else:
        version = ProcedureVersion.objects.create(procedure=procedure, **version_values)
    _write_parts(version, data)
    _rechain(procedure)
    return SaveResult(procedure, version, outcome)


def procedure_save(*, actor, values: dict) -> SaveResult:
    """Create a procedure, or change one from a date: the values are one version (see `version_data`). The
    version in force before that date keeps applying to earlier dossiers, and ends on that date."""
    _require_editor(actor)
    errors: list[str] = []
    data = version_data(values, errors)
    if data is None:
        raise ValidationFailed("Thông tin thủ tục chưa hợp lệ: " + "; ".join(errors) + ".",
                               fields={"__all__": "; ".join(errors)})
    with transaction.atomic():
        result = _save(data, errors)
        if result is None:
            raise ValidationFailed("Không lưu được thủ tục: " + "; ".join(errors) + ".")
        if result.outcome != "unchanged":
            result.version.refresh_from_db()
            journal_record(actor=actor, agency_id=None, action=f"onestop.procedure_{result.outcome}",
                           obj=result.version,
                           after={"local_code": result.procedure.local_code, **_version_snapshot(result.version)})
    return result


# --- XLSX ---------------------------------------------------------------------------------------------

SHEET_PROCEDURES, SHEET_COMPONENTS, SHEET_STEPS = "Thủ tục", "Thành phần hồ sơ", "Các bước"
PROCEDURE_COLUMNS = [
    ("national_code", "Mã TTHC quốc gia"), ("local_code", "Mã TTHC địa phương"), ("name", "Tên thủ tục"),
    ("field", "Lĩnh vực"), ("level", "Cấp thực hiện"), ("valid_from", "Hiệu lực từ"),
    ("valid_to", "Hiệu lực đến"), ("basis", "Căn cứ pháp lý"), ("time_limit", "Thời hạn giải quyết"),
    ("time_unit", "Đơn vị thời hạn"), ("fee", "Phí, lệ phí (đồng)"), ("fee_note", "Ghi chú phí, lệ phí"),
    ("result_documents", "Kết quả thực hiện"), ("online_level", "Dịch vụ công trực tuyến"),
    ("supplement_rule", "Thời hạn sau bổ sung"), ("agencies", "Cơ quan thực hiện (mã định danh)"),
]
COMPONENT_COLUMNS = [("local_code", "Mã TTHC địa phương"), ("valid_from", "Hiệu lực từ"), ("name", "Tên giấy tờ"),
                     ("required", "Bắt buộc"), ("copies", "Số bản"), ("kind", "Loại bản")]
STEP_COLUMNS = [("local_code", "Mã TTHC địa phương"), ("valid_from", "Hiệu lực từ"), ("name", "Tên bước"),
                ("handler", "Đơn vị thực hiện"), ("agency_level", "Cấp cơ quan (liên thông)"),
                ("department_code", "Mã phòng"), ("budget", "Thời gian (ngày làm việc)")]


def catalogue_export(*, versions: QuerySet[ProcedureVersion] | None = None) -> bytes:
    """Every procedure version (or `versions`) as an XLSX workbook: one row per version on the first sheet,
    its components and steps on the next two, keyed by local code and start date. Import reads it back."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    qs = versions if versions is not None else ProcedureVersion.objects.all()
    qs = (qs.select_related("procedure").order_by("procedure__local_code", "valid_from")
          .prefetch_related("components", "steps",
                            Prefetch("procedure__agencies", queryset=Agency.objects.order_by("identifier"))))
    wb = Workbook()
    sheets = []
    for i, (title, columns) in enumerate(((SHEET_PROCEDURES, PROCEDURE_COLUMNS), (SHEET_COMPONENTS, COMPONENT_COLUMNS),
                                          (SHEET_STEPS, STEP_COLUMNS))):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title
        ws.append([label for _, label in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        sheets.append(ws)
    procedures, components, steps = sheets

    def day(d):
        return d.strftime("%d/%m/%Y") if d else ""

    for v in qs:
        p = v.procedure
        procedures.append([p.national_code, p.local_code, p.name, p.field, p.get_level_display(), day(v.valid_from),
                           day(v.valid_to), v.basis, float(v.time_limit), v.get_time_unit_display(), v.fee,
                           v.fee_note, v.result_documents, v.get_online_level_display(),
                           v.get_supplement_rule_display(),
                           ", ".join(a.identifier for a in p.agencies.all())])
        for c in v.components.all():
            components.append([p.local_code, day(v.valid_from), c.name, "Có" if c.required else "Không", c.copies,
                               c.kind])
        for s in v.steps.all():
            level = ProcedureLevel(s.agency_level).label if s.agency_level else ""
            steps.append([p.local_code, day(v.valid_from), s.name, s.get_handler_display(), level,
                          s.department_code, float(s.budget)])
    for ws, widths in ((procedures, [14, 26, 60, 20, 14, 12, 12, 40, 10, 16, 12, 30, 40, 16, 30, 30]),
                       (components, [26, 12, 60, 10, 8, 16]), (steps, [26, 12, 40, 24, 18, 10, 12])):
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@dataclass
class ImportResult:
    created: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def _rows(wb, title: str, columns: list[tuple[str, str]], errors: list[str]) -> list[tuple[int, dict]]:
    if title not in wb.sheetnames:
        errors.append(f"Tệp thiếu trang “{title}”.")
        return []
    ws = wb[title]
    rows = ws.iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, [])]
    labels = [label for _, label in columns]
    missing = [label for label in labels if label not in header]
    if missing:
        errors.append(f"Trang “{title}” thiếu cột: {', '.join(missing)}.")
        return []
    index = {key: header.index(label) for key, label in columns}
    result = []
    for n, row in enumerate(rows, start=2):
        if row is None or all(v is None or _text(v) == "" for v in row):
            continue
        result.append((n, {key: (row[i] if i < len(row) else None) for key, i in index.items()}))
    return result


def catalogue_import(*, actor, content: bytes) -> ImportResult:
    """Import an XLSX workbook in the export's layout. All or nothing: any bad row → ValidationFailed whose
    `fields["rows"]` lists every problem as “Trang …, dòng N: …”, and nothing is saved."""
    from openpyxl import load_workbook

    _require_editor(actor)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable file is the same clerk error
        raise ValidationFailed("Tệp không phải là bảng tính Excel (.xlsx) đọc được.", code="bad_file") from None
    errors: list[str] = []
    main = _rows(wb, SHEET_PROCEDURES, PROCEDURE_COLUMNS, errors)
    parts = {"components": _rows(wb, SHEET_COMPONENTS, COMPONENT_COLUMNS, errors),
             "steps": _rows(wb, SHEET_STEPS, STEP_COLUMNS, errors)}
    wb.close()
    if errors:
        raise ValidationFailed(" ".join(errors), fields={"rows": "\n".join(errors)}, code="bad_file")

    def key(values: dict, problems: list[str]):
        return _text(values.get("local_code")), parse_date(values.get("valid_from"), "ngày hiệu lực", problems)

    entries: dict[tuple, dict] = {}
    for n, values in main:
        problems: list[str] = []
        k = key(values, problems)
        if k in entries:
            problems.append(f"trùng mã {k[0]} hiệu lực từ {k[1]:%d/%m/%Y} với dòng {entries[k]['row']}")
        if problems:
            errors.append(f"Trang “{SHEET_PROCEDURES}”, dòng {n}: " + "; ".join(problems) + ".")
            continue
        entries[k] = {"row": n, "values": {**values, "components": [], "steps": []}}
    for part, title in (("components", SHEET_COMPONENTS), ("steps", SHEET_STEPS)):
        for n, values in parts[part]:
            problems = []
            k = key(values, problems)
            if not problems and k not in entries:
                problems.append(f"không có thủ tục {k[0]} hiệu lực từ {k[1]:%d/%m/%Y} ở trang “{SHEET_PROCEDURES}”")
            if problems:
                errors.append(f"Trang “{title}”, dòng {n}: " + "; ".join(problems) + ".")
                continue
            entries[k]["values"][part].append(values)
    datas = []
    for entry in entries.values():
        problems = []
        data = version_data(entry["values"], problems)
        if problems:
            errors.append(f"Trang “{SHEET_PROCEDURES}”, dòng {entry['row']}: " + "; ".join(problems) + ".")
        else:
            datas.append((entry["row"], data))
    if not entries and not errors:
        errors.append(f"Trang “{SHEET_PROCEDURES}” không có dòng nào.")
    result = ImportResult()
    if not errors:
        with transaction.atomic():
            saved = []
            for n, data in sorted(datas, key=lambda e: (e[1].local_code, e[1].valid_from)):
                problems = []
                outcome = _save(data, problems)
                if outcome is None:
                    errors.append(f"Trang “{SHEET_PROCEDURES}”, dòng {n}: " + "; ".join(problems) + ".")
                    continue
                setattr(result, outcome.outcome, getattr(result, outcome.outcome) + 1)
                if outcome.outcome != "unchanged":
                    saved.append(f"{data.local_code}@{data.valid_from.isoformat()}:{outcome.outcome}")
            if errors:
                transaction.set_rollback(True)
            elif saved:
                journal_record(actor=actor, agency_id=None, action="onestop.catalogue_import",
                               object_type="onestop.procedureversion", object_id="",
                               after={"versions": saved, "created": result.created, "added": result.added,
                                      "updated": result.updated, "unchanged": result.unchanged})
    if errors:
        errors.sort(key=_row_order)
        raise ValidationFailed(f"Không nhập được danh mục: {len(errors)} lỗi, chưa lưu gì.",
                               fields={"rows": "\n".join(errors)}, code="import_failed")
    return result


def _row_order(message: str):
    sheets = [SHEET_PROCEDURES, SHEET_COMPONENTS, SHEET_STEPS]
    sheet = next((i for i, s in enumerate(sheets) if f"“{s}”" in message), 9)
    try:
        row = int(message.split("dòng ", 1)[1].split(":", 1)[0])
    except (IndexError, ValueError):
        row = 0
    return sheet, row
