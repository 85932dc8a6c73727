"""The partnership and its local definition of serious violence."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Partnership(models.Model):
    """The specified authorities of one police force area working together under the Duty."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    police_force_area = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="partnerships"
    )
    is_demo = models.BooleanField(default=False, help_text="synthetic data: bannered on every page")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LocalDefinition(models.Model):
    """One agreed version of the partnership's local definition of serious violence.

    ``rule`` is the executable form (see ``svduty.analysis.definitions``); a change makes a new
    version, and every figure records the version it used.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="local_definitions"
    )
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="the definition as agreed")
    rule = models.JSONField(default=dict)
    agreed_by = models.CharField(max_length=200, blank=True, help_text="board or person")
    agreed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "version"], name="one_definition_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partnership.slug} local definition v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.partnership.slug}-v{self.version}"
