"""Public pages: the partnerships, accessibility statement, privacy notice."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from svduty.partnership.models import Partnership


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"partnerships": Partnership.objects.all()})


def partnership(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_object_or_404(Partnership, slug=slug)
    members = item.organisations.order_by("kind", "name")
    return render(request, "public/partnership.html", {"partnership": item, "members": members})


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "public/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")
