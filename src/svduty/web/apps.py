from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "svduty.web"
    label = "web"
    verbose_name = "Web app"
