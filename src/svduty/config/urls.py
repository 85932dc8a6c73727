"""URL routing: each domain app owns its own URLs."""

from django.urls import include, path

urlpatterns = [
    path("account/", include("svduty.access.urls")),
    path("jobs/", include("svduty.jobs.urls")),
    path("imports/", include("svduty.datasets.urls")),
    path("partnership/", include("svduty.partnership.urls")),
    path("strategy/", include("svduty.strategy.urls")),
    path("funding/", include("svduty.funding.urls")),
    path("decisions/", include("svduty.decisions.urls")),
    path("analysis/", include("svduty.analysis.urls")),
    path("documents/", include("svduty.documents.urls")),
    path("public/", include("svduty.public.urls")),
    path("api/", include("svduty.api.urls")),
    path("", include("svduty.web.urls")),
]

handler500 = "svduty.operations.views.server_error"
