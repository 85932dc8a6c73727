from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "svduty.datasets"
    label = "datasets"
    verbose_name = "Data hub"
