"""URL routing: each domain app owns its own URLs."""

from django.urls import include, path

urlpatterns = [
    path("account/", include("svduty.access.urls")),
    path("jobs/", include("svduty.jobs.urls")),
    path("public/", include("svduty.public.urls")),
    path("", include("svduty.web.urls")),
]
