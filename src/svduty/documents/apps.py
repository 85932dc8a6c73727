from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "svduty.documents"
    label = "documents"
    verbose_name = "Documents"
