"""URLs of the partnership app."""

from django.urls import URLPattern

app_name = "partnership"
urlpatterns: list[URLPattern] = []
