from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps


class JobsConfig(AppConfig):
    name = "congvu.jobs"
    verbose_name = "Tác vụ nền"

    def ready(self) -> None:
        # Every installed app's `tasks.py` registers its jobs with @job when Django starts, so a worker,
        # `congvu jobs run-due` and Celery all know the same names.
        for config in apps.get_app_configs():
            module = f"{config.name}.tasks"
            if find_spec(module) is not None:
                import_module(module)
