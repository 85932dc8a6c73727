from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "svduty.access"
    label = "access"
    verbose_name = "Access and audit"

    def ready(self) -> None:
        from svduty.access import signals  # noqa: F401  (connects the audit signal handlers)
