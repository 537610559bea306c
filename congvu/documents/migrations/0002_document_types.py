import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "document_types.json"


def load(apps, schema_editor):
    DocumentType = apps.get_model("documents", "DocumentType")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        DocumentType.objects.update_or_create(code=row["code"], valid_from=row["valid_from"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
