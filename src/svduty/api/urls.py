"""The API (``api:``) and the pages managing its tokens (``api_tokens:``), mounted at ``api/``."""

from __future__ import annotations

from django.urls import include, path

from svduty.api import views
from svduty.api.api import api
from svduty.api.audit import audit_patterns

token_patterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("revoke/", views.token_revoke, name="revoke"),
]

api_patterns, _app_name, namespace = api.urls
PUBLIC_NAMES = {"api-root", "openapi-json", "partnerships", "measures", "assessment"}

urlpatterns = [
    path("tokens/", include((token_patterns, "api_tokens"))),
    path("", include((audit_patterns(api_patterns, public_names=PUBLIC_NAMES), namespace))),
]
