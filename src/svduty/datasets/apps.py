from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "svduty.datasets"
    label = "datasets"
    verbose_name = "Data hub"

    def ready(self) -> None:
        # Job handlers outside ``datasets/jobs.py`` (which the jobs app finds by itself).
        from svduty.datasets import mapping_jobs  # noqa: F401
