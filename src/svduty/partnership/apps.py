from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "svduty.partnership"
    label = "partnership"
    verbose_name = "Partnership"
