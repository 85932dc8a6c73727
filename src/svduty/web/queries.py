"""Reads for the signed-in pages."""

from __future__ import annotations

from django.db.models import QuerySet

from svduty.access.models import User
from svduty.access.permissions import Permission, has_permission
from svduty.datasets.models import Import
from svduty.partnership.models import Partnership


def partnerships_of(user: User) -> list[Partnership]:
    """The partnerships the user's organisations belong to (all of them for administrators)."""
    from svduty.access.roles import Role

    memberships = user.active_memberships()
    if any(m.role == Role.SYSTEM_ADMINISTRATOR for m in memberships):
        return list(Partnership.objects.all())
    ids = {m.organisation.partnership_id for m in memberships if m.organisation.partnership_id}
    return list(Partnership.objects.filter(pk__in=ids))


def imports_visible_to(user: User) -> QuerySet[Import]:
    """Imports of the user's partnerships (with IMPORTS_VIEW_ALL) or of their own organisation."""
    visible = Import.objects.none()
    for partnership in partnerships_of(user):
        if has_permission(user, Permission.IMPORTS_VIEW_ALL, partnership=partnership):
            visible = visible | Import.objects.filter(partnership=partnership)
    own = [
        m.organisation
        for m in user.active_memberships()
        if has_permission(user, Permission.IMPORTS_VIEW_OWN, organisation=m.organisation)
    ]
    if own:
        visible = visible | Import.objects.filter(organisation__in=own)
    return visible.select_related("partnership").order_by("-created_at")
