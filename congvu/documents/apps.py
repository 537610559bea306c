from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "congvu.documents"
    label = "documents"
