"""Template helpers for the partnership pages: status tags and the section links."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from svduty.access.permissions import Permission, has_permission

register = template.Library()

_TAGS = {
    "not_started": "govuk-tag--grey",
    "in_progress": "govuk-tag--blue",
    "met": "govuk-tag--green",
    "not_applicable": "govuk-tag--grey",
    "draft": "govuk-tag--yellow",
    "submitted": "govuk-tag--blue",
    "returned": "govuk-tag--orange",
    "accepted": "govuk-tag--green",
    "overdue": "govuk-tag--red",
    "up": "govuk-tag--green",
    "down": "govuk-tag--red",
    "same": "govuk-tag--grey",
}


@register.filter
def tag_class(status: str) -> str:
    """The GOV.UK tag colour for a status."""
    return _TAGS.get(str(status), "govuk-tag--grey")


@register.simple_tag(takes_context=True)
def sections(context: dict[str, Any], partnership: Any) -> list[dict[str, str]]:
    """The partnership's sections the signed-in user may open."""
    request = context["request"]
    user = request.user
    slug = partnership.slug
    candidates = [
        (
            "Members",
            "partnership:members",
            Permission.PARTNERSHIP_VIEW,
            "Specified and relevant authorities, the areas they cover and their contacts",
        ),
        (
            "Partnership model",
            "partnership:boards",
            Permission.PARTNERSHIP_VIEW,
            "Boards and groups, and who sits on each",
        ),
        (
            "Local definition",
            "partnership:definition",
            Permission.PARTNERSHIP_VIEW,
            "The local definition of serious violence, every agreed version",
        ),
        (
            "Success measure settings",
            "partnership:measure_settings",
            Permission.PARTNERSHIP_VIEW,
            "What the Home Office success measures count here, and every version",
        ),
        (
            "Requirements",
            "partnership:requirements",
            Permission.PARTNERSHIP_VIEW,
            "The Duty's requirements: due dates, owners, status and evidence",
        ),
        (
            "Self-assessment",
            "partnership:assessments",
            Permission.PARTNERSHIP_VIEW,
            "Readiness self-assessments of each duty holder and CSP",
        ),
        (
            "Engagement",
            "partnership:engagements",
            Permission.PARTNERSHIP_VIEW,
            "Consultations of relevant authorities and co-production events",
        ),
        (
            "Monitoring",
            "partnership:monitoring",
            Permission.MONITORING_VIEW,
            "Where every member and CSP stands, what is overdue and what changed",
        ),
    ]
    return [
        {"label": label, "url": reverse(name, args=[slug]), "description": description}
        for label, name, permission, description in candidates
        if has_permission(user, permission, partnership=partnership)
    ]


@register.filter
def is_overdue(requirement: Any, today: Any) -> bool:
    """Whether a requirement is past its due date and still open."""
    return bool(requirement.is_overdue(today))
