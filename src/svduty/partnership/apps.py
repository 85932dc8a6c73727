"""The partnership for a local policing body's area: its members, model, local definition, the
Duty's requirements, evidence, self-assessments, engagement and the PCC's monitoring view.
"""

from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "svduty.partnership"
    label = "partnership"
    verbose_name = "Partnership"

    def ready(self) -> None:
        from svduty.partnership import signals  # noqa: F401  (connects the receivers)
