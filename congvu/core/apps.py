from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _refresh_planner_statistics(sender, using="default", **kwargs):
    """After migrations, give the query planner fresh statistics: a new index without them can make
    SQLite scan a whole agency's documents where a range of a few rows would do."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class CoreConfig(AppConfig):
    name = "congvu.core"
    label = "core"

    def ready(self):
        post_migrate.connect(_refresh_planner_statistics, sender=self, dispatch_uid="congvu_analyze")
