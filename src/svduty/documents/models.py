"""Versions of generated documents, from draft through review and approval to publication.

Each version keeps what it was built from (its provenance: definition, imports, disclosure
policy, when), the analyst's commentary and recommendations, the files written from it and a
hash of its content, so it can be rebuilt identically, or explained, later.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from svduty.partnership.models import Partnership

KIND_CHOICES = [
    ("sna", "Strategic needs assessment"),
    ("sna-summary", "Strategic needs assessment: executive summary"),
    ("locality-profile", "Locality profile"),
    ("panel-report", "Performance report to the Police and Crime Panel"),
    ("monitoring-summary", "Monitoring summary"),
]
# The formats every version is written in; the spreadsheets hold its tables only.
FORMATS: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


class DocumentVersion(models.Model):
    """One version of one document (a kind, for an area and year), and its approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Replaced by a later version"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="document_versions"
    )
    kind = models.CharField(max_length=30, choices=KIND_CHOICES)
    area_code = models.CharField(max_length=12, help_text="the force area, or a CSP's code")
    area_name = models.CharField(max_length=200)
    year = models.CharField(max_length=7, help_text='financial year, e.g. "2023/24"')
    baseline_year = models.CharField(max_length=7, default="2019/20")
    public = models.BooleanField(default=False, help_text="disclosure-controlled")
    number = models.PositiveIntegerField(help_text="version number within its document")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    commentary = models.TextField(blank=True)
    recommendations = models.TextField(blank=True, help_text="one a line")
    provenance = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    files = models.JSONField(default=dict, blank=True, help_text="format → name, sha256, size")
    controlled_counts = models.JSONField(
        default=list, blank=True, help_text="[where, value] of every controlled count shown"
    )
    build_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    build_error = models.TextField(blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by_name = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True, help_text="first published")
    updated_at = models.DateTimeField(null=True, blank=True, help_text="last published")

    class Meta:
        ordering = ["partnership", "kind", "area_code", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "kind", "area_code", "year", "number"],
                name="one_document_version_per_number",
            ),
            models.CheckConstraint(
                name="document_approval_recorded",
                condition=Q(status__in=["draft", "in_review"])
                | (Q(approved_at__isnull=False) & ~Q(approved_by_name="")),
            ),
            models.CheckConstraint(
                name="document_publication_recorded",
                condition=~Q(status__in=["published", "superseded"])
                | (Q(published_at__isnull=False) & Q(public=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.area_name} {self.year}, version {self.number}"

    @property
    def title(self) -> str:
        return f"{self.get_kind_display()}: {self.area_name}, {self.year}"

    @property
    def is_built(self) -> bool:
        return bool(self.content_hash and self.files)

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def folder(self) -> Path:
        """Where this version's files are kept."""
        return Path(settings.FILES_DIR) / "documents" / self.partnership.slug / str(self.pk)

    def file_path(self, fmt: str) -> Path | None:
        entry = self.files.get(fmt)
        return self.folder() / entry["name"] if entry else None

    def file_name(self, fmt: str) -> str:
        area = self.area_code.lower()
        year = self.year.replace("/", "-")
        audience = "public" if self.public else "internal"
        return f"{self.partnership.slug}-{self.kind}-{area}-{year}-v{self.number}-{audience}.{fmt}"
