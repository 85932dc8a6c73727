"""Metadata of the data hub: partners' sources and every import. Rows live in the analytic store."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DataSource(models.Model):
    """A stream of data one partner shares, with its legal basis and retention."""

    class Policy(models.TextChoices):
        REFUSE = "refuse", "Refuse the whole file if any row is invalid"
        QUARANTINE = "quarantine", "Accept valid rows; quarantine invalid ones for review"

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="data_sources"
    )
    kind = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    supplier = models.ForeignKey(
        "access.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sharing_basis = models.CharField(
        max_length=300,
        default="Section 16, Police, Crime, Sentencing and Courts Act 2022",
        help_text="legal basis for sharing",
    )
    sharing_agreement = models.CharField(max_length=200, blank=True)
    sharing_agreement_review_on = models.DateField(null=True, blank=True)
    dpia_reference = models.CharField(max_length=200, blank=True)
    retention_months = models.PositiveIntegerField(default=84)
    validation_policy = models.CharField(
        max_length=12, choices=Policy.choices, default=Policy.QUARANTINE
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "kind", "name"], name="one_source_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Import(models.Model):
    """One import of one or more files of one kind: its report, lineage and status."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        UNCHANGED = "unchanged"
        REJECTED = "rejected"
        ROLLED_BACK = "rolled_back"
        REPLACED = "replaced"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="imports"
    )
    source = models.ForeignKey(
        DataSource, on_delete=models.PROTECT, null=True, blank=True, related_name="imports"
    )
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    periods = models.JSONField(default=list, help_text="months or years the import covers")
    files = models.JSONField(default=list)
    rows = models.JSONField(default=dict)
    breakdown = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    findings_total = models.PositiveIntegerField(default=0)
    replaces = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    raw_purged_at = models.DateTimeField(null=True, blank=True)
    # Set when the files were turned into a canonical format by a saved mapping (contracts.md 2.3).
    mapping = models.ForeignKey(
        "datasets.Mapping", on_delete=models.SET_NULL, null=True, blank=True, related_name="imports"
    )
    mapping_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="rolled_back_at_and_by_together",
                condition=models.Q(rolled_back_at__isnull=True, rolled_back_by__isnull=True)
                | models.Q(rolled_back_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"


class Mapping(models.Model):
    """One version of a saved mapping: how a partner's export becomes a canonical format.

    The definition is YAML (``svduty.datasets.mappings`` validates it): column renames, value maps,
    date formats and constant columns. Saving a mapping under a name already used in the
    partnership adds a new version; imports record the version they used.
    """

    partnership = models.ForeignKey(
        "partnership.Partnership", on_delete=models.CASCADE, related_name="mappings"
    )
    name = models.CharField(max_length=100)
    target_format = models.CharField(max_length=40, help_text="a canonical import format")
    definition = models.TextField(help_text="the mapping, as YAML")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name", "version"], name="one_mapping_version"
            ),
            models.CheckConstraint(
                name="mapping_version_from_1", condition=models.Q(version__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.target_format})"
