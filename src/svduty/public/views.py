"""Public pages: the partnerships, accessibility statement, privacy notice."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from svduty.access.decorators import public
from svduty.partnership.models import Partnership


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"partnerships": Partnership.objects.all()})


@public
def partnership(request: HttpRequest, slug: str) -> HttpResponse:
    from svduty.analysis.queries import dashboard_measures

    item = get_object_or_404(Partnership, slug=slug)
    members = item.organisations.order_by("kind", "name")
    definition = item.local_definitions.order_by("-version").first()
    # Only disclosure-controlled figures ever reach the public site.
    measures = dashboard_measures(item, public=True)
    return render(
        request,
        "public/partnership.html",
        {"partnership": item, "members": members, "definition": definition, "m": measures},
    )


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html")


@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")
