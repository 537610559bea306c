"""Shipped dated data: retirement ages (Labour Code roadmap) and the base salary (congvu/staffing/data/*.json)."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    rule = apps.get_model("staffing", "RetirementAgeRule")
    salary = apps.get_model("staffing", "BaseSalary")
    for row in json.loads((DATA / "retirement.json").read_text(encoding="utf-8")):
        rule.objects.get_or_create(sex=row["sex"], valid_from=_date(row["valid_from"]), defaults={
            "valid_to": _date(row["valid_to"]), "start_year": row["start_year"],
            "start_age_months": row["start_age_months"], "step_months": row["step_months"],
            "max_age_months": row["max_age_months"], "basis": row["basis"]})
    for row in json.loads((DATA / "base_salary.json").read_text(encoding="utf-8")):
        salary.objects.get_or_create(valid_from=_date(row["valid_from"]), defaults={
            "amount": row["amount"], "valid_to": _date(row["valid_to"]), "basis": row["basis"]})


class Migration(migrations.Migration):
    dependencies = [("staffing", "0003_roster_reorganisation_roadmap_budget")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
