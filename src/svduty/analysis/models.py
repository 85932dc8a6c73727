"""The analysis engine's own records: each version of a partnership's local measures and of its
success measures' settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class LocalMeasureSet(models.Model):
    """One version of the partnership's local measures (``svduty.analysis.local_measures``).

    ``spec`` is the declarative JSON form, checked against its JSON Schema; a change makes a new
    version, and every figure records the version it used.
    """

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="local_measure_sets"
    )
    version = models.PositiveIntegerField()
    spec = models.JSONField(default=dict, help_text="the measures (svduty-local-measures/1)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="one_local_measure_set_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership.slug} local measures v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_clean(exclude=["partnership", "created_by"])
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from svduty.analysis.definitions import RuleError
        from svduty.analysis.local_measures import validate_local_measures

        try:
            validate_local_measures(self.spec)
        except RuleError as error:
            raise ValidationError({"spec": error.problems}) from error


class MeasureSettingsVersion(models.Model):
    """One version of what a partnership's success measures count (``measures.MeasureSettings``:
    the selected offences, the homicide offences and the sharp-object cause codes).

    Made only by ``actions.set_measure_settings``; a version is never changed or deleted, and a
    partnership with none uses the Home Office defaults. Every figure records the version used.
    """

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="measure_settings"
    )
    version = models.PositiveIntegerField()
    spec = models.JSONField(help_text="the settings: MeasureSettings.to_json()")
    note = models.TextField(blank=True, help_text="why it changed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="one_measure_settings_per_version"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("a version of the measure settings is never changed: add a new one")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("a version of the measure settings is never deleted")

    @property
    def label(self) -> str:
        """The version figures record, e.g. ``cleveland-measure-settings-v2``."""
        return f"{self.partnership.slug}-measure-settings-v{self.version}"
