"""The shipped dossier-code templates (data/code_templates.json): the default, in force, and the TT 04/2025
national format, waiting for its AA digits (`congvu onestop templates use`)."""

from django.db import migrations


def load(apps, schema_editor):
    from congvu.onestop.codes import code_templates_load

    code_templates_load(model=apps.get_model("onestop", "DossierCodeTemplate"))


class Migration(migrations.Migration):
    dependencies = [("onestop", "0002_code_template_active")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
