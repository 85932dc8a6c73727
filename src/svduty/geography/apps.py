from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "svduty.geography"
    label = "geography"
    verbose_name = "Geography"
