"""Writes to access data: each one transaction, one audit event."""

from __future__ import annotations

from django.db import transaction

from svduty.access import audit
from svduty.access.models import AuditEvent, Membership, Organisation, OrganisationKind, User
from svduty.access.roles import Role

OPERATIONS_SLUG = "svduty-operations"


@transaction.atomic
def create_administrator(*, username: str, email: str, password: str) -> User:
    """A system administrator, member of the installation's operations organisation."""
    if User.objects.filter(username=username).exists():
        raise ValueError(f"a user called {username!r} already exists")
    operations, _ = Organisation.objects.get_or_create(
        slug=OPERATIONS_SLUG, defaults={"name": "svduty operations", "kind": OrganisationKind.OTHER}
    )
    user = User.objects.create_user(username=username, email=email, password=password)
    Membership.objects.create(user=user, organisation=operations, role=Role.SYSTEM_ADMINISTRATOR)
    audit.record(
        action=AuditEvent.Action.ACTION, summary=f"Made {username} a system administrator", obj=user
    )
    return user


@transaction.atomic
def add_member(
    *,
    organisation: Organisation,
    username: str,
    email: str,
    role: Role,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A user with a role in an organisation (creating the user if new)."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"email": email, "first_name": first_name, "last_name": last_name},
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    audit.record(
        action=AuditEvent.Action.ACTION,
        summary=f"Gave {username} the role {role.label} at {organisation}",
        obj=organisation,
    )
    return user
