"""National days off and swapped workdays 2020–2030 from the `holidays` package (see seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from congvu.workdays.seed import SEED_YEARS, seed_calendar

    revision = apps.get_model("workdays", "CalendarRevision")
    revision.objects.get_or_create(pk=1)
    seed_calendar(year_from=SEED_YEARS[0], year_to=SEED_YEARS[1], day_model=apps.get_model("workdays", "CalendarDay"),
                  revision_model=revision)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
