from django.apps import AppConfig


class OnestopConfig(AppConfig):
    name = "congvu.onestop"
    verbose_name = "Một cửa"
