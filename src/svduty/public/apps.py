from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "svduty.public"
    label = "public"
    verbose_name = "Public site"
