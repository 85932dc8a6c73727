from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "svduty.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
