"""Paper counts on the dossier (o5, indicator 4.2 without a join), filled from the components."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Dossier = apps.get_model("onestop", "Dossier")
    Component = apps.get_model("onestop", "DossierComponent")

    def count(condition):
        return Coalesce(Subquery(Component.objects.filter(condition, dossier=OuterRef("pk")).order_by()
                                 .values("dossier").annotate(n=Count("id")).values("n")[:1]), 0)

    Dossier.objects.update(papers_provided=count(Q(provided=True)),
                           papers_digitised=count(Q(provided=True, file__isnull=False)))


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0004_home_indexes'),
        ('onestop', '0004_dossier_stats_cover_index'),
        ('org', '0002_agency_province_code'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='dossier',
            name='dossier_stats_cover',
        ),
        migrations.AddField(
            model_name='dossier',
            name='papers_digitised',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='số giấy tờ có tệp'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='papers_provided',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='số giấy tờ đã nộp'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['agency', 'procedure_version', 'status', 'channel', 'timeliness', 'accepted_at',
                                       'submitted_at', 'processed_at', 'finished_at', 'due_at', 'paused_at',
                                       'clock_start', 'result_file', 'paused_seconds', 'papers_provided',
                                       'papers_digitised'], name='dossier_stats_cover'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
