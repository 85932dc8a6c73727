from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "svduty.decisions"
    label = "decisions"
    verbose_name = "Decisions"
