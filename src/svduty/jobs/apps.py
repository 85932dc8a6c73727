from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps


class JobsConfig(AppConfig):
    name = "svduty.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Each domain app registers its job handlers in its own ``jobs`` module.
        for config in apps.get_app_configs():
            module = f"{config.name}.jobs"
            if config.name.startswith("svduty.") and config.name != self.name and find_spec(module):
                import_module(module)
