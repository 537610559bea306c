from django.db import migrations


def load(apps, schema_editor):
    from congvu.records.reference import load_retention_schedules

    load_retention_schedules(apps.get_model("records", "RetentionSchedule"), apps.get_model("records", "RetentionItem"))


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
