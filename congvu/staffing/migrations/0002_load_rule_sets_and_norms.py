"""The shipped rule data: classification rule sets (pre-2025 class-only, NĐ 307/2025) and the NĐ 34/2019
and NĐ 33/2023 staffing norm tables (congvu/staffing/data/*.json). `congvu staffing norms load` and
`congvu staffing rules load` do the same on a live database (idempotent)."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    rule_set = apps.get_model("staffing", "ClassificationRuleSet")
    norm = apps.get_model("staffing", "StaffingNorm")
    for row in json.loads((DATA / "classification.json").read_text(encoding="utf-8")):
        rule_set.objects.get_or_create(name=row["name"], defaults={
            "valid_from": _date(row["valid_from"]), "valid_to": _date(row["valid_to"]), "basis": row["basis"],
            "parameters": row["parameters"]})
    for table in json.loads((DATA / "norms.json").read_text(encoding="utf-8")):
        for unit_type, unit_class, category, quota in table["rows"]:
            norm.objects.get_or_create(
                unit_type=unit_type, unit_class=unit_class, category=category, valid_from=_date(table["valid_from"]),
                defaults={"rule_set": table["rule_set"], "valid_to": _date(table["valid_to"]),
                          "basis": table["basis"], "quota": quota})


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_units_classification_norms")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
