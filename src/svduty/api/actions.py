"""Creating and revoking API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from svduty.access import audit
from svduty.access.models import AuditEvent, Membership, Organisation, User
from svduty.api.models import TOKEN_ROLES, ApiToken, Scope
from svduty.api.tokens import hash_secret, new_secret

MAX_LIFETIME = timedelta(days=366)


@transaction.atomic
def create_token(
    *,
    organisation: Organisation,
    role: str,
    scopes: Iterable[str],
    name: str,
    lifetime: timedelta,
    by: User,
) -> tuple[ApiToken, str]:
    """A new token acting with ``by``'s ``role`` in ``organisation``; returns it and its secret.

    The secret is returned only here: only its hash is stored.
    """
    wanted = sorted(set(scopes))
    if not wanted or any(s not in Scope.values for s in wanted):
        raise ValueError(f"scopes must be some of {', '.join(Scope.values)}")
    if role not in TOKEN_ROLES:
        raise ValueError(f"a token cannot act with the role {role!r}")
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ValueError("a token must expire within a year")
    if not name.strip():
        raise ValueError("give the token a name saying what it is for")
    held = Membership.objects.filter(
        user=by, organisation=organisation, role=role, is_active=True
    ).exists()
    if not held or not by.is_active:
        raise ValueError(f"{by} does not hold the role {role} at {organisation}")
    prefix, secret = new_secret()
    token = ApiToken.objects.create(
        name=name.strip()[:100],
        organisation=organisation,
        role=role,
        scopes=wanted,
        prefix=prefix,
        token_hash=hash_secret(secret),
        created_by=by,
        expires_at=timezone.now() + lifetime,
    )
    audit.record(
        action=AuditEvent.Action.ACTION,
        obj=token,
        by=by,
        partnership_slug=organisation.partnership.slug if organisation.partnership else "",
        summary=f"Created API token {prefix}… ({', '.join(wanted)}) for {organisation}",
    )
    return token, secret


@transaction.atomic
def revoke_token(*, token: ApiToken, by: User | None) -> ApiToken:
    """Stop a token working, for good. Revoking a revoked token changes nothing."""
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    organisation = token.organisation
    audit.record(
        action=AuditEvent.Action.ACTION,
        obj=token,
        by=by,
        partnership_slug=organisation.partnership.slug if organisation.partnership else "",
        summary=f"Revoked API token {token.prefix}… of {organisation}",
    )
    return token
