"""Token secrets and what a token may do: the user's permission rules, narrowed by scope.

A token acts as its creator's membership of the token's organisation (one role), so every check
goes through ``svduty.access.permissions.has_permission`` exactly as for that person signed in
with only that membership; the token's scopes then narrow what it may do further.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from svduty.access.permissions import Permission, has_permission
from svduty.access.roles import Role
from svduty.api.models import ApiToken, Scope

if TYPE_CHECKING:
    from svduty.access.models import Membership, Organisation, User
    from svduty.partnership.models import Partnership

TOKEN_PREFIX = "svd"  # noqa: S105 (what every token starts with, not a secret)
_TOKEN_SHAPE = re.compile(r"^svd_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")

SCOPE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Scope.READ: frozenset(
        {
            Permission.PUBLISHED_VIEW,
            Permission.AGGREGATES_VIEW,
            Permission.PARTNERSHIP_VIEW,
            Permission.IMPORTS_VIEW_OWN,
            Permission.IMPORTS_VIEW_ALL,
        }
    ),
    Scope.IMPORT: frozenset({Permission.IMPORT_CREATE_OWN}),
}


def new_secret() -> tuple[str, str]:
    """A fresh (prefix, secret): the secret is ``svd_<prefix>_<43 random characters>``."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    prefix = "".join(secrets.choice(alphabet) for _ in range(12))
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """The stored form of a secret (it has 256 random bits, so a plain hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12w``, ``6m`` (30-day months) or ``1y`` (365 days) as a duration."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([dwmy])\s*", text.lower())
    if match is None:
        raise ValueError(f"“{text}” is not a duration like 90d, 12w, 6m or 1y")
    count, unit = int(match.group(1)), match.group(2)
    days = count * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]
    if not 1 <= days <= 366:
        raise ValueError("a token must expire within a year (1d to 1y)")
    return timedelta(days=days)


@dataclass(frozen=True)
class TokenActor:
    """The token as ``has_permission`` sees it: a user with one active membership."""

    token: ApiToken
    membership: Membership

    is_authenticated = True
    is_active = True

    def active_memberships(self) -> list[Membership]:
        return [self.membership]

    def roles(self) -> set[str]:
        return {self.membership.role}

    @property
    def user(self) -> User:
        return self.token.created_by

    @property
    def organisation(self) -> Organisation:
        return self.token.organisation

    def may(
        self,
        permission: Permission,
        *,
        partnership: Partnership | None = None,
        organisation: Organisation | None = None,
    ) -> bool:
        """``has_permission`` for the token's membership, within the token's scopes."""
        if not any(permission in SCOPE_PERMISSIONS.get(s, frozenset()) for s in self.token.scopes):
            return False
        return has_permission(
            self.as_user(), permission, partnership=partnership, organisation=organisation
        )

    def has_scope(self, scope: str) -> bool:
        return scope in self.token.scopes

    def as_user(self) -> User:
        """This actor where a ``User`` is expected (it offers what permission checks read)."""
        return cast("User", self)

    def sees_exact_figures(self, partnership: Partnership) -> bool:
        """Exact (not disclosure-controlled) figures, as the dashboard gives this role."""
        return self.membership.role != Role.SCRUTINY_READER and self.may(
            Permission.AGGREGATES_VIEW, partnership=partnership
        )


def actor_for(secret: str) -> TokenActor | None:
    """The actor of a live token whose creator still holds its role, or None."""
    from svduty.access.models import Membership

    if _TOKEN_SHAPE.match(secret or "") is None:
        return None
    token = (
        ApiToken.objects.select_related("organisation", "organisation__partnership", "created_by")
        .filter(token_hash=hash_secret(secret))
        .first()
    )
    if token is None or not token.is_live or not token.created_by.is_active:
        return None
    if token.role == Role.SYSTEM_ADMINISTRATOR:
        return None
    membership = (
        Membership.objects.select_related("organisation", "organisation__partnership")
        .filter(
            user=token.created_by,
            organisation=token.organisation,
            role=token.role,
            is_active=True,
        )
        .first()
    )
    if membership is None:
        return None
    return TokenActor(token=token, membership=membership)
