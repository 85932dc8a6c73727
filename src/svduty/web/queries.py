"""Reads for the signed-in pages."""

from __future__ import annotations

from svduty.access.models import User
from svduty.partnership.models import Partnership


def partnerships_of(user: User) -> list[Partnership]:
    """The partnerships the user's organisations belong to (all of them for administrators)."""
    from svduty.access.roles import Role

    memberships = user.active_memberships()
    if any(m.role == Role.SYSTEM_ADMINISTRATOR for m in memberships):
        return list(Partnership.objects.all())
    ids = {m.organisation.partnership_id for m in memberships if m.organisation.partnership_id}
    return list(Partnership.objects.filter(pk__in=ids))
