"""Reads of access data shared by views, the CLI and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from svduty.access.models import AuditEvent, User
from svduty.access.roles import Role

AUDIT_ACTIONS = AuditEvent.Action.choices


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    """All events for administrators; a partnership lead's own partnership's events otherwise."""
    memberships = user.active_memberships()
    if any(m.role == Role.SYSTEM_ADMINISTRATOR for m in memberships):
        return AuditEvent.objects.all()
    slugs = {
        m.organisation.partnership.slug
        for m in memberships
        if m.role == Role.PARTNERSHIP_LEAD and m.organisation.partnership is not None
    }
    return AuditEvent.objects.filter(partnership_slug__in=slugs)


def filter_audit_events(
    events: QuerySet[AuditEvent], *, q: str = "", actor: str = "", action: str = ""
) -> QuerySet[AuditEvent]:
    """Narrow a set of events by free text, actor's username and action."""
    if q:
        events = events.filter(
            Q(summary__icontains=q) | Q(object_type__icontains=q) | Q(path__icontains=q)
        )
    if actor:
        events = events.filter(actor_name__iexact=actor)
    if action:
        events = events.filter(action=action)
    return events
