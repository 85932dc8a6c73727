"""Template context available on every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from svduty.access.permissions import Permission, has_permission


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    """Navigation links the signed-in user's roles allow, marking the current one."""
    user = request.user
    if not user.is_authenticated:
        return []
    candidates: list[tuple[str, str, Permission | None]] = [
        ("Dashboard", reverse("web:dashboard"), None),
        ("Partnership", reverse("partnership:index"), Permission.PARTNERSHIP_VIEW),
        ("Imports", reverse("datasets:list"), Permission.IMPORTS_VIEW_OWN),
        ("Needs assessment", reverse("analysis:index"), Permission.AGGREGATES_VIEW),
        ("Documents", reverse("documents:index"), Permission.DOCUMENTS_EDIT),
        ("Strategy", reverse("strategy:index"), Permission.STRATEGY_VIEW),
        ("Funding", reverse("funding:index"), Permission.FUNDING_VIEW),
        ("Decisions", reverse("decisions:index"), Permission.DECISIONS_VIEW),
        ("Audit trail", reverse("access:audit"), Permission.AUDIT_VIEW),
        ("Your account", reverse("access:my_account"), None),
    ]
    links = []
    for label, url, permission in candidates:
        allowed = (
            permission is None
            or has_permission(user, permission)
            or (  # type: ignore[arg-type]
                permission == Permission.IMPORTS_VIEW_OWN
                and has_permission(user, Permission.IMPORTS_VIEW_ALL)  # type: ignore[arg-type]
            )
        )
        if allowed:
            links.append({"label": label, "url": url, "active": request.path == url})
    return links


def site(request: HttpRequest) -> dict[str, Any]:
    from svduty.partnership.models import Partnership

    return {
        "organisation_name": settings.ORGANISATION_NAME,
        "navigation": navigation_for(request),
        "demo_data": Partnership.objects.filter(is_demo=True).exists(),
    }
