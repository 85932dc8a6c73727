"""Users, the organisations they belong to, their memberships (roles) and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import QuerySet

from svduty.access.roles import Role


class OrganisationKind(models.TextChoices):
    """Kinds of body taking part in the Duty (domain.md 1.4, 1.5, 1.7)."""

    LOCAL_POLICING_BODY = "local_policing_body", "Local policing body (PCC, PFCC or mayor)"
    VIOLENCE_REDUCTION_UNIT = "violence_reduction_unit", "Violence reduction unit"
    POLICE = "police", "Police"
    FIRE_AND_RESCUE = "fire_and_rescue", "Fire and rescue"
    HEALTH_BOARD = "health_board", "Integrated care board / local health board"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    YOUTH_OFFENDING_TEAM = "youth_offending_team", "Youth offending team"
    PROBATION = "probation", "Probation"
    EDUCATION = "education", "Education"
    PRISON = "prison", "Prison"
    YOUTH_CUSTODY = "youth_custody", "Youth custody"
    COMMUNITY_SAFETY_PARTNERSHIP = "community_safety_partnership", "Community safety partnership"
    VOLUNTARY_COMMUNITY = "voluntary_community", "Voluntary or community organisation"
    OTHER = "other", "Other"


SPECIFIED_KINDS = frozenset(
    {
        OrganisationKind.POLICE,
        OrganisationKind.FIRE_AND_RESCUE,
        OrganisationKind.HEALTH_BOARD,
        OrganisationKind.LOCAL_AUTHORITY,
        OrganisationKind.YOUTH_OFFENDING_TEAM,
        OrganisationKind.PROBATION,
    }
)
RELEVANT_KINDS = frozenset(
    {OrganisationKind.EDUCATION, OrganisationKind.PRISON, OrganisationKind.YOUTH_CUSTODY}
)


class Organisation(models.Model):
    """A body whose staff use svduty, usually a member of one partnership."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=40, choices=OrganisationKind.choices)
    partnership = models.ForeignKey(
        "partnership.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    csp_code = models.CharField(
        max_length=9,
        blank=True,
        help_text="ONS code of the CSP area, for community safety partnerships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="csp_code_only_for_csps",
                condition=models.Q(csp_code="") | models.Q(kind="community_safety_partnership"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_specified_authority(self) -> bool:
        return self.kind in SPECIFIED_KINDS

    @property
    def is_relevant_authority(self) -> bool:
        return self.kind in RELEVANT_KINDS


class User(AbstractUser):
    """A person who signs in. What they may do comes only from their memberships."""

    def active_memberships(self) -> QuerySet[Membership]:
        cached: QuerySet[Membership] | None = getattr(self, "_memberships_cache", None)
        if cached is None:
            cached = self.memberships.filter(is_active=True).select_related("organisation")
            self._memberships_cache = cached
        return cached

    def roles(self) -> set[str]:
        return {m.role for m in self.active_memberships()}

    @property
    def requires_two_factor(self) -> bool:
        from svduty.access.roles import ROLES

        return any(ROLES[Role(m.role)].requires_two_factor for m in self.active_memberships())


class Membership(models.Model):
    """A user's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=40, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_role_per_user_and_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted")


class AuditEvent(models.Model):
    """One thing that happened: who, when, what and from where. Append-only."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        LOGOUT = "logout"
        EXPORT = "export"
        DOWNLOAD = "download"
        ACTION = "action"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint: a user's deletion must not touch (update) their audit events.
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="kept if the user goes")
    action = models.CharField(max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=dict, blank=True)
    partnership_slug = models.CharField(max_length=80, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.summary}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted")
