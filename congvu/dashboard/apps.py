from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "congvu.dashboard"
    verbose_name = "Trung tâm điều hành"
