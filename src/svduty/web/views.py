"""The signed-in shell: dashboard and import list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from svduty.access.decorators import login_required, public
from svduty.datasets.queries import imports_visible_to
from svduty.web import queries


@public
def home(request: HttpRequest) -> HttpResponse:
    """Signed-in users go to their dashboard; everyone else to the public site."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("web:dashboard"))
    return HttpResponseRedirect(reverse("public:home"))


@public
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers: the app is up and its database answers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    from svduty.access.permissions import Permission, has_permission
    from svduty.access.roles import Role
    from svduty.analysis.queries import dashboard_measures

    partnerships = queries.partnerships_of(user)  # type: ignore[arg-type]
    # The table shows when, kind, status and row counts: not the large findings and breakdown.
    imports = imports_visible_to(user)  # type: ignore[arg-type]
    recent_imports = imports.defer("files", "breakdown", "findings", "periods")[:10]
    # Scrutiny readers see what the public sees; other roles work with exact figures.
    public = user.roles() <= {Role.SCRUTINY_READER}  # type: ignore[union-attr]
    panels = [
        {
            "partnership": partnership,
            "measures": dashboard_measures(partnership, public=public)
            if has_permission(user, Permission.AGGREGATES_VIEW, partnership=partnership)  # type: ignore[arg-type]
            else None,
        }
        for partnership in partnerships
    ]
    return render(
        request,
        "web/dashboard.html",
        {"panels": panels, "recent_imports": recent_imports, "public": public},
    )
