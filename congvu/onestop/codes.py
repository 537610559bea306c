"""Dossier codes (mã hồ sơ): a dated template per agency or for the deployment, and a per-agency daily
sequence taken under the sequence row's lock, so codes are unique and gap-free (REGULATIONS §4.4,
docs/decisions/0020-onestop-clock-and-codes.md).

Placeholders of a template:
- `{agency}`: the agency identifier (QCVN 102, e.g. 000.00.21.H56); an agency without one uses `CQ<id>`;
- `{agency_national}`: the identifier in the order of TT 04/2025, `MX1X2.Y1Y2Y3.Z1Z2` (our reading: level 1,
  level 2 widened to three digits, level 3 — e.g. 000.05.21.H56 → H56.021.05);
- `{yyMMdd}`, `{yyyyMMdd}`: the receipt date; `{AA}`: the template's system code (two digits);
- `{N}`: the daily sequence, at least `min_digits` digits, never cut (10000 follows 9999).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F, Q

from congvu.core.errors import ValidationFailed
from congvu.onestop.models import DossierCodeTemplate, DossierSequence
from congvu.org.models import IDENTIFIER_RE, Agency

DATA_DIR = Path(__file__).parent / "data"
PLACEHOLDERS = frozenset({"agency", "agency_national", "yyMMdd", "yyyyMMdd", "AA", "N"})


@dataclass(frozen=True)
class CodeTemplate:
    """The values of a template row that rendering needs (also the built-in fallback)."""

    template: str
    system_code: str = ""
    min_digits: int = 4


# Used when no row is in force (e.g. a database emptied by a transactional test): the default of the data.
DEFAULT = CodeTemplate("{agency}-{yyMMdd}-{N}")


def template_check(template: str, *, system_code: str = "", min_digits: int = 4) -> None:
    """A template that can give unique codes: known placeholders, the sequence and a date, AA when used."""
    errors: dict[str, str] = {}
    try:
        names = {name for _, name, spec, conv in string.Formatter().parse(template) if name is not None}
        bad_spec = any(spec or conv for _, name, spec, conv in string.Formatter().parse(template) if name)
    except ValueError:
        names, bad_spec = set(), True
    unknown = names - PLACEHOLDERS
    if bad_spec or unknown:
        errors["template"] = ("Mẫu mã có phần giữ chỗ không hợp lệ"
                              + (f": {', '.join('{' + n + '}' for n in sorted(unknown))}" if unknown else "")
                              + ". Dùng {agency}, {agency_national}, {yyMMdd}, {yyyyMMdd}, {AA}, {N}.")
    elif "N" not in names:
        errors["template"] = "Mẫu mã phải có số thứ tự trong ngày {N}."
    elif not names & {"yyMMdd", "yyyyMMdd"}:
        errors["template"] = "Mẫu mã phải có ngày tiếp nhận {yyMMdd} hoặc {yyyyMMdd}."
    if "AA" in names and not re.fullmatch(r"[0-9]{2}", system_code or ""):
        errors["system_code"] = "Mẫu mã có {AA}: cần mã hệ thống gồm đúng 2 chữ số."
    if not 1 <= int(min_digits) <= 10:
        errors["min_digits"] = "Số chữ số tối thiểu phải từ 1 đến 10."
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)


def template_in_force(*, agency: Agency | int, on: dt.date) -> CodeTemplate:
    """The agency's own active template in force on `on`, else the deployment's, else DEFAULT. When several
    are in force, the one that started last wins. One query."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    row = (DossierCodeTemplate.objects
           .filter(Q(agency_id=agency_id) | Q(agency__isnull=True), active=True, valid_from__lte=on)
           .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
           .order_by(F("agency_id").asc(nulls_last=True), "-valid_from", "-id")
           .values_list("template", "system_code", "min_digits").first())
    if row is None:
        return DEFAULT
    template, system_code, min_digits = row
    return CodeTemplate(template, system_code, min_digits)


def agency_national_code(identifier: str) -> str:
    """QCVN 102 `V1V2V3.Z1Z2.Y1Y2.MX1X2` in the TT 04/2025 order `MX1X2.Y1Y2Y3.Z1Z2` (our reading, ADR 0020)."""
    if not IDENTIFIER_RE.match(identifier or ""):
        return identifier
    _v, z, y, m = identifier.split(".")
    return f"{m}.{y.rjust(3, '0')}.{z}"


def code_render(template: CodeTemplate, *, agency: Agency, on: dt.date, number: int) -> str:
    identifier = agency.identifier or f"CQ{agency.pk}"
    return template.template.format_map({
        "agency": identifier,
        "agency_national": agency_national_code(identifier),
        "yyMMdd": on.strftime("%y%m%d"),
        "yyyyMMdd": on.strftime("%Y%m%d"),
        "AA": template.system_code,
        "N": str(number).rjust(template.min_digits, "0"),
    })


def sequence_take(*, agency: Agency | int, on: dt.date) -> int:
    """The next number of the agency's sequence for `on` (1, 2, …). Must run in the caller's transaction:
    UPDATE … RETURNING takes the row lock until commit, so concurrent receipts queue here and a rollback
    gives the number back (gap-free). The day's row is created on first use (INSERT … ON CONFLICT DO
    NOTHING, so two first receipts of a day do not clash)."""
    if not connection.in_atomic_block:
        raise RuntimeError("sequence_take must run inside a transaction")
    agency_id = agency if isinstance(agency, int) else agency.pk
    table = connection.ops.quote_name(DossierSequence._meta.db_table)
    sql = f"UPDATE {table} SET last = last + 1 WHERE agency_id = %s AND day = %s RETURNING last"
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency_id, on])
        row = cursor.fetchone()
        if row is None:
            DossierSequence.objects.bulk_create([DossierSequence(agency_id=agency_id, day=on, last=0)],
                                                ignore_conflicts=True)
            cursor.execute(sql, [agency_id, on])
            row = cursor.fetchone()
    return row[0]


def dossier_code_allocate(*, agency: Agency, on: dt.date) -> str:
    """A new dossier code for `agency` received on `on`, per the template in force that day. Call it inside
    the transaction that saves the dossier, as late as possible (the sequence row stays locked until
    commit)."""
    template = template_in_force(agency=agency, on=on)
    return code_render(template, agency=agency, on=on, number=sequence_take(agency=agency, on=on))


# --- templates as data -----------------------------------------------------------------------------------


def _parse_date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"Ngày “{value}” không hợp lệ (dạng yyyy-mm-dd).", fields={field: "sai ngày"}) from None


def code_templates_load(*, path: Path | None = None, model=DossierCodeTemplate) -> tuple[int, int]:
    """Load the deployment's templates from JSON (`data/code_templates.json` by default): a row with the same
    name and start date is updated, others created. Rows an admin switched on keep `active` and the AA
    digits. Returns (created, updated). `model` lets the data migration pass its historical model."""
    path = path or DATA_DIR / "code_templates.json"
    items = json.loads(Path(path).read_text(encoding="utf-8"))
    created = updated = 0
    with transaction.atomic():
        for item in items:
            valid_from = _parse_date(item["valid_from"], "valid_from")
            valid_to = _parse_date(item.get("valid_to"), "valid_to")
            if valid_to and valid_to <= valid_from:
                raise ValidationFailed(f"Mẫu “{item['name']}”: ngày hết hiệu lực phải sau ngày hiệu lực.")
            min_digits = int(item.get("min_digits", 4))
            system_code = item.get("system_code", "")
            if item.get("active", True):
                template_check(item["template"], system_code=system_code, min_digits=min_digits)
            else:
                template_check(item["template"], system_code=system_code or "00", min_digits=min_digits)
            values = {"template": item["template"], "min_digits": min_digits, "valid_to": valid_to,
                      "basis": item.get("basis", "")}
            row = model.objects.filter(agency__isnull=True, name=item["name"], valid_from=valid_from).first()
            if row is None:
                model.objects.create(agency=None, name=item["name"], valid_from=valid_from,
                                     system_code=system_code, active=item.get("active", True), **values)
                created += 1
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.save()
                updated += 1
    return created, updated


def code_template_use(*, actor, name: str, system_code: str = "", agency: Agency | None = None,
                      valid_from: dt.date | None = None, template: str = "") -> DossierCodeTemplate:
    """Put a template in force: for the deployment (agency None: the shipped row named `name` is switched
    on with its AA digits, from its own date or `valid_from`) or for one agency (a row of its own, copying
    the named row's template unless `template` is given). Journaled."""
    from congvu.audit.services import journal_record

    with transaction.atomic():
        base = DossierCodeTemplate.objects.filter(agency__isnull=True, name=name).order_by("-valid_from").first()
        if base is None and not template:
            raise ValidationFailed(f"Không có mẫu mã hồ sơ “{name}”.", fields={"name": "không có"})
        text = template or base.template
        min_digits = base.min_digits if base else 4
        system_code = system_code or (base.system_code if base else "")
        template_check(text, system_code=system_code, min_digits=min_digits)
        start = valid_from or (base.valid_from if base else dt.date.today())
        if agency is None:
            if base is None:
                raise ValidationFailed("Mẫu mới cho toàn hệ thống phải nạp từ tệp dữ liệu.")
            before = {"active": base.active, "system_code": base.system_code, "valid_from": str(base.valid_from)}
            base.active, base.system_code, base.valid_from = True, system_code, start
            base.save(update_fields=["active", "system_code", "valid_from"])
            row = base
        else:
            before = None
            row = DossierCodeTemplate.objects.create(agency=agency, name=name, template=text,
                                                     system_code=system_code, min_digits=min_digits,
                                                     valid_from=start, basis=base.basis if base else "")
        journal_record(actor=actor, agency_id=agency.pk if agency else None, action="onestop.code_template_use",
                       obj=row, before=before,
                       after={"template": row.template, "system_code": row.system_code,
                              "valid_from": str(row.valid_from), "agency": agency.pk if agency else None})
    return row
