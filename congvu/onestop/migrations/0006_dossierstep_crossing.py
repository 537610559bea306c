"""DossierStep.crossing: the step is held by another agency than the receiving one (liên thông), with a partial
index so that agency finds its crossing dossiers quickly (o2's request); existing steps are marked."""

from django.db import migrations, models
from django.db.models import F


def mark(apps, schema_editor):
    Step = apps.get_model("onestop", "DossierStep")
    Step.objects.exclude(agency_id=F("dossier__agency_id")).update(crossing=True)


class Migration(migrations.Migration):

    dependencies = [
        ('onestop', '0005_dossier_paper_counts'),
        ('org', '0002_agency_province_code'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossierstep',
            name='crossing',
            field=models.BooleanField(default=False, verbose_name='liên thông'),
        ),
        migrations.AddIndex(
            model_name='dossierstep',
            index=models.Index(condition=models.Q(('crossing', True)), fields=['agency', 'dossier'], name='dossier_step_crossing'),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
