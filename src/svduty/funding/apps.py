from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "svduty.funding"
    label = "funding"
    verbose_name = "Funding"
