from django.apps import AppConfig


class DraftingConfig(AppConfig):
    name = "congvu.drafting"
