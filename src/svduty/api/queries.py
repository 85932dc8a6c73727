"""Which tokens a person may see and revoke, and where they may create them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from svduty.access.models import Membership, User
from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import ROLES, Role
from svduty.api.models import TOKEN_ROLES, ApiToken


def tokens_manageable_by(user: User) -> QuerySet[ApiToken]:
    """Tokens the user created, and (partnership leads, administrators) their partnership's."""
    tokens = ApiToken.objects.select_related("organisation", "created_by")
    if not user.is_authenticated:
        return tokens.none()
    if any(m.role == Role.SYSTEM_ADMINISTRATOR for m in user.active_memberships()):
        return tokens.all()
    partnerships = {
        m.organisation.partnership_id
        for m in user.active_memberships()
        if m.organisation.partnership_id is not None
        and has_permission(user, Permission.MEMBERS_MANAGE, partnership=m.organisation.partnership)
    }
    return tokens.filter(Q(created_by=user) | Q(organisation__partnership_id__in=partnerships))


def token_memberships(user: User) -> list[Membership]:
    """Memberships a user may create tokens with: a token role granting token management."""
    return [
        m
        for m in user.active_memberships()
        if m.role in TOKEN_ROLES
        and Permission.API_TOKENS_MANAGE_OWN in ROLES[Role(m.role)].permissions
    ]
