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
    item = get_object_or_404(Partnership, slug=slug)
    members = item.organisations.order_by("kind", "name")
    return render(request, "public/partnership.html", {"partnership": item, "members": members})


@public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html")


@public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")
