"""API tokens: one organisation's key to the JSON API, scoped, expiring and revocable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from svduty.access.roles import Role


class Scope(models.TextChoices):
    """What a token may be used for."""

    READ = "read", "Read figures and import reports"
    IMPORT = "import", "Upload files for import"


# Roles a token may act with. System administrators act across partnerships, and decision makers
# and statutory officers have nothing the API offers: their tokens would only widen exposure.
TOKEN_ROLES = (Role.PARTNERSHIP_LEAD, Role.ANALYST, Role.CONTRIBUTOR, Role.SCRUTINY_READER)


class ApiToken(models.Model):
    """A secret that lets a program act for one organisation, with one of its creator's roles.

    Only a SHA-256 hash of the secret is kept: the secret is shown once, when it is created. A
    token works while it is neither revoked nor expired and while its creator is active and still
    holds the role in the organisation; it never grants more than that membership does.
    """

    name = models.CharField(max_length=100, help_text="what the token is for")
    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.CASCADE, related_name="api_tokens"
    )
    role = models.CharField(max_length=40, choices=[(r.value, r.label) for r in TOKEN_ROLES])
    scopes = models.JSONField(default=list, help_text="some of: read, import")
    prefix = models.CharField(max_length=16, unique=True, help_text="identifies the token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="api_token_revoked_by_needs_revoked_at",
                condition=models.Q(revoked_by__isnull=True) | models.Q(revoked_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {self.organisation})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_live(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def status(self) -> str:
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "active"
